/**
 * `npm run bench:federation` — two Crossline nodes on loopback exchange envelopes; on PGlite and on
 * PostgreSQL (a throwaway cluster with normal fsync). The sending node runs in this process (its API, its
 * delivery workers, and the producers that enqueue through the FederationPort, as a domain does); the
 * receiving node is a separate `crossline serve` OS process.
 *
 * Measured:
 * - sustained throughput: producers enqueue as fast as they can for a while; envelopes receipted per second
 *   over the steady part of the window;
 * - latency from the send call (FederationPort.enqueue; `created_at`) to the stored receipt (`delivered_at`,
 *   clock_timestamp() in the transaction that stores it), p50/p99, at fixed offered loads below saturation; the
 *   lowest, 10/s, is the floor: no envelope waits behind another's batch, so its latency is the path alone;
 *   each phase starts once the writes of the phases before are on disk (`settle`);
 * - on PostgreSQL, one database round trip back to back and after the process slept (see roundTrips);
 * - a breakdown of where the time goes, from the stage counters both nodes export on /metrics;
 * - the CPU bound: the CPU time the sender, the receiver and the database server used per envelope in the
 *   sustained phase (from /proc, so it holds on a machine shared with other work) and the envelopes per second
 *   this machine's cores could carry at that cost, printed next to the throughput with the fraction reached.
 *
 * Results are printed and written to bench/results/federation.json.
 *
 * Knobs (environment): BENCH_DB=pglite,postgres (which databases), BENCH_SECONDS=12 (sustained phase; 0 skips
 * it), BENCH_LATENCY_SECONDS=8 (each latency phase), BENCH_LOADS (the latency phases as rate:perTx pairs, e.g.
 * `100:1` for the 100/s one-envelope-per-transaction phase alone; default 10:1, 100:1 and two loads derived
 * from the sustained rate), BENCH_BATCH_RECEIPTS=false (a receipt per envelope instead of batch receipts, both
 * nodes), BENCH_PIPELINE=false (the sender sends one batch of the peer after the other, without pipelining),
 * BENCH_TEXT_CHARS (the notice's length, 88 characters by default, at most 4,000), BENCH_PG_STATEMENTS=1
 * (PostgreSQL: the cluster loads pg_stat_statements, and the statements that took the most of the server's time
 * in the sustained phase, both nodes', are printed and kept, and for each latency phase the statements per envelope
 * and their execution and planning time; a statement's time includes its waits for row locks, so compare it with
 * the database's CPU time per envelope), BENCH_CPU_PROF=DIR (the receiver writes a V8 CPU
 * profile to DIR when it stops).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import pg from "pg";
import {
  itemReceipt,
  openEnvelope,
  sealEnvelope,
  sha256Hex,
  signBatchReceipt,
  signReceipt,
  verifyBatchReceipt,
  verifyReceipt,
} from "../apps/server/src/crypto/envelope.js";
import { uuidv7 } from "../apps/server/src/crypto/ids.js";
import { generateEncryptionKey, generateSigningKey } from "../apps/server/src/crypto/keys.js";
import { inTransaction, rowsOf } from "../apps/server/src/db/client.js";
import { startFederationWorker } from "../apps/server/src/modules/federation/federation.worker.js";
import { cliActor } from "../apps/server/src/modules/node/node.service.js";
import { initNodeDir } from "../apps/server/src/runtime/init.js";
import type { NodeRuntime } from "../apps/server/src/runtime/node-runtime.js";
import { startPgCluster } from "../apps/server/test/support/pg-cluster.js";
import { percentile } from "./lib.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(ROOT, "apps/server/bin/crossline.mjs");
const SATURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 12);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 8);
const PRODUCERS = 4;
const STATEMENTS = process.env.BENCH_PG_STATEMENTS === "1";
const PER_TX = 20;
const ctx = { actor: cliActor("bench"), ip: null, requestId: null };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FED = {
  fedBatchSize: 200,
  fedWorkerConcurrency: 3,
  fedBackoffBaseMs: 100,
  fedBackoffMaxMs: 2000,
  fedLeaseSeconds: 30,
  // BENCH_BATCH_RECEIPTS=false: a receipt per envelope, as before batch receipts (docs/federation.md §3.1)
  fedBatchReceipts: process.env.BENCH_BATCH_RECEIPTS !== "false",
  // BENCH_PIPELINE=false: one batch of a peer after the other, as before pipelining (docs/federation.md §10)
  fedPipeline: process.env.BENCH_PIPELINE !== "false",
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function createDb(adminUrl: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function initNode(dir: string, id: string, port: number, databaseUrl?: string) {
  const r = await initNodeDir(
    dir,
    {
      id,
      name: id,
      agencyName: id,
      timeZone: "UTC",
      adminUsername: "admin",
      adminDisplayName: "Admin",
      adminPassword: "bench-password-123456",
    },
    {
      publicUrl: `http://127.0.0.1:${port}`,
      host: "127.0.0.1",
      port,
      logLevel: "warn",
      mfaRequired: false,
      ...FED,
      ...(databaseUrl ? { databaseUrl } : {}),
    },
    { env: {} },
  );
  return r.runtime;
}

async function spawnServe(dir: string, url: string): Promise<{ child: ChildProcess; token: string }> {
  const log = createWriteStream(path.join(dir, "serve.log"), { flags: "a" });
  // BENCH_CPU_PROF=DIR: the receiver writes a V8 CPU profile there when it stops (run the bench itself with
  // `node --cpu-prof --cpu-prof-dir=DIR --import tsx bench/federation.bench.ts` for the sender's)
  const prof = process.env.BENCH_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const child = spawn(process.execPath, [...prof, BIN, "serve"], {
    env: { ...process.env, CROSSLINE_DATA_DIR: dir, DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`receiver exited: see ${dir}/serve.log`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) {
        return { child, token: readFileSync(path.join(dir, "control.token"), "utf8").trim() };
      }
    } catch {
      // starting
    }
    await sleep(100);
  }
  throw new Error("receiver did not start");
}

async function stageSeconds(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(
    /^crossline_federation_stage_seconds_total\{stage="(\w+)"\} ([0-9.e+-]+)$/gm,
  )) {
    out[m[1]] = Number(m[2]);
  }
  for (const m of text.matchAll(
    /^crossline_federation_envelopes_total\{direction="(\w+)"\} ([0-9.e+-]+)$/gm,
  )) {
    out[`envelopes_${m[1]}`] = Number(m[2]);
  }
  return out;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (ms) used so far by a process and all its descendants, from /proc: their user and system time, plus
 * what the root has reaped of children that exited (PostgreSQL backends that closed). CPU time is what the
 * processes themselves ran, so it holds when other work shares the machine (wall-clock figures do not).
 */
