import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import { systemClock } from "../lib/clock.js";
import { type PeriodicJob, startPeriodicJob } from "../lib/periodic-job.js";
import { type Database, type Db, rowsOf } from "./client.js";

/**
 * Table upkeep on the embedded store. A PostgreSQL server runs autovacuum: each table is vacuumed and analysed
 * when enough of it changed. PGlite has no background workers, so without this a node on the default store
 * never gets planner statistics or visibility maps, whatever it holds, while every benchmark analyses its tables
 * before it measures. On 100,000 persons and as many fugitives (`npm run bench:names` on PGlite), the name search
 * took p50 19 ms, p95 71 ms without them and 10 ms, 31 ms with them; the duplicate warning p95 90 ms and 53 ms.
 *
 * Nor does anything freeze old rows: PostgreSQL's transaction ids wrap around after about two billion, and a
 * server stops taking transactions before that happens until a vacuum has frozen them, but PGlite runs
 * PostgreSQL as a single-user process, where that guard only warns.
 *
 * So the node does what autovacuum would, with its default thresholds, on every table of the database (its own
 * and the catalogue's; reltuples is the table's rows at its last vacuum or analysis, 0 before the first):
 * - VACUUM when dead rows exceed 50 + 20 % of reltuples, or rows inserted since the last vacuum 1,000 + 20 %;
 * - VACUUM when the table's oldest unfrozen transaction id is over 200 million transactions old, or its oldest
 *   multixact (row locks shared by several transactions, e.g. foreign-key checks) over 400 million: at that age
 *   a vacuum reads every page not yet frozen and freezes what it can, as autovacuum's anti-wraparound vacuum;
 * - ANALYZE when rows changed since the last analysis exceed 50 + 10 %.
 * Each statement runs on PGlite's one connection, between the node's other statements (PGlite serialises them);
 * the thresholds in proportion to the table keep their cost in proportion to the changes, as autovacuum's.
 *
 * Nor is there a checkpointer: PGlite checkpoints only when the write-ahead log since the last checkpoint passes
 * `max_wal_size` (1 GB), so a node stopped without closing its store (killed, power lost) replayed up to 1 GB of
 * log when it started again (273 MB took 3.1 s). The node checkpoints as PostgreSQL's checkpointer does on a
 * quiet server: once `checkpoint_timeout` (5 minutes) has passed since the last checkpoint, if anything was
 * written since.
 */

/** A table's counters as `pg_stat_all_tables` and `pg_class` keep them. */
export interface TableCounters {
  schema: string;
  table: string;
  reltuples: number;
  deadRows: number;
  insertedSinceVacuum: number;
  changedSinceAnalyze: number;
  /** Transactions since the table's oldest unfrozen transaction id (`age(relfrozenxid)`). */
  xidAge: number;
  /** Multixacts since the table's oldest (`mxid_age(relminmxid)`). */
  mxidAge: number;
}

export interface TableUpkeep {
  schema: string;
  table: string;
  vacuum: boolean;
  analyze: boolean;
}

/** Autovacuum's `autovacuum_freeze_max_age` and `autovacuum_multixact_freeze_max_age`. */
const FREEZE_MAX_AGE = 200_000_000;
const MULTIXACT_FREEZE_MAX_AGE = 400_000_000;

/** Which tables are due, by autovacuum's default thresholds. */
export function tablesDue(tables: TableCounters[]): TableUpkeep[] {
  return tables
    .map((t) => {
      const rows = Math.max(0, t.reltuples);
      return {
        schema: t.schema,
        table: t.table,
        vacuum:
          t.deadRows > 50 + 0.2 * rows ||
          t.insertedSinceVacuum > 1000 + 0.2 * rows ||
          t.xidAge > FREEZE_MAX_AGE ||
          t.mxidAge > MULTIXACT_FREEZE_MAX_AGE,
        analyze: t.changedSinceAnalyze > 50 + 0.1 * rows,
      };
    })
    .filter((t) => t.vacuum || t.analyze)
    .sort((a, b) => a.schema.localeCompare(b.schema) || a.table.localeCompare(b.table));
}

