import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Database, rowsOf, runMigrations } from "../../src/db/client.js";
import { uniqueViolationOf } from "../../src/db/errors.js";
import { databaseBefore, dropDatabaseBefore } from "../support/migrations.js";
import { describeDb } from "../support/node.js";

const ITEM = "0190a0c0-0000-7000-8000-000000000301";
const OTHER = "0190a0c0-0000-7000-8000-000000000302";
const ID = (n: number) => `0190a0c0-0000-7000-8000-00000000040${n}`;

describeDb("lawful refusals migration: a peer's refusal received twice, then the unique index", () => {
  let dir: string;
  let database: Database;
  const refusal = (id: string, recordId: string, direction: string, peer: string, at: string) =>
    database.db.execute(sql`
      insert into lawful_refusals (id, kind, record_id, direction, peer_id, ground, text, by_label, at)
      values (${id}, 'request', ${recordId}, ${direction}, ${peer}, 'other', ${`refusal ${id.slice(-1)}`},
              'someone', ${at}::timestamptz)`);

  beforeAll(async () => {
    ({ database, dir } = await databaseBefore("_lawful_refusal_received_once"));
    // The item refused twice by one peer (a message sent again), once by another; one refusal this node sent.
    await refusal(ID(1), ITEM, "received", "US-DOJ", "2026-11-02T08:00:00Z");
    await refusal(ID(2), ITEM, "received", "US-DOJ", "2026-11-02T09:00:00Z");
    await refusal(ID(3), ITEM, "received", "GB-NCA", "2026-11-02T10:00:00Z");
    await refusal(ID(4), OTHER, "received", "US-DOJ", "2026-11-03T08:00:00Z");
    await refusal(ID(5), OTHER, "sent", "US-DOJ", "2026-11-03T09:00:00Z");
    await runMigrations(database);
  }, 120_000);

  afterAll(() => dropDatabaseBefore(database, dir));

  it("keeps each peer's first refusal of an item; another peer's, and the sent ones, stay", async () => {
    const rows = rowsOf<{ id: string }>(
      await database.db.execute(sql`select id from lawful_refusals order by id`),
    );
    expect(rows.map((r) => r.id)).toEqual([ID(1), ID(3), ID(4), ID(5)]);
  });

  it("refuses a second refusal received from the same peer for the same item", async () => {
    const err = await refusal(ID(6), ITEM, "received", "US-DOJ", "2026-11-04T08:00:00Z").catch((e) => e);
    expect(uniqueViolationOf(err)).toBe("lawful_refusals_one_received");
    await refusal(ID(7), ITEM, "received", "FR-OCLCTIC", "2026-11-04T08:00:00Z");
  });
});