function treeCpuMs(rootPid: number | undefined): number {
  if (!rootPid) return 0;
  const stats = new Map<number, { ppid: number; own: number; reaped: number }>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const text = readFileSync(`/proc/${d}/stat`, "utf8");
      // the command is in parentheses and may hold spaces: the fields follow its closing one
      const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(d), {
        ppid: Number(f[1]),
        own: Number(f[11]) + Number(f[12]),
        reaped: Number(f[13]) + Number(f[14]),
      });
    } catch {
      // exited meanwhile
    }
  }
  let ticks = stats.get(rootPid)?.reaped ?? 0;
  const walk = (pid: number) => {
    ticks += stats.get(pid)?.own ?? 0;
    for (const [child, s] of stats) if (s.ppid === pid) walk(child);
  };
  walk(rootPid);
  return (ticks * 1000) / CLOCK_TICKS;
}

/** CPU time (ms) of the sender (this process: its API, workers, producers and, on PGlite, its database). */
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The postmaster of a throwaway cluster (the first line of postmaster.pid in its data directory). */
const postmasterPid = (dir: string): number | undefined => {
  try {
    return Number(readFileSync(path.join(dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return undefined;
  }
};

const diff = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.keys(b).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]));

const NOTICE =
  "Hotline status: all points of contact reachable; next test at 02:00 UTC. 热线状态：所有联络点均可联系。";
/** BENCH_TEXT_CHARS: the notice's text repeated to that length (at most 4,000), for messages of a request's size. */
const TEXT_CHARS = Math.min(4000, Number(process.env.BENCH_TEXT_CHARS ?? NOTICE.length));
const PAYLOAD = {
  text: NOTICE.repeat(Math.ceil(TEXT_CHARS / NOTICE.length)).slice(0, TEXT_CHARS),
  language: "en",
};

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Where an envelope's time goes in a latency phase: each stage per batch (one claim, one POST, one commit on
 * each side carry every envelope of the batch), the enqueue transaction per transaction, and what the stages
 * leave unexplained of the mean latency (waiting: for the wake-up, for the batch in flight before it).
 */
