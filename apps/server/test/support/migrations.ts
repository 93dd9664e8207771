import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { type Database, MIGRATIONS_DIR, openDatabase } from "../../src/db/client.js";
import { freshDatabaseUrl } from "./node.js";

/** The migrations up to the first whose tag ends with `tagEnd` (the journal cut before it), copied into `dir`. */
function migrationsBefore(tagEnd: string, dir: string): string {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, "meta/_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };
  const cut = journal.entries.findIndex((e) => e.tag.endsWith(tagEnd));
  if (cut <= 0) throw new Error(`no migration after the first ends with ${tagEnd}`);
  const entries = journal.entries.slice(0, cut);
  mkdirSync(path.join(dir, "meta"), { recursive: true });
  writeFileSync(path.join(dir, "meta/_journal.json"), JSON.stringify({ ...journal, entries }));
  for (const e of entries)
    copyFileSync(path.join(MIGRATIONS_DIR, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  return dir;
}

/**
 * A fresh database of this tier (PGlite in a temporary directory, or a new database on the test cluster)
 * migrated up to just before the migration tagged `…tagEnd`: a migration test seeds it as an older release
 * left it, then runs the rest (`runMigrations`). `dir` is the temporary directory to remove afterwards.
 */
export async function databaseBefore(tagEnd: string): Promise<{ database: Database; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-migration-"));
  const databaseUrl = await freshDatabaseUrl();
  const database = await openDatabase({ dataDir: dir, databaseUrl });
  const old = migrationsBefore(tagEnd, path.join(dir, "migrations"));
  if (database.kind === "postgres") {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await migratePg(drizzlePg({ client }), { migrationsFolder: old });
    await client.end();
  } else {
    await migratePglite(database.db as never, { migrationsFolder: old });
  }
  return { database, dir };
}

/** Closes a database `databaseBefore` opened and removes its directory (also when the set-up failed half-way). */
export async function dropDatabaseBefore(
  database: Database | undefined,
  dir: string | undefined,
): Promise<void> {
  await database?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
