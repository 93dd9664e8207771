/**
 * Crossline envelopes and receipts: standard JOSE, nested sign-then-encrypt.
 *
 *   JWE compact (RFC 7516; alg ECDH-ES with X25519 per RFC 8037, enc A256GCM; routing fields in the protected
 *   header under "cl")
 *     └─ plaintext: JWS compact (RFC 7515; alg EdDSA with Ed25519 per RFC 8037; full envelope header in the
 *        protected header under "cl"; payload = UTF-8 JSON of the message payload)
 *
 * Receipts are JWS compact (EdDSA), signed not encrypted. The exact wire format is in docs/federation.md.
 *
 * The primitives run synchronously on node:crypto (./native-jose.ts: Ed25519, X25519, the JOSE Concat KDF,
 * AES-256-GCM), which produces and accepts exactly the standard compact serialisations. Anything outside the
 * shape we produce (crit, b64, apu/apv, unusual epk members, non-canonical base64url, keys node cannot use
 * as-is) is handed to `jose`, so results and reject codes are those of `jose` in every case.
 * See docs/decisions/0003-native-crypto-for-envelopes.md.
 */
import { ENVELOPE_REJECT_CODES } from "@crossline/schemas";
import {
  CompactEncrypt,
  type CompactJWEHeaderParameters,
  type CompactJWSHeaderParameters,
  CompactSign,
  compactDecrypt,
  compactVerify,
  importJWK,
  type JWK,
} from "jose";
import { unstorableString } from "../lib/unicode.js";
import { sha256Hex } from "./hash.js";
import { isUuid } from "./ids.js";
import type { JsonWebKey, PublicKeyJwk } from "./keys.js";
import { leafHash, merkleTree, verifyInclusion } from "./merkle.js";
import {
  clearNativeKeyCache,
  nativeDecryptEcdhEsA256Gcm,
  nativeEncryptEcdhEsA256Gcm,
  nativePrivateKey,
  nativePublicKey,
  nativeSignCompact,
  nativeVerifyCompact,
} from "./native-jose.js";

export { sha256Hex } from "./hash.js";

// ---------------------------------------------------------------------------------------------------------
// Constants and types

export const ENVELOPE_JWS_TYP = "crossline-envelope+jws";
export const ENVELOPE_JWE_TYP = "crossline-envelope+jwe";
export const RECEIPT_JWS_TYP = "crossline-receipt+jws";
export const BATCH_RECEIPT_JWS_TYP = "crossline-batch-receipt+jws";
/** What a node that signs batch receipts says in its answer to a delivery (docs/federation.md §3.1). */
export const BATCH_RECEIPT_CAPABILITY = "batch-receipt-v1";
export const DEFAULT_MAX_ENVELOPE_BYTES = 1024 * 1024;

/** The envelope's reject codes are defined with every other reject reason, in the schemas package. */
export { ENVELOPE_REJECT_CODES };
export type EnvelopeRejectCode = (typeof ENVELOPE_REJECT_CODES)[number];

export class EnvelopeError extends Error {
  readonly code: EnvelopeRejectCode;
  constructor(code: EnvelopeRejectCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = "EnvelopeError";
    this.code = code;
  }
}

export interface EnvelopeAttachment {
  id: string;
  /** lower-case hex SHA-256 of the attachment bytes */
  sha256: string;
  size: number;
  name?: string;
}

export interface EnvelopeHeader {
  /** UUIDv7 */
  msgId: string;
  /** node id of the sender */
  sender: string;
  /** node id of the recipient */
  recipient: string;
  /** per-(sender, recipient) sequence number, integer >= 0 */
  seq: number;
  /** ISO 8601 creation time at the sender (informative; ordering rests on seq, not on clocks) */
  created: string;
  type: string;
  schemaVersion: number;
  conversation?: string;
  inReplyTo?: string;
  attachments?: EnvelopeAttachment[];
}

/** The routing fields duplicated, in clear but authenticated, in the JWE protected header. */
export interface EnvelopeRouting {
  msgId: string;
  sender: string;
  recipient: string;
  seq: number;
}

