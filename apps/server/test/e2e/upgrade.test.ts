import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { MIGRATIONS_DIR, openDatabase } from "../../src/db/client.js";
import { knownMigrations, pendingMigrations } from "../../src/db/migrations.js";
import { cliActor } from "../../src/modules/node/node.service.js";
import { openNode } from "../../src/runtime/node-runtime.js";
import { runCliAsync as runCli } from "../support/cli.js";
import { describeDb, freshDatabaseUrl } from "../support/node.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/upgrade");
/** The passphrase `scripts/upgrade-fixture.ts` seals the fixtures with. */
const PASS = "upgrade-fixture-passphrase";

/** A copy of the migrations folder with only the first `count`: the schema an older release left. */
function olderMigrations(dir: string, count: number): string {
  const folder = path.join(dir, "older-migrations");
  mkdirSync(path.join(folder, "meta"), { recursive: true });
  const kept = knownMigrations().slice(0, count);
  writeFileSync(path.join(folder, "meta/_journal.json"), JSON.stringify({ entries: kept }));
  for (const e of kept)
    copyFileSync(path.join(MIGRATIONS_DIR, `${e.tag}.sql`), path.join(folder, `${e.tag}.sql`));
  return folder;
}

/**
 * Upgrades (issue 16 point 4). A node made by an earlier release (a fixture archive kept in the repository, made
 * by `scripts/upgrade-fixture.ts`) starts on this code with its data; a database an older release migrated
 * shows what `crossline migrate --dry-run` would run, is left untouched by it, and is brought forward by
 * `crossline migrate`.
 */
describeDb("upgrading a node made by an earlier release", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), "crossline-upgrade-"));
  });
  afterAll(() => {
    if (!process.env.CROSSLINE_KEEP_TEST_DIRS) rmSync(work, { recursive: true, force: true });
  });

  it("every kept fixture restores, migrates forward and serves its data", async () => {
    const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith(".clbk"));
    expect(fixtures.length).toBeGreaterThanOrEqual(1);
    for (const f of fixtures) {
      const dir = path.join(work, f);
      const databaseUrl = (await freshDatabaseUrl()) ?? "";
      const r = await runCli(["restore", path.join(FIXTURES, f), "--data-dir", dir, "--json"], {
        CROSSLINE_BACKUP_PASSPHRASE: PASS,
        DATABASE_URL: databaseUrl,
      });
      expect(r.stderr, f).toBe("");
      expect(r.code, f).toBe(0);
      expect(JSON.parse(r.stdout).manifest.migrations.count).toBeLessThanOrEqual(knownMigrations().length);
      const rt = await openNode(loadConfig({ CROSSLINE_DATA_DIR: dir }, { dataDir: dir }));
      const ctx = { actor: cliActor("test"), ip: null, requestId: null };
      try {
        expect((await pendingMigrations(rt.services.db)).pending).toEqual([]);
        expect((await rt.services.node.summary())?.id).toBe("FX-NODE");
        const users = await rt.services.users.list(ctx, { limit: 50 });
        expect(users.items.map((u) => u.username).sort()).toEqual(["admin", "officer1"]);
        // The audit trail of the old release still verifies after the migrations (none rewrites history).
        const v = await rt.services.audit.verify(ctx);
        expect(v.ok).toBe(true);
      } finally {
        await rt.close();
      }
    }
  }, 600_000);

  it("migrate --dry-run lists what would run and applies nothing; migrate applies it, forward only", async () => {
    const known = knownMigrations();
    const dir = path.join(work, "older");
    mkdirSync(dir);
    const databaseUrl = (await freshDatabaseUrl()) ?? "";
    // The database as an older release left it: all but the last two migrations.
    const folder = olderMigrations(work, known.length - 2);
    const database = await openDatabase({ dataDir: dir, databaseUrl: databaseUrl || undefined, poolSize: 1 });
    try {
      if (database.kind === "postgres") {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await migratePg(drizzlePg({ client }), { migrationsFolder: folder });
        await client.end();
      } else {
        await migratePglite(database.db as never, { migrationsFolder: folder });
      }
    } finally {
      await database.close();
    }
    const env = {
      CROSSLINE_DATA_DIR: dir,
      DATABASE_URL: databaseUrl,
      CROSSLINE_MASTER_KEY: randomBytes(32).toString("base64url"),
    };
    const last2 = known.slice(-2).map((m) => m.tag);

    const dry = await runCli(["migrate", "--dry-run", "--json"], env);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual({
      dryRun: true,
      database: databaseUrl ? "postgres" : "pglite",
      applied: known.length - 2,
      pending: last2,
    });
    const untouched = await openDatabase({
      dataDir: dir,
      databaseUrl: databaseUrl || undefined,
      poolSize: 1,
    });
    try {
      expect((await pendingMigrations(untouched.db)).applied).toBe(known.length - 2);
    } finally {
      await untouched.close();
    }

    const ran = await runCli(["migrate", "--json"], env);
    expect(ran.stderr).toBe("");
    expect(JSON.parse(ran.stdout)).toMatchObject({ migrated: true, ran: last2 });
    const after = await runCli(["migrate", "--dry-run", "--json"], env);
    expect(JSON.parse(after.stdout)).toMatchObject({ applied: known.length, pending: [] });
  }, 600_000);
});