/** The counters of every table of the database (the node's and the catalogue's; TOAST goes with its table). */
export async function tableCounters(db: Db): Promise<TableCounters[]> {
  const rows = rowsOf<{
    schema: string;
    table: string;
    reltuples: string | number;
    dead: string | number;
    inserted: string | number;
    changed: string | number;
    xid_age: string | number;
    mxid_age: string | number;
  }>(
    await db.execute(sql`select s.schemaname as schema, s.relname as table, c.reltuples, s.n_dead_tup as dead,
        s.n_ins_since_vacuum as inserted, s.n_mod_since_analyze as changed,
        age(c.relfrozenxid) as xid_age, mxid_age(c.relminmxid) as mxid_age
      from pg_stat_all_tables s join pg_class c on c.oid = s.relid
      where c.relkind in ('r', 'm') and s.schemaname <> 'pg_toast'`),
  );
  return rows.map((r) => ({
    schema: r.schema,
    table: r.table,
    reltuples: Number(r.reltuples),
    deadRows: Number(r.dead),
    insertedSinceVacuum: Number(r.inserted),
    changedSinceAnalyze: Number(r.changed),
    xidAge: Number(r.xid_age),
    mxidAge: Number(r.mxid_age),
  }));
}

/** Vacuums and analyses the tables that are due; returns what it did (`schema.table`). */
export async function upkeepTables(db: Db): Promise<{ vacuumed: string[]; analyzed: string[] }> {
  const vacuumed: string[] = [];
  const analyzed: string[] = [];
  // Names come from the catalogue, quoted as identifiers.
  const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;
  for (const t of tablesDue(await tableCounters(db))) {
    const name = `${ident(t.schema)}.${ident(t.table)}`;
    const label = `${t.schema}.${t.table}`;
    if (t.vacuum) {
      await db.execute(sql.raw(`vacuum (skip_locked${t.analyze ? ", analyze" : ""}) ${name}`));
      vacuumed.push(label);
    } else await db.execute(sql.raw(`analyze (skip_locked) ${name}`));
    if (t.analyze) analyzed.push(label);
  }
  return { vacuumed, analyzed };
}

/** PostgreSQL's default `checkpoint_timeout`. */
export const CHECKPOINT_TIMEOUT_MS = 5 * 60_000;

/** Where the last checkpoint left the write-ahead log (`pg_control_checkpoint()`). */
export interface CheckpointState {
  /** When the last checkpoint was taken. */
  checkpointTime: Date;
  /** Bytes of write-ahead log written since the last checkpoint record: what a recovery would replay. */
  walBytesSince: number;
}

/** Bytes of the checkpoint record itself: a log that grew by no more than this has nothing new. */
const CHECKPOINT_RECORD_BYTES = 200;

/** A checkpoint is due once the timeout has passed since the last one, if anything was written since. */
export function checkpointDue(state: CheckpointState, now: Date, timeoutMs = CHECKPOINT_TIMEOUT_MS): boolean {
  return (
    state.walBytesSince > CHECKPOINT_RECORD_BYTES &&
    now.getTime() - state.checkpointTime.getTime() >= timeoutMs
  );
}

export async function checkpointState(db: Db): Promise<CheckpointState> {
  const [r] = rowsOf<{ checkpoint_time: Date | string; since: string | number }>(
    await db.execute(sql`select checkpoint_time, pg_wal_lsn_diff(pg_current_wal_lsn(), checkpoint_lsn) as since
      from pg_control_checkpoint()`),
  );
  return { checkpointTime: new Date(r.checkpoint_time), walBytesSince: Number(r.since) };
}

/** Checkpoints when `checkpointDue`; returns the log bytes the checkpoint covered (0: none was due). */
export async function checkpointIfDue(db: Db, now: Date, timeoutMs = CHECKPOINT_TIMEOUT_MS): Promise<number> {
  const state = await checkpointState(db);
  if (!checkpointDue(state, now, timeoutMs)) return 0;
  await db.execute(sql`checkpoint`);
  return state.walBytesSince;
}

/**
 * On PGlite, `upkeepTables` and `checkpointIfDue` once a minute (autovacuum's own nap); null on PostgreSQL,
 * whose autovacuum and checkpointer do both.
 */
export function startTableUpkeep(database: Database, log: Pick<Logger, "warn" | "info">): PeriodicJob | null {
  if (database.kind !== "pglite") return null;
  return startPeriodicJob({
    job: "table-upkeep",
    module: "database",
    everyMs: 60_000,
    run: async () => ({
      ...(await upkeepTables(database.db)),
      checkpointedWalBytes: await checkpointIfDue(database.db, systemClock.now()),
    }),
    worked: (r) => r.vacuumed.length + r.analyzed.length > 0 || r.checkpointedWalBytes > 0,
    log,
  });
}
