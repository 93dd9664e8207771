/**
 * `npm run bench:federation-claim` — the delivery worker's claim (federation.repo.ts `claimDueWithPeer`: one peer with due
 * work and no batch in flight, its due messages in sequence order, FOR UPDATE SKIP LOCKED, with a lease) over a
 * deep backlog: BENCH_PENDING (100,000) pending messages across BENCH_PEERS (10) peers, behind BENCH_HISTORY
 * (100,000) messages already delivered. On PGlite and then on PostgreSQL (DATABASE_URL, or a throwaway cluster).
 *
 * Each claim takes BENCH_BATCH (200) messages, as the worker does; the claimed messages are then marked delivered
 * (as the worker records its outcomes) and the outbox vacuumed as the worker does (`vacuumInterval`: after
 * √(300 × the outbox's rows) of them, at least 1,000; BENCH_VACUUM_EVERY=1000 for the fixed 1,000 the worker used
 * before), so the backlog drains while it is measured. The vacuums are timed: their milliseconds per
 * message finished is what the interval trades against the claim's time. The plan of the first claim (EXPLAIN
 * ANALYZE) is printed and kept.
 *
 * The machine's load average is printed and kept with the figures. Results are printed and written to
 * bench/results/federation-claim.json.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql, TransactionRollbackError } from "drizzle-orm";
import { type Database, type Db, openDatabase, rowsOf, runMigrations } from "../apps/server/src/db/client.js";
import { vacuumInterval } from "../apps/server/src/modules/federation/federation.delivery.js";
import * as repo from "../apps/server/src/modules/federation/federation.repo.js";
import { onBothDatabases, summarise, writeResult } from "./lib.js";

const PEERS = Number(process.env.BENCH_PEERS ?? 10);
const PENDING = Number(process.env.BENCH_PENDING ?? 100_000);
const HISTORY = Number(process.env.BENCH_HISTORY ?? 100_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 200);
const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 200);
const LEASE_SECONDS = 30;
/** A fixed vacuum interval instead of the worker's rule (to measure the rule against it). */
const FIXED_VACUUM_EVERY = process.env.BENCH_VACUUM_EVERY ? Number(process.env.BENCH_VACUUM_EVERY) : null;

const loadavg = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

