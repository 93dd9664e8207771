import { createPrivateKey, type JsonWebKey, sign } from "node:crypto";
import { CompactEncrypt, CompactSign, decodeProtectedHeader, importJWK, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import {
  EnvelopeError,
  type EnvelopeHeader,
  type EnvelopeRejectCode,
  generateEncryptionKey,
  generateSigningKey,
  openEnvelope,
  type ReceiptClaims,
  sha256Hex,
  signReceipt,
  uuidv7,
  verifyReceipt,
} from "../../src/crypto/index.js";

/**
 * Issue 9 point 13: envelope.ts runs on node:crypto for the usual shapes and hands anything else to `jose`
 * (an unusual but valid header, a key node cannot use as-is). These tests reach each hand-over with inputs
 * the native path refuses, and check that jose then accepts what is valid and rejects with the same codes.
 */
const CN = "cn-mps";
const US = "us-doj";
const cnSig = generateSigningKey();
const usEnc = generateEncryptionKey();
const other = generateSigningKey();
const otherEnc = generateEncryptionKey();
const te = new TextEncoder();

const header = (): EnvelopeHeader => ({
  msgId: uuidv7(),
  sender: CN,
  recipient: US,
  seq: 3,
  created: "2026-12-02T04:00:00.000Z",
  type: "request.created",
  schemaVersion: 1,
});
const payload = { note: "fallback", n: [1, 2, 3] };
const routing = (h: EnvelopeHeader) => ({
  msgId: h.msgId,
  sender: h.sender,
  recipient: h.recipient,
  seq: h.seq,
});

async function rejectCode(p: Promise<unknown>): Promise<EnvelopeRejectCode | "none" | "other"> {
  try {
    await p;
    return "none";
  } catch (err) {
    return err instanceof EnvelopeError ? err.code : "other";
  }
}

/** The inner JWS, built with raw jose so its protected header can carry what the native verifier refuses. */
async function innerJws(h: EnvelopeHeader, extra: Record<string, unknown> = {}): Promise<string> {
  const sk = await importJWK(cnSig.privateJwk as JWK, "EdDSA");
  return new CompactSign(te.encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "EdDSA", kid: cnSig.kid, typ: "crossline-envelope+jws", cl: h, ...extra })
    .sign(sk);
}

/** A JWE built with raw jose; `apu`/`apv` put members in its header that the native decryptor refuses. */
async function jwe(jws: string, h: EnvelopeHeader, partyInfo?: { apu: Uint8Array; apv: Uint8Array }) {
  const ek = await importJWK(usEnc.publicJwk as JWK, "ECDH-ES");
  const e = new CompactEncrypt(te.encode(jws)).setProtectedHeader({
    alg: "ECDH-ES",
    enc: "A256GCM",
    kid: usEnc.kid,
    typ: "crossline-envelope+jwe",
    cty: "crossline-envelope+jws",
    cl: routing(h),
  });
  if (partyInfo) e.setKeyManagementParameters(partyInfo);
  return e.encrypt(ek);
}

const opts = (decJwk: object = usEnc.privateJwk) => ({
  decryptionKeys: new Map([[usEnc.kid, decJwk as JsonWebKey]]),
  senderSigningKeys: [cnSig.publicJwk],
  expectedRecipient: US,
});
const alice = { apu: te.encode("Alice"), apv: te.encode("Bob") };

