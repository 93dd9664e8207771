import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Database, rowsOf, runMigrations } from "../../src/db/client.js";
import { databaseBefore, dropDatabaseBefore } from "../support/migrations.js";
import { describeDb } from "../support/node.js";

const AGENCY = "0190a0c0-0000-7000-8000-000000000501";
const UNIT = "0190a0c0-0000-7000-8000-000000000502";
const CLOCK_BEFORE = "2026-11-05T10:00:00.000Z";

describeDb(
  "indicators migration 0042: indicators withdrawn before it get their revoked version in the feed",
  () => {
    let dir: string;
    let database: Database;
    let started: number;
    const indicator = (id: string, state: string, at: string) =>
      database.db.execute(sql`
      insert into indicators (id, stix_id, unit_id, origin, owner_node, kind, value, tlp, marking, state,
        created_at, updated_at)
      values (${id}, ${`indicator--${id.slice(4)}`}, ${UNIT}, 'own', 'CN-MPS', 'domain', ${`${id}.example`},
        'AMBER', '{"tlp":"AMBER","handling":[]}', ${state}, ${at}::timestamptz, ${at}::timestamptz)`);

    beforeAll(async () => {
      ({ database, dir } = await databaseBefore("_indicator_revoked_versions"));
      const db = database.db;
      await db.execute(sql`insert into agencies (id, name) values (${AGENCY}, 'Agency')`);
      await db.execute(sql`insert into units (id, agency_id, name) values (${UNIT}, ${AGENCY}, 'Cyber')`);
      await indicator("ind_01a24919-0000-7000-8000-000000000001", "active", "2026-11-01T08:00:00Z");
      await indicator("ind_01a24919-0000-7000-8000-000000000002", "withdrawn", "2026-11-02T08:00:00Z");
      await db.execute(sql`update indicator_feed_clock set at = ${CLOCK_BEFORE}::timestamptz`);
      started = Date.now();
      await runMigrations(database);
    }, 120_000);

    afterAll(() => dropDatabaseBefore(database, dir));

    it("dates the withdrawn one's revoked version now, from the feed's clock, and keeps when it was first added", async () => {
      const rows = rowsOf<{ id: string; created_at: string | Date; first_added_at: string | Date | null }>(
        await database.db.execute(sql`select id, created_at, first_added_at from indicators order by id`),
      );
      const t = (v: string | Date | null) => (v === null ? null : new Date(v).getTime());
      const [active, withdrawn] = rows;
      expect(t(active.created_at)).toBe(Date.parse("2026-11-01T08:00:00Z"));
      expect(active.first_added_at).toBeNull();
      expect(t(withdrawn.first_added_at)).toBe(Date.parse("2026-11-02T08:00:00Z"));
      // Later than every date added before (the clock's), about the migration's time: a client paging on meets it.
      expect(t(withdrawn.created_at)).toBeGreaterThan(Date.parse(CLOCK_BEFORE));
      expect(t(withdrawn.created_at)).toBeGreaterThanOrEqual(started - 1000);
      const clock = rowsOf<{ at: string | Date }>(
        await database.db.execute(sql`select at from indicator_feed_clock`),
      );
      expect(t(clock[0].at)).toBe(t(withdrawn.created_at));
    });
  },
);
