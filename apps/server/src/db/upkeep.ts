import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import { type PeriodicJob, startPeriodicJob } from "../lib/periodic-job.js";
import { type Database, type Db, rowsOf } from "./client.js";

/**
 * Table upkeep on the embedded store. A PostgreSQL server runs autovacuum: each table is vacuumed and analysed
 * when enough of it changed. PGlite has no background workers, so without this a node on the default store
 * never gets planner statistics or visibility maps, whatever it holds, while every benchmark analyses its tables
 * before it measures. On 100,000 persons and as many fugitives (`npm run bench:names` on PGlite), the name search
 * took p50 19 ms, p95 71 ms without them and 10 ms, 31 ms with them; the duplicate warning p95 90 ms and 53 ms.
 *
 * So the node does what autovacuum would, with its default thresholds (reltuples is the table's rows at its last
 * vacuum or analysis, 0 before the first):
 * - VACUUM when dead rows exceed 50 + 20 % of reltuples, or rows inserted since the last vacuum 1,000 + 20 %;
 * - ANALYZE when rows changed since the last analysis exceed 50 + 10 %.
 * Each statement runs on PGlite's one connection, between the node's other statements (PGlite serialises them);
 * the thresholds in proportion to the table keep their cost in proportion to the changes, as autovacuum's.
 */

/** A table's counters as `pg_stat_user_tables` and `pg_class` keep them. */
export interface TableCounters {
  table: string;
  reltuples: number;
  deadRows: number;
  insertedSinceVacuum: number;
  changedSinceAnalyze: number;
}

export interface TableUpkeep {
  table: string;
  vacuum: boolean;
  analyze: boolean;
}

/** Which tables are due, by autovacuum's default thresholds. */
export function tablesDue(tables: TableCounters[]): TableUpkeep[] {
  return tables
    .map((t) => {
      const rows = Math.max(0, t.reltuples);
      return {
        table: t.table,
        vacuum: t.deadRows > 50 + 0.2 * rows || t.insertedSinceVacuum > 1000 + 0.2 * rows,
        analyze: t.changedSinceAnalyze > 50 + 0.1 * rows,
      };
    })
    .filter((t) => t.vacuum || t.analyze)
    .sort((a, b) => a.table.localeCompare(b.table));
}

/** The counters of the node's own tables (schema `public`). */
export async function tableCounters(db: Db): Promise<TableCounters[]> {
  const rows = rowsOf<{
    table: string;
    reltuples: string | number;
    dead: string | number;
    inserted: string | number;
    changed: string | number;
  }>(
    await db.execute(sql`select s.relname as table, c.reltuples, s.n_dead_tup as dead,
        s.n_ins_since_vacuum as inserted, s.n_mod_since_analyze as changed
      from pg_stat_user_tables s join pg_class c on c.oid = s.relid
      where s.schemaname = 'public'`),
  );
  return rows.map((r) => ({
    table: r.table,
    reltuples: Number(r.reltuples),
    deadRows: Number(r.dead),
    insertedSinceVacuum: Number(r.inserted),
    changedSinceAnalyze: Number(r.changed),
  }));
}

/** Vacuums and analyses the tables that are due; returns what it did. */
export async function upkeepTables(db: Db): Promise<{ vacuumed: string[]; analyzed: string[] }> {
  const vacuumed: string[] = [];
  const analyzed: string[] = [];
  for (const t of tablesDue(await tableCounters(db))) {
    // The name comes from the catalogue, quoted as an identifier.
    const name = `"${t.table.replaceAll('"', '""')}"`;
    if (t.vacuum) {
      await db.execute(sql.raw(`vacuum (skip_locked${t.analyze ? ", analyze" : ""}) ${name}`));
      vacuumed.push(t.table);
    } else await db.execute(sql.raw(`analyze (skip_locked) ${name}`));
    if (t.analyze) analyzed.push(t.table);
  }
  return { vacuumed, analyzed };
}

/**
 * On PGlite, `upkeepTables` once a minute (autovacuum's own nap); null on PostgreSQL, whose autovacuum does it.
 */
export function startTableUpkeep(database: Database, log: Pick<Logger, "warn" | "info">): PeriodicJob | null {
  if (database.kind !== "pglite") return null;
  return startPeriodicJob({
    job: "table-upkeep",
    module: "database",
    everyMs: 60_000,
    run: () => upkeepTables(database.db),
    worked: (r) => r.vacuumed.length + r.analyzed.length > 0,
    log,
  });
}
