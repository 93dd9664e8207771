import http from "node:http";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { envelopeSha256, peekEnvelope } from "../../src/crypto/envelope.js";
import { inTransaction } from "../../src/db/client.js";
import { auditLog, inbox, outbox, peers } from "../../src/db/schema/index.js";
import { systemCtx } from "../../src/lib/actor.js";
import { sigKeys } from "../../src/modules/federation/federation.context.js";
import { countOnLockedPeer, lockPeer } from "../../src/modules/federation/federation.repo.js";
import { defineHandler, PermanentRejection } from "../../src/modules/federation/federation.types.js";
import {
  type FederationWorker,
  startFederationWorker,
} from "../../src/modules/federation/federation.worker.js";
import { type Agent, createTestNode, DB_KIND, describeDb, type TestNode } from "../support/node.js";
import { freePort } from "../support/pg-cluster.js";
import { verifyKeptReceipt } from "../support/receipts.js";

/**
 * Issue 9, federation correctness: a resend keeps the envelope its receipt names (9), duplicates are counted
 * apart from rejections (11), a link seen healthy again retries what was backing off at once (7), and a sender
 * restored from an older backup meets a sequence conflict that stops the link until re-sequenced (8).
 *
 * A→B traffic goes through a proxy the test controls (pass, down, or lose the answer); B→A goes direct.
 */

type Mode = "pass" | "down" | "lose-answer" | "slow";

/**
 * Forwards to `target`; "down" answers 503 without forwarding, "lose-answer" forwards and then answers 502,
 * "slow" forwards after `SLOW_MS` (longer than A's lease). With `hold` on, each envelope POST waits until the
 * test lets it pass or answers it 503 (`held`). It notes the sequence numbers of each envelope POST and how many
 * were in flight at once.
 */
async function startProxy(target: string) {
  const state = {
    mode: "pass" as Mode,
    forwarded: 0,
    envelopePosts: 0,
    batchAsks: 0,
    hold: false,
    held: [] as ((how: "pass" | "down") => void)[],
    posted: [] as number[][],
    inFlight: 0,
    maxInFlight: 0,
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const ch of req) chunks.push(ch as Buffer);
    const isPost = req.url?.startsWith("/federation/v1/envelopes") === true;
    if (isPost) {
      state.envelopePosts++;
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        envelopes: string[];
        receipt?: string;
      };
      if (body.receipt === "batch") state.batchAsks++;
      state.posted.push(body.envelopes.map((e) => peekEnvelope(e).seq));
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      res.on("close", () => state.inFlight--);
      if (state.hold && (await new Promise<"pass" | "down">((r) => state.held.push(r))) === "down") {
        res.writeHead(503).end();
        return;
      }
    }
    if (state.mode === "slow") await new Promise((r) => setTimeout(r, SLOW_MS));
    if (state.mode === "down") {
      res.writeHead(503).end();
      return;
    }
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers: { "content-type": req.headers["content-type"] ?? "application/json" },
      ...(req.method === "GET" || req.method === "HEAD" ? {} : { body: Buffer.concat(chunks) }),
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    state.forwarded++;
    if (state.mode === "lose-answer" && req.url?.startsWith("/federation/v1/envelopes")) {
      state.mode = "pass"; // lose one answer only
      res.writeHead(502).end();
      return;
    }
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "" }).end(body);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    state,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A's lease is short (3 s; renewed every second) so that a slow peer outlasts it twice over. */
const LEASE_SECONDS = 3;
const SLOW_MS = 7_000;

async function listeningNode(id: string, extra: Record<string, unknown> = {}) {
  const port = await freePort();
  const node = await createTestNode({
    id,
    timeZone: "UTC",
    settings: {
      publicUrl: `http://127.0.0.1:${port}`,
      fedPollMs: 50,
      // A long back-off: a retry within the test's time only happens when the link is seen healthy.
      fedBackoffBaseMs: 60_000,
      fedBackoffMaxMs: 120_000,
      ...extra,
    },
  });
  await node.rt.app.listen({ host: "127.0.0.1", port });
  return { node, admin: node.bearer(node.rt.controlToken), port };
}

