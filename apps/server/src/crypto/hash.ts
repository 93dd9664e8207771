import { createHash } from "node:crypto";

/**
 * The node's one SHA-256. Strings are hashed as their UTF-8 bytes; several parts are hashed as their
 * concatenation (without copying them into one buffer first).
 */
export function sha256(...parts: (Uint8Array | string)[]): Buffer {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

/** SHA-256 as lower-case hex. Strings are hashed as their UTF-8 bytes. */
export function sha256Hex(data: Uint8Array | string): string {
  return sha256(data).toString("hex");
}
