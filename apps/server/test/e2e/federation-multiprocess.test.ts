import { afterAll, beforeAll, expect, it } from "vitest";
import { DB_KIND, describeDb } from "../support/node.js";
import {
  allRows,
  createProcNode,
  type InboxItem,
  type NodeProcess,
  type OutboxItem,
  type ProcNode,
  pairProcs,
  waitUntil,
} from "../support/proc.js";

/**
 * Several stateless processes serve one node over one PostgreSQL database: their delivery workers share the
 * outbox (FOR UPDATE SKIP LOCKED plus leases) and their inboxes share the per-peer order (row locks).
 * PGlite allows one process per data directory, so this runs on the PostgreSQL tier only.
 */
describeDb("federation with two processes of one node on one database", () => {
  const pgOnly = DB_KIND === "postgres";
  let a: ProcNode;
  let b: ProcNode;
  let a2: NodeProcess;

  beforeAll(async () => {
    if (!pgOnly) return;
    // A lease longer than any batch takes on a loaded machine: a shorter one lets the other process take over
    // a batch still in flight (still applied once thanks to the inbox, but sent twice). The same for the request
    // timeout: a POST of 200 envelopes took more than the quick tests' 5 s on a machine at load 10, and the batch
    // was sent again (REPLAYED), which is what this test checks the two processes never cause.
    [a, b] = await Promise.all([
      createProcNode("CN-MPS", { fedLeaseSeconds: 60, fedRequestTimeoutMs: 30_000 }),
      createProcNode("US-DOJ"),
    ]);
    a2 = await a.addProcess();
    await Promise.all([a.proc.start(), b.proc.start()]);
    await a2.start();
    await pairProcs(a.proc, b.proc);
  });
  afterAll(async () => {
    await a?.cleanup();
    await b?.cleanup();
  });

  it.runIf(pgOnly)(
    "(c) both processes enqueue and deliver at once: no duplicate, no loss, order kept; either delivers alone (skipped on PGlite: one process per data directory)",
    async () => {
      const drive = async (p: NodeProcess) => {
        for (let i = 0; i < 25; i++) {
          const r = await p.api("POST", "/api/v1/peers/US-DOJ/ping", { count: 10 });
          expect(r.status).toBe(201);
        }
      };
      await Promise.all([drive(a.proc), drive(a2)]);
      await waitUntil(
        async () => {
          const [aOut, bOut] = await Promise.all([
            allRows<OutboxItem>(a.proc, "US-DOJ", "outbox"),
            allRows<OutboxItem>(b.proc, "CN-MPS", "outbox"),
          ]);
          return (
            aOut.length === 500 &&
            aOut.every((m) => m.status === "delivered") &&
            bOut.length === 500 &&
            bOut.every((m) => m.status === "delivered")
          );
        },
        90_000,
        "500 pings and 500 pongs delivered",
      );
      const aOut = await allRows<OutboxItem>(a.proc, "US-DOJ", "outbox");
      const bIn = await allRows<InboxItem>(b.proc, "CN-MPS", "inbox");
      expect(aOut.map((m) => m.seq)).toEqual(aOut.map((_, i) => i + 1));
      expect(bIn.map((m) => m.msgId)).toEqual(aOut.map((m) => m.msgId));
      expect(bIn.every((m) => m.status === "applied")).toBe(true);
      const bOut = await allRows<OutboxItem>(b.proc, "CN-MPS", "outbox");
      expect(new Set(bOut.map((m) => m.inReplyTo)).size).toBe(500);
      const aIn = await allRows<InboxItem>(a.proc, "US-DOJ", "inbox");
      expect(aIn.map((m) => m.msgId)).toEqual(bOut.map((m) => m.msgId));
      // no envelope was delivered twice
      const replays = await b.proc.api<{ items: { details: { reason: string } }[] }>(
        "GET",
        "/api/v1/audit?limit=100&action=federation.envelope.rejected",
      );
      expect(replays.body.items.filter((e) => e.details.reason === "REPLAYED")).toEqual([]);
      // Which process's worker claims a batch is a matter of timing (on a fast machine one of them may take all
      // of them); what must hold is that the batches the two recorded cover every sequence number, and that
      // their delivered counts add up to each message once. A batch the peer answered only in part (a
      // retryable answer for some envelopes, on a loaded machine) is recorded with its whole range and the
      // count it delivered; the rest go again in a later batch, whose range overlaps it.
      const seqsDelivered = async () => {
        type Entry = { seq: number; details: { by: string; count: number; seqs: [number, number] } };
        const items: Entry[] = [];
        for (let before: number | undefined; ; ) {
          const page = await a2.api<{ items: Entry[] }>(
            "GET",
            `/api/v1/audit?limit=500&action=federation.outbox.delivered${before ? `&before=${before}` : ""}`,
          );
          items.push(...page.body.items);
          if (page.body.items.length < 500) break;
          before = page.body.items[page.body.items.length - 1].seq;
        }
        const covered = new Set(
          items.flatMap((e) =>
            Array.from(
              { length: e.details.seqs[1] - e.details.seqs[0] + 1 },
              (_, i) => e.details.seqs[0] + i,
            ),
          ),
        );
        const count = items.reduce((n, e) => n + e.details.count, 0);
        return { covered: [...covered].sort((x, y) => x - y), count, items };
      };
      const first = await seqsDelivered();
      expect(first.covered).toEqual(aOut.map((m) => m.seq));
      expect(first.count).toBe(500);

      // The first process goes away: the second one's worker delivers what it enqueues on its own.
      await a.proc.stop();
      for (let i = 0; i < 2; i++) {
        expect((await a2.api("POST", "/api/v1/peers/US-DOJ/ping", { count: 5 })).status).toBe(201);
      }
      await waitUntil(
        async () => {
          const out = await allRows<OutboxItem>(a2, "US-DOJ", "outbox");
          return out.length === 510 && out.every((m) => m.status === "delivered");
        },
        60_000,
        "10 more pings delivered by the second process",
      );
      const after = await seqsDelivered();
      expect(after.covered).toEqual(Array.from({ length: 510 }, (_, i) => i + 1));
      expect(after.count).toBe(510);
      const lastBy = after.items.find((e) => e.details.seqs[1] === 510)?.details.by;
      expect(lastBy).toBeTruthy();
      expect(after.items.filter((e) => e.details.seqs[0] > 500).every((e) => e.details.by === lastBy)).toBe(
        true,
      );
    },
  );
});
