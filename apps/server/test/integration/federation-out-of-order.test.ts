import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { type EnvelopeHeader, sealEnvelope } from "../../src/crypto/envelope.js";
import { uuidv7 } from "../../src/crypto/ids.js";
import type { GeneratedKey, PublicKeyJwk } from "../../src/crypto/keys.js";
import { inbox } from "../../src/db/schema/index.js";
import { defineHandler } from "../../src/modules/federation/federation.types.js";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";
import { pairPlayedPeer } from "../support/played-peer.js";

interface Result {
  status: "accepted" | "rejected";
  reason?: string;
}

/**
 * Issue 9 point 13: envelopes of one peer that arrive out of order (seq 3, then 2, then 1) are stored and held
 * while there is a gap before them, and applied in sequence order once the gap fills. The test plays the
 * paired peer "ZZ-TEST" with real keys, and posts sealed envelopes to the receiver's federation endpoint.
 */
describeDb("federation: out-of-order arrival is held, then applied in sequence order", () => {
  let b: TestNode;
  let sig: GeneratedKey;
  let bEnc: PublicKeyJwk;
  // What the receiver's handler saw, in the order it ran.
  const appliedSeqs: number[] = [];

  beforeAll(async () => {
    b = await createTestNode({ id: "US-DOJ", timeZone: "UTC" });
    b.rt.services.federationService.registerHandler(
      defineHandler("test.ordered", z.object({ n: z.number() }), async (_tx, msg) => {
        appliedSeqs.push(msg.seq);
      }),
    );
    ({ sig, nodeEnc: bEnc } = await pairPlayedPeer(b, {
      id: "ZZ-TEST",
      name: "Test peer",
      recipient: "US-DOJ",
    }));
  });
  afterAll(() => b?.close());

  const seal = (seq: number) => {
    const header: EnvelopeHeader = {
      msgId: uuidv7(),
      sender: "ZZ-TEST",
      recipient: "US-DOJ",
      seq,
      created: new Date().toISOString(),
      type: "test.ordered",
      schemaVersion: 1,
    };
    return sealEnvelope({
      header,
      payload: { n: seq },
      signingKey: { kid: sig.kid, privateJwk: sig.privateJwk },
      recipientEncKey: bEnc,
    });
  };
  const sendAll = async (jwes: string[]): Promise<Result[]> => {
    const res = await b.rt.app.inject({
      method: "POST",
      url: "/federation/v1/envelopes",
      payload: { envelopes: jwes },
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { results: Result[] }).results;
  };
  const send = async (jwe: string): Promise<Result> => (await sendAll([jwe]))[0];
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
  const sealAll = (seqs: number[]) => Promise.all(seqs.map(seal));
  const inboxRows = () =>
    b.rt.services.db
      .select({ seq: inbox.seq, status: inbox.status, appliedAt: inbox.appliedAt })
      .from(inbox)
      .where(and(eq(inbox.peerId, "ZZ-TEST"), eq(inbox.type, "test.ordered")))
      .orderBy(asc(inbox.seq));

  it("holds seq 3 and 2 while seq 1 is missing, then applies 1, 2, 3 in order when it arrives", async () => {
    const [e1, e2, e3] = [await seal(1), await seal(2), await seal(3)];

    // seq 3 first: accepted (stored, receipted) but held behind the gap
    expect(await send(e3)).toMatchObject({ status: "accepted" });
    expect(await inboxRows()).toEqual([{ seq: 3, status: "held", appliedAt: null }]);
    expect(appliedSeqs).toEqual([]);

    // seq 2: still a gap before it
    expect(await send(e2)).toMatchObject({ status: "accepted" });
    expect((await inboxRows()).map((r) => [r.seq, r.status])).toEqual([
      [2, "held"],
      [3, "held"],
    ]);
    expect(appliedSeqs).toEqual([]);

    // seq 1 fills the gap: it and the two held behind it are applied, in sequence order
    expect(await send(e1)).toMatchObject({ status: "accepted" });
    expect(appliedSeqs).toEqual([1, 2, 3]);
    const rows = await inboxRows();
    expect(rows.map((r) => [r.seq, r.status])).toEqual([
      [1, "applied"],
      [2, "applied"],
      [3, "applied"],
    ]);
    expect(rows.every((r) => r.appliedAt !== null)).toBe(true);

    // a late duplicate of an applied one changes nothing
    expect(await send(e2)).toMatchObject({ status: "rejected", reason: "REPLAYED" });
    expect(appliedSeqs).toEqual([1, 2, 3]);
  });

  it("a batch that fills the gap in front of more held messages than one read returns applies them all, its own messages in their places", async () => {
    // The receiving transaction reads the first 500 held messages with its insert (that read does not see the
    // batch's own rows, which are merged in); the rest is read after. Held: 5..504 (a full first read) and
    // 600..650. The batch brings 4, 505..599 and 651..660: the first read is full, so the batch's messages after
    // 504 wait for the second read, which sees them.
    appliedSeqs.length = 0;
    for (const seqs of [range(5, 254), range(255, 504), range(600, 650)]) {
      const results = await sendAll(await sealAll(seqs));
      expect(results.every((r) => r.status === "accepted")).toBe(true);
    }
    expect(appliedSeqs).toEqual([]);
    const results = await sendAll(await sealAll([4, ...range(505, 599), ...range(651, 660)]));
    expect(results.every((r) => r.status === "accepted")).toBe(true);
    expect(appliedSeqs).toEqual(range(4, 660));
    const rows = await inboxRows();
    expect(rows.filter((r) => r.status !== "applied")).toEqual([]);
    expect(rows.map((r) => r.seq)).toEqual(range(1, 660));
  });
});
