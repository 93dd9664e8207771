import {
  CompactEncrypt,
  CompactSign,
  calculateJwkThumbprint,
  compactDecrypt,
  compactVerify,
  decodeProtectedHeader,
  importJWK,
  type JWK,
} from "jose";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_ENVELOPE_BYTES,
  EnvelopeError,
  type EnvelopeHeader,
  type EnvelopeRejectCode,
  envelopeSha256,
  fingerprint,
  type GeneratedKey,
  generateEncryptionKey,
  generateMasterKey,
  generateSigningKey,
  isUuidv7,
  type OpenEnvelopeOptions,
  openEnvelope,
  openPrivateKey,
  peekEnvelope,
  type ReceiptClaims,
  sealEnvelope,
  sealPrivateKey,
  sha256Hex,
  signReceipt,
  uuidv7,
  uuidv7Timestamp,
  verifyReceipt,
} from "../../src/crypto/index.js";

const CN = "cn-mps";
const US = "us-doj";

const cnSig = generateSigningKey();
const usEnc = generateEncryptionKey();
const usSig = generateSigningKey();

function header(over: Partial<EnvelopeHeader> = {}): EnvelopeHeader {
  return {
    msgId: uuidv7(),
    sender: CN,
    recipient: US,
    seq: 7,
    created: "2016-06-14T09:30:00.000+08:00",
    type: "request.created",
    schemaVersion: 1,
    conversation: uuidv7(),
    attachments: [{ id: uuidv7(), sha256: sha256Hex("sample"), size: 6, name: "sample.bin" }],
    ...over,
  };
}

const payload = { title: "Subscriber information", titleLang: "en", note: "用户信息", n: [1, 2, 3] };

function openOpts(over: Partial<OpenEnvelopeOptions> = {}): OpenEnvelopeOptions {
  return {
    decryptionKeys: new Map([[usEnc.kid, usEnc.privateJwk]]),
    senderSigningKeys: [cnSig.publicJwk],
    expectedRecipient: US,
    ...over,
  };
}

function seal(h: EnvelopeHeader = header(), signingKey: GeneratedKey = cnSig): Promise<string> {
  return sealEnvelope({ header: h, payload, signingKey, recipientEncKey: usEnc.publicJwk });
}

async function rejectCode(p: Promise<unknown>): Promise<EnvelopeRejectCode | "none" | "other"> {
  try {
    await p;
    return "none";
  } catch (err) {
    return err instanceof EnvelopeError ? err.code : "other";
  }
}

/** Build an envelope with raw jose only, so the outer and inner headers can be made to disagree. */
async function handBuilt(
  inner: EnvelopeHeader,
  outer: { msgId: string; sender: string; recipient: string; seq: number },
  signer: { kid: string; privateJwk: object } = cnSig,
): Promise<string> {
  const sk = await importJWK(signer.privateJwk as JWK, "EdDSA");
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "EdDSA", kid: signer.kid, typ: "crossline-envelope+jws", cl: inner })
    .sign(sk);
  const ek = await importJWK(usEnc.publicJwk as JWK, "ECDH-ES");
  return new CompactEncrypt(new TextEncoder().encode(jws))
    .setProtectedHeader({
      alg: "ECDH-ES",
      enc: "A256GCM",
      kid: usEnc.kid,
      typ: "crossline-envelope+jwe",
      cty: "crossline-envelope+jws",
      cl: outer,
    })
    .encrypt(ek);
}

function routing(h: EnvelopeHeader) {
  return { msgId: h.msgId, sender: h.sender, recipient: h.recipient, seq: h.seq };
}

