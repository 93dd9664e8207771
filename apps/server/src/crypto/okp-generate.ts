/**
 * Fresh OKP keys (Ed25519, X25519; RFC 8037) with their JWK members encoded by the key generation itself.
 *
 * Why not `generateKeyPairSync(type)` and then `keyObject.export({ format: "jwk" })`: on Node 20 (20.20 here)
 * that can deadlock the process. The export holds the key's mutex while it allocates the JWK's strings; when
 * the allocation starts a garbage collection that frees the finished key-generation job, the job's destructor
 * takes the same mutex on the same thread, which then waits for itself for good: the event loop stops, the CPU
 * is idle (stack: `KeyObjectHandle::ExportJWK → ExportJWKEdKey → … → Heap::CollectGarbage → … → ~KeyGenJob →
 * uv_mutex_lock`). A loop of `generateKeyPairSync("x25519")` and a JWK export hung before 20,000 keys in every
 * run; the federation benchmark's sender hung so (each envelope's ephemeral key) in 1 of 8 runs.
 *
 * Asking the generation for JWK output (`publicKeyEncoding` / `privateKeyEncoding` `{ format: "jwk" }`)
 * encodes the key while the job is still alive, so a collection then cannot free that job; and no key it
 * returns as a KeyObject is ever exported as a JWK afterwards. 1,500,000 keys each way ran without a stop, at
 * the old speed (the DER export, the other way around the lock, costs ~100 µs a key against ~35 µs).
 * `test/unit/okp-generate.test.ts` runs both paths in a child process long enough to hang the old way.
 */
import { generateKeyPairSync, type JsonWebKey, type KeyObject } from "node:crypto";

/**
 * `generateKeyPairSync` with JWK output, which node supports for these key types but its type declarations do
 * not list: each half is a JWK when its encoding is given, a KeyObject otherwise.
 */
const generateWithJwk = generateKeyPairSync as unknown as {
  (
    type: "ed25519" | "x25519",
    options: { publicKeyEncoding: { format: "jwk" }; privateKeyEncoding: { format: "jwk" } },
  ): { publicKey: JsonWebKey; privateKey: JsonWebKey };
  (
    type: "x25519",
    options: { publicKeyEncoding: { format: "jwk" } },
  ): { publicKey: JsonWebKey; privateKey: KeyObject };
};

export interface OkpJwkPair {
  crv: "Ed25519" | "X25519";
  /** Public key, base64url (the JWK's `x`). */
  x: string;
  /** Private key, base64url (the JWK's `d`). */
  d: string;
}

/** A new Ed25519 or X25519 key pair as its JWK members. */
export function generateOkpJwk(type: "ed25519" | "x25519"): OkpJwkPair {
  const { publicKey, privateKey } = generateWithJwk(type, {
    publicKeyEncoding: { format: "jwk" },
    privateKeyEncoding: { format: "jwk" },
  });
  const crv = type === "ed25519" ? "Ed25519" : "X25519";
  const { x } = publicKey;
  const { d } = privateKey;
  if (publicKey.crv !== crv || typeof x !== "string" || typeof d !== "string" || privateKey.x !== x) {
    throw new Error(`unexpected key generation output for ${type}`);
  }
  return { crv, x, d };
}

/**
 * A new X25519 key pair for one key agreement (an envelope's ephemeral key): the private key as a KeyObject
 * (for `crypto.diffieHellman`; never exported) and the public key's `x`.
 */
export function generateEphemeralX25519(): { privateKey: KeyObject; x: string } {
  const { publicKey, privateKey } = generateWithJwk("x25519", { publicKeyEncoding: { format: "jwk" } });
  const { x } = publicKey;
  if (publicKey.crv !== "X25519" || typeof x !== "string")
    throw new Error("unexpected X25519 key generation output");
  return { privateKey, x };
}