export interface PeekedEnvelope extends EnvelopeRouting {
  /** kid of the recipient encryption key the envelope was encrypted to */
  kid: string;
}

export interface SigningKeyInput {
  kid: string;
  privateJwk: JsonWebKey;
}

export interface SizeOptions {
  /** maximum size of the JWE compact serialization in bytes (default 1 MiB) */
  maxBytes?: number;
}

export interface SealEnvelopeInput extends SizeOptions {
  header: EnvelopeHeader;
  payload: unknown;
  signingKey: SigningKeyInput;
  recipientEncKey: PublicKeyJwk;
}

export interface OpenEnvelopeOptions extends SizeOptions {
  /** the node's encryption private keys by kid (current, and previous ones during rotation) */
  decryptionKeys: Map<string, JsonWebKey>;
  /** the sender's signing public keys (current, and previous ones during rotation overlap) */
  senderSigningKeys: PublicKeyJwk[];
  /** this node's id */
  expectedRecipient: string;
}

export interface OpenedEnvelope {
  header: EnvelopeHeader;
  payload: unknown;
  /** the inner JWS compact serialization: keep it, it is the sender's signed proof of what was sent */
  jws: string;
  /** kid of the sender key that verified the signature */
  signerKid: string;
}

export interface ReceiptClaims {
  msgId: string;
  /** node issuing the receipt (the receiver of the envelope) */
  sender: string;
  /** node the receipt is for (the sender of the envelope) */
  recipient: string;
  seq: number;
  status: "accepted" | "rejected";
  /** for rejected: an EnvelopeRejectCode or another reason code */
  reason?: string;
  /** ISO 8601 time the envelope was received */
  receivedAt: string;
  /** lower-case hex SHA-256 of the JWE compact serialization as received (ASCII bytes) */
  envelopeSha256: string;
}

// ---------------------------------------------------------------------------------------------------------
// Key import cache: importing a JWK costs more than a signature; keep imported keys per key material.

type ImportedKey = Awaited<ReturnType<typeof importJWK>>;
type Alg = "EdDSA" | "ECDH-ES";

const KEY_CACHE_MAX = 512;
const keyCache = new Map<string, Promise<ImportedKey>>();

function importCached(
  jwk: { crv?: unknown; x?: unknown; d?: unknown },
  alg: Alg,
  priv: boolean,
): Promise<ImportedKey> {
  const crv = typeof jwk.crv === "string" ? jwk.crv : "";
  const x = typeof jwk.x === "string" ? jwk.x : "";
  const d = priv && typeof jwk.d === "string" ? jwk.d : "";
  // Keyed by the key material itself (not only by kid) so a record with a reused kid cannot alias another key.
  const cacheKey = `${alg}|${priv ? "priv" : "pub"}|${crv}|${x}|${d}`;
  let p = keyCache.get(cacheKey);
  if (!p) {
    if (priv && !d) return Promise.reject(new Error("private JWK without d"));
    const material: JWK = priv ? { kty: "OKP", crv, x, d } : { kty: "OKP", crv, x };
    p = importJWK(material, alg);
    if (keyCache.size >= KEY_CACHE_MAX) {
      const oldest = keyCache.keys().next().value;
      if (oldest !== undefined) keyCache.delete(oldest);
    }
    keyCache.set(cacheKey, p);
    p.catch(() => keyCache.delete(cacheKey));
  }
  return p;
}

/** Drop all cached imported keys (frees memory; removed keys are simply no longer passed in). */
export function clearKeyCache(): void {
  keyCache.clear();
  clearNativeKeyCache();
}

// ---------------------------------------------------------------------------------------------------------
// Validation helpers

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });
const B64URL_RE = /^[A-Za-z0-9_-]*$/;
const HEX64_RE = /^[0-9a-f]{64}$/;
const MAX_ID_LEN = 256;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isNonEmptyString(v: unknown, max = MAX_ID_LEN): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= max;
}

/** Node ids and key ids are printable ASCII: a NUL or a control character in one is refused, not looked up. */
const PRINTABLE_ID_RE = /^[\x21-\x7e]+$/;
function isId(v: unknown): v is string {
  return isNonEmptyString(v) && PRINTABLE_ID_RE.test(v);
}

