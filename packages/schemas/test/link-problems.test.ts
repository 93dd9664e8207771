import { describe, expect, it } from "vitest";
import {
  formatNotificationParams,
  linkProblemOf,
  linkProblemText,
  renderNotification,
} from "../src/index.js";

describe("a link's last error, read as what went wrong", () => {
  it("places each kind of text the sender records (connection, timeout, certificate, answer, refusal, restore)", () => {
    const cases: [string, ReturnType<typeof linkProblemOf>][] = [
      [
        "fetch failed: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:4001",
        { kind: "refused", code: "ECONNREFUSED", reason: null },
      ],
      [
        "fetch failed: ENOTFOUND: getaddrinfo ENOTFOUND node.example.invalid",
        { kind: "notFound", code: "ENOTFOUND", reason: null },
      ],
      ["The operation was aborted due to timeout", { kind: "timeout", code: null, reason: null }],
      [
        "fetch failed: UND_ERR_CONNECT_TIMEOUT: Connect Timeout Error",
        { kind: "timeout", code: "UND_ERR_CONNECT_TIMEOUT", reason: null },
      ],
      [
        "fetch failed: UND_ERR_SOCKET: other side closed",
        { kind: "cutOff", code: "UND_ERR_SOCKET", reason: null },
      ],
      [
        "fetch failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate",
        { kind: "certificate", code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE", reason: null },
      ],
      [
        "fetch failed: TLS_PIN_MISMATCH: the peer's certificate is not the pin abc agreed at pairing",
        { kind: "pinMismatch", code: "TLS_PIN_MISMATCH", reason: null },
      ],
      [
        'HTTP 503: {"error":{"code":"UNAVAILABLE","message":"Service unavailable"}}',
        { kind: "httpError", code: "HTTP 503", reason: null },
      ],
      [
        'HTTP 429: {"error":{"code":"RATE_LIMITED","message":"Too many requests"}}',
        { kind: "httpError", code: "HTTP 429", reason: "RATE_LIMITED" },
      ],
      ["rejected: PEER_SUSPENDED", { kind: "peerRefused", code: "PEER_SUSPENDED", reason: "PEER_SUSPENDED" }],
      ["no receipt (RATE_LIMITED)", { kind: "peerRefused", code: "RATE_LIMITED", reason: "RATE_LIMITED" }],
      // a reason from a newer peer: its code, with no label of ours
      ["rejected: SOMETHING_NEWER", { kind: "peerRefused", code: "SOMETHING_NEWER", reason: null }],
      ["no receipt (no reason)", { kind: "badAnswer", code: null, reason: null }],
      [
        "receipt does not verify: signature verification failed",
        { kind: "badAnswer", code: null, reason: null },
      ],
      ["receipt does not match the envelope sent", { kind: "badAnswer", code: null, reason: null }],
      ["RECONCILE: the peer did not answer", { kind: "reconcile", code: null, reason: null }],
      ["attachment att_1 could not be read", { kind: "other", code: null, reason: null }],
    ];
    for (const [text, reading] of cases) expect(linkProblemOf(text), text).toEqual(reading);
  });

  it("is one line in each language, from the shared labels, with the code and never the English text in Chinese", () => {
    expect(linkProblemText("rejected: PEER_SUSPENDED", "en")).toBe(
      "Refused by the peer: the peer has suspended its link with this node (PEER_SUSPENDED)",
    );
    expect(linkProblemText("rejected: PEER_SUSPENDED", "zh-CN")).toBe(
      "被对方拒收：对方已暂停与本节点的链路（PEER_SUSPENDED）",
    );
    expect(linkProblemText("fetch failed: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:4001", "zh-CN")).toBe(
      "连接被拒绝：对方地址上没有服务应答（ECONNREFUSED）",
    );
    expect(linkProblemText('HTTP 429: {"error":{"code":"RATE_LIMITED"}}', "zh-CN")).toBe(
      "对方返回错误：本节点发送过于频繁（HTTP 429）",
    );
    expect(linkProblemText("The operation was aborted due to timeout", "en")).toBe(
      "The peer did not answer in time",
    );
    expect(linkProblemText("rejected: SOMETHING_NEWER", "zh-CN")).toBe("被对方拒收（SOMETHING_NEWER）");
    expect(linkProblemText("something nobody foresaw", "zh-CN")).toBe("投递失败");
  });

  it("reaches a notification as a text in both languages, rendered in the reader's", () => {
    const lastError = {
      en: linkProblemText("rejected: PEER_SUSPENDED", "en"),
      "zh-CN": linkProblemText("rejected: PEER_SUSPENDED", "zh-CN"),
    };
    const params = { peer: "US-DOJ", since: { at: "2026-12-05T08:00:00Z" }, lastError };
    expect(formatNotificationParams(params, "zh-CN", "Asia/Shanghai").lastError).toBe(lastError["zh-CN"]);
    expect(renderNotification("link_down", params, "zh-CN", "Asia/Shanghai")?.body).toContain(
      "最近错误：被对方拒收：对方已暂停与本节点的链路（PEER_SUSPENDED）。",
    );
    expect(renderNotification("link_down", params, "en", "Europe/London")?.body).toContain(
      "Last error: Refused by the peer: the peer has suspended its link with this node (PEER_SUSPENDED).",
    );
  });
});