const waitFor = async <T>(fn: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** The claims of a compact JWS, read without verifying: the sender verified it already. */
const jwsClaims = (jws: string) =>
  JSON.parse(Buffer.from(jws.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
/** The claims a kept receipt proves: a receipt, or an item of a batch receipt (docs/federation.md §3.1). */
const claimsOf = (kept: string) => {
  if (!kept.startsWith("{")) return jwsClaims(kept);
  const proof = JSON.parse(kept) as { batchReceipt: string; item: Record<string, unknown> };
  return { ...jwsClaims(proof.batchReceipt), ...proof.item };
};

describeDb("federation correctness (issue 9)", () => {
  let a: Awaited<ReturnType<typeof listeningNode>>;
  let b: Awaited<ReturnType<typeof listeningNode>>;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  const workers: FederationWorker[] = [];
  const silent = { info() {}, warn() {}, error() {} };
  const dbOf = (n: { node: TestNode }) => n.node.rt.services.db;

  beforeAll(async () => {
    a = await listeningNode("CN-MPS", { fedLeaseSeconds: LEASE_SECONDS });
    b = await listeningNode("US-DOJ");
    const inv = await a.admin.req<{ invitation: string }>("POST", "/api/v1/peers/invitations");
    const acc = await b.admin.req("POST", "/api/v1/peers/accept", { invitation: inv.body.invitation });
    expect(acc.status, JSON.stringify(acc.body)).toBe(201);
    proxy = await startProxy(`http://127.0.0.1:${b.port}`);
    // A reaches B through the proxy from now on.
    await dbOf(a).update(peers).set({ baseUrl: proxy.url }).where(eq(peers.id, "US-DOJ"));
    for (const n of [a, b])
      workers.push(startFederationWorker(n.node.rt.services.federationService, n.node.rt.config, silent));
  }, 300_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await proxy?.close();
    await a?.node.close();
    await b?.node.close();
  });

  const ping = async (from: { admin: Agent }, to: string, count = 1) => {
    const r = await from.admin.req<{ pings: { pingId: string; msgId: string; seq: number }[] }>(
      "POST",
      `/api/v1/peers/${to}/ping`,
      { count },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.pings;
  };
  const answered = (from: { admin: Agent }, to: string, pingIds: string[], ms?: number) =>
    waitFor(async () => {
      const l = await from.admin.req<{ items: { rttMs: number | null }[] }>(
        "GET",
        `/api/v1/peers/${to}/pings?ids=${pingIds.join(",")}`,
      );
      return l.body.items.length === pingIds.length && l.body.items.every((p) => p.rttMs !== null);
    }, ms);
  const outboxRow = async (n: { node: TestNode }, msgId: string) =>
    (await dbOf(n).select().from(outbox).where(eq(outbox.msgId, msgId)))[0];
  const health = async (n: { admin: Agent }, id: string) =>
    (
      await n.admin.req<{ peer: { health: Record<string, unknown> & { linkStop: unknown } } }>(
        "GET",
        `/api/v1/peers/${id}`,
      )
    ).body.peer.health;
  const audited = async (n: { node: TestNode }, action: string) =>
    dbOf(n).select().from(auditLog).where(eq(auditLog.action, action));

  it("warms the link both ways", async () => {
    await answered(
      a,
      "US-DOJ",
      (await ping(a, "US-DOJ", 3)).map((p) => p.pingId),
    );
    await answered(
      b,
      "CN-MPS",
      (await ping(b, "CN-MPS")).map((p) => p.pingId),
    );
  });

  it("batch receipts: asked for once the peer says it signs them, each row keeping a proof that verifies alone; either side can stop", async () => {
    await waitFor(async () => (await health(a, "US-DOJ")).outboxDepth === 0);
    const [usRow] = await dbOf(a).select().from(peers).where(eq(peers.id, "US-DOJ"));
    const usKeys = sigKeys(usRow);
    const sendAndCheck = async () => {
      const asks = proxy.state.batchAsks;
      const pings = await ping(a, "US-DOJ", 3);
      await answered(
        a,
        "US-DOJ",
        pings.map((p) => p.pingId),
      );
      // (the pong can come back before A has recorded its batch's outcome)
      const rows = await waitFor(async () => {
        const r = await Promise.all(pings.map((p) => outboxRow(a, p.msgId)));
        return r.every((x) => x.status === "delivered") && r;
      });
      for (const row of rows) {
        // the kept proof verifies with the peer's keys alone and names the very envelope kept beside it
        const claims = await verifyKeptReceipt(row.receipt ?? "", usKeys);
        expect(claims).toMatchObject({
          msgId: row.msgId,
          seq: row.seq,
          sender: "US-DOJ",
          recipient: "CN-MPS",
          status: "accepted",
          envelopeSha256: envelopeSha256(row.envelope ?? ""),
        });
      }
      return {
        asked: proxy.state.batchAsks - asks,
        batch: rows.map((r) => (r.receipt ?? "").startsWith("{")),
      };
    };
    // Once A has heard B say it signs batch receipts (any answer of B's), it asks, and each row keeps its item's
    // proof.
    await sendAndCheck();
    const both = await sendAndCheck();
    expect(both.asked).toBeGreaterThanOrEqual(1);
    expect(both.batch).toEqual([true, true, true]);
    // The administration's outbox view shows that proof for each message.
    const listed = await a.admin.req<{ items: { msgId: string; receipt: string | null }[] }>(
      "GET",
      "/api/v1/peers/US-DOJ/outbox?status=delivered",
    );
    const proof = listed.body.items.find((i) => i.receipt?.startsWith("{"));
    expect(proof, JSON.stringify(listed.body).slice(0, 500)).toBeDefined();
    expect(await verifyKeptReceipt(proof?.receipt ?? "", usKeys)).toMatchObject({ msgId: proof?.msgId });
    // B's operator turns them off (CROSSLINE_FED_BATCH_RECEIPTS=false): B answers per envelope, even when asked,
    // and no longer says it signs them, so A stops asking.
    b.node.rt.config.fedBatchReceipts = false;
    try {
      const first = await sendAndCheck();
      expect(first.batch).toEqual([false, false, false]);
      const then = await sendAndCheck();
      expect(then).toEqual({ asked: 0, batch: [false, false, false] });
      // Back on at B, off at A: A never asks, whatever B says.
      b.node.rt.config.fedBatchReceipts = true;
      a.node.rt.config.fedBatchReceipts = false;
      await sendAndCheck();
      expect(await sendAndCheck()).toEqual({ asked: 0, batch: [false, false, false] });
    } finally {
      a.node.rt.config.fedBatchReceipts = true;
      b.node.rt.config.fedBatchReceipts = true;
    }
    // Both on again: batch receipts as before.
    await sendAndCheck();
    expect((await sendAndCheck()).batch).toEqual([true, true, true]);
  });

  it("a resend after a lost receipt keeps the envelope the stored receipt names; the duplicate is not a rejection", async () => {
    // nothing else of A's in flight, so the answer lost is the ping's
    await waitFor(async () => (await health(a, "US-DOJ")).outboxDepth === 0);
    const before = await health(b, "CN-MPS");
    proxy.state.mode = "lose-answer";
    const [p] = await ping(a, "US-DOJ");
    // B applied the ping and answers with a pong (direct to A): A sees the link healthy and resends at once.
    await waitFor(async () => (await outboxRow(a, p.msgId))?.status === "delivered");
    const row = await outboxRow(a, p.msgId);
    expect(row.attempts, JSON.stringify({ ...row, payload: null, envelope: null })).toBeGreaterThanOrEqual(2);
    expect(row.envelope).toBeTruthy();
    const receipt = claimsOf(row.receipt ?? "");
    expect(receipt.status).toBe("accepted");
    expect(receipt.envelopeSha256).toBe(envelopeSha256(row.envelope ?? ""));
    const after = await health(b, "CN-MPS");
    expect(after.duplicates).toBe((before.duplicates as number) + 1);
    expect(after.rejected).toBe(before.rejected);
  });

  it("a batch in flight longer than its lease is renewed, not claimed and sent again by another loop", async () => {
    await waitFor(async () => (await health(a, "US-DOJ")).outboxDepth === 0);
    const before = await health(b, "CN-MPS");
    proxy.state.mode = "slow";
    const posts0 = proxy.state.envelopePosts;
    const [p] = await ping(a, "US-DOJ");
    try {
      await waitFor(async () => (await outboxRow(a, p.msgId))?.status === "delivered", 20_000);
    } finally {
      proxy.state.mode = "pass";
    }
    // Two delivery loops run; the lease (3 s) would have run out twice while the batch waited on the peer.
    expect(proxy.state.envelopePosts - posts0).toBe(1);
    expect((await outboxRow(a, p.msgId)).attempts).toBe(1);
    expect((await health(b, "CN-MPS")).duplicates).toBe(before.duplicates);
  });

  it("pipelining: the next batch is claimed while a full one is in flight and POSTed once it is answered, in order; after a failed batch it is given back unsent; switched off, one batch after the other", async () => {
    await waitFor(async () => (await health(a, "US-DOJ")).outboxDepth === 0);
    b.node.rt.services.federationService.registerHandler(
      defineHandler("test.pipe", z.object({ n: z.number() }), async () => {}),
    );
    const metric = async () => {
      const text = await (await a.node.rt.app.inject({ method: "GET", url: "/metrics" })).body;
      return Number(/^crossline_federation_batches_out_total\{mode="pipelined"\} (\d+)/m.exec(text)?.[1]);
    };
    const send = (n: number) =>
      inTransaction(dbOf(a), (tx) =>
        a.node.rt.services.federationService.enqueueMany(
          tx,
          systemCtx(),
          Array.from({ length: n }, (_, i) => ({ peerId: "US-DOJ", type: "test.pipe", payload: { n: i } })),
        ),
      );
    const rowsOf = (sent: { msgId: string }[]) => Promise.all(sent.map((m) => outboxRow(a, m.msgId)));
    /** The rows of `sent` that are pending under a lease (claimed, not yet recorded). */
    const leased = async (sent: { msgId: string }[]) =>
      (await rowsOf(sent)).filter((r) => r.status === "pending" && r.leaseUntil !== null).map((r) => r.seq);
    a.node.rt.config.fedBatchSize = 3;
    try {
      // fedPipeline on (the default), then off
      for (const pipelined of [true, false]) {
        a.node.rt.config.fedPipeline = pipelined;
        proxy.state.hold = true;
        // Nine messages, three batches of three. While the first is held at the proxy, the second is claimed (and
        // sealed), but not POSTed: one POST at a time per peer. (Off: only the first is claimed.)
        proxy.state.posted = [];
        proxy.state.maxInFlight = 0;
        const before = await metric();
        const sent = await send(9);
        const seqs = sent.map((m) => m.seq);
        await waitFor(async () => proxy.state.held.length === 1);
        const ahead = pipelined ? 6 : 3;
        expect(
          await waitFor(async () => (await leased(sent)).length === ahead && (await leased(sent))),
        ).toEqual(seqs.slice(0, ahead));
        if (!pipelined) {
          // nothing more is claimed while the first batch waits
          await new Promise((r) => setTimeout(r, 300));
          expect(await leased(sent)).toEqual(seqs.slice(0, 3));
        }
        expect(proxy.state.posted).toEqual([seqs.slice(0, 3)]);
        // Let every POST through: the batches follow each other in sequence order, never two in flight.
        proxy.state.hold = false;
        proxy.state.held.shift()?.("pass");
        await waitFor(async () => (await rowsOf(sent)).every((r) => r.status === "delivered"));
        expect(proxy.state.posted).toEqual([seqs.slice(0, 3), seqs.slice(3, 6), seqs.slice(6, 9)]);
        expect(proxy.state.maxInFlight).toBe(1);
        expect((await rowsOf(sent)).map((r) => r.attempts)).toEqual(seqs.map(() => 1));
        // The second and third were pipelined (claimed while the batch before them was in flight).
        expect((await metric()) - before).toBe(pipelined ? 2 : 0);
        const applied = await dbOf(b)
          .select({ seq: inbox.seq, status: inbox.status })
          .from(inbox)
          .where(and(eq(inbox.peerId, "CN-MPS"), sql`${inbox.seq} >= ${seqs[0]}`));
        expect(
          applied
            .filter((r) => r.status === "applied")
            .map((r) => r.seq)
            .sort((x, y) => x - y),
        ).toEqual(seqs);
      }
      a.node.rt.config.fedPipeline = true;

      // The first batch fails (503) while the second is claimed behind it: the second is not POSTed on the
      // strength of the pipeline; it is given back, with the attempt its claim counted, and goes by an ordinary
      // claim. B holds it until the first comes again (its answer says what it waits for), then applies all six.
      proxy.state.hold = true;
      proxy.state.posted = [];
      const again = await send(6);
      const s2 = again.map((m) => m.seq);
      await waitFor(async () => proxy.state.held.length === 1);
      await waitFor(async () => (await leased(again)).length === 6);
      const counted = await metric();
      proxy.state.hold = false;
      proxy.state.held.shift()?.("down");
      await waitFor(async () => (await rowsOf(again)).every((r) => r.status === "delivered"));
      expect(await metric()).toBe(counted);
      const rows = await rowsOf(again);
      // the second batch: claimed twice, sent once, one attempt; the first: sent twice
      expect(rows.map((r) => r.attempts)).toEqual([2, 2, 2, 1, 1, 1]);
      expect(proxy.state.posted).toEqual([s2.slice(0, 3), s2.slice(3, 6), s2.slice(0, 3)]);
    } finally {
      proxy.state.hold = false;
      for (const r of proxy.state.held.splice(0)) r("pass");
      a.node.rt.config.fedBatchSize = 200;
      a.node.rt.config.fedPipeline = true;
    }
  });

  it("a batch that was not full, answered cleanly: what was queued while it travelled is claimed at the answer and POSTed next, in order, one POST at a time", async () => {
    await waitFor(async () => (await health(a, "US-DOJ")).outboxDepth === 0);
    b.node.rt.services.federationService.registerHandler(
      defineHandler("test.answer", z.object({ n: z.number() }), async () => {}),
    );
    const metric = async (mode: string) => {
      const text = await (await a.node.rt.app.inject({ method: "GET", url: "/metrics" })).body;
      return Number(
        new RegExp(`^crossline_federation_batches_out_total\\{mode="${mode}"\\} (\\d+)`, "m").exec(text)?.[1],
      );
    };
    const send = (from: number, n: number) =>
      inTransaction(dbOf(a), (tx) =>
        a.node.rt.services.federationService.enqueueMany(
          tx,
          systemCtx(),
          Array.from({ length: n }, (_, i) => ({
            peerId: "US-DOJ",
            type: "test.answer",
            payload: { n: from + i },
          })),
        ),
      );
    try {
      proxy.state.hold = true;
      proxy.state.posted = [];
      proxy.state.maxInFlight = 0;
      const [atAnswer, pipelined] = [await metric("at_answer"), await metric("pipelined")];
      // One message travels alone (a batch far from full); three are queued behind it while it is held.
      const first = await send(0, 1);
      await waitFor(async () => proxy.state.held.length === 1);
      const behind = await send(1, 3);
      // nothing more is claimed while the first waits (one batch in flight per peer)
      await new Promise((r) => setTimeout(r, 300));
      expect(proxy.state.posted).toEqual([[first[0].seq]]);
      expect((await outboxRow(a, behind[0].msgId))?.leaseUntil).toBeNull();
      proxy.state.hold = false;
      proxy.state.held.shift()?.("pass");
      const all = [...first, ...behind];
      await waitFor(async () =>
        (await Promise.all(all.map((m) => outboxRow(a, m.msgId)))).every((r) => r?.status === "delivered"),
      );
      // The three went in one POST, claimed when the first was answered (not by the transaction recording it).
      expect(proxy.state.posted).toEqual([[first[0].seq], behind.map((m) => m.seq)]);
      expect(proxy.state.maxInFlight).toBe(1);
      expect((await metric("at_answer")) - atAnswer).toBe(1);
      expect((await metric("pipelined")) - pipelined).toBe(0);
      const applied = await dbOf(b)
        .select({ seq: inbox.seq, status: inbox.status })
        .from(inbox)
        .where(and(eq(inbox.peerId, "CN-MPS"), sql`${inbox.seq} >= ${first[0].seq}`));
      expect(
        applied
          .filter((r) => r.status === "applied")
          .map((r) => r.seq)
          .sort((x, y) => x - y),
      ).toEqual(all.map((m) => m.seq));
    } finally {
      proxy.state.hold = false;
      for (const r of proxy.state.held.splice(0)) r("pass");
    }
  });

  it("after an outage, a message in a long back-off goes as soon as the link is seen healthy", async () => {
    proxy.state.mode = "down";
    const [p] = await ping(a, "US-DOJ");
    const failed = await waitFor(async () => {
      const r = await outboxRow(a, p.msgId);
      return r && r.attempts >= 1 && r.lastError !== null && r;
    });
    // its next try is a minute or so away
    expect(failed.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(20_000);
    proxy.state.mode = "pass";
    // B's ping reaches A: the link is seen healthy, the message backing off is due at once.
    await ping(b, "CN-MPS");
    const t0 = Date.now();
    await answered(a, "US-DOJ", [p.pingId], 10_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("a batch with a failing handler: the messages before it are applied once, it and those behind it wait", async () => {
    const fed = b.node.rt.services.federationService;
    let failing = true;
    const counted = (tx: Parameters<typeof b.node.rt.services.audit.record>[0], n: number) =>
      b.node.rt.services.audit.record(tx, systemCtx(), { action: "test.batch.applied", details: { n } });
    fed.registerHandler(
      defineHandler("test.batch.ok", z.object({ n: z.number() }), async (tx, m) => counted(tx, m.payload.n)),
    );
    fed.registerHandler(
      defineHandler("test.batch.fails", z.object({ n: z.number() }), async (tx, m) => {
        // a write first, then the failure: the write must not survive
        await counted(tx, m.payload.n);
        if (failing) throw new Error("the domain's database is unavailable");
      }),
    );
    // One transaction, so one batch: 1 applies, 2 fails, 3 waits behind it.
    const sent = await inTransaction(dbOf(a), (tx) =>
      a.node.rt.services.federationService.enqueueMany(
        tx,
        systemCtx(),
        (["test.batch.ok", "test.batch.fails", "test.batch.ok"] as const).map((type, i) => ({
          peerId: "US-DOJ",
          type,
          payload: { n: i + 1 },
        })),
      ),
    );
    const inboxStatus = async (msgId: string) =>
      (await dbOf(b).select().from(inbox).where(eq(inbox.msgId, msgId)))[0]?.status;
    await waitFor(async () => (await inboxStatus(sent[2].msgId)) !== undefined);
    await waitFor(
      async () => (await dbOf(b).select().from(inbox).where(eq(inbox.msgId, sent[1].msgId)))[0]?.lastError,
    );
    expect(await inboxStatus(sent[0].msgId)).toBe("applied");
    expect(await inboxStatus(sent[1].msgId)).toBe("held");
    expect(await inboxStatus(sent[2].msgId)).toBe("held");
    const applied = async () =>
      (await audited(b, "test.batch.applied")).map((r) => (r.details as { n: number }).n).sort();
    expect(await applied()).toEqual([1]);
    failing = false;
    // the worker retries the held message; the one behind it follows
    await waitFor(async () => (await inboxStatus(sent[2].msgId)) === "applied");
    expect(await applied()).toEqual([1, 2, 3]);
  });

  it("a sender restored from an older backup meets a sequence conflict: link stopped, both alerted, re-sequenced by an operator", async () => {
    // Quiet link: everything A sent is delivered.
    await waitFor(async () => (await health(a, "US-DOJ")).outboxDepth === 0);
    const [{ m }] = await dbOf(a)
      .select({ m: sql<number>`max(${outbox.seq})` })
      .from(outbox)
      .where(eq(outbox.peerId, "US-DOJ"));
    const highest = Number(m);
    const restoredAt = highest - 2;
    // What a restore from a backup taken two messages ago leaves of A's federation tables: the outbox and its
    // sequence counter as they were (the rest of the node does not matter to the transport).
    await dbOf(a).execute(sql`delete from fed_outbox where peer_id = 'US-DOJ' and seq > ${restoredAt}`);
    await dbOf(a).execute(sql`update fed_out_seq set seq = ${restoredAt} where peer_id = 'US-DOJ'`);

    const sent = await ping(a, "US-DOJ", 2);
    expect(sent.map((s) => s.seq)).toEqual([restoredAt + 1, restoredAt + 2]);
    const stop = await waitFor(async () => (await health(a, "US-DOJ")).linkStop);
    expect(stop).toMatchObject({ reason: "SEQUENCE_CONFLICT", seq: restoredAt + 1, peerHighestSeq: highest });
    // Not delivered, not lost: still queued.
    for (const s of sent) expect((await outboxRow(a, s.msgId)).status).toBe("pending");
    // B applied nothing of them and refused them with the conflict's own code.
    const refused = await dbOf(b)
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "federation.envelope.rejected"), eq(auditLog.targetId, sent[0].msgId)));
    expect(refused.map((r) => (r.details as { reason: string }).reason)).toContain("SEQUENCE_CONFLICT");
    // Both administrators are alerted (audit and notification).
    for (const [n, side] of [
      [a, "sender"],
      [b, "receiver"],
    ] as const) {
      const rows = await audited(n, "federation.sequence.conflict");
      expect(rows.some((r) => (r.details as { side: string }).side === side)).toBe(true);
      const notes = await n.node.rt.services.db.execute(
        sql`select count(*)::int as n from notifications where kind = 'federation.sequence_conflict'`,
      );
      expect(JSON.stringify(notes)).toMatch(/"n":[1-9]/);
    }
    // Delivery stays stopped: nothing more goes while the conflict stands.
    const forwarded = proxy.state.forwarded;
    await new Promise((r) => setTimeout(r, 300));
    expect(proxy.state.forwarded).toBe(forwarded);

    // The operator's way out, audited on both sides.
    const r = await a.admin.req<{ firstSeq: number; count: number }>(
      "POST",
      "/api/v1/peers/US-DOJ/resequence",
      {},
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ firstSeq: highest + 1, count: 2 });
    await answered(
      a,
      "US-DOJ",
      sent.map((s) => s.pingId),
    );
    expect((await health(a, "US-DOJ")).linkStop).toBeNull();
    expect(await audited(a, "federation.outbox.resequence")).toHaveLength(1);
    await waitFor(async () => (await audited(b, "federation.peer.resequenced")).length === 1);
    // a second re-sequence has nothing to resolve
    const again = await a.admin.req("POST", "/api/v1/peers/US-DOJ/resequence", {});
    expect(again.status).toBe(409);
  });

  it("a permanent rejection in a handler consumes the sequence number; a held message can be skipped or retried, audited on both sides", async () => {
    const fed = b.node.rt.services.federationService;
    let flaky = true;
    fed.registerHandler(
      defineHandler("test.refuse", z.object({}), async () => {
        throw new PermanentRejection("NOT_SHARED", "the request is not shared with this peer");
      }),
    );
    fed.registerHandler(
      // Once "fixed", only the administrator's retry (a request) applies it: the worker's own retries of held
      // messages (every second) keep failing, so they cannot take the message before the retry under test.
      defineHandler("test.flaky", z.object({}), async (_tx, _m, ctx) => {
        if (flaky || ctx.requestId === null) throw new Error("database of the domain unavailable");
      }),
    );
    const send = (type: string) =>
      inTransaction(dbOf(a), (tx) =>
        a.node.rt.services.federationService.enqueue(tx, systemCtx(), {
          peerId: "US-DOJ",
          type,
          payload: {},
        }),
      );
    const inboxRow = async (msgId: string) =>
      (await dbOf(b).select().from(inbox).where(eq(inbox.msgId, msgId)))[0];

    // Refused for good: the link behind it moves on, the sender learns it.
    const refused = await send("test.refuse");
    await answered(
      a,
      "US-DOJ",
      (await ping(a, "US-DOJ")).map((p) => p.pingId),
    );
    expect(await inboxRow(refused.msgId)).toMatchObject({ status: "rejected", reason: "HANDLER_REJECTED" });
    await waitFor(async () => (await outboxRow(a, refused.msgId)).status === "rejected");
    expect((await outboxRow(a, refused.msgId)).receiptReason).toBe("HANDLER_REJECTED");
    const onB = await audited(b, "federation.inbox.rejected");
    expect(onB.some((r) => r.targetId === refused.msgId)).toBe(true);
    const onA = await audited(a, "federation.outbox.rejected");
    expect(onA.find((r) => r.targetId === refused.msgId)?.details).toMatchObject({ code: "NOT_SHARED" });

    // A passing failure holds the message and the link behind it; the administrator sees why and skips it.
    const held = await send("test.flaky");
    const [behind] = await ping(a, "US-DOJ");
    const seen = await waitFor(async () => {
      const l = await b.admin.req<{ items: { msgId: string; status: string; lastError: string | null }[] }>(
        "GET",
        `/api/v1/peers/CN-MPS/inbox?afterSeq=${held.seq - 1}`,
      );
      return l.body.items.find((i) => i.msgId === held.msgId && i.lastError);
    });
    expect(seen).toMatchObject({ status: "held", lastError: "database of the domain unavailable" });
    expect((await inboxRow(behind.msgId))?.status ?? "held").toBe("held");
    const skip = await b.admin.req("POST", `/api/v1/peers/CN-MPS/inbox/${held.msgId}/skip`, {
      note: "cannot be applied here",
    });
    expect(skip.status, JSON.stringify(skip.body)).toBe(200);
    await answered(a, "US-DOJ", [behind.pingId]);
    expect(await inboxRow(held.msgId)).toMatchObject({ status: "rejected", reason: "SKIPPED_BY_OPERATOR" });
    await waitFor(async () => (await outboxRow(a, held.msgId)).status === "rejected");
    // The sender's outbox row: rejected by the peer, for the distinct reason (not a handler's refusal).
    expect(await outboxRow(a, held.msgId)).toMatchObject({
      receiptReason: "SKIPPED_BY_OPERATOR",
      lastError: "SKIPPED_BY_OPERATOR: cannot be applied here",
    });
    const listed = await a.admin.req<{ items: { msgId: string; status: string; receiptReason: string }[] }>(
      "GET",
      "/api/v1/peers/US-DOJ/outbox?status=rejected",
    );
    expect(listed.body.items.find((i) => i.msgId === held.msgId)).toMatchObject({
      status: "rejected",
      receiptReason: "SKIPPED_BY_OPERATOR",
    });
    const skippedOnA = await audited(a, "federation.outbox.rejected");
    expect(skippedOnA.find((r) => r.targetId === held.msgId)?.details).toMatchObject({
      reason: "SKIPPED_BY_OPERATOR",
      code: "SKIPPED_BY_OPERATOR",
    });
    expect((await audited(b, "federation.inbox.skip")).map((r) => r.targetId)).toContain(held.msgId);

    // Held again; the cause is fixed; the administrator retries it.
    const again = await send("test.flaky");
    await waitFor(async () => (await inboxRow(again.msgId))?.lastError);
    flaky = false;
    const retry = await b.admin.req<{ applied: boolean }>(
      "POST",
      `/api/v1/peers/CN-MPS/inbox/${again.msgId}/retry`,
      {},
    );
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body.applied).toBe(true);
    expect((await inboxRow(again.msgId)).status).toBe("applied");
    expect((await audited(b, "federation.inbox.retry")).map((r) => r.targetId)).toContain(again.msgId);
    // nothing left to retry or skip
    expect((await b.admin.req("POST", `/api/v1/peers/CN-MPS/inbox/${again.msgId}/skip`, {})).status).toBe(
      409,
    );
  });

  // Last: it revokes the pairing and makes a new one (B is then reached directly, not through the proxy).
  it("a revoked peer can be paired again: history kept, sequence numbers carried on, nothing held behind the messages the revocation cancelled", async () => {
    await waitFor(async () => (await health(a, "US-DOJ")).outboxDepth === 0);
    proxy.state.mode = "down";
    const lost = await ping(a, "US-DOJ", 2);
    await waitFor(async () => ((await outboxRow(a, lost[1].msgId))?.attempts ?? 0) >= 1);
    // The revocation cancels what still waits; B never hears of it (the proxy is down), so B revokes too.
    expect((await a.admin.req("POST", "/api/v1/peers/US-DOJ/revoke")).status).toBe(200);
    expect((await b.admin.req("POST", "/api/v1/peers/CN-MPS/revoke")).status).toBe(200);
    expect((await outboxRow(a, lost[0].msgId)).status).toBe("cancelled");
    const [{ inSeqBefore }] = await dbOf(b)
      .select({ inSeqBefore: peers.inSeq })
      .from(peers)
      .where(eq(peers.id, "CN-MPS"));
    expect(inSeqBefore).toBeLessThan(lost[1].seq);

    const inv = await a.admin.req<{ invitation: string }>("POST", "/api/v1/peers/invitations");
    const acc = await b.admin.req("POST", "/api/v1/peers/accept", { invitation: inv.body.invitation });
    expect(acc.status, JSON.stringify(acc.body)).toBe(201);
    for (const [n, id] of [
      [a, "US-DOJ"],
      [b, "CN-MPS"],
    ] as const) {
      const r = await n.admin.req<{ peer: { state: string } }>("GET", `/api/v1/peers/${id}`);
      expect(r.body.peer.state).toBe("active");
      const [paired] = (await audited(n, "federation.peer.paired")).slice(-1);
      expect(paired.details).toMatchObject({ renewed: true });
    }
    // A's next message follows the cancelled ones and is applied at once; so is B's.
    const [next] = await ping(a, "US-DOJ");
    expect(next.seq).toBe(lost[1].seq + 1);
    await answered(a, "US-DOJ", [next.pingId], 20_000);
    await answered(
      b,
      "CN-MPS",
      (await ping(b, "CN-MPS")).map((p) => p.pingId),
      20_000,
    );
    // The history of the old pairing is kept on both sides.
    expect((await outboxRow(a, lost[1].msgId)).status).toBe("cancelled");
    const held = await dbOf(b)
      .select()
      .from(inbox)
      .where(and(eq(inbox.peerId, "CN-MPS"), eq(inbox.status, "held")));
    expect(held).toEqual([]);
  });

  it.runIf(DB_KIND === "postgres")(
    "a message is queued to a peer while an inbox writer holds that peer's row (no wait, so no deadlock)",
    async () => {
      // The inbox writer's lock (lockPeer) held open; the outbox row's foreign key to the peer takes KEY SHARE.
      let release = () => {};
      let held = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const holding = new Promise<void>((r) => {
        held = r;
      });
      const writer = inTransaction(dbOf(a), async (tx) => {
        await lockPeer(tx, "US-DOJ");
        held();
        await gate;
      });
      await holding;
      const lockWaits = async () => {
        const r = (await dbOf(a).execute(
          sql`select count(*)::int as n from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock'`,
        )) as unknown as { rows: { n: number }[] };
        return Number(r.rows[0]?.n ?? 0) > 0;
      };
      let settled = false;
      try {
        const outcome = await Promise.race([
          ping(a, "US-DOJ").then(() => "queued" as const),
          waitFor(async () => settled || (await lockWaits()), 60_000).then(
            () => "waiting on the peer's row lock" as const,
          ),
        ]);
        expect(outcome).toBe("queued");
      } finally {
        settled = true;
        release();
        await writer;
      }
    },
  );

  it("the outcome transaction counts a batch on the locked peer row and learns when the peer was last seen healthy before", async () => {
    const db = dbOf(a);
    const [before] = await db.select().from(peers).where(eq(peers.id, "US-DOJ"));
    const at = new Date(before.lastSuccessAt ? before.lastSuccessAt.getTime() + 60_000 : Date.now());
    const rolledBack = new Error("rolled back on purpose");
    const seen: unknown[] = [];
    await expect(
      inTransaction(db, async (tx) => {
        const first = await countOnLockedPeer(
          tx,
          "US-DOJ",
          { delivered: 3 },
          { lastSuccessAt: at, rttMs: 7 },
        );
        const second = await countOnLockedPeer(tx, "US-DOJ", { delivered: 2 }, {});
        const [row] = await tx.select().from(peers).where(eq(peers.id, "US-DOJ"));
        seen.push(first, second, row.deliveredCount - before.deliveredCount, row.rttMs);
        seen.push(await countOnLockedPeer(tx, "XX-NONE", { delivered: 1 }));
        if (DB_KIND === "postgres") {
          // the row is locked as lockPeer locks it: another writer of the peer row cannot take it now
          const other = await db
            .execute(sql`select id from fed_peers where id = 'US-DOJ' for no key update nowait`)
            .then(
              () => "taken",
              (e: { cause?: { code?: string }; code?: string }) => e.cause?.code ?? e.code,
            );
          seen.push(other);
        }
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    expect(seen.slice(0, 5)).toEqual([
      { lastSuccessAt: before.lastSuccessAt },
      { lastSuccessAt: at },
      5,
      7,
      undefined,
    ]);
    if (DB_KIND === "postgres") expect(seen[5]).toBe("55P03"); // lock_not_available
    const [after] = await db.select().from(peers).where(eq(peers.id, "US-DOJ"));
    expect(after.deliveredCount).toBe(before.deliveredCount);
  });
});