function latencyStages(
  s: Record<string, number>,
  r: Record<string, number>,
  enqueueMs: number,
  txs: number,
  meanMs: number,
): Record<string, number> {
  const batches = Math.max(1, s.batchesOut ?? 0);
  const per = (ms: number) => r3(ms / batches);
  const receiver = ((r.open ?? 0) + (r.inbox_commit ?? 0) + (r.sign_receipts ?? 0)) * 1000;
  const stages = {
    envelopesPerBatch: r3((s.envelopesOut ?? 0) / batches),
    pipelinedBatchShare: r3((s.batchesPipelined ?? 0) / batches),
    atAnswerBatchShare: r3((s.batchesAtAnswer ?? 0) / batches),
    enqueueTransaction: r3(enqueueMs / Math.max(1, txs)),
    claim: per(s.claimMs ?? 0),
    seal: per(s.sealMs ?? 0),
    postRoundTrip: per(s.postMs ?? 0),
    receiverOpen: per((r.open ?? 0) * 1000),
    receiverInboxCommit: per((r.inbox_commit ?? 0) * 1000),
    receiverSignReceipts: per((r.sign_receipts ?? 0) * 1000),
    httpOutsideReceiverStages: per((s.postMs ?? 0) - receiver),
    verifyReceipts: per(s.verifyReceiptsMs ?? 0),
    outboxCommit: per(s.outboxCommitMs ?? 0),
  };
  // (pipelined batches overlap: their claim and seal ran while the batch before was in flight)
  const explained =
    stages.enqueueTransaction +
    stages.claim +
    stages.seal +
    stages.postRoundTrip +
    stages.verifyReceipts +
    stages.outboxCommit;
  return { ...stages, meanLatency: r3(meanMs), unexplained: r3(meanMs - explained) };
}

/**
 * BENCH_PG_STATEMENTS: pg_stat_statements of the whole cluster (both nodes' databases), for the sustained phase
 * and each latency phase. `reset` empties it before the phase; afterwards the 12 statements with the most execution
 * and planning time (track_planning is on), per envelope of the phase (`top`), and the totals of every statement.
 */
async function topStatements(url: string, reset: boolean, envelopes = 1) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    if (reset) {
      await c.query("create extension if not exists pg_stat_statements");
      await c.query("select pg_stat_statements_reset()");
      return null;
    }
    const r = await c.query<{ ms: number; plan: number; calls: string; rows: string; query: string }>(
      `select total_exec_time as ms, total_plan_time as plan, calls, rows,
              left(regexp_replace(query, '\\s+', ' ', 'g'), 140) as query
       from pg_stat_statements order by total_exec_time + total_plan_time desc limit 12`,
    );
    const n = Math.max(1, envelopes);
    // every statement of both nodes (not only these 12), but for this function's own
    const [all] = (
      await c.query<{ ms: number; plan: number; calls: string }>(
        `select sum(total_exec_time) as ms, sum(total_plan_time) as plan, sum(calls) as calls
         from pg_stat_statements where query not like '%pg_stat_statements%'`,
      )
    ).rows;
    const top = r.rows.map((x) => ({
      msPerEnvelope: Math.round((Number(x.ms) / n) * 1000) / 1000,
      planMsPerEnvelope: Math.round((Number(x.plan) / n) * 1000) / 1000,
      // three significant digits: in the sustained phase a batch's statements run once per 200 envelopes
      callsPerEnvelope: Number((Number(x.calls) / n).toPrecision(3)),
      rows: Number(x.rows),
      query: x.query,
    }));
    const totals = {
      callsPerEnvelope: Math.round((Number(all.calls) / n) * 100) / 100,
      execMsPerEnvelope: Math.round((Number(all.ms) / n) * 1000) / 1000,
      planMsPerEnvelope: Math.round((Number(all.plan) / n) * 1000) / 1000,
    };
    return { top, totals };
  } finally {
    await c.end();
  }
}

type Stats = NonNullable<Awaited<ReturnType<typeof topStatements>>>;

