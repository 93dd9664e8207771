/**
 * Node key material: generation of signing (Ed25519) and encryption (X25519) keys as JWKs,
 * RFC 7638 key ids, sealing of private keys at rest under a node master key, and the short
 * human-comparable fingerprint officers read to each other over the phone when pairing nodes.
 *
 * Pure functions, synchronous, node:crypto only.
 */
import { createCipheriv, createDecipheriv, type JsonWebKey, randomBytes } from "node:crypto";
import { sha256 } from "./hash.js";
import { generateOkpJwk } from "./okp-generate.js";

export type { JsonWebKey } from "node:crypto";

export type KeyUse = "sig" | "enc";

export interface PublicKeyJwk {
  kty: "OKP";
  crv: "Ed25519" | "X25519";
  x: string;
  kid: string;
  use: KeyUse;
  alg?: string;
}

export interface GeneratedKey {
  kid: string;
  use: KeyUse;
  publicJwk: PublicKeyJwk;
  /** Private JWK: kty, crv, x, d, kid, use, alg. Never leaves the node unsealed. */
  privateJwk: JsonWebKey;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of an OKP key: hash of {"crv","kty","x"} in that order. */
export function okpThumbprint(jwk: { crv: string; x: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: "OKP", x: jwk.x });
  return sha256(canonical).toString("base64url");
}

function generateOkp(type: "ed25519" | "x25519", use: KeyUse, alg: string): GeneratedKey {
  // Encoded by the generation itself: a JWK export afterwards can deadlock on Node 20 (okp-generate.ts).
  const { crv, x, d } = generateOkpJwk(type);
  const kid = okpThumbprint({ crv, x });
  const publicJwk: PublicKeyJwk = { kty: "OKP", crv, x, kid, use, alg };
  const privateJwk: JsonWebKey = { kty: "OKP", crv, x, d, kid, use, alg };
  return { kid, use, publicJwk, privateJwk };
}

/** New Ed25519 signing key (alg "EdDSA", RFC 8037), kid = RFC 7638 thumbprint. */
export function generateSigningKey(): GeneratedKey {
  return generateOkp("ed25519", "sig", "EdDSA");
}

/** New X25519 key-agreement key (alg "ECDH-ES", RFC 8037), kid = RFC 7638 thumbprint. */
export function generateEncryptionKey(): GeneratedKey {
  return generateOkp("x25519", "enc", "ECDH-ES");
}

/** New node master key: 32 random bytes, base64url. Keep it outside the database (env / secret store). */
export function generateMasterKey(): string {
  return randomBytes(32).toString("base64url");
}

const SEAL_VERSION = "v1";
const B64URL = /^[A-Za-z0-9_-]*$/;

function decodeMasterKey(masterKey: string): Buffer {
  const key = B64URL.test(masterKey) ? Buffer.from(masterKey, "base64url") : Buffer.alloc(0);
  if (key.length !== 32) throw new Error("master key must be 32 bytes, base64url-encoded");
  return key;
}

/**
 * Seal a private JWK for storage: AES-256-GCM under the master key, with `aad` (e.g. the kid) bound as
 * additional authenticated data so a sealed key cannot be swapped onto another row.
 * Returns "v1.<iv>.<ciphertext>.<tag>", each part base64url.
 */
export function sealPrivateKey(privateJwk: JsonWebKey, masterKey: string, aad: string): string {
  const key = decodeMasterKey(masterKey);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ct = Buffer.concat([cipher.update(JSON.stringify(privateJwk), "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [SEAL_VERSION, iv.toString("base64url"), ct.toString("base64url"), tag.toString("base64url")].join(
    ".",
  );
}

/** Open a value produced by sealPrivateKey. Throws on wrong master key, wrong aad, tampering or bad format. */
export function openPrivateKey(sealed: string, masterKey: string, aad: string): JsonWebKey {
  const key = decodeMasterKey(masterKey);
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== SEAL_VERSION || !parts.every((p) => B64URL.test(p))) {
    throw new Error("sealed private key: unrecognised format (expected v1.<iv>.<ciphertext>.<tag>)");
  }
  const iv = Buffer.from(parts[1], "base64url");
  const ct = Buffer.from(parts[2], "base64url");
  const tag = Buffer.from(parts[3], "base64url");
  if (iv.length !== 12 || tag.length !== 16) throw new Error("sealed private key: bad iv or tag length");
  let plain: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch {
    throw new Error("sealed private key: cannot open (wrong master key, wrong key id, or tampered data)");
  }
  const parsed: unknown = JSON.parse(plain.toString("utf8"));
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error("sealed private key: content is not a JWK");
  }
  return parsed as JsonWebKey;
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"; // RFC 4648

function base32(bytes: Uint8Array, chars: number): string {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= chars) break;
  }
  return out;
}

/**
 * Short fingerprint of a node's public keys, for officers of two nodes to compare by phone when pairing:
 * SHA-256 over the sorted, de-duplicated kids joined by "\n", first 100 bits as RFC 4648 base32 in four
 * groups of five, e.g. "K7Q2M-4XJ9A-...". Independent of key order.
 */
export function fingerprint(keys: PublicKeyJwk[]): string {
  const kids = [...new Set(keys.map((k) => k.kid))].sort();
  const digest = sha256(kids.join("\n"));
  const s = base32(digest, 20);
  return `${s.slice(0, 5)}-${s.slice(5, 10)}-${s.slice(10, 15)}-${s.slice(15, 20)}`;
}
