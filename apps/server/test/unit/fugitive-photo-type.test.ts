import { describe, expect, it } from "vitest";
import { imageTypeOf } from "../../src/modules/fugitives/fugitives.photos.js";
import { JPEG_HEAD, PNG_1X1 } from "../support/fugitives-fixtures.js";

const b64 = (s: string) => Buffer.from(s, "base64");

describe("a photo's type is read from its first bytes, not from its name", () => {
  it("recognises JPEG, PNG and WebP", () => {
    expect(imageTypeOf(b64(JPEG_HEAD))).toBe("image/jpeg");
    expect(imageTypeOf(b64(PNG_1X1))).toBe("image/png");
    const webp = Buffer.concat([Buffer.from("RIFF"), Buffer.from([0x24, 0, 0, 0]), Buffer.from("WEBPVP8 ")]);
    expect(imageTypeOf(webp)).toBe("image/webp");
  });

  it("refuses anything else, including near misses and truncated signatures", () => {
    expect(imageTypeOf(Buffer.from("%PDF-1.7"))).toBeNull();
    expect(imageTypeOf(Buffer.from("GIF89a......"))).toBeNull();
    expect(imageTypeOf(Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'/>"))).toBeNull();
    // a RIFF file that is not WebP (a WAV sound)
    expect(
      imageTypeOf(Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(4), Buffer.from("WAVE")])),
    ).toBeNull();
    expect(imageTypeOf(b64(PNG_1X1).subarray(0, 7))).toBeNull();
    expect(imageTypeOf(Buffer.from([0xff, 0xd8]))).toBeNull();
    expect(imageTypeOf(Buffer.alloc(0))).toBeNull();
  });
});