async function runKind(kind: "pglite" | "postgres") {
  const root = mkdtempSync(path.join(os.tmpdir(), `crossline-bench-${kind}-`));
  const cluster = kind === "postgres" ? await startPgCluster({ fsync: true, statements: STATEMENTS }) : null;
  const roundTrip = cluster ? await roundTrips(cluster.url) : null;
  const [sPort, rPort] = [await freePort(), await freePort()];
  const sUrlDb = cluster ? await createDb(cluster.url, "bench_sender") : undefined;
  const rUrlDb = cluster ? await createDb(cluster.url, "bench_receiver") : undefined;
  const rDir = path.join(root, "US-DOJ");
  const rInit = await initNode(rDir, "US-DOJ", rPort, rUrlDb);
  await rInit.close();
  const sender: NodeRuntime = await initNode(path.join(root, "CN-MPS"), "CN-MPS", sPort, sUrlDb);
  const rUrl = `http://127.0.0.1:${rPort}`;
  const receiver = await spawnServe(rDir, rUrl);
  let worker: { stop(): Promise<void> } | null = null;
  try {
    await sender.app.listen({ host: "127.0.0.1", port: sPort });
    const fed = sender.services.federationService;
    const { db } = sender.services;
    worker = startFederationWorker(fed, sender.config, {
      info() {},
      warn() {},
      error: (o, m) => console.error(m, o),
    });
    const inv = await fetch(`${rUrl}/api/v1/peers/invitations`, {
      method: "POST",
      headers: { authorization: `Bearer ${receiver.token}` },
    });
    const { invitation } = (await inv.json()) as { invitation: string };
    await fed.accept(ctx, invitation);

    const enqueueTx = async (n: number) => {
      const t0 = performance.now();
      await inTransaction(db, async (tx) => {
        if (n === 1)
          await fed.port.enqueue(tx, ctx, { peerId: "US-DOJ", type: "federation.notice", payload: PAYLOAD });
        else {
          await fed.port.enqueueMany(
            tx,
            ctx,
            Array.from({ length: n }, () => ({
              peerId: "US-DOJ",
              type: "federation.notice",
              payload: PAYLOAD,
            })),
          );
        }
      });
      return performance.now() - t0;
    };
    const pending = async () =>
      Number(
        rowsOf<{ n: string | number }>(
          await db.execute(sql`select count(*) as n from fed_outbox where status = 'pending'`),
        )[0].n,
      );
    const drain = async () => {
      for (let i = 0; i < 600 && (await pending()) > 0; i++) await sleep(100);
      const left = await pending();
      if (left > 0) {
        const peers = await fed.listPeers(ctx);
        throw new Error(`${left} envelopes undelivered: ${JSON.stringify(peers[0]?.health)}`);
      }
    };
    const step = (m: string) => process.stderr.write(`  [${kind}] ${m}\n`);
    step("paired; warming up");

    // warm-up: JIT, key import caches, connection pools
    for (let i = 0; i < 25; i++) await enqueueTx(PER_TX);
    await drain();

    step("sustained throughput");
    // ---------------------------------------------------------------- sustained throughput
    const sT0 = fed.timing ? { ...fed.timing } : null;
    const rM0 = await stageSeconds(rUrl);
    const pgPid = cluster ? postmasterPid(cluster.dir) : undefined;
    const cpu0 = { sender: ownCpuMs(), receiver: treeCpuMs(receiver.child.pid), database: treeCpuMs(pgPid) };
    if (STATEMENTS && cluster) await topStatements(cluster.url, true);
    const start = new Date();
    const stopAt = Date.now() + SATURATION_SECONDS * 1000;
    let enqueued = 0;
    let enqueueMs = 0;
    let txs = 0;
    await Promise.all(
      Array.from({ length: PRODUCERS }, async () => {
        while (Date.now() < stopAt) {
          // keep the backlog bounded (checked every 10 transactions) so producers do not starve delivery
          if (txs % 10 === 0 && (await pending()) > 2000) {
            await sleep(50);
            continue;
          }
          enqueueMs += await enqueueTx(PER_TX);
          enqueued += PER_TX;
          txs++;
        }
      }),
    );
    const end = new Date();
    await drain();
    const drainedAt = new Date();
    const statements =
      STATEMENTS && cluster ? (await topStatements(cluster.url, false, enqueued))?.top : undefined;
    const cpu1 = { sender: ownCpuMs(), receiver: treeCpuMs(receiver.child.pid), database: treeCpuMs(pgPid) };
    const sT1 = { ...fed.timing };
    const rM1 = await stageSeconds(rUrl);
    const [sat] = rowsOf<{ n: string | number; p50: number; p99: number }>(
      await db.execute(sql`select count(*) as n,
          percentile_cont(0.5) within group (order by extract(epoch from delivered_at - created_at) * 1000) as p50,
          percentile_cont(0.99) within group (order by extract(epoch from delivered_at - created_at) * 1000) as p99
        from fed_outbox where created_at >= ${start.toISOString()}::timestamptz
          and created_at < ${end.toISOString()}::timestamptz`),
    );
    // Sustained rate: everything enqueued in the phase, from its start until the last receipt was stored.
    const sustained = enqueued / ((drainedAt.getTime() - start.getTime()) / 1000);

    // ---------------------------------------------------------------- latency at fixed offered loads
    const latency: {
      offeredPerSecond: number;
      perTx: number;
      /** How long the checkpoint and `sync` before the phase took (see `settle`). */
      settleMs: number;
      messages: number;
      p50Ms: number;
      p99Ms: number;
      maxMs: number;
      meanMs: number;
      stagesMs: Record<string, number>;
      statements?: Stats["top"];
      statementTotals?: Stats["totals"];
    }[] = [];
    const loads = process.env.BENCH_LOADS
      ? process.env.BENCH_LOADS.split(",").map((l) => {
          const [rate, perTx] = l.split(":").map(Number);
          return { rate, perTx: perTx || 1 };
        })
      : [
          // the floor: at 10/s no envelope waits behind another one's batch
          { rate: 10, perTx: 1 },
          { rate: 100, perTx: 1 },
          { rate: Math.max(200, Math.round((sustained * 0.5) / 100) * 100), perTx: 10 },
          { rate: Math.max(300, Math.round((sustained * 0.8) / 100) * 100), perTx: 10 },
        ];
    /**
     * Before each latency phase the writes of the phases before reach the disk (a PostgreSQL checkpoint, then the
     * operating system's `sync`). Otherwise the kernel writes the sustained phase's pages back during the
     * measurement, and on this machine's virtual disk every fsync then stalls now and then for 50–250 ms (a plain
     * file's fdatasync beside the bench stalled at the same moments as the commits): the envelopes committing at
     * that moment wait, and the 100/s p99 measured the burst before it rather than its own load.
     */
    const settle = async () => {
      const t = performance.now();
      if (cluster) {
        const c = new pg.Client({ connectionString: cluster.url });
        await c.connect();
        await c.query("checkpoint");
        await c.end();
      }
      execFileSync("sync");
      return Math.round(performance.now() - t);
    };
    for (const { rate, perTx } of loads) {
      const settleMs = await settle();
      step(`latency at ${rate}/s (the disk settled in ${settleMs} ms)`);
      const t0 = new Date();
      const lT0 = { ...fed.timing };
      const lR0 = await stageSeconds(rUrl);
      if (STATEMENTS && cluster) await topStatements(cluster.url, true);
      let lEnqueueMs = 0;
      const interval = (1000 * perTx) / rate;
      const until = Date.now() + LATENCY_SECONDS * 1000;
      let next = performance.now();
      const inflight: Promise<unknown>[] = [];
      while (Date.now() < until) {
        inflight.push(enqueueTx(perTx).then((ms) => (lEnqueueMs += ms)));
        next += interval;
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
      }
      await Promise.all(inflight);
      const t1 = new Date();
      await drain();
      const lS = diff(lT0, { ...fed.timing });
      const lR = diff(lR0, await stageSeconds(rUrl));
      const [l] = rowsOf<{ n: string | number; p50: number; p99: number; max: number; mean: number }>(
        await db.execute(sql`select count(*) as n,
            avg(extract(epoch from delivered_at - created_at) * 1000) as mean,
            percentile_cont(0.5) within group (order by extract(epoch from delivered_at - created_at) * 1000) as p50,
            percentile_cont(0.99) within group (order by extract(epoch from delivered_at - created_at) * 1000) as p99,
            max(extract(epoch from delivered_at - created_at) * 1000) as max
          from fed_outbox where created_at >= ${t0.toISOString()}::timestamptz and created_at < ${t1.toISOString()}::timestamptz`),
      );
      const lStats = STATEMENTS && cluster ? await topStatements(cluster.url, false, Number(l.n)) : null;
      latency.push({
        offeredPerSecond: rate,
        perTx,
        settleMs,
        messages: Number(l.n),
        p50Ms: Math.round(Number(l.p50) * 10) / 10,
        p99Ms: Math.round(Number(l.p99) * 10) / 10,
        maxMs: Math.round(Number(l.max) * 10) / 10,
        meanMs: Math.round(Number(l.mean) * 10) / 10,
        // Where an envelope's time goes at this load; the receiver's stages lie inside the sender's round trip.
        stagesMs: latencyStages(lS, lR, lEnqueueMs, Number(l.n) / perTx, Number(l.mean)),
        ...(lStats ? { statements: lStats.top, statementTotals: lStats.totals } : {}),
      });
    }

    const s = diff(sT0 ?? {}, sT1);
    const r = diff(rM0, rM1);
    const perEnv = (ms: number, n: number) => Math.round((ms / Math.max(1, n)) * 1000) / 1000;
    const nOut = s.envelopesOut;
    const nIn = r.envelopes_in;
    const breakdown = {
      note: "ms per envelope, summed over the sustained phase; stages run concurrently on 2 cores",
      batches: s.batchesOut,
      pipelinedBatchShare: r3(s.batchesPipelined / Math.max(1, s.batchesOut)),
      atAnswerBatchShare: r3(s.batchesAtAnswer / Math.max(1, s.batchesOut)),
      sender: {
        enqueueTransaction: perEnv(enqueueMs, enqueued),
        seal: perEnv(s.sealMs, nOut),
        postRoundTrip: perEnv(s.postMs, nOut),
        verifyReceipts: perEnv(s.verifyReceiptsMs, nOut),
        outboxCommit: perEnv(s.outboxCommitMs, nOut),
      },
      receiver: {
        open: perEnv((r.open ?? 0) * 1000, nIn),
        inboxCommit: perEnv((r.inbox_commit ?? 0) * 1000, nIn),
        signReceipts: perEnv((r.sign_receipts ?? 0) * 1000, nIn),
      },
      crypto: perEnv(s.sealMs + s.verifyReceiptsMs + ((r.open ?? 0) + (r.sign_receipts ?? 0)) * 1000, nOut),
      databaseCommits: perEnv(enqueueMs + s.outboxCommitMs + (r.inbox_commit ?? 0) * 1000, nOut),
      httpAndQueueing: perEnv(
        s.postMs - ((r.open ?? 0) + (r.inbox_commit ?? 0) + (r.sign_receipts ?? 0)) * 1000,
        nOut,
      ),
    };
    // The CPU bound: every process's CPU time per envelope in the sustained phase (sender, receiver and, on
    // PostgreSQL, the database server), so the most envelopes per second this machine's cores could carry.
    const per = (k: keyof typeof cpu0) => (cpu1[k] - cpu0[k]) / Math.max(1, enqueued);
    const cpuMsPerEnvelope = per("sender") + per("receiver") + per("database");
    const cores = os.cpus().length;
    const boundPerSecond = Math.round((cores * 1000) / cpuMsPerEnvelope);
    const cpuBound = {
      note: "CPU time of the processes themselves (not inflated by other work on the machine), ms per envelope",
      senderMs: Math.round(per("sender") * 1000) / 1000,
      receiverMs: Math.round(per("receiver") * 1000) / 1000,
      databaseMs: Math.round(per("database") * 1000) / 1000,
      totalMs: Math.round(cpuMsPerEnvelope * 1000) / 1000,
      cores,
      envelopesPerSecond: boundPerSecond,
      sustainedFractionOfBound: Math.round((sustained / boundPerSecond) * 100) / 100,
    };
    const result = {
      database: kind,
      fsync: kind === "postgres" ? "on (synchronous_commit=on)" : "PGlite default",
      sustained: {
        seconds: SATURATION_SECONDS,
        producers: PRODUCERS,
        envelopesPerTransaction: PER_TX,
        enqueued,
        enqueueTransactions: txs,
        envelopesPerSecond: Math.round(sustained),
        secondsUntilLastReceipt: Math.round((drainedAt.getTime() - start.getTime()) / 100) / 10,
        p50Ms: Math.round(Number(sat.p50) * 10) / 10,
        p99Ms: Math.round(Number(sat.p99) * 10) / 10,
      },
      cpuBound,
      ...(roundTrip ? { databaseRoundTrip: roundTrip } : {}),
      latency,
      breakdown,
      ...(statements ? { statements } : {}),
    };
    process.stderr.write(`${JSON.stringify(result)}\n`);
    return result;
  } finally {
    const bounded = async (what: string, p: Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          process.stderr.write(`  [${kind}] ${what}: gave up waiting\n`);
          resolve();
        }, 10_000);
      });
      await Promise.race([p, late]);
      clearTimeout(timer);
    };
    await bounded("stop workers", worker?.stop() ?? Promise.resolve());
    await bounded("close sender", sender.close());
    receiver.child.kill("SIGTERM");
    await bounded(
      "stop receiver",
      receiver.child.exitCode !== null
        ? Promise.resolve()
        : new Promise((r) => receiver.child.once("exit", r)),
    );
    if (receiver.child.exitCode === null) receiver.child.kill("SIGKILL");
    await bounded("stop cluster", cluster?.stop() ?? Promise.resolve());
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * One database round trip (`select 1` on a connection of its own), back to back and after 100 ms of idleness:
 * at an offered load of 100/s the processes sleep between envelopes, and on this kind of virtual machine each
 * wake-up of a sleeping process costs more than the query. An envelope's path is some thirty such round trips
 * (three commits, the claim, the HTTP request), so this bounds how short its latency can be.
 */