async function seed(db: Db, kind: string) {
  const t0 = Date.now();
  const peerIds = Array.from({ length: PEERS }, (_, i) => `PEER-${String(i).padStart(2, "0")}`);
  for (const id of peerIds) {
    await db.execute(sql`insert into fed_peers (id, name, base_url, state, public_keys, fingerprint)
      values (${id}, ${id}, ${`http://127.0.0.1:1/${id}`}, 'active', '[]'::jsonb, 'bench')`);
  }
  // Per peer: its history (delivered) first, then its pending messages, in sequence order; all due now.
  const perPeerHistory = Math.floor(HISTORY / PEERS);
  const perPeerPending = Math.floor(PENDING / PEERS);
  const CHUNK = 20_000;
  const total = perPeerHistory + perPeerPending;
  for (const id of peerIds) {
    for (let from = 1; from <= total; from += CHUNK) {
      const to = Math.min(total, from + CHUNK - 1);
      await db.execute(sql`insert into fed_outbox
          (msg_id, peer_id, seq, type, schema_version, payload, created_at, status, next_attempt_at, attempts, delivered_at)
        select gen_random_uuid(), ${id}, g, 'federation.notice', 1, '{"text":"bench"}'::jsonb,
          now() - interval '1 hour' + g * interval '1 millisecond',
          case when g <= ${perPeerHistory} then 'delivered' else 'pending' end,
          now() - interval '1 hour' + g * interval '1 millisecond',
          case when g <= ${perPeerHistory} then 1 else 0 end,
          case when g <= ${perPeerHistory} then now() else null end
        from generate_series(${from}::int, ${to}::int) g`);
    }
    await db.execute(sql`insert into fed_out_seq (peer_id, seq) values (${id}, ${total})`);
  }
  await db.execute(sql`vacuum analyze fed_outbox`);
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  process.stderr.write(
    `  ${kind}: ${PEERS} peers, ${perPeerPending * PEERS} pending behind ${perPeerHistory * PEERS} delivered, seeded in ${seconds}s\n`,
  );
  return { peers: PEERS, pending: perPeerPending * PEERS, delivered: perPeerHistory * PEERS, seconds };
}

/**
 * EXPLAIN ANALYZE of one claim's two statements (the peer pick, the rows of that peer), in one transaction as
 * the claim runs them (the pick hands the peer to the lease through a transaction-local setting), rolled back.
 */
async function claimPlan(db: Db): Promise<string[]> {
  const lines = (r: unknown) =>
    rowsOf<Record<string, unknown>>(r).map((row) => String(Object.values(row)[0]));
  const { pick, lease } = repo.claimStatements(BATCH, LEASE_SECONDS, null);
  const plan: string[] = [];
  await db
    .transaction(async (tx) => {
      plan.push(
        "-- pick the peer",
        ...lines(await tx.execute(sql.raw(`explain (analyze, buffers, costs off) ${pick}`))),
      );
      // the plan is shown for the first peer, whichever the pick just took
      await tx.execute(sql`select set_config('crossline.claim_peer', 'PEER-00', true)`);
      plan.push(
        "-- claim its rows",
        ...lines(await tx.execute(sql.raw(`explain (analyze, buffers, costs off) ${lease}`))),
      );
      tx.rollback();
    })
    .catch((e: unknown) => {
      if (!(e instanceof TransactionRollbackError)) throw e;
    });
  return plan;
}

async function benchOne(kind: "pglite" | "postgres", databaseUrl?: string) {
  if (kind === "pglite" && process.env.BENCH_PGLITE === "0") return null;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "crossline-bench-claim-"));
  let database: Database | undefined;
  try {
    database = await openDatabase({ dataDir, databaseUrl });
    await runMigrations(database);
    const { db } = database;
    const seeded = await seed(db, kind);
    const plan = await claimPlan(db);
    process.stderr.write(`  ${kind}: plan of the first claim:\n${plan.map((l) => `    ${l}`).join("\n")}\n`);
    const indexes = [...new Set(plan.join("\n").match(/fed_outbox_\w+/g) ?? [])];

    const loadBefore = loadavg();
    const claimMs: number[] = [];
    const finishMs: number[] = [];
    let claimed = 0;
    let sinceVacuum = 0;
    const vacuumMs: number[] = [];
    // The worker starts at the interval of an unknown size, and sets it from each vacuum's count.
    let vacuumEvery = FIXED_VACUUM_EVERY ?? vacuumInterval(null);
    let empty = 0;
    const peersSeen = new Set<string>();
    for (let i = 0; i < CLAIMS; i++) {
      const t0 = performance.now();
      const { rows } = await repo.claimDueWithPeer(db, BATCH, LEASE_SECONDS);
      claimMs.push(performance.now() - t0);
      if (!rows.length) {
        empty++;
        continue;
      }
      // Sequence order within one peer, as the delivery needs it.
      const seqs = rows.map((r) => r.seq).sort((x, y) => x - y);
      if (
        new Set(rows.map((r) => r.peerId)).size !== 1 ||
        seqs.some((s, j) => j > 0 && s !== seqs[j - 1] + 1)
      )
        throw new Error("a claim took several peers, or a gap in sequence order");
      peersSeen.add(rows[0].peerId);
      claimed += rows.length;
      // What the worker does once the batch is receipted: the rows leave `pending`.
      const t1 = performance.now();
      await db.execute(sql`update fed_outbox set status = 'delivered', lease_until = null, delivered_at = now()
        where msg_id in ${rows.map((r) => r.msgId)}`);
      finishMs.push(performance.now() - t1);
      sinceVacuum += rows.length;
      if (sinceVacuum >= vacuumEvery) {
        sinceVacuum = 0;
        const t2 = performance.now();
        const counted = await repo.vacuumOutbox(db);
        vacuumMs.push(performance.now() - t2);
        vacuumEvery = FIXED_VACUUM_EVERY ?? vacuumInterval(counted);
      }
      if (i % 50 === 0)
        process.stderr.write(
          `  ${kind}: ${i} claims, last ${Math.round(claimMs[claimMs.length - 1] * 10) / 10} ms\n`,
        );
    }
    const loadAfter = loadavg();
    const result = {
      database: kind,
      seeded,
      batch: BATCH,
      claims: CLAIMS,
      claimed,
      emptyClaims: empty,
      peersServed: peersSeen.size,
      claimMs: summarise(claimMs),
      claimMeanMs: Math.round((claimMs.reduce((a, b) => a + b, 0) / claimMs.length) * 100) / 100,
      markDeliveredMs: summarise(finishMs),
      vacuum: {
        rule: FIXED_VACUUM_EVERY ? `every ${FIXED_VACUUM_EVERY} rows` : "vacuumInterval (worker's)",
        count: vacuumMs.length,
        meanMs: vacuumMs.length
          ? Math.round((vacuumMs.reduce((a, b) => a + b, 0) / vacuumMs.length) * 10) / 10
          : 0,
        msPerMessage: claimed ? Math.round((vacuumMs.reduce((a, b) => a + b, 0) / claimed) * 1000) / 1000 : 0,
        nextInterval: vacuumEvery,
      },
      indexesInPlan: indexes,
      plan,
      loadAverage: { before: loadBefore, after: loadAfter },
    };
    process.stderr.write(
      `  ${kind}: claim of ${BATCH} p50 ${result.claimMs.p50} ms, p95 ${result.claimMs.p95} ms, p99 ${result.claimMs.p99} ms (load ${loadBefore.join(" ")})\n`,
    );
    return result;
  } finally {
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const results = (await onBothDatabases("bench_federation_claim", benchOne)).filter((r) => r !== null);
  const file = writeResult("federation-claim", {
    settings: {
      peers: PEERS,
      pending: PENDING,
      history: HISTORY,
      batch: BATCH,
      claims: CLAIMS,
      vacuumEvery: FIXED_VACUUM_EVERY ?? "vacuumInterval",
    },
    cpus: os.cpus().length,
    results,
  });
  process.stdout.write("\nSummary (claim of one batch, ms):\n");
  for (const r of results) {
    process.stdout.write(
      `  ${r.database.padEnd(8)} p50 ${r.claimMs.p50}  p95 ${r.claimMs.p95}  p99 ${r.claimMs.p99}  mean ${r.claimMeanMs}  (${r.claimed} claimed from ${r.seeded.pending} pending across ${r.seeded.peers} peers; indexes: ${r.indexesInPlan.join(", ")}; load ${r.loadAverage.before.join(" ")})\n`,
    );
    process.stdout.write(
      `           vacuum (${r.vacuum.rule}): ${r.vacuum.count} of ${r.vacuum.meanMs} ms, ${r.vacuum.msPerMessage} ms per message finished; next after ${r.vacuum.nextInterval} rows\n`,
    );
  }
  process.stdout.write(`Written to ${file}\n`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
