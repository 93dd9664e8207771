import { issueText } from "@crossline/schemas";
import { describe, expect, it } from "vitest";
import { maxPayloadBytes, payloadTooLarge } from "../../src/modules/federation/federation.outbox.js";

describe("outbox payload size", () => {
  const envelope = 4096;

  it("a payload within half the envelope passes", () => {
    expect(maxPayloadBytes(envelope)).toBe(2048);
    // 2048 bytes of JSON exactly: the quotes and 2046 ASCII characters.
    expect(payloadTooLarge("a".repeat(2046), envelope)).toBeNull();
  });

  it("PAYLOAD_TOO_LARGE names the payload's size and the limit in bytes (UTF-8, not characters)", () => {
    // 700 Chinese characters: 702 JSON characters, but 2102 bytes.
    const e = payloadTooLarge("中".repeat(700), envelope);
    expect(e?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(e?.status).toBe(413);
    const [d] = e?.details ?? [];
    expect(d).toMatchObject({
      field: "payload",
      key: "federation.payloadTooLarge",
      params: { size: 2102, limit: 2048 },
      issue: "the message payload is 2102 bytes; an envelope carries at most 2048 bytes of payload",
    });
    expect(
      issueText({ key: "federation.payloadTooLarge", params: { size: 2102, limit: 2048 } }, "zh-CN"),
    ).toBe("消息内容为 2102 字节；一个信封最多携带 2048 字节的内容");
  });
});