async function roundTrips(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const p50 = async (n: number, idleMs: number) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      if (idleMs) await sleep(idleMs);
      const t0 = performance.now();
      await client.query("select 1");
      xs.push(performance.now() - t0);
    }
    return r3(
      percentile(
        xs.sort((a, b) => a - b),
        50,
      ),
    );
  };
  try {
    await p50(200, 0); // warm-up
    return { backToBackMs: await p50(1000, 0), afterIdleMs: await p50(40, 100) };
  } finally {
    await client.end();
  }
}

/**
 * Single-thread cost of the four signatures/encryptions each envelope needs (seal, open, receipt sign/verify),
 * and of the same with a batch receipt of 200 instead of a receipt each.
 */
async function cryptoRates(n = 1000) {
  const s = generateSigningKey();
  const e = generateEncryptionKey();
  const header = (seq: number) => ({
    msgId: uuidv7(),
    sender: "CN-MPS",
    recipient: "US-DOJ",
    seq,
    created: new Date().toISOString(),
    type: "federation.notice",
    schemaVersion: 1,
  });
  const rate = async (f: (i: number) => Promise<unknown>) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await f(i);
    return Math.round(n / ((performance.now() - t0) / 1000));
  };
  const jwes: string[] = [];
  const seal = await rate(async (i) =>
    jwes.push(
      await sealEnvelope({
        header: header(i),
        payload: PAYLOAD,
        signingKey: { kid: s.kid, privateJwk: s.privateJwk },
        recipientEncKey: e.publicJwk,
      }),
    ),
  );
  const decryptionKeys = new Map([[e.kid, e.privateJwk]]);
  const open = await rate((i) =>
    openEnvelope(jwes[i], { decryptionKeys, senderSigningKeys: [s.publicJwk], expectedRecipient: "US-DOJ" }),
  );
  const receipts: string[] = [];
  const sign = await rate(async (i) =>
    receipts.push(
      await signReceipt(
        {
          msgId: uuidv7(),
          sender: "US-DOJ",
          recipient: "CN-MPS",
          seq: i,
          status: "accepted",
          receivedAt: new Date().toISOString(),
          envelopeSha256: "0".repeat(64),
        },
        { kid: s.kid, privateJwk: s.privateJwk },
      ),
    ),
  );
  const verify = await rate((i) => verifyReceipt(receipts[i], [s.publicJwk]));
  const cpuMsPerEnvelope = 1000 / seal + 1000 / open + 1000 / sign + 1000 / verify;
  // A batch receipt (docs/federation.md §3.1) for a full batch: one signature over the Merkle root of its items,
  // and on the sender one verification and each item's inclusion proof.
  const batchSize = 200;
  const items = Array.from({ length: batchSize }, (_, i) => ({
    msgId: uuidv7(),
    seq: i,
    status: "accepted" as const,
    envelopeSha256: sha256Hex(String(i)),
  }));
  const common = { sender: "US-DOJ", recipient: "CN-MPS", receivedAt: new Date().toISOString() };
  const batches = Math.max(20, Math.round(n / 50));
  const tb = performance.now();
  let signed = await signBatchReceipt(common, items, { kid: s.kid, privateJwk: s.privateJwk });
  for (let i = 1; i < batches; i++)
    signed = await signBatchReceipt(common, items, { kid: s.kid, privateJwk: s.privateJwk });
  const tv = performance.now();
  for (let i = 0; i < batches; i++) {
    const claims = await verifyBatchReceipt(signed.jws, [s.publicJwk]);
    for (const [k, item] of items.entries()) itemReceipt(claims, item, k, signed.paths[k]);
  }
  const tEnd = performance.now();
  const batchSignMs = (tv - tb) / batches / batchSize;
  const batchVerifyMs = (tEnd - tv) / batches / batchSize;
  const cpuMsWithBatch = 1000 / seal + 1000 / open + batchSignMs + batchVerifyMs;
  return {
    perSecondSingleThread: { seal, open, signReceipt: sign, verifyReceipt: verify },
    cpuMsPerEnvelope: Math.round(cpuMsPerEnvelope * 1000) / 1000,
    ceilingOnAllCoresEnvelopesPerSecond: Math.round((os.cpus().length * 1000) / cpuMsPerEnvelope),
    batchReceiptOf200: {
      signMsPerEnvelope: Math.round(batchSignMs * 10000) / 10000,
      verifyMsPerEnvelope: Math.round(batchVerifyMs * 10000) / 10000,
      cpuMsPerEnvelope: Math.round(cpuMsWithBatch * 1000) / 1000,
      ceilingOnAllCoresEnvelopesPerSecond: Math.round((os.cpus().length * 1000) / cpuMsWithBatch),
    },
  };
}