describe("envelope: decryption handed to jose", () => {
  it("a JWE whose header carries apu/apv (outside the native shape) is opened by jose", async () => {
    const h = header();
    const token = await jwe(await innerJws(h), h, alice);
    expect(decodeProtectedHeader(token)).toMatchObject({ apu: "QWxpY2U", apv: "Qm9i" });
    const opened = await openEnvelope(token, opts());
    expect(opened.header).toEqual(h);
    expect(opened.payload).toEqual(payload);
  });

  it("in that shape, a tampered ciphertext or tag is DECRYPT_FAILED, as on the native path", async () => {
    const h = header();
    const parts = (await jwe(await innerJws(h), h, alice)).split(".");
    const flip = (s: string) => {
      const b = Buffer.from(s, "base64url");
      b[0] ^= 1;
      return b.toString("base64url");
    };
    const badCt = [parts[0], parts[1], parts[2], flip(parts[3]), parts[4]].join(".");
    const badTag = [parts[0], parts[1], parts[2], parts[3], flip(parts[4])].join(".");
    expect(await rejectCode(openEnvelope(badCt, opts()))).toBe("DECRYPT_FAILED");
    expect(await rejectCode(openEnvelope(badTag, opts()))).toBe("DECRYPT_FAILED");
  });

  it("a decryption key node cannot use as-is (x does not match d) goes to jose, which refuses it: UNKNOWN_KEY", async () => {
    const h = header();
    const token = await jwe(await innerJws(h), h);
    const inconsistent = { ...usEnc.privateJwk, x: (otherEnc.publicJwk as { x: string }).x };
    // not silently used with d alone: the key is refused, the envelope is not opened
    expect(await rejectCode(openEnvelope(token, opts(inconsistent)))).toBe("UNKNOWN_KEY");
    expect((await openEnvelope(token, opts())).payload).toEqual(payload);
  });

  it("in that shape, an envelope for another key is DECRYPT_FAILED", async () => {
    const h = header();
    const token = await jwe(await innerJws(h), h, alice);
    const notOurs = { ...otherEnc.privateJwk, kid: usEnc.kid };
    expect(await rejectCode(openEnvelope(token, opts(notOurs)))).toBe("DECRYPT_FAILED");
  });
});

describe("envelope and receipts: signatures handed to jose", () => {
  it("an inner JWS with crit/b64 (outside the native shape) is verified by jose", async () => {
    const h = header();
    const token = await jwe(await innerJws(h, { crit: ["b64"], b64: true }), h);
    const opened = await openEnvelope(token, opts());
    expect(opened.payload).toEqual(payload);
  });

  it("in that shape, a forged signature is BAD_SIGNATURE, and an unknown crit member MALFORMED", async () => {
    const h = header();
    const forged = (await innerJws(h, { crit: ["b64"], b64: true })).split(".");
    const sig = Buffer.from(forged[2], "base64url");
    sig[0] ^= 1;
    forged[2] = sig.toString("base64url");
    expect(await rejectCode(openEnvelope(await jwe(forged.join("."), h), opts()))).toBe("BAD_SIGNATURE");

    // jose will not sign with a crit member it does not know, so this one is signed by hand with node:crypto
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const input = `${b64({ alg: "EdDSA", kid: cnSig.kid, typ: "crossline-envelope+jws", cl: h, crit: ["x-unknown"], "x-unknown": 1 })}.${b64(payload)}`;
    const key = createPrivateKey({ key: cnSig.privateJwk as JsonWebKey, format: "jwk" });
    const crit = `${input}.${sign(null, Buffer.from(input), key).toString("base64url")}`;
    expect(await rejectCode(openEnvelope(await jwe(crit, h), opts()))).toBe("MALFORMED");
  });

  const claims: ReceiptClaims = {
    msgId: uuidv7(),
    sender: CN,
    recipient: US,
    seq: 3,
    status: "accepted",
    receivedAt: "2026-12-02T04:00:01.000Z",
    envelopeSha256: sha256Hex("envelope"),
  };

  it("a signing key node cannot use as-is goes to jose, which refuses to sign with it", async () => {
    const inconsistent = { ...cnSig.privateJwk, x: (other.publicJwk as { x: string }).x };
    await expect(signReceipt(claims, { kid: cnSig.kid, privateJwk: inconsistent })).rejects.toThrow(
      "Invalid keyData",
    );
    // the consistent key signs natively, and that receipt verifies
    const jws = await signReceipt(claims, { kid: cnSig.kid, privateJwk: cnSig.privateJwk });
    expect(await verifyReceipt(jws, [cnSig.publicJwk])).toEqual(claims);
  });

  it("a receipt with crit/b64 is verified by jose; tampered, BAD_SIGNATURE", async () => {
    const sk = await importJWK(cnSig.privateJwk as JWK, "EdDSA");
    const jws = await new CompactSign(te.encode(JSON.stringify(claims)))
      .setProtectedHeader({
        alg: "EdDSA",
        kid: cnSig.kid,
        typ: "crossline-receipt+jws",
        crit: ["b64"],
        b64: true,
      })
      .sign(sk);
    expect(await verifyReceipt(jws, [cnSig.publicJwk])).toEqual(claims);
    const parts = jws.split(".");
    parts[1] = Buffer.from(JSON.stringify({ ...claims, status: "rejected" })).toString("base64url");
    expect(await rejectCode(verifyReceipt(parts.join("."), [cnSig.publicJwk]))).toBe("BAD_SIGNATURE");
  });
});