/** Parsed JSON that PostgreSQL can store (no NUL, no lone surrogate), else MALFORMED naming where. */
function storable<T>(v: T, what: string): T {
  const bad = unstorableString(v, what);
  if (bad) throw new EnvelopeError("MALFORMED", `${(bad.field ?? what).slice(0, 200)} ${bad.issue}`);
  return v;
}

function isSeq(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function isIsoDate(v: unknown): v is string {
  return typeof v === "string" && v.length <= 64 && !Number.isNaN(Date.parse(v));
}

function decodeJsonSegment(segment: string, what: string): Record<string, unknown> {
  if (!B64URL_RE.test(segment)) throw new EnvelopeError("MALFORMED", `${what}: not base64url`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(dec.decode(Buffer.from(segment, "base64url")));
  } catch (cause) {
    throw new EnvelopeError("MALFORMED", `${what}: not UTF-8 JSON`, { cause });
  }
  if (!isObject(parsed)) throw new EnvelopeError("MALFORMED", `${what}: not a JSON object`);
  return storable(parsed, what);
}

function parseRouting(v: unknown, where: string): EnvelopeRouting {
  if (!isObject(v)) throw new EnvelopeError("MALFORMED", `${where}: missing "cl" object`);
  const { msgId, sender, recipient, seq } = v;
  if (!isUuid(msgId)) throw new EnvelopeError("MALFORMED", `${where}: cl.msgId must be a lower-case UUID`);
  if (!isId(sender)) throw new EnvelopeError("MALFORMED", `${where}: cl.sender must be a printable node id`);
  if (!isId(recipient)) {
    throw new EnvelopeError("MALFORMED", `${where}: cl.recipient must be a printable node id`);
  }
  if (!isSeq(seq)) throw new EnvelopeError("MALFORMED", `${where}: cl.seq must be an integer >= 0`);
  return { msgId, sender, recipient, seq };
}

function parseAttachments(v: unknown, where: string): EnvelopeAttachment[] {
  if (!Array.isArray(v)) throw new EnvelopeError("MALFORMED", `${where}: cl.attachments must be an array`);
  return v.map((a, i) => {
    if (!isObject(a))
      throw new EnvelopeError("MALFORMED", `${where}: cl.attachments[${i}] must be an object`);
    const { id, sha256, size, name } = a;
    if (
      !isNonEmptyString(id) ||
      typeof sha256 !== "string" ||
      !HEX64_RE.test(sha256) ||
      !isSeq(size) ||
      (name !== undefined && typeof name !== "string")
    ) {
      throw new EnvelopeError("MALFORMED", `${where}: cl.attachments[${i}] is invalid`);
    }
    return name === undefined ? { id, sha256, size } : { id, sha256, size, name };
  });
}

/** Validate an envelope header (from a decoded "cl" object) and return a clean copy with known fields only. */
function parseHeader(v: unknown, where: string): EnvelopeHeader {
  const routing = parseRouting(v, where);
  const h = v as Record<string, unknown>;
  const { created, type, schemaVersion, conversation, inReplyTo, attachments } = h;
  if (!isIsoDate(created)) throw new EnvelopeError("MALFORMED", `${where}: cl.created must be an ISO date`);
  if (!isNonEmptyString(type)) throw new EnvelopeError("MALFORMED", `${where}: cl.type must be a string`);
  if (!isSeq(schemaVersion)) {
    throw new EnvelopeError("MALFORMED", `${where}: cl.schemaVersion must be an integer >= 0`);
  }
  const header: EnvelopeHeader = { ...routing, created, type, schemaVersion };
  if (conversation !== undefined) {
    if (!isNonEmptyString(conversation)) {
      throw new EnvelopeError("MALFORMED", `${where}: cl.conversation must be a string`);
    }
    header.conversation = conversation;
  }
  if (inReplyTo !== undefined) {
    if (!isNonEmptyString(inReplyTo)) {
      throw new EnvelopeError("MALFORMED", `${where}: cl.inReplyTo must be a string`);
    }
    header.inReplyTo = inReplyTo;
  }
  if (attachments !== undefined) header.attachments = parseAttachments(attachments, where);
  return header;
}

function checkSize(compact: string, maxBytes: number | undefined, what: string): void {
  const max = maxBytes ?? DEFAULT_MAX_ENVELOPE_BYTES;
  // compact serializations are ASCII, so string length = byte length; non-ASCII is rejected as MALFORMED later
  if (compact.length > max) {
    throw new EnvelopeError("OVERSIZE", `${what} is ${compact.length} bytes, maximum ${max}`);
  }
}

function findKey(keys: PublicKeyJwk[], kid: string): PublicKeyJwk | undefined {
  return keys.find((k) => k.kid === kid && k.kty === "OKP" && k.crv === "Ed25519" && k.use !== "enc");
}

function joseCode(err: unknown): string {
  return isObject(err) && typeof err.code === "string" ? err.code : "";
}

// ---------------------------------------------------------------------------------------------------------
// Envelopes

/** Sign (JWS, EdDSA) then encrypt (JWE, ECDH-ES + A256GCM) to the recipient. Returns the JWE compact string. */
export async function sealEnvelope(input: SealEnvelopeInput): Promise<string> {
  const { payload, signingKey, recipientEncKey } = input;
  const header = parseHeader(input.header, "header");
  if (recipientEncKey.kty !== "OKP" || recipientEncKey.crv !== "X25519") {
    throw new TypeError("recipientEncKey must be an X25519 OKP key");
  }
  const payloadJson = JSON.stringify(payload);
  if (payloadJson === undefined) throw new TypeError("payload must be JSON-serialisable");

  const jwsHeader: CompactJWSHeaderParameters = {
    alg: "EdDSA",
    kid: signingKey.kid,
    typ: ENVELOPE_JWS_TYP,
    cl: header,
  };
  const jws = await signCompact(payloadJson, jwsHeader, signingKey.privateJwk);

  const routing: EnvelopeRouting = {
    msgId: header.msgId,
    sender: header.sender,
    recipient: header.recipient,
    seq: header.seq,
  };
  const jweHeader: CompactJWEHeaderParameters = {
    alg: "ECDH-ES",
    enc: "A256GCM",
    kid: recipientEncKey.kid,
    typ: ENVELOPE_JWE_TYP,
    cty: ENVELOPE_JWS_TYP,
    cl: routing,
  };
  let jwe: string | undefined;
  const nativeEncKey = nativePublicKey(recipientEncKey, "x25519");
  if (nativeEncKey) jwe = nativeEncryptEcdhEsA256Gcm(jws, jweHeader, nativeEncKey);
  if (jwe === undefined) {
    const encKey = await importCached(recipientEncKey, "ECDH-ES", false);
    jwe = await new CompactEncrypt(enc.encode(jws)).setProtectedHeader(jweHeader).encrypt(encKey);
  }
  checkSize(jwe, input.maxBytes, "envelope");
  return jwe;
}

/**
 * Read the routing fields and recipient key id from the JWE protected header, without decrypting. The values
 * are not yet authenticated: use them to route, look up keys and de-duplicate, then call openEnvelope.
 */
export function peekEnvelope(jwe: string, options: SizeOptions = {}): PeekedEnvelope {
  return peekParsed(jwe, options).peeked;
}

function peekParsed(
  jwe: string,
  options: SizeOptions,
): { peeked: PeekedEnvelope; parts: string[]; protectedHeader: Record<string, unknown> } {
  if (typeof jwe !== "string") throw new EnvelopeError("MALFORMED", "envelope is not a string");
  checkSize(jwe, options.maxBytes, "envelope");
  const parts = jwe.split(".");
  if (parts.length !== 5) throw new EnvelopeError("MALFORMED", "not a JWE compact serialization (5 parts)");
  if (!parts.every((p) => B64URL_RE.test(p))) throw new EnvelopeError("MALFORMED", "not base64url");
  const h = decodeJsonSegment(parts[0], "JWE protected header");
  if (h.alg !== "ECDH-ES") throw new EnvelopeError("MALFORMED", 'JWE "alg" must be "ECDH-ES"');
  if (h.enc !== "A256GCM") throw new EnvelopeError("MALFORMED", 'JWE "enc" must be "A256GCM"');
  if (h.zip !== undefined) throw new EnvelopeError("MALFORMED", 'JWE "zip" is not allowed');
  if (h.cty !== ENVELOPE_JWS_TYP) {
    throw new EnvelopeError("MALFORMED", `JWE "cty" must be "${ENVELOPE_JWS_TYP}"`);
  }
  if (h.typ !== ENVELOPE_JWE_TYP) {
    throw new EnvelopeError("MALFORMED", `JWE "typ" must be "${ENVELOPE_JWE_TYP}"`);
  }
  if (!isId(h.kid)) throw new EnvelopeError("MALFORMED", 'JWE "kid" missing or not printable');
  if (parts[1] !== "") throw new EnvelopeError("MALFORMED", "ECDH-ES envelopes have an empty encrypted key");
  const peeked = { ...parseRouting(h.cl, "JWE protected header"), kid: h.kid };
  return { peeked, parts, protectedHeader: h };
}

/**
 * Decrypt and verify an envelope. Checks, in order: size, JWE header, recipient, decryption key, decryption,
 * inner JWS header, sender signing key, signature, inner header = outer routing fields, payload JSON.
 * Throws EnvelopeError with a reject code.
 */
export async function openEnvelope(jwe: string, options: OpenEnvelopeOptions): Promise<OpenedEnvelope> {
  const { peeked: outer, parts, protectedHeader } = peekParsed(jwe, options);
  if (outer.recipient !== options.expectedRecipient) {
    throw new EnvelopeError(
      "WRONG_RECIPIENT",
      `envelope is for ${outer.recipient}, not ${options.expectedRecipient}`,
    );
  }
  const decJwk = options.decryptionKeys.get(outer.kid);
  if (!decJwk) throw new EnvelopeError("UNKNOWN_KEY", `no decryption key with kid ${outer.kid}`);

  let plaintext: Uint8Array | undefined;
  const nativeDecKey = nativePrivateKey(decJwk, "x25519");
  if (nativeDecKey) {
    const r = nativeDecryptEcdhEsA256Gcm(parts, protectedHeader, nativeDecKey);
    if (r === false) throw new EnvelopeError("DECRYPT_FAILED", DECRYPT_FAILED_MESSAGE);
    plaintext = r;
  }
  // not our usual shape, or a key node cannot use as-is: jose decides, as it always did
  if (plaintext === undefined) plaintext = await joseDecrypt(jwe, decJwk, outer.kid);

  let jws: string;
  try {
    jws = dec.decode(plaintext);
  } catch (cause) {
    throw new EnvelopeError("MALFORMED", "inner JWS is not UTF-8", { cause });
  }
  const jwsParts = jws.split(".");
  if (jwsParts.length !== 3 || !jwsParts.every((p) => B64URL_RE.test(p))) {
    throw new EnvelopeError("MALFORMED", "plaintext is not a JWS compact serialization");
  }
  const jh = decodeJsonSegment(jwsParts[0], "JWS protected header");
  if (jh.alg !== "EdDSA") throw new EnvelopeError("MALFORMED", 'JWS "alg" must be "EdDSA"');
  if (jh.typ !== ENVELOPE_JWS_TYP) {
    throw new EnvelopeError("MALFORMED", `JWS "typ" must be "${ENVELOPE_JWS_TYP}"`);
  }
  if (!isId(jh.kid)) throw new EnvelopeError("MALFORMED", 'JWS "kid" missing or not printable');
  const signerKid = jh.kid;
  const header = parseHeader(jh.cl, "JWS protected header");

  const senderJwk = findKey(options.senderSigningKeys, signerKid);
  if (!senderJwk) throw new EnvelopeError("UNKNOWN_KEY", `sender signing key ${signerKid} is not known`);
  const payloadBytes = await verifyWith(jws, jwsParts, jh, senderJwk);

  if (
    header.msgId !== outer.msgId ||
    header.sender !== outer.sender ||
    header.recipient !== outer.recipient ||
    header.seq !== outer.seq
  ) {
    throw new EnvelopeError("HEADER_MISMATCH", "signed header differs from the JWE routing fields");
  }

  let payload: unknown;
  try {
    payload = JSON.parse(dec.decode(payloadBytes));
  } catch (cause) {
    throw new EnvelopeError("MALFORMED", "payload is not UTF-8 JSON", { cause });
  }
  return { header, payload: storable(payload, "payload"), jws, signerKid };
}

const DECRYPT_FAILED_MESSAGE = "decryption failed (tampered, or not for this key)";

async function joseDecrypt(jwe: string, decJwk: JsonWebKey, kid: string): Promise<Uint8Array> {
  let decKey: ImportedKey;
  try {
    decKey = await importCached(decJwk, "ECDH-ES", true);
  } catch (cause) {
    throw new EnvelopeError("UNKNOWN_KEY", `decryption key ${kid} cannot be imported`, { cause });
  }
  try {
    const { plaintext } = await compactDecrypt(jwe, decKey, {
      keyManagementAlgorithms: ["ECDH-ES"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    return plaintext;
  } catch (cause) {
    if (joseCode(cause) === "ERR_JWE_INVALID") {
      throw new EnvelopeError("MALFORMED", "invalid JWE", { cause });
    }
    throw new EnvelopeError("DECRYPT_FAILED", DECRYPT_FAILED_MESSAGE, { cause });
  }
}

/** Sign a compact JWS (EdDSA): node:crypto when the key is usable as-is, else jose. */
async function signCompact(
  payloadJson: string,
  protectedHeader: CompactJWSHeaderParameters,
  privateJwk: JsonWebKey,
): Promise<string> {
  const nativeKey = nativePrivateKey(privateJwk, "ed25519");
  if (nativeKey) {
    const jws = nativeSignCompact(payloadJson, protectedHeader, nativeKey);
    if (jws !== undefined) return jws;
  }
  const key = await importCached(privateJwk, "EdDSA", true);
  return new CompactSign(enc.encode(payloadJson)).setProtectedHeader(protectedHeader).sign(key);
}

/**
 * Verify a compact JWS (already split, protected header already decoded) with one public key and return the
 * payload bytes. node:crypto for the usual shape; anything else goes to jose, which decides as it always did.
 */
async function verifyWith(
  jws: string,
  parts: string[],
  protectedHeader: Record<string, unknown>,
  jwk: PublicKeyJwk,
): Promise<Uint8Array> {
  const nativeKey = nativePublicKey(jwk, "ed25519");
  if (nativeKey) {
    const r = nativeVerifyCompact(parts, protectedHeader, nativeKey);
    if (r === false)
      throw new EnvelopeError("BAD_SIGNATURE", `signature does not verify with key ${jwk.kid}`);
    if (r !== undefined) return r;
  }
  return joseVerifyWith(jws, jwk);
}

async function joseVerifyWith(jws: string, jwk: PublicKeyJwk): Promise<Uint8Array> {
  let key: ImportedKey;
  try {
    key = await importCached(jwk, "EdDSA", false);
  } catch (cause) {
    throw new EnvelopeError("UNKNOWN_KEY", `signing key ${jwk.kid} cannot be imported`, { cause });
  }
  try {
    const { payload } = await compactVerify(jws, key, { algorithms: ["EdDSA"] });
    return payload;
  } catch (cause) {
    if (joseCode(cause) === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") {
      throw new EnvelopeError("BAD_SIGNATURE", `signature does not verify with key ${jwk.kid}`, { cause });
    }
    throw new EnvelopeError("MALFORMED", "invalid JWS", { cause });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Receipts

function parseReceipt(v: unknown): ReceiptClaims {
  if (!isObject(v)) throw new EnvelopeError("MALFORMED", "receipt claims must be an object");
  const { msgId, sender, recipient, seq, status, reason, receivedAt, envelopeSha256 } = v;
  if (
    !isUuid(msgId) ||
    !isNonEmptyString(sender) ||
    !isNonEmptyString(recipient) ||
    !isSeq(seq) ||
    (status !== "accepted" && status !== "rejected") ||
    (reason !== undefined && !isNonEmptyString(reason, 1024)) ||
    !isIsoDate(receivedAt) ||
    typeof envelopeSha256 !== "string" ||
    !HEX64_RE.test(envelopeSha256)
  ) {
    throw new EnvelopeError("MALFORMED", "receipt claims are invalid");
  }
  const claims: ReceiptClaims = { msgId, sender, recipient, seq, status, receivedAt, envelopeSha256 };
  if (reason !== undefined) claims.reason = reason;
  return claims;
}

/** Sign a delivery receipt: JWS compact, EdDSA, typ "crossline-receipt+jws", payload = JSON of the claims. */
export async function signReceipt(claims: ReceiptClaims, signingKey: SigningKeyInput): Promise<string> {
  const clean = parseReceipt(claims);
  return signCompact(
    JSON.stringify(clean),
    { alg: "EdDSA", kid: signingKey.kid, typ: RECEIPT_JWS_TYP },
    signingKey.privateJwk,
  );
}

/**
 * Verifies a JWS compact signed by a node (a receipt or a batch receipt): EdDSA, the given `typ`, the key named by
 * `kid` among the node's signing keys. Returns the parsed JSON payload. Throws EnvelopeError; `what` names it.
 */
async function verifySignedJson(
  jws: string,
  signingKeys: PublicKeyJwk[],
  typ: string,
  what: string,
): Promise<unknown> {
  if (typeof jws !== "string") throw new EnvelopeError("MALFORMED", `${what} is not a string`);
  checkSize(jws, 64 * 1024, what);
  const parts = jws.split(".");
  if (parts.length !== 3 || !parts.every((p) => B64URL_RE.test(p))) {
    throw new EnvelopeError("MALFORMED", "not a JWS compact serialization");
  }
  const h = decodeJsonSegment(parts[0], `${what} protected header`);
  if (h.alg !== "EdDSA") throw new EnvelopeError("MALFORMED", `${what} "alg" must be "EdDSA"`);
  if (h.typ !== typ) throw new EnvelopeError("MALFORMED", `${what} "typ" must be "${typ}"`);
  if (!isId(h.kid)) throw new EnvelopeError("MALFORMED", `${what} "kid" missing or not printable`);
  const jwk = findKey(signingKeys, h.kid);
  if (!jwk) throw new EnvelopeError("UNKNOWN_KEY", `receipt signing key ${h.kid} is not known`);
  const payload = await verifyWith(jws, parts, h, jwk);
  try {
    return JSON.parse(dec.decode(payload));
  } catch (cause) {
    throw new EnvelopeError("MALFORMED", `${what} payload is not UTF-8 JSON`, { cause });
  }
}

/** Verify a receipt with the issuing node's signing keys; returns its claims. Throws EnvelopeError. */
export async function verifyReceipt(jws: string, senderSigningKeys: PublicKeyJwk[]): Promise<ReceiptClaims> {
  return parseReceipt(await verifySignedJson(jws, senderSigningKeys, RECEIPT_JWS_TYP, "receipt"));
}

// ---------------------------------------------------------------------------------------------------------
// Batch receipts (docs/federation.md §3.1): one signature over the Merkle root of a request's items

/** One envelope's line in a batch receipt: the per-envelope fields of a receipt (section 3). */
export type BatchItem = Pick<ReceiptClaims, "msgId" | "seq" | "status" | "reason" | "envelopeSha256">;

/** The signed claims of a batch receipt: the fields every item shares, the number of items and their root. */
export interface BatchReceiptClaims {
  sender: string;
  recipient: string;
  receivedAt: string;
  /** items in the tree (its size) */
  count: number;
  /** RFC 9162 Merkle tree hash over the items' leaves, lower-case hex */
  root: string;
}

/** What a sender keeps per envelope: the batch receipt, where its item is in the tree, and the item itself. */
export interface BatchReceiptProof {
  batchReceipt: string;
  index: number;
  /** the audit path (RFC 9162 §2.1.3.1), lower-case hex */
  path: string[];
  item: BatchItem;
}

/**
 * The leaf data of an item: its JSON with the members sorted by name and no white space (as Python's
 * `json.dumps(item, sort_keys=True, separators=(",", ":"))` writes it; every value is ASCII or an integer).
 */
export function batchItemData(item: BatchItem): string {
  const clean: Record<string, unknown> = {
    envelopeSha256: item.envelopeSha256,
    msgId: item.msgId,
    ...(item.reason !== undefined ? { reason: item.reason } : {}),
    seq: item.seq,
    status: item.status,
  };
  return JSON.stringify(clean);
}

function parseBatchClaims(v: unknown): BatchReceiptClaims {
  if (!isObject(v)) throw new EnvelopeError("MALFORMED", "batch receipt claims must be an object");
  const { sender, recipient, receivedAt, count, root } = v;
  if (
    !isId(sender) ||
    !isId(recipient) ||
    !isIsoDate(receivedAt) ||
    !isSeq(count) ||
    count < 1 ||
    typeof root !== "string" ||
    !HEX64_RE.test(root)
  ) {
    throw new EnvelopeError("MALFORMED", "batch receipt claims are invalid");
  }
  return { sender, recipient, receivedAt, count, root };
}

/**
 * Signs one receipt for a whole request: a JWS (typ "crossline-batch-receipt+jws") over the Merkle root of the
 * items, in the request's order. Returns it with each item's audit path (hex), which the answer carries.
 */
export async function signBatchReceipt(
  common: Pick<BatchReceiptClaims, "sender" | "recipient" | "receivedAt">,
  items: BatchItem[],
  signingKey: SigningKeyInput,
): Promise<{ jws: string; paths: string[][] }> {
  const leaves = items.map((i) => {
    parseReceipt({ ...common, ...i });
    return leafHash(batchItemData(i));
  });
  const { root, paths } = merkleTree(leaves);
  const claims = parseBatchClaims({ ...common, count: items.length, root: root.toString("hex") });
  const jws = await signCompact(
    JSON.stringify(claims),
    { alg: "EdDSA", kid: signingKey.kid, typ: BATCH_RECEIPT_JWS_TYP },
    signingKey.privateJwk,
  );
  return { jws, paths: paths.map((p) => p.map((h) => h.toString("hex"))) };
}

/** Verifies a batch receipt with the issuing node's signing keys; returns its claims. Throws EnvelopeError. */
export async function verifyBatchReceipt(
  jws: string,
  senderSigningKeys: PublicKeyJwk[],
): Promise<BatchReceiptClaims> {
  return parseBatchClaims(
    await verifySignedJson(jws, senderSigningKeys, BATCH_RECEIPT_JWS_TYP, "batch receipt"),
  );
}

/**
 * The receipt one item of a verified batch receipt amounts to, if the item is at `index` of the signed tree by
 * `path`; throws EnvelopeError (MALFORMED) if it is not (a wrong item, index or path).
 */
export function itemReceipt(
  batch: BatchReceiptClaims,
  item: BatchItem,
  index: number,
  path: string[],
): ReceiptClaims {
  if (
    !Array.isArray(path) ||
    path.length > 64 ||
    !path.every((h) => typeof h === "string" && HEX64_RE.test(h))
  ) {
    throw new EnvelopeError("MALFORMED", "batch receipt path is invalid");
  }
  const claims = parseReceipt({
    msgId: item.msgId,
    sender: batch.sender,
    recipient: batch.recipient,
    seq: item.seq,
    status: item.status,
    ...(item.reason !== undefined ? { reason: item.reason } : {}),
    receivedAt: batch.receivedAt,
    envelopeSha256: item.envelopeSha256,
  });
  const ok = verifyInclusion(
    leafHash(batchItemData(item)),
    index,
    batch.count,
    path.map((h) => Buffer.from(h, "hex")),
    Buffer.from(batch.root, "hex"),
  );
  if (!ok) throw new EnvelopeError("MALFORMED", `item ${index} is not in the signed batch receipt`);
  return claims;
}

/** SHA-256 (hex) of an envelope as received, for ReceiptClaims.envelopeSha256. */
export function envelopeSha256(jwe: string): string {
  return sha256Hex(jwe);
}