async function main() {
  const loadAverageAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const kinds = (process.env.BENCH_DB ?? "pglite,postgres").split(",") as ("pglite" | "postgres")[];
  const crypto = await cryptoRates();
  process.stdout.write(`crypto: ${JSON.stringify(crypto)}\n`);
  const results = [];
  for (const k of kinds) {
    process.stdout.write(`\n== ${k} ==\n`);
    const r = await runKind(k);
    results.push(r);
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  }
  const out = {
    benchmark: "federation",
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
      note: "other sessions ran their test suites on the same 2 cores during this run",
    },
    crypto,
    settings: { ...FED, textChars: PAYLOAD.text.length },
    target: { database: "postgres", envelopesPerSecond: 2000, p99Ms: 20 },
    results,
  };
  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(path.join(ROOT, "bench/results/federation.json"), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write("\nSummary:\n");
  for (const r of results) {
    process.stdout.write(
      `  ${r.database.padEnd(8)} sustained ${r.sustained.envelopesPerSecond} env/s (${r.sustained.enqueued} envelopes; send-to-receipt p50 ${r.sustained.p50Ms} ms, p99 ${r.sustained.p99Ms} ms with the backlog)\n`,
    );
    const b = r.cpuBound;
    process.stdout.write(
      `           CPU bound ${b.envelopesPerSecond} env/s on ${b.cores} cores (${b.totalMs} ms CPU per envelope: sender ${b.senderMs}, receiver ${b.receiverMs}, database ${b.databaseMs}); sustained = ${Math.round(b.sustainedFractionOfBound * 100)} % of it\n`,
    );
    process.stdout.write(
      `           ${r.breakdown.batches} batches, ${Math.round(r.breakdown.pipelinedBatchShare * 100)} % of them pipelined, ${Math.round(r.breakdown.atAnswerBatchShare * 100)} % claimed at the answer\n`,
    );
    for (const st of r.statements ?? []) {
      process.stdout.write(
        `           statement ${st.msPerEnvelope} ms/envelope + ${st.planMsPerEnvelope} ms planning (${st.callsPerEnvelope} calls/envelope, ${st.rows} rows): ${st.query}\n`,
      );
    }
    if (r.databaseRoundTrip) {
      process.stdout.write(
        `           one database round trip: p50 ${r.databaseRoundTrip.backToBackMs} ms back to back, ${r.databaseRoundTrip.afterIdleMs} ms after 100 ms idle\n`,
      );
    }
    for (const l of r.latency) {
      process.stdout.write(
        `           at ${l.offeredPerSecond}/s (${l.perTx} per send tx; the disk settled first in ${l.settleMs} ms): p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms\n`,
      );
      process.stdout.write(`             stages (ms): ${JSON.stringify(l.stagesMs)}\n`);
      if (l.statementTotals)
        process.stdout.write(
          `             database, both nodes, per envelope: ${l.statementTotals.callsPerEnvelope} statements, ${l.statementTotals.execMsPerEnvelope} ms executing, ${l.statementTotals.planMsPerEnvelope} ms planning\n`,
        );
    }
  }
  process.stdout.write("Written to bench/results/federation.json\n");
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