describe("keys", () => {
  it("generates Ed25519 / X25519 keys whose kid is the RFC 7638 thumbprint", async () => {
    expect(cnSig.publicJwk).toMatchObject({ kty: "OKP", crv: "Ed25519", use: "sig", alg: "EdDSA" });
    expect(usEnc.publicJwk).toMatchObject({ kty: "OKP", crv: "X25519", use: "enc", alg: "ECDH-ES" });
    expect(cnSig.kid).toBe(await calculateJwkThumbprint(cnSig.publicJwk as JWK));
    expect(usEnc.kid).toBe(await calculateJwkThumbprint(usEnc.publicJwk as JWK));
    expect(cnSig.publicJwk).not.toHaveProperty("d");
    expect(typeof cnSig.privateJwk.d).toBe("string");
  });

  it("seals and opens a private key; wrong master key, wrong aad and tampering fail", () => {
    const mk = generateMasterKey();
    expect(Buffer.from(mk, "base64url")).toHaveLength(32);
    const sealed = sealPrivateKey(cnSig.privateJwk, mk, cnSig.kid);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(String(cnSig.privateJwk.d));
    expect(openPrivateKey(sealed, mk, cnSig.kid)).toEqual(cnSig.privateJwk);
    expect(() => openPrivateKey(sealed, generateMasterKey(), cnSig.kid)).toThrow(/cannot open/);
    expect(() => openPrivateKey(sealed, mk, usEnc.kid)).toThrow(/cannot open/);
    const parts = sealed.split(".");
    parts[2] = (parts[2][0] === "A" ? "B" : "A") + parts[2].slice(1);
    expect(() => openPrivateKey(parts.join("."), mk, cnSig.kid)).toThrow(/cannot open/);
    expect(() => openPrivateKey("v2.a.b.c", mk, cnSig.kid)).toThrow(/format/);
    expect(() => sealPrivateKey(cnSig.privateJwk, "short", "x")).toThrow(/32 bytes/);
  });

  it("fingerprint is stable, order-independent and key-sensitive", () => {
    const keys = [cnSig.publicJwk, usEnc.publicJwk];
    const fp = fingerprint(keys);
    expect(fp).toMatch(/^[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}$/);
    expect(fingerprint([usEnc.publicJwk, cnSig.publicJwk])).toBe(fp);
    expect(fingerprint([...keys])).toBe(fp);
    expect(fingerprint([cnSig.publicJwk, usSig.publicJwk])).not.toBe(fp);
  });
});

describe("ids", () => {
  it("uuidv7 is monotonic, version 7, RFC variant, with the current time", () => {
    const before = Date.now();
    const ids = Array.from({ length: 20000 }, () => uuidv7());
    const after = Date.now();
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
    for (const id of ids.slice(0, 100)) {
      expect(id[14]).toBe("7");
      expect("89ab").toContain(id[19]);
      expect(isUuidv7(id)).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
    const ts = uuidv7Timestamp(ids[0]);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(after + 1);
  });

  it("sha256Hex", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Hex(new Uint8Array([0x61, 0x62, 0x63]))).toBe(sha256Hex("abc"));
  });
});

