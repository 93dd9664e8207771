import { afterAll, beforeAll, expect, it } from "vitest";
import { describeDb } from "../support/node.js";
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
import { seeded } from "../support/seeded.js";

/**
 * Store and forward with real OS processes: two nodes (`crossline serve`), separate databases, loopback HTTP.
 * Exactly-once and order are checked from both sides' outbox and inbox tables (through the API), with the
 * product's hotline ping: each ping applied on the receiver enqueues exactly one pong in the same transaction.
 */
describeDb("federation delivery between two node processes", () => {
  let a: ProcNode;
  let b: ProcNode;

  beforeAll(async () => {
    [a, b] = await Promise.all([createProcNode("CN-MPS"), createProcNode("US-DOJ")]);
    await Promise.all([a.proc.start(), b.proc.start()]);
    await pairProcs(a.proc, b.proc);
  });
  afterAll(async () => {
    await a?.cleanup();
    await b?.cleanup();
  });

  async function ping(p: NodeProcess, peer: string, count: number) {
    const r = await p.api<{ pings: { pingId: string; msgId: string }[] }>(
      "POST",
      `/api/v1/peers/${peer}/ping`,
      {
        count,
      },
    );
    if (r.status !== 201) throw new Error(`ping: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.pings;
  }

  /** Everything A sent B arrived once, in order, and was applied once (one pong each, and the pongs came back). */
  async function expectExactlyOnceInOrder() {
    const sent = (await allRows<OutboxItem>(a.proc, "US-DOJ", "outbox")).filter(
      (m) => m.type === "federation.ping",
    );
    await waitUntil(
      async () => {
        const [aOut, bOut] = await Promise.all([
          allRows<OutboxItem>(a.proc, "US-DOJ", "outbox"),
          allRows<OutboxItem>(b.proc, "CN-MPS", "outbox"),
        ]);
        return aOut.every((m) => m.status === "delivered") && bOut.every((m) => m.status === "delivered");
      },
      90_000,
      "both outboxes to drain",
    );
    const aOut = await allRows<OutboxItem>(a.proc, "US-DOJ", "outbox");
    const bIn = await allRows<InboxItem>(b.proc, "CN-MPS", "inbox");
    // the receiver holds exactly the sender's sequence, 1..n, every message applied
    expect(bIn.map((m) => m.seq)).toEqual(aOut.map((m) => m.seq));
    expect(bIn.map((m) => m.msgId)).toEqual(aOut.map((m) => m.msgId));
    expect(aOut.map((m) => m.seq)).toEqual(aOut.map((_, i) => i + 1));
    expect(bIn.every((m) => m.status === "applied")).toBe(true);
    // applied in sequence order
    const applied = bIn.map((m) => Date.parse(m.appliedAt as string));
    for (let i = 1; i < applied.length; i++) expect(applied[i]).toBeGreaterThanOrEqual(applied[i - 1]);
    // applied exactly once: one pong per ping, no more
    const bOut = await allRows<OutboxItem>(b.proc, "CN-MPS", "outbox");
    const pongs = bOut.filter((m) => m.type === "federation.pong");
    const pingIds = bIn.filter((m) => m.type === "federation.ping").map((m) => m.msgId);
    expect(pongs.length).toBe(pingIds.length);
    expect(new Set(pongs.map((p) => p.inReplyTo))).toEqual(new Set(pingIds));
    // and the pongs came back, once each, in order
    const aIn = await allRows<InboxItem>(a.proc, "US-DOJ", "inbox");
    expect(aIn.map((m) => m.msgId)).toEqual(bOut.map((m) => m.msgId));
    expect(aIn.every((m) => m.status === "applied")).toBe(true);
    return sent.length;
  }

  it("(a) queues while the receiver is down, then delivers everything in order", async () => {
    await b.proc.kill9();
    for (let i = 0; i < 5; i++) await ping(a.proc, "US-DOJ", 10);
    await waitUntil(
      async () => {
        const r = await a.proc.api<{ peer: { health: { outboxDepth: number; lastError: string | null } } }>(
          "GET",
          "/api/v1/peers/US-DOJ",
        );
        return (
          r.body.peer.health.outboxDepth === 50 && r.body.peer.health.lastError !== null && r.body.peer.health
        );
      },
      20_000,
      "the failed attempts to be recorded",
    );
    await new Promise((r) => setTimeout(r, 1500));
    await b.proc.start();
    expect(await expectExactlyOnceInOrder()).toBe(50);
  });

  it("(b) survives kill -9 of sender and receiver at random moments during a burst of 600 messages", async () => {
    const before = (await allRows<OutboxItem>(a.proc, "US-DOJ", "outbox")).length;
    const acknowledged: string[] = [];
    let burstDone = false;
    let kills = 0;
    const burst = (async () => {
      let sent = 0;
      while (sent < 600) {
        if (!a.proc.running) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        try {
          const p = await ping(a.proc, "US-DOJ", 10);
          acknowledged.push(...p.map((x) => x.msgId));
          sent += 10;
        } catch {
          // the sender died mid-request: this batch may or may not have committed; the outbox tells
          await new Promise((r) => setTimeout(r, 100));
          const out = await allRows<OutboxItem>(a.proc, "US-DOJ", "outbox").catch(() => null);
          if (out) sent = out.length - before;
        }
      }
      burstDone = true;
    })();
    const chaos = (async () => {
      // The kill timings come from CHAOS_SEED (printed): a failing run is replayed with it.
      const rnd = seeded("CHAOS_SEED", "federation delivery chaos").between;
      while (!burstDone || kills < 4) {
        await new Promise((r) => setTimeout(r, rnd(300, 1500)));
        const victim = kills % 2 === 0 ? b.proc : a.proc;
        await victim.kill9();
        kills++;
        await new Promise((r) => setTimeout(r, rnd(100, 800)));
        await victim.start();
      }
    })();
    await Promise.all([burst, chaos]);
    expect(kills).toBeGreaterThanOrEqual(4);
    const total = await expectExactlyOnceInOrder();
    expect(total - 50).toBeGreaterThanOrEqual(600);
    const aOut = new Set((await allRows<OutboxItem>(a.proc, "US-DOJ", "outbox")).map((m) => m.msgId));
    expect(acknowledged.every((id) => aOut.has(id))).toBe(true);
    // Each kill restarts a node process (a PGlite one loads its database again): on the 2-core machine with
    // other files and sessions running (load average 11) the burst took past the tier's 120 s.
  }, 300_000);
});
