import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { type DbOrTx, MIGRATIONS_DIR, rowsOf } from "./client.js";

export interface MigrationEntry {
  idx: number;
  tag: string;
  /** Drizzle's `folderMillis`: a migration is pending when it is later than the last one applied. */
  when: number;
}

/** The migrations this release knows, in order (Drizzle's journal). */
export function knownMigrations(): MigrationEntry[] {
  const j = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, "meta/_journal.json"), "utf8")) as {
    entries: MigrationEntry[];
  };
  return j.entries;
}

/**
 * What `runMigrations` would apply to this database, without applying anything: the migrations later than the
 * last one recorded in `drizzle.__drizzle_migrations` (the rule Drizzle's migrator follows). A database this
 * release does not know (its last migration is newer) has nothing pending; `ahead` says so.
 */
export async function pendingMigrations(
  dbx: DbOrTx,
): Promise<{ applied: number; pending: MigrationEntry[]; ahead: boolean }> {
  const known = knownMigrations();
  const exists = rowsOf<{ n: string | number }>(
    await dbx.execute(sql`select count(*) as n from information_schema.tables
      where table_schema = 'drizzle' and table_name = '__drizzle_migrations'`),
  );
  if (Number(exists[0]?.n ?? 0) === 0) return { applied: 0, pending: known, ahead: false };
  const [row] = rowsOf<{ n: string | number; last: string | number | null }>(
    await dbx.execute(sql`select count(*) as n, max(created_at) as last from drizzle.__drizzle_migrations`),
  );
  const last = row?.last === null || row?.last === undefined ? null : Number(row.last);
  const pending = last === null ? known : known.filter((m) => m.when > last);
  const newest = known.at(-1)?.when ?? 0;
  return { applied: Number(row?.n ?? 0), pending, ahead: last !== null && last > newest };
}
