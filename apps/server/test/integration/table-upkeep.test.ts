import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Database, inTransaction, openDatabase, rowsOf } from "../../src/db/client.js";
import {
  CHECKPOINT_TIMEOUT_MS,
  checkpointDue,
  checkpointIfDue,
  checkpointState,
  startTableUpkeep,
  tableCounters,
  tablesDue,
  upkeepTables,
} from "../../src/db/upkeep.js";
import { DB_KIND, describeDb, freshDatabaseUrl } from "../support/node.js";

/**
 * PGlite has no autovacuum: the node vacuums and analyses its tables itself, with autovacuum's thresholds
 * (db/upkeep.ts). The same statements run on PostgreSQL, where the serving node leaves it to autovacuum.
 */
describeDb("table upkeep", () => {
  let database: Database;
  let dataDir: string;
  const db = () => database.db;
  const probe = async () =>
    rowsOf<{ last_vacuum: Date | null; last_analyze: Date | null; stats: number }>(
      await db().execute(sql`select s.last_vacuum, s.last_analyze,
          (select count(*)::int from pg_stats p where p.tablename = 'upkeep_probe') as stats
        from pg_stat_user_tables s where s.relname = 'upkeep_probe'`),
    )[0];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "crossline-upkeep-"));
    database = await openDatabase({ dataDir, databaseUrl: await freshDatabaseUrl() });
    // Out of autovacuum's reach on PostgreSQL: an autovacuum of the table at the moment of the upkeep's own
    // (`skip_locked`) vacuum made that one skip it, and the test read no manual vacuum (seen once in CI).
    await db().execute(
      sql`create table upkeep_probe (id int primary key, v text not null) with (autovacuum_enabled = false)`,
    );
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("a table that changed enough is vacuumed and analysed, and then is not due again", async () => {
    expect(await probe()).toMatchObject({ last_vacuum: null, last_analyze: null, stats: 0 });
    await inTransaction(db(), async (tx) => {
      await tx.execute(sql`insert into upkeep_probe select g, md5(g::text) from generate_series(1, 3000) g`);
      await tx.execute(sql`update upkeep_probe set v = 'changed' where id <= 1000`);
      // The counters reach pg_stat_user_tables when the session is next idle, not at most once a second.
      await tx.execute(sql`select pg_stat_force_next_flush()`);
    });
    const due = async () => tablesDue(await tableCounters(db())).find((t) => t.table === "upkeep_probe");
    await expect.poll(due).toEqual({ schema: "public", table: "upkeep_probe", vacuum: true, analyze: true });

    const done = await upkeepTables(db());
    expect(done.vacuumed).toContain("public.upkeep_probe");
    expect(done.analyzed).toContain("public.upkeep_probe");
    const after = await probe();
    expect(after.last_vacuum).not.toBeNull();
    expect(after.last_analyze).not.toBeNull();
    // The planner now has the table's statistics (one row per column).
    expect(after.stats).toBe(2);
    expect(await due()).toBeUndefined();
    const [{ reltuples }] = rowsOf<{ reltuples: number }>(
      await db().execute(sql`select reltuples from pg_class where relname = 'upkeep_probe'`),
    );
    expect(Number(reltuples)).toBe(3000);
  });

  it("reads every table's transaction-id age, the catalogue's too (what keeps them from wrapping around)", async () => {
    const counters = await tableCounters(db());
    const pgClass = counters.find((t) => t.schema === "pg_catalog" && t.table === "pg_class");
    expect(pgClass?.xidAge).toBeGreaterThan(0);
    expect(pgClass?.mxidAge).toBeGreaterThanOrEqual(0);
    expect(counters.some((t) => t.schema === "pg_toast")).toBe(false);
  });

  it("uses autovacuum's default thresholds, in proportion to the table", () => {
    const table = (
      reltuples: number,
      dead: number,
      inserted: number,
      changed: number,
      xidAge = 0,
      mxidAge = 0,
    ) => ({
      schema: "public",
      table: "t",
      reltuples,
      deadRows: dead,
      insertedSinceVacuum: inserted,
      changedSinceAnalyze: changed,
      xidAge,
      mxidAge,
    });
    const vacuum = [{ schema: "public", table: "t", vacuum: true, analyze: false }];
    const analyze = [{ schema: "public", table: "t", vacuum: false, analyze: true }];
    // Never vacuumed nor analysed (reltuples -1): 50 changed rows are enough, as on an empty table.
    expect(tablesDue([table(-1, 0, 0, 50)])).toEqual([]);
    expect(tablesDue([table(-1, 0, 0, 51)])).toEqual(analyze);
    expect(tablesDue([table(-1, 0, 1001, 0)])).toEqual(vacuum);
    // A million rows: dead rows over 200,050 or inserts over 201,000 for a vacuum, changes over 100,050 to analyse.
    expect(tablesDue([table(1_000_000, 200_050, 201_000, 100_050)])).toEqual([]);
    expect(tablesDue([table(1_000_000, 200_051, 0, 0)])).toEqual(vacuum);
    expect(tablesDue([table(1_000_000, 0, 201_001, 0)])).toEqual(vacuum);
    expect(tablesDue([table(1_000_000, 0, 0, 100_051)])).toEqual(analyze);
    // A table that does not change still gets its old transaction ids frozen before they could wrap around.
    expect(tablesDue([table(10, 0, 0, 0, 200_000_000, 400_000_000)])).toEqual([]);
    expect(tablesDue([table(10, 0, 0, 0, 200_000_001)])).toEqual(vacuum);
    expect(tablesDue([table(10, 0, 0, 0, 0, 400_000_001)])).toEqual(vacuum);
  });

  it("checkpoints once checkpoint_timeout has passed, if the log grew since (PGlite has no checkpointer)", async () => {
    await db().execute(
      sql`insert into upkeep_probe select g, md5(g::text) from generate_series(10001, 20000) g`,
    );
    const before = await checkpointState(db());
    expect(before.walBytesSince).toBeGreaterThan(100_000);
    const at = (ms: number) => new Date(before.checkpointTime.getTime() + ms);
    if (DB_KIND === "postgres") {
      // The server's own checkpointer may checkpoint at any moment and the log is the cluster's (other
      // databases' too): only that a due checkpoint is taken is asserted there.
      expect(await checkpointIfDue(db(), at(24 * 3600_000))).toBeGreaterThan(0);
      expect((await checkpointState(db())).checkpointTime.getTime()).toBeGreaterThanOrEqual(
        before.checkpointTime.getTime(),
      );
      return;
    }
    // Not yet: the last checkpoint is less than five minutes old.
    expect(await checkpointIfDue(db(), at(CHECKPOINT_TIMEOUT_MS - 1000))).toBe(0);
    expect((await checkpointState(db())).checkpointTime).toEqual(before.checkpointTime);
    // Due: the checkpoint covers what was written; only its own record is left to replay after it.
    expect(await checkpointIfDue(db(), at(CHECKPOINT_TIMEOUT_MS))).toBeGreaterThanOrEqual(
      before.walBytesSince,
    );
    const after = await checkpointState(db());
    expect(after.checkpointTime.getTime()).toBeGreaterThanOrEqual(before.checkpointTime.getTime());
    expect(after.walBytesSince).toBeLessThan(1000);
    // A quiet store is not checkpointed again, however long it waits.
    expect(
      await checkpointIfDue(db(), new Date(after.checkpointTime.getTime() + 10 * CHECKPOINT_TIMEOUT_MS)),
    ).toBe(0);
  });

  it("a checkpoint is due after the timeout, and only when more than the checkpoint record was written", () => {
    const t0 = new Date("2026-12-05T10:00:00Z");
    const state = (walBytesSince: number) => ({ checkpointTime: t0, walBytesSince });
    const plus = (ms: number) => new Date(t0.getTime() + ms);
    expect(checkpointDue(state(10_000), plus(CHECKPOINT_TIMEOUT_MS - 1))).toBe(false);
    expect(checkpointDue(state(10_000), plus(CHECKPOINT_TIMEOUT_MS))).toBe(true);
    expect(checkpointDue(state(120), plus(60 * CHECKPOINT_TIMEOUT_MS))).toBe(false);
    expect(checkpointDue(state(201), plus(CHECKPOINT_TIMEOUT_MS))).toBe(true);
  });

  it("the serving node runs it on PGlite only: PostgreSQL has autovacuum and a checkpointer", async () => {
    const job = startTableUpkeep(database, { info() {}, warn() {} });
    expect(job === null).toBe(DB_KIND === "postgres");
    await job?.stop();
  });
});
