import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { type Database, inTransaction, MIGRATIONS_DIR, openDatabase } from "../../db/client.js";
import { configFilePath } from "../../lib/paths.js";
import {
  type DumpChunk,
  databaseIsEmpty,
  listTables,
  loadRows,
  loadSequences,
  type TableInfo,
} from "./backup.dump.js";
import type { Manifest } from "./backup.manifest.js";
import type { VerifiedArchive } from "./backup.service.js";

/** Why a restore is refused before anything is written; the CLI maps each to exit code 3. */
export class RestoreRefused extends Error {}

interface Journal {
  entries: { idx: number; tag: string }[];
}

const journal = (): Journal =>
  JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, "meta/_journal.json"), "utf8")) as Journal;

/** Migrations this release knows. */
export function knownMigrations(): string[] {
  return journal().entries.map((e) => e.tag);
}

/** A copy of the migrations folder holding only the first `count`: the schema the archive's rows were read from. */
function migrationsUpTo(count: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-migrations-"));
  mkdirSync(path.join(dir, "meta"));
  const j = journal();
  const kept = j.entries.slice(0, count);
  writeFileSync(path.join(dir, "meta/_journal.json"), JSON.stringify({ ...j, entries: kept }));
  for (const e of kept)
    copyFileSync(path.join(MIGRATIONS_DIR, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  return dir;
}

async function migrateTo(database: Database, folder: string, ownerUrl?: string): Promise<void> {
  if (database.kind === "postgres") {
    const client = new pg.Client({ connectionString: ownerUrl ?? database.databaseUrl });
    await client.connect();
    try {
      await client.query("select pg_advisory_lock(7391001)");
      await migratePg(drizzlePg({ client }), { migrationsFolder: folder });
    } finally {
      await client.query("select pg_advisory_unlock(7391001)").catch(() => undefined);
      await client.end();
    }
  } else {
    await migratePglite(database.db as never, { migrationsFolder: folder });
  }
}

export interface RestoreTarget {
  dataDir: string;
  databaseUrl?: string;
  migrationDatabaseUrl?: string;
}

/** Refuses a target that holds anything: a restore never overwrites. */
export async function checkTargetEmpty(target: RestoreTarget): Promise<void> {
  if (existsSync(configFilePath(target.dataDir))) {
    throw new RestoreRefused(
      `${target.dataDir} is not empty: it holds a node's configuration (crossline.json)`,
    );
  }
  const pgdata = path.join(target.dataDir, "pgdata");
  if (!target.databaseUrl && existsSync(pgdata) && readdirSync(pgdata).length > 0) {
    throw new RestoreRefused(`${target.dataDir} is not empty: it holds a database (pgdata)`);
  }
  if (target.databaseUrl) {
    const database = await openDatabase({
      dataDir: target.dataDir,
      databaseUrl: target.databaseUrl,
      poolSize: 1,
    });
    try {
      if (!(await databaseIsEmpty(database.db))) {
        throw new RestoreRefused(
          "the target database is not empty: it holds tables (restore only into a new database)",
        );
      }
    } finally {
      await database.close();
    }
  }
}

/**
 * Loads an archive into an empty target: the schema as it was (migrations up to the archive's level), the rows
 * in one transaction, then the configuration file. The caller then opens the node normally, which applies the
 * newer migrations of this release. On failure, what was created is removed again.
 */
export async function loadArchive(
  archive: VerifiedArchive,
  target: RestoreTarget,
  onProgress?: (table: string, rows: number) => void,
): Promise<void> {
  const m: Manifest = archive.manifest;
  const known = knownMigrations();
  if (m.migrations.count > known.length) {
    throw new RestoreRefused(
      `the archive was made by a newer release (${m.release}, ${m.migrations.count} migrations; this release knows ${known.length}): restore it with that release or newer`,
    );
  }
  await checkTargetEmpty(target);
  const createdDir = !existsSync(target.dataDir);
  mkdirSync(target.dataDir, { recursive: true });
  const database = await openDatabase({
    dataDir: target.dataDir,
    databaseUrl: target.databaseUrl,
    poolSize: 1,
  });
  const folder = migrationsUpTo(m.migrations.count);
  try {
    await migrateTo(database, folder, target.migrationDatabaseUrl);
    await inTransaction(database.db, async (tx) => {
      // Triggers that derive rows from the rows written (the requests' identifier-change queue) stand aside
      // while the archive's rows go in: the archive holds what they derived, as it was (set for this transaction).
      await tx.execute(sql`select set_config('crossline.restoring', 'on', true)`);
      const tables = new Map((await listTables(tx)).map((t) => [t.name, t]));
      // Rows a migration seeded (the audit head, …) give way to the archived ones: children first.
      for (const t of [...tables.keys()].reverse()) await tx.execute(sql.raw(`delete from public."${t}"`));
      let current: TableInfo | null = null;
      let rows = 0;
      for (const raw of archive.chunks) {
        const c = raw as DumpChunk;
        if (c.kind === "table") {
          current = tables.get(c.table) ?? null;
          rows = 0;
          if (!current)
            throw new Error(`the archive holds table ${c.table}, which its migrations do not create`);
          // Only the columns both have: the archive's own list is the schema it was read from.
          current = { name: current.name, columns: current.columns.filter((x) => c.columns.includes(x)) };
        } else if (c.kind === "rows" && current) {
          await loadRows(tx, current, c.rows);
          rows += c.rows.length;
          onProgress?.(current.name, rows);
        } else if (c.kind === "sequences") {
          await loadSequences(tx, c.items);
        }
      }
    });
    await database.close();
    writeFileSync(
      configFilePath(target.dataDir),
      `${JSON.stringify(
        {
          ...archive.config,
          ...(target.databaseUrl ? { databaseUrl: target.databaseUrl } : {}),
          ...(target.migrationDatabaseUrl ? { migrationDatabaseUrl: target.migrationDatabaseUrl } : {}),
        },
        null,
        2,
      )}\n`,
      { mode: 0o600, flag: "wx" },
    );
  } catch (e) {
    await database.close().catch(() => undefined);
    await undo(target, createdDir);
    throw e;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Removes what a failed restore created (the target was empty before it). */
async function undo(target: RestoreTarget, createdDir: boolean): Promise<void> {
  if (target.databaseUrl) {
    const client = new pg.Client({ connectionString: target.migrationDatabaseUrl ?? target.databaseUrl });
    await client.connect().catch(() => undefined);
    await client
      .query("drop schema if exists drizzle cascade; drop schema public cascade; create schema public")
      .catch(() => undefined);
    await client.end().catch(() => undefined);
  } else {
    rmSync(path.join(target.dataDir, "pgdata"), { recursive: true, force: true });
  }
  if (createdDir) rmSync(target.dataDir, { recursive: true, force: true });
}
