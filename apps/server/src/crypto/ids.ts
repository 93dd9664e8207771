/**
 * UUIDv7 (RFC 9562, section 5.7) for every id in Crossline.
 *
 * Layout: 48-bit Unix time in milliseconds | version 7 | 12-bit rand_a | variant 0b10 | 62-bit rand_b.
 * Monotonic within one process (RFC 9562 section 6.2, method 1 "fixed-length dedicated counter"): rand_a and
 * the top 30 bits of rand_b form a 42-bit counter, seeded randomly (top bit clear) at each new millisecond
 * and incremented for each further id in the same millisecond; the remaining 32 bits are random. If the
 * clock goes backwards, the last timestamp is kept; if the counter overflows, the timestamp is advanced by
 * one millisecond. So ids sort (as strings or bytes) in creation order within one process.
 */
import { randomFillSync } from "node:crypto";

const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let poolPos = POOL_SIZE;

function randomBytes(n: number): Uint8Array {
  if (poolPos + n > POOL_SIZE) {
    randomFillSync(pool);
    poolPos = 0;
  }
  const out = pool.subarray(poolPos, poolPos + n);
  poolPos += n;
  return out;
}

const COUNTER_BITS = 42;
const COUNTER_MAX = 2 ** COUNTER_BITS - 1;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

let lastMs = -1;
let counter = 0;

function seedCounter(): number {
  const r = randomBytes(6);
  // 41 random bits: top bit of the 42-bit counter clear, leaving room to increment
  return (
    (r[0] & 0x01) * 2 ** 40 + r[1] * 2 ** 32 + (((r[2] << 24) | (r[3] << 16) | (r[4] << 8) | r[5]) >>> 0)
  );
}

export function uuidv7(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = seedCounter();
  } else {
    counter++;
    if (counter > COUNTER_MAX) {
      lastMs++;
      counter = seedCounter();
    }
  }
  const b = new Uint8Array(16);
  // 48-bit timestamp, big-endian
  const hi = Math.floor(lastMs / 2 ** 16);
  const lo = lastMs % 2 ** 16;
  b[0] = (hi >>> 24) & 0xff;
  b[1] = (hi >>> 16) & 0xff;
  b[2] = (hi >>> 8) & 0xff;
  b[3] = hi & 0xff;
  b[4] = (lo >>> 8) & 0xff;
  b[5] = lo & 0xff;
  // counter: top 12 bits -> rand_a, low 30 bits -> first 30 bits of rand_b
  const cHi = Math.floor(counter / 2 ** 30); // 12 bits
  const cLo = counter % 2 ** 30; // 30 bits
  b[6] = 0x70 | ((cHi >>> 8) & 0x0f);
  b[7] = cHi & 0xff;
  b[8] = 0x80 | ((cLo >>> 24) & 0x3f);
  b[9] = (cLo >>> 16) & 0xff;
  b[10] = (cLo >>> 8) & 0xff;
  b[11] = cLo & 0xff;
  b.set(randomBytes(4), 12);
  let s = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
    s += HEX[b[i]];
  }
  return s;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUIDV7_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Lower-case canonical UUID of any version. */
export function isUuid(s: unknown): s is string {
  return typeof s === "string" && UUID_RE.test(s);
}

/** Lower-case canonical UUID, version 7, RFC 9562 variant. */
export function isUuidv7(s: unknown): s is string {
  return typeof s === "string" && UUIDV7_RE.test(s);
}

/** Millisecond Unix timestamp embedded in a UUIDv7. */
export function uuidv7Timestamp(id: string): number {
  if (!isUuidv7(id)) throw new Error("not a UUIDv7");
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
