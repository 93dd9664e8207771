import { afterAll, beforeAll, expect, it } from "vitest";
import { DB_KIND, describeDb } from "../support/node.js";
import {
  allRows,
  createProcNode,
  type NodeProcess,
  type OutboxItem,
  type ProcNode,
  pairProcs,
  waitUntil,
} from "../support/proc.js";

/** The delivery worker's poll interval here: the longest the settings allow. */
const LONG_POLL_MS = 60_000;

/**
 * On PostgreSQL an enqueue NOTIFYs the outbox channel at its commit and every process's delivery worker
 * LISTENs to it: a message queued by a process without a worker is sent at once by the worker of another
 * process of the node, not at that worker's next poll. PGlite has one process per data directory (its workers
 * are woken in process), so this runs on the PostgreSQL tier only.
 */
describeDb("delivery woken across processes by LISTEN/NOTIFY", () => {
  const pgOnly = DB_KIND === "postgres";
  let a: ProcNode;
  let b: ProcNode;
  let worker: NodeProcess;

  beforeAll(async () => {
    if (!pgOnly) return;
    [a, b] = await Promise.all([createProcNode("CN-MPS"), createProcNode("US-DOJ")]);
    // The first process serves the API and runs no worker; the second runs the only worker, polling once a minute.
    a.proc.env = { CROSSLINE_WORKERS: "false" };
    worker = await a.addProcess({
      env: {
        CROSSLINE_FED_POLL_MS: String(LONG_POLL_MS),
        CROSSLINE_FED_IDLE_POLL_MS: String(LONG_POLL_MS),
      },
    });
    await Promise.all([a.proc.start(), b.proc.start(), worker.start()]);
    await pairProcs(a.proc, b.proc);
  });
  afterAll(async () => {
    await a?.cleanup();
    await b?.cleanup();
  });

  it.runIf(pgOnly)(
    "messages enqueued through a process without a worker are delivered by the other process's worker within seconds, though it polls once a minute (skipped on PGlite: one process per data directory)",
    async () => {
      const took: number[] = [];
      // Three in a row, each waited for: one could meet a poll tick by chance, not three a minute apart.
      for (let i = 1; i <= 3; i++) {
        const t0 = Date.now();
        expect((await a.proc.api("POST", "/api/v1/peers/US-DOJ/ping", { count: 1 })).status).toBe(201);
        await waitUntil(
          async () => {
            const out = await allRows<OutboxItem>(a.proc, "US-DOJ", "outbox");
            return out.length === i && out.every((m) => m.status === "delivered");
          },
          LONG_POLL_MS / 2,
          `ping ${i} delivered`,
        );
        took.push(Date.now() - t0);
      }
      // Well before the poll interval (seconds, allowing for a loaded machine; the wake itself takes milliseconds).
      for (const ms of took) expect(ms).toBeLessThan(10_000);
      // The worker that delivered them is the second process's: the first runs none.
      const delivered = await a.proc.api<{ items: { details: { by: string } }[] }>(
        "GET",
        "/api/v1/audit?limit=10&action=federation.outbox.delivered",
      );
      expect(delivered.body.items.length).toBe(3);
      expect(new Set(delivered.body.items.map((e) => e.details.by)).size).toBe(1);
      expect(delivered.body.items[0].details.by).toMatch(new RegExp(`:${worker.child?.pid}$`));
    },
  );
  it.runIf(pgOnly)(
    "a peer resumed through the process without a worker: its queued message leaves within seconds, though the worker's idle wait is a minute (skipped on PGlite)",
    async () => {
      // US-DOJ down: the ping is queued and its first attempt fails
      await b.proc.stop();
      const before = (await allRows<OutboxItem>(a.proc, "US-DOJ", "outbox")).length;
      expect((await a.proc.api("POST", "/api/v1/peers/US-DOJ/ping", { count: 1 })).status).toBe(201);
      await waitUntil(
        async () => {
          const out = await allRows<OutboxItem & { attempts: number }>(a.proc, "US-DOJ", "outbox");
          return out.length === before + 1 && out.some((m) => m.status === "pending" && m.attempts > 0);
        },
        LONG_POLL_MS / 2,
        "the ping's first attempt",
      );
      // Suspended, US-DOJ back, the retry's back-off (at most a second here) run out: nothing is claimable until
      // the resume, which the first process (no worker) makes. Only its NOTIFY can tell the worker.
      expect((await a.proc.api("POST", "/api/v1/peers/US-DOJ/suspend")).status).toBe(200);
      await b.proc.start();
      await new Promise((r) => setTimeout(r, 1_500));
      const t0 = Date.now();
      expect((await a.proc.api("POST", "/api/v1/peers/US-DOJ/resume")).status).toBe(200);
      await waitUntil(
        async () =>
          (await allRows<OutboxItem>(a.proc, "US-DOJ", "outbox")).every((m) => m.status === "delivered"),
        LONG_POLL_MS / 2,
        "the ping delivered after the resume",
      );
      expect(Date.now() - t0).toBeLessThan(10_000);
    },
  );
});
