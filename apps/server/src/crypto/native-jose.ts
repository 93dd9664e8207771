/**
 * The JOSE primitives Crossline envelopes and receipts use, done synchronously with node:crypto:
 *
 * - JWS compact, alg EdDSA (Ed25519, RFC 8037): `crypto.sign(null, …)` / `crypto.verify(null, …)`;
 * - JWE compact, alg ECDH-ES (direct key agreement, X25519, RFC 8037) with enc A256GCM: an ephemeral key from
 *   `generateKeyPairSync("x25519")` with its public half encoded as a JWK by the generation (okp-generate.ts:
 *   a JWK export afterwards can deadlock the process on Node 20), `crypto.diffieHellman`, the Concat KDF of
 *   RFC 7518 §4.6.2 (SHA-256, AlgorithmID "A256GCM", empty PartyUInfo/PartyVInfo, SuppPubInfo 256),
 *   AES-256-GCM with AAD = ASCII of the base64url protected header, 96-bit IV, 128-bit tag.
 *
 * The output is the standard compact serialisation, the same bytes `jose` would produce for the same header,
 * key and randomness. Every function only handles the plain shape Crossline produces and returns `undefined`
 * for anything else (crit, b64, apu/apv, extra epk members, non-canonical base64url, unusual keys …): the
 * caller then hands the token to `jose`, so what is accepted and how it is rejected stays exactly `jose`'s.
 * See docs/decisions/0003-native-crypto-for-envelopes.md.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from "node:crypto";
import { sha256 } from "./hash.js";
import { generateEphemeralX25519 } from "./okp-generate.js";

export type OkpType = "ed25519" | "x25519";

const CRV: Record<OkpType, string> = { ed25519: "Ed25519", x25519: "X25519" };
const B64URL_RE = /^[A-Za-z0-9_-]*$/;
const B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * True if `s` is canonical unpadded base64url (the form every JOSE library writes): alphabet only, no
 * impossible length, zero trailing bits. Cheap: does not decode.
 */
