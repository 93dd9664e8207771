import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Database, rowsOf, runMigrations } from "../../src/db/client.js";
import { databaseBefore, dropDatabaseBefore } from "../support/migrations.js";
import { describeDb } from "../support/node.js";

const AGENCY = "0190a0c0-0000-7000-8000-0000000000ac";
const UNIT = "0190a0c0-0000-7000-8000-00000000000a";
const PROVIDER = "0190a0c0-0000-7000-8000-0000000000b1";
const REQ = (n: number) => `0190a0c0-0000-7000-8000-00000000010${n}`;
const NOTICE = (n: number) => `0190a0c0-0000-7000-8000-00000000020${n}`;

describeDb("notices migration: duplicate live notices of one incoming request, then the unique index", () => {
  let dir: string;
  let database: Database;
  const rows = async <T>(q: ReturnType<typeof sql>) => rowsOf<T>(await database.db.execute(q));
  const notice = (id: string, status: string, requestId: string | null, at: string) =>
    database.db.execute(sql`
      insert into notices (id, reference, provider_id, owner_unit_id, kind, urgency, legal_basis, locators, reason,
                           status, created_by_label, in_request_id, created_at, updated_at)
      values (${id}, ${`N-${id.slice(-2)}`}, ${PROVIDER}, ${UNIT}, 'preserve_data', 'routine',
              '{"law":"L","article":"1"}'::jsonb, '[]'::jsonb, '{"lang":"en","text":"r"}'::jsonb,
              ${status}, 'officer', ${requestId}, ${at}::timestamptz, ${at}::timestamptz)`);

  beforeAll(async () => {
    ({ database, dir } = await databaseBefore("_notices_in_request_live"));
    const db = database.db;
    await db.execute(sql`insert into agencies (id, name) values (${AGENCY}, 'Agency')`);
    await db.execute(sql`insert into units (id, agency_id, name) values (${UNIT}, ${AGENCY}, 'A')`);
    await db.execute(sql`
      insert into providers (id, name, name_zh, country, services, legal_entity, contacts, channels, created_at, updated_at)
      values (${PROVIDER}, 'Example Mail', '示例邮箱', 'US', '{mail}', 'Example Mail Inc.', '[]'::jsonb, '{portal}', now(), now())`);
    // Request 1: two drafts (a double click) beside an older withdrawn notice.
    await notice(NOTICE(0), "withdrawn", REQ(1), "2026-11-01T08:00:00Z");
    await notice(NOTICE(1), "draft", REQ(1), "2026-11-02T08:00:00Z");
    await notice(NOTICE(2), "draft", REQ(1), "2026-11-02T08:00:01Z");
    // Request 2: one awaiting approval, made first; two sent to their provider after it.
    await notice(NOTICE(3), "pending_approval", REQ(2), "2026-11-03T08:00:00Z");
    await notice(NOTICE(4), "sent", REQ(2), "2026-11-03T08:00:01Z");
    await notice(NOTICE(5), "in_progress", REQ(2), "2026-11-03T08:00:02Z");
    // Request 3: one notice; and two notices made of no request.
    await notice(NOTICE(6), "draft", REQ(3), "2026-11-04T08:00:00Z");
    await notice(NOTICE(7), "draft", null, "2026-11-05T08:00:00Z");
    await notice(NOTICE(8), "draft", null, "2026-11-05T08:00:00Z");
    await runMigrations(database);
  }, 120_000);

  afterAll(() => dropDatabaseBefore(database, dir));

  it("keeps one live notice per request (sent before unsent, then the oldest); the unsent others are withdrawn, a sent one unlinked", async () => {
    const after = await rows<{
      id: string;
      status: string;
      in_request_id: string | null;
      withdrawn_at: unknown;
    }>(sql`select id, status, in_request_id, withdrawn_at from notices order by id`);
    expect(after.map((n) => [n.status, n.in_request_id])).toEqual([
      ["withdrawn", REQ(1)],
      ["draft", REQ(1)],
      ["withdrawn", REQ(1)],
      ["withdrawn", REQ(2)],
      ["sent", REQ(2)],
      ["in_progress", null],
      ["draft", REQ(3)],
      ["draft", null],
      ["draft", null],
    ]);
    expect(after[2].withdrawn_at).not.toBeNull();
    expect(after[0].withdrawn_at).toBeNull(); // withdrawn before, untouched
    const events = await rows<{
      notice_id: string;
      event: string;
      from_status: string;
      to_status: string;
      data: unknown;
    }>(sql`select notice_id, event, from_status, to_status, data from notice_events order by notice_id`);
    expect(events).toEqual([
      {
        notice_id: NOTICE(2),
        event: "withdraw",
        from_status: "draft",
        to_status: "withdrawn",
        data: { reason: "a duplicate of notice N-01, made of the same request" },
      },
      {
        notice_id: NOTICE(3),
        event: "withdraw",
        from_status: "pending_approval",
        to_status: "withdrawn",
        data: { reason: "a duplicate of notice N-04, made of the same request" },
      },
    ]);
  });

  it("then refuses a second live notice of a request, and takes one once the live one is withdrawn", async () => {
    const at = "2026-11-06T08:00:00Z";
    await expect(notice(NOTICE(9), "draft", REQ(3), at)).rejects.toThrow();
    await notice(NOTICE(9), "withdrawn", REQ(3), at);
    await database.db.execute(sql`update notices set status = 'withdrawn' where id = ${NOTICE(6)}`);
    const again = "0190a0c0-0000-7000-8000-0000000002aa";
    await notice(again, "draft", REQ(3), at);
    const live = await rows<{ id: string }>(
      sql`select id from notices where in_request_id = ${REQ(3)} and status <> 'withdrawn'`,
    );
    expect(live).toEqual([{ id: again }]);
  });
});