describe("envelope", () => {
  it("round trip: seal, peek, open", async () => {
    const h = header();
    const jwe = await seal(h);
    expect(jwe.split(".")).toHaveLength(5);
    expect(peekEnvelope(jwe)).toEqual({ ...routing(h), kid: usEnc.kid });
    const opened = await openEnvelope(jwe, openOpts());
    expect(opened.header).toEqual(h);
    expect(opened.payload).toEqual(payload);
    expect(opened.signerKid).toBe(cnSig.kid);
    expect(opened.jws.split(".")).toHaveLength(3);
    expect(decodeProtectedHeader(opened.jws)).toMatchObject({ alg: "EdDSA", kid: cnSig.kid, cl: h });
  });

  it("interoperability: opens and verifies with raw jose calls only", async () => {
    const h = header();
    const jwe = await seal(h);
    const dk = await importJWK(usEnc.privateJwk as JWK, "ECDH-ES");
    const { plaintext, protectedHeader: outer } = await compactDecrypt(jwe, dk, {
      keyManagementAlgorithms: ["ECDH-ES"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    expect(outer).toMatchObject({
      alg: "ECDH-ES",
      enc: "A256GCM",
      kid: usEnc.kid,
      cty: "crossline-envelope+jws",
    });
    const jws = new TextDecoder().decode(plaintext);
    const pk = await importJWK(cnSig.publicJwk as JWK, "EdDSA");
    const { payload: p, protectedHeader: inner } = await compactVerify(jws, pk, { algorithms: ["EdDSA"] });
    expect(inner.typ).toBe("crossline-envelope+jws");
    expect(inner.cl).toEqual(h);
    expect(outer.cl).toEqual(routing(h));
    expect(JSON.parse(new TextDecoder().decode(p))).toEqual(payload);
  });

  it("interoperability: opens an envelope built with raw jose calls only", async () => {
    const h = header();
    const opened = await openEnvelope(await handBuilt(h, routing(h)), openOpts());
    expect(opened.header).toEqual(h);
    expect(opened.payload).toEqual(payload);
  });

  it("tampered ciphertext → DECRYPT_FAILED", async () => {
    const parts = (await seal()).split(".");
    const c = parts[3];
    const i = Math.floor(c.length / 2);
    parts[3] = c.slice(0, i) + (c[i] === "A" ? "B" : "A") + c.slice(i + 1);
    expect(await rejectCode(openEnvelope(parts.join("."), openOpts()))).toBe("DECRYPT_FAILED");
  });

  it("tampered routing field in the JWE protected header → DECRYPT_FAILED (it is AAD)", async () => {
    const parts = (await seal()).split(".");
    const h = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
    h.cl.seq = 8;
    parts[0] = Buffer.from(JSON.stringify(h)).toString("base64url");
    expect(peekEnvelope(parts.join(".")).seq).toBe(8);
    expect(await rejectCode(openEnvelope(parts.join("."), openOpts()))).toBe("DECRYPT_FAILED");
  });

  it("tampered tag → DECRYPT_FAILED", async () => {
    const parts = (await seal()).split(".");
    parts[4] = (parts[4][0] === "A" ? "B" : "A") + parts[4].slice(1);
    expect(await rejectCode(openEnvelope(parts.join("."), openOpts()))).toBe("DECRYPT_FAILED");
  });

  it("wrong recipient → WRONG_RECIPIENT", async () => {
    const jwe = await seal(header({ recipient: "eu-europol" }));
    expect(await rejectCode(openEnvelope(jwe, openOpts()))).toBe("WRONG_RECIPIENT");
  });

  it("encrypted to a key we do not hold → UNKNOWN_KEY", async () => {
    const jwe = await seal();
    const other = generateEncryptionKey();
    const opts = openOpts({ decryptionKeys: new Map([[other.kid, other.privateJwk]]) });
    expect(await rejectCode(openEnvelope(jwe, opts))).toBe("UNKNOWN_KEY");
  });

  it("decryption key registered under the right kid but wrong material → DECRYPT_FAILED", async () => {
    const jwe = await seal();
    const other = generateEncryptionKey();
    const opts = openOpts({ decryptionKeys: new Map([[usEnc.kid, other.privateJwk]]) });
    expect(await rejectCode(openEnvelope(jwe, opts))).toBe("DECRYPT_FAILED");
  });

  it("signed by a key the sender does not have → UNKNOWN_KEY", async () => {
    const intruder = generateSigningKey();
    const jwe = await seal(header(), intruder);
    expect(await rejectCode(openEnvelope(jwe, openOpts()))).toBe("UNKNOWN_KEY");
  });

  it("signed by another key under the sender's kid → BAD_SIGNATURE", async () => {
    const intruder = generateSigningKey();
    const h = header();
    const jwe = await handBuilt(h, routing(h), { kid: cnSig.kid, privateJwk: intruder.privateJwk });
    expect(await rejectCode(openEnvelope(jwe, openOpts()))).toBe("BAD_SIGNATURE");
  });

  it("outer routing fields differ from the signed header → HEADER_MISMATCH", async () => {
    const h = header();
    for (const outer of [
      { ...routing(h), seq: h.seq + 1 },
      { ...routing(h), msgId: uuidv7() },
      { ...routing(h), sender: "someone-else" },
    ]) {
      expect(await rejectCode(openEnvelope(await handBuilt(h, outer), openOpts()))).toBe("HEADER_MISMATCH");
    }
    // signed for another recipient, re-wrapped for us
    const forOther = header({ recipient: "eu-europol" });
    const rewrapped = await handBuilt(forOther, { ...routing(forOther), recipient: US });
    expect(await rejectCode(openEnvelope(rewrapped, openOpts()))).toBe("HEADER_MISMATCH");
  });

  it("oversize → OVERSIZE, on open and on seal", async () => {
    const jwe = await seal();
    expect(await rejectCode(openEnvelope(jwe, openOpts({ maxBytes: 200 })))).toBe("OVERSIZE");
    expect(() => peekEnvelope(jwe, { maxBytes: 200 })).toThrow(/OVERSIZE/);
    const big = { blob: "x".repeat(DEFAULT_MAX_ENVELOPE_BYTES) };
    const p = sealEnvelope({
      header: header(),
      payload: big,
      signingKey: cnSig,
      recipientEncKey: usEnc.publicJwk,
    });
    expect(await rejectCode(p)).toBe("OVERSIZE");
  });

  it("garbage → MALFORMED", async () => {
    for (const g of ["", "a.b.c", "a.b.c.d.e", "eyJhbGciOiJub25lIn0....", `${"x".repeat(10)}.....`]) {
      expect(() => peekEnvelope(g)).toThrow(/MALFORMED/);
      expect(await rejectCode(openEnvelope(g, openOpts()))).toBe("MALFORMED");
    }
    await expect(seal(header({ msgId: "not-a-uuid" }))).rejects.toThrow(/MALFORMED/);
  });

  it("rotation: signed by the old key verifies with old+new, fails with only new", async () => {
    const oldKey = cnSig;
    const newKey = generateSigningKey();
    const jwe = await seal(header(), oldKey);
    const both = await openEnvelope(
      jwe,
      openOpts({ senderSigningKeys: [newKey.publicJwk, oldKey.publicJwk] }),
    );
    expect(both.signerKid).toBe(oldKey.kid);
    const onlyNew = openEnvelope(jwe, openOpts({ senderSigningKeys: [newKey.publicJwk] }));
    expect(await rejectCode(onlyNew)).toBe("UNKNOWN_KEY");
  });

  it("rotation of the recipient encryption key: old envelopes still open while the old key is kept", async () => {
    const jwe = await seal();
    const next = generateEncryptionKey();
    const keys = new Map([
      [next.kid, next.privateJwk],
      [usEnc.kid, usEnc.privateJwk],
    ]);
    expect((await openEnvelope(jwe, openOpts({ decryptionKeys: keys }))).payload).toEqual(payload);
  });
});

describe("receipt", () => {
  async function receipt(status: "accepted" | "rejected" = "accepted") {
    const jwe = await seal();
    const peek = peekEnvelope(jwe);
    const claims: ReceiptClaims = {
      msgId: peek.msgId,
      sender: US,
      recipient: CN,
      seq: peek.seq,
      status,
      receivedAt: new Date().toISOString(),
      envelopeSha256: envelopeSha256(jwe),
      ...(status === "rejected" ? { reason: "HEADER_MISMATCH" } : {}),
    };
    return { claims, jws: await signReceipt(claims, usSig) };
  }

  it("signs and verifies", async () => {
    for (const status of ["accepted", "rejected"] as const) {
      const { claims, jws } = await receipt(status);
      expect(decodeProtectedHeader(jws)).toEqual({
        alg: "EdDSA",
        kid: usSig.kid,
        typ: "crossline-receipt+jws",
      });
      expect(await verifyReceipt(jws, [usSig.publicJwk])).toEqual(claims);
    }
  });

  it("tampered receipt → BAD_SIGNATURE; unknown key → UNKNOWN_KEY; garbage → MALFORMED", async () => {
    const { claims, jws } = await receipt();
    const parts = jws.split(".");
    parts[1] = Buffer.from(JSON.stringify({ ...claims, status: "rejected" })).toString("base64url");
    expect(await rejectCode(verifyReceipt(parts.join("."), [usSig.publicJwk]))).toBe("BAD_SIGNATURE");
    expect(await rejectCode(verifyReceipt(jws, [cnSig.publicJwk]))).toBe("UNKNOWN_KEY");
    expect(await rejectCode(verifyReceipt("nope", [usSig.publicJwk]))).toBe("MALFORMED");
  });

  it("verifies with raw jose", async () => {
    const { claims, jws } = await receipt();
    const pk = await importJWK(usSig.publicJwk as JWK, "EdDSA");
    const { payload: p } = await compactVerify(jws, pk, { algorithms: ["EdDSA"] });
    expect(JSON.parse(new TextDecoder().decode(p))).toEqual(claims);
  });
});