export function isFastB64u(s: string): boolean {
  if (!B64URL_RE.test(s)) return false;
  const rem = s.length % 4;
  if (rem === 0) return true;
  if (rem === 1) return false;
  const last = B64URL_ALPHABET.indexOf(s[s.length - 1]);
  return rem === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

/** Decode canonical base64url of exactly `len` bytes, else undefined. */
function b64uBytes(s: unknown, len: number): Buffer | undefined {
  if (typeof s !== "string" || !isFastB64u(s)) return undefined;
  const b = Buffer.from(s, "base64url");
  return b.length === len ? b : undefined;
}

function b64u(s: string): string {
  return Buffer.from(s, "utf8").toString("base64url");
}

// ---------------------------------------------------------------------------------------------------------
// KeyObject cache, keyed by the key material itself (not only by kid: a reused kid cannot alias another key).
// `null` records "node cannot use this key as-is": the caller goes to jose.

const KEY_CACHE_MAX = 512;
const keyCache = new Map<string, KeyObject | null>();

function remember(cacheKey: string, key: KeyObject | null): KeyObject | undefined {
  if (keyCache.size >= KEY_CACHE_MAX) {
    const oldest = keyCache.keys().next().value;
    if (oldest !== undefined) keyCache.delete(oldest);
  }
  keyCache.set(cacheKey, key);
  return key ?? undefined;
}

export function clearNativeKeyCache(): void {
  keyCache.clear();
}

/** Private OKP JWK → KeyObject, only if it is a consistent, canonical key of `type` (x matches d). */
export function nativePrivateKey(
  jwk: { crv?: unknown; x?: unknown; d?: unknown },
  type: OkpType,
): KeyObject | undefined {
  const { crv, x, d } = jwk;
  if (crv !== CRV[type] || typeof x !== "string" || typeof d !== "string") return undefined;
  const cacheKey = `${type}|priv|${x}|${d}`;
  const cached = keyCache.get(cacheKey);
  if (cached !== undefined) return cached ?? undefined;
  let key: KeyObject | null = null;
  if (b64uBytes(x, 32) && b64uBytes(d, 32)) {
    try {
      const k = createPrivateKey({ key: { kty: "OKP", crv, x, d }, format: "jwk" });
      if (k.asymmetricKeyType === type && createPublicKey(k).export({ format: "jwk" }).x === x) key = k;
    } catch {
      key = null;
    }
  }
  return remember(cacheKey, key);
}

/** Public OKP JWK → KeyObject, only if it is a canonical key of `type`. */
export function nativePublicKey(jwk: { crv?: unknown; x?: unknown }, type: OkpType): KeyObject | undefined {
  const { crv, x } = jwk;
  if (crv !== CRV[type] || typeof x !== "string") return undefined;
  const cacheKey = `${type}|pub|${x}`;
  const cached = keyCache.get(cacheKey);
  if (cached !== undefined) return cached ?? undefined;
  return remember(cacheKey, importPublic(x, type) ?? null);
}

function importPublic(x: string, type: OkpType): KeyObject | undefined {
  if (!b64uBytes(x, 32)) return undefined;
  try {
    const k = createPublicKey({ key: { kty: "OKP", crv: CRV[type], x }, format: "jwk" });
    return k.asymmetricKeyType === type ? k : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------
// JWS compact, EdDSA

/** Sign: `b64u(header).b64u(payload).b64u(sig)`. undefined if the header needs jose (crit, b64). */
export function nativeSignCompact(
  payloadJson: string,
  protectedHeader: Record<string, unknown>,
  key: KeyObject,
): string | undefined {
  if (Object.hasOwn(protectedHeader, "crit") || Object.hasOwn(protectedHeader, "b64")) return undefined;
  try {
    const signingInput = `${b64u(JSON.stringify(protectedHeader))}.${b64u(payloadJson)}`;
    const sig = sign(null, Buffer.from(signingInput, "latin1"), key);
    return `${signingInput}.${sig.toString("base64url")}`;
  } catch {
    return undefined;
  }
}

/**
 * Verify a split compact JWS whose protected header is already decoded. Returns the payload bytes, `false`
 * for a signature that does not verify, or undefined when the token is outside the plain shape (jose decides).
 */
export function nativeVerifyCompact(
  parts: string[],
  protectedHeader: Record<string, unknown>,
  key: KeyObject,
): Uint8Array | false | undefined {
  if (parts.length !== 3) return undefined;
  if (Object.hasOwn(protectedHeader, "crit") || Object.hasOwn(protectedHeader, "b64")) return undefined;
  const [h, p, s] = parts;
  if (!isFastB64u(h) || !isFastB64u(p)) return undefined;
  const sig = b64uBytes(s, 64);
  if (!sig) return undefined;
  let ok: boolean;
  try {
    ok = verify(null, Buffer.from(`${h}.${p}`, "latin1"), key, sig);
  } catch {
    return undefined;
  }
  return ok ? Buffer.from(p, "base64url") : false;
}

// ---------------------------------------------------------------------------------------------------------
// JWE compact, ECDH-ES (X25519) + A256GCM

function uint32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function lengthPrefixed(b: Buffer): Buffer {
  return Buffer.concat([uint32be(b.length), b]);
}

/**
 * The Concat KDF of NIST SP 800-56A as RFC 7518 §4.6.2 uses it for ECDH-ES: SHA-256 rounds over
 * `counter || Z || OtherInfo`, where OtherInfo is AlgorithmID, PartyUInfo and PartyVInfo (each
 * length-prefixed) and SuppPubInfo (the key length in bits). General, so that the RFC's Appendix C vector
 * (A128GCM, apu "Alice", apv "Bob") checks the very code the envelope path runs.
 */
export function concatKdf(
  z: Buffer,
  p: { algorithmId: string; keyBits: number; apu?: Buffer; apv?: Buffer },
): Buffer {
  const otherInfo = Buffer.concat([
    lengthPrefixed(Buffer.from(p.algorithmId, "ascii")),
    lengthPrefixed(p.apu ?? Buffer.alloc(0)),
    lengthPrefixed(p.apv ?? Buffer.alloc(0)),
    uint32be(p.keyBits),
  ]);
  const rounds = Math.ceil(p.keyBits / 256);
  const out = Buffer.concat(Array.from({ length: rounds }, (_, i) => sha256(uint32be(i + 1), z, otherInfo)));
  return out.subarray(0, p.keyBits / 8);
}

/** The A256GCM content encryption key of ECDH-ES direct, no apu/apv: what every Crossline envelope uses. */
function concatKdfA256Gcm(z: Buffer): Buffer {
  return concatKdf(z, { algorithmId: "A256GCM", keyBits: 256 });
}

/**
 * Encrypt to `recipient` (X25519 public KeyObject) with a fresh ephemeral key; the protected header is
 * `header` plus `epk` ({x, crv, kty}, as jose writes it). undefined if the header needs jose.
 */
export function nativeEncryptEcdhEsA256Gcm(
  plaintext: string,
  header: Record<string, unknown>,
  recipient: KeyObject,
): string | undefined {
  if (header.alg !== "ECDH-ES" || header.enc !== "A256GCM") return undefined;
  for (const k of ["crit", "zip", "apu", "apv", "epk"]) if (Object.hasOwn(header, k)) return undefined;
  try {
    const { privateKey, x } = generateEphemeralX25519();
    const cek = concatKdfA256Gcm(diffieHellman({ privateKey, publicKey: recipient }));
    const protectedB64 = b64u(JSON.stringify({ ...header, epk: { x, crv: "X25519", kty: "OKP" } }));
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", cek, iv, { authTagLength: 16 });
    cipher.setAAD(Buffer.from(protectedB64, "latin1"));
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${protectedB64}..${iv.toString("base64url")}.${ct.toString("base64url")}.${tag.toString("base64url")}`;
  } catch {
    return undefined;
  }
}

const JWE_PLAIN_MEMBERS = new Set(["alg", "enc", "kid", "typ", "cty", "cl", "epk"]);
const EPK_MEMBERS = new Set(["kty", "crv", "x"]);

/**
 * Decrypt a split compact JWE whose protected header is already decoded, with an X25519 private KeyObject.
 * Returns the plaintext, `false` if authenticated decryption fails (tampered, or not for this key), or
 * undefined when the token is outside the plain shape (jose decides).
 */
export function nativeDecryptEcdhEsA256Gcm(
  parts: string[],
  header: Record<string, unknown>,
  key: KeyObject,
): Uint8Array | false | undefined {
  if (parts.length !== 5 || header.alg !== "ECDH-ES" || header.enc !== "A256GCM") return undefined;
  for (const k of Object.keys(header)) if (!JWE_PLAIN_MEMBERS.has(k)) return undefined;
  const epk = header.epk;
  if (typeof epk !== "object" || epk === null || Array.isArray(epk)) return undefined;
  const e = epk as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!EPK_MEMBERS.has(k)) return undefined;
  if (e.kty !== "OKP" || e.crv !== "X25519" || typeof e.x !== "string") return undefined;
  const [h, encryptedKey, ivB64, ctB64, tagB64] = parts;
  if (encryptedKey !== "" || !isFastB64u(h) || ctB64 === "" || !isFastB64u(ctB64)) return undefined;
  const iv = b64uBytes(ivB64, 12);
  const tag = b64uBytes(tagB64, 16);
  if (!iv || !tag) return undefined;
  const epkKey = importPublic(e.x, "x25519");
  if (!epkKey) return undefined;
  let cek: Buffer;
  try {
    cek = concatKdfA256Gcm(diffieHellman({ privateKey: key, publicKey: epkKey }));
  } catch {
    return undefined;
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", cek, iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(h, "latin1"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ctB64, "base64url")), decipher.final()]);
  } catch {
    return false;
  }
}
