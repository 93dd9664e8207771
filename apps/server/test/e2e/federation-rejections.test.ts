import { compactVerify, importJWK, type JWK } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BATCH_RECEIPT_CAPABILITY,
  type EnvelopeHeader,
  envelopeSha256,
  sealEnvelope,
  verifyReceipt,
} from "../../src/crypto/envelope.js";
import { uuidv7 } from "../../src/crypto/ids.js";
import { type GeneratedKey, generateSigningKey, type PublicKeyJwk } from "../../src/crypto/keys.js";
import { describeDb } from "../support/node.js";
import { playPeer } from "../support/played-peer.js";
import { allRows, createProcNode, type InboxItem, type ProcNode } from "../support/proc.js";
import { verifyKeptReceipt } from "../support/receipts.js";

interface Result {
  status: "accepted" | "rejected";
  reason?: string;
  receipt?: string;
  original?: string;
}

/**
 * The receiver's defences, against a real node process. The test plays a paired peer ("ZZ-TEST", holding
 * real keys, paired through the ordinary invitation) and an attacker, and sends crafted envelopes.
 */
describeDb("federation rejections (forged, tampered, replayed, misaddressed, …)", () => {
  let b: ProcNode;
  let sig: GeneratedKey;
  const attacker: GeneratedKey = generateSigningKey();
  let bKeys: PublicKeyJwk[];
  let bEnc: PublicKeyJwk;

  beforeAll(async () => {
    b = await createProcNode("US-DOJ", { fedMaxEnvelopeBytes: 64 * 1024 });
    await b.proc.start();
    const inv = await b.proc.api<{ invitation: string }>("POST", "/api/v1/peers/invitations");
    const peer = await playPeer(inv.body.invitation, {
      id: "ZZ-TEST",
      name: "Test peer",
      recipient: "US-DOJ",
    });
    ({ sig, nodeKeys: bKeys, nodeEnc: bEnc } = peer);
    const proof = peer.proof;
    const res = await fetch(`${b.proc.url}/federation/v1/pairing`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ proof }),
    });
    expect(res.status).toBe(200);
  });
  afterAll(() => b?.cleanup());

  const header = (seq: number, over: Partial<EnvelopeHeader> = {}): EnvelopeHeader => ({
    msgId: uuidv7(),
    sender: "ZZ-TEST",
    recipient: "US-DOJ",
    seq,
    created: new Date().toISOString(),
    type: "federation.notice",
    schemaVersion: 1,
    ...over,
  });
  const notice = { text: "hotline maintenance at 02:00 UTC", language: "en" };
  const seal = (h: EnvelopeHeader, payload: unknown = notice, signingKey: GeneratedKey = sig) =>
    sealEnvelope({
      header: h,
      payload,
      signingKey: { kid: sig.kid, privateJwk: signingKey.privateJwk },
      recipientEncKey: bEnc,
      maxBytes: 10 * 1024 * 1024,
    });
  async function send(...envelopes: string[]): Promise<Result[]> {
    const res = await fetch(`${b.proc.url}/federation/v1/envelopes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ envelopes }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { results: Result[] }).results;
  }
  const inbox = () => allRows<InboxItem>(b.proc, "ZZ-TEST", "inbox");
  async function expectRejected(r: Result, reason: string) {
    expect(r.status).toBe("rejected");
    expect(r.reason).toBe(reason);
    if (r.receipt) {
      const claims = await verifyReceipt(r.receipt, bKeys);
      expect(claims.status).toBe("rejected");
      expect(claims.reason).toBe(reason);
    }
  }

  it("accepts a genuine envelope with a signed receipt", async () => {
    const jwe = await seal(header(1));
    const [r] = await send(jwe);
    expect(r.status, JSON.stringify(r)).toBe("accepted");
    const claims = await verifyReceipt(r.receipt as string, bKeys);
    expect(claims).toMatchObject({ status: "accepted", seq: 1, sender: "US-DOJ", recipient: "ZZ-TEST" });
    expect((await inbox()).map((m) => [m.seq, m.status])).toEqual([[1, "applied"]]);

    // replayed: same envelope again; another envelope reusing seq 1 is a sequence conflict (issue 9 point 8)
    const [again, reused] = await send(jwe, await seal(header(1)));
    await expectRejected(again, "REPLAYED");
    const original = await verifyReceipt(again.original as string, bKeys);
    expect(original.status).toBe("accepted");
    expect(original.envelopeSha256).toBe(claims.envelopeSha256);
    await expectRejected(reused, "SEQUENCE_CONFLICT");
  });

  it("rejects tampered, forged, misaddressed, unknown-sender and oversize envelopes, changing nothing", async () => {
    const good = await seal(header(2));
    const parts = good.split(".");
    const ct = parts[3];
    const mid = Math.floor(ct.length / 2);
    parts[3] = ct.slice(0, mid) + (ct[mid] === "A" ? "B" : "A") + ct.slice(mid + 1);
    const tampered = parts.join(".");
    const forged = await seal(header(2), notice, attacker);
    const misaddressed = await seal(header(2, { recipient: "XX-OTHER" }));
    const unknownSender = await seal(header(1, { sender: "NO-SUCH" }), notice, attacker);
    const oversize = await seal(header(2), { text: "x".repeat(100_000), language: "en" });
    const results = await send(tampered, forged, misaddressed, unknownSender, oversize);
    await expectRejected(results[0], "DECRYPT_FAILED");
    await expectRejected(results[1], "BAD_SIGNATURE");
    await expectRejected(results[2], "WRONG_RECIPIENT");
    await expectRejected(results[3], "UNKNOWN_SENDER");
    await expectRejected(results[4], "OVERSIZE");
    expect((await inbox()).map((m) => m.seq)).toEqual([1]);
  });

  it("keeps an unknown type for a later release and rejects an invalid payload; both consume their numbers", async () => {
    const [unknownType, invalid, next] = await send(
      await seal(header(2, { type: "federation.bogus" })),
      await seal(header(3), { text: 42, language: "en" }),
      await seal(header(4)),
    );
    // a type this release does not know is what a newer sender sends: kept until an upgrade reads it
    expect(unknownType).toMatchObject({ status: "accepted", reason: "DEFERRED" });
    expect(await verifyReceipt(unknownType.receipt as string, bKeys)).toMatchObject({
      status: "accepted",
      reason: "DEFERRED",
    });
    await expectRejected(invalid, "SCHEMA_INVALID");
    expect(next.status).toBe("accepted");
    expect((await inbox()).map((m) => [m.seq, m.status, m.reason])).toEqual([
      [1, "applied", null],
      [2, "deferred", "DEFERRED"],
      [3, "rejected", "SCHEMA_INVALID"],
      [4, "applied", null],
    ]);
  });

  it("answers a request asking for it with one batch receipt, which jose verifies, and a proof per envelope", async () => {
    const heads = [header(5), header(6)];
    const sent = [await seal(heads[0]), await seal(heads[1])];
    const res = await fetch(`${b.proc.url}/federation/v1/envelopes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ envelopes: sent, receipt: "batch" }),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as {
      results: (Result & { proof?: { index: number; path: string[] } })[];
      batchReceipt?: string;
      capabilities?: string[];
    };
    expect(answer.capabilities).toContain(BATCH_RECEIPT_CAPABILITY);
    expect(answer.results.map((r) => [r.status, r.receipt, r.proof?.index])).toEqual([
      ["accepted", undefined, 0],
      ["accepted", undefined, 1],
    ]);
    const bSig = bKeys.find((k) => k.use === "sig") as PublicKeyJwk;
    const { protectedHeader, payload } = await compactVerify(
      answer.batchReceipt ?? "",
      await importJWK(bSig as JWK, "EdDSA"),
    );
    expect(protectedHeader.typ).toBe("crossline-batch-receipt+jws");
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({
      sender: "US-DOJ",
      recipient: "ZZ-TEST",
      count: 2,
    });
    for (const [i, jwe] of sent.entries()) {
      const item = {
        msgId: heads[i].msgId,
        seq: 5 + i,
        status: "accepted",
        envelopeSha256: envelopeSha256(jwe),
      };
      const kept = JSON.stringify({ batchReceipt: answer.batchReceipt, ...answer.results[i].proof, item });
      expect(await verifyKeptReceipt(kept, bKeys)).toMatchObject({ seq: 5 + i, status: "accepted" });
    }
  });

  it("rejects envelopes from a suspended, then a revoked peer", async () => {
    expect((await b.proc.api("POST", "/api/v1/peers/ZZ-TEST/suspend")).status).toBe(200);
    await expectRejected((await send(await seal(header(7))))[0], "PEER_SUSPENDED");
    expect((await b.proc.api("POST", "/api/v1/peers/ZZ-TEST/revoke")).status).toBe(200);
    await expectRejected((await send(await seal(header(7))))[0], "PEER_REVOKED");
    expect((await inbox()).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("audits every rejection with its reason code", async () => {
    const r = await b.proc.api<{ items: { outcome: string; details: { reason: string } }[] }>(
      "GET",
      "/api/v1/audit?limit=100&action=federation.envelope.rejected",
    );
    expect(r.status).toBe(200);
    const reasons = r.body.items.map((e) => e.details.reason).sort();
    expect(reasons).toEqual(
      [
        "BAD_SIGNATURE",
        "DECRYPT_FAILED",
        "OVERSIZE",
        "PEER_REVOKED",
        "PEER_SUSPENDED",
        "REPLAYED",
        "SCHEMA_INVALID",
        "SEQUENCE_CONFLICT",
        "UNKNOWN_SENDER",
        "WRONG_RECIPIENT",
      ].sort(),
    );
    expect(r.body.items.every((e) => e.outcome === "rejected")).toBe(true);
  });
});
