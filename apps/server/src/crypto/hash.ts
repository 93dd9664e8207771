import { createHash } from "node:crypto";

/** SHA-256 as lower-case hex. Strings are hashed as their UTF-8 bytes. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}
