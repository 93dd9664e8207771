import type { ErrorBody } from "@crossline/schemas";
import { eq, sql } from "drizzle-orm";
import Fastify from "fastify";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Database, type Db, inTransaction, rowsOf, runMigrations } from "../../src/db/client.js";
import { agencies, persons, units, users } from "../../src/db/schema/index.js";
import { sendError } from "../../src/http/errors.js";
import { systemCtx } from "../../src/lib/actor.js";
import type { SubjectPerson } from "../../src/modules/persons/persons.port.js";
import { databaseBefore, dropDatabaseBefore } from "../support/migrations.js";
import { type Agent, createTestNode, DB_KIND, describeDb, type TestNode } from "../support/node.js";

type Res = { status: number; body: unknown };

function conflict(res: Res, status = 409, code = "CONFLICT") {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  const e = (res.body as ErrorBody).error;
  expect(e.code).toBe(code);
  return e;
}

/** A transaction of the node's own service held open (after its write) while `meanwhile` runs. */
async function whileOpen<T>(
  open: (hold: () => Promise<void>) => Promise<unknown>,
  meanwhile: () => Promise<T>,
): Promise<T> {
  let written!: () => void;
  const inside = new Promise<void>((resolve) => {
    written = resolve;
  });
  const first = open(async () => {
    written();
    // still open while the other side checks and writes: on PostgreSQL its write waits for this commit
    await new Promise((r) => setTimeout(r, 400));
  });
  await inside;
  const [, result] = await Promise.all([first, meanwhile()]);
  return result;
}

describeDb("conflicts: a duplicate is a 409 naming the field, never a 500", () => {
  let node: TestNode;
  let admin: Agent;
  let officer: Agent;
  let unitId: string;
  let agencyId: string;
  let db: Db;

  beforeAll(async () => {
    node = await createTestNode();
    db = node.rt.services.db;
    admin = await node.as("admin");
    unitId = await node.unit("Conflicts");
    await node.user("c.officer", ["case_officer"], unitId);
    officer = await node.as("c.officer");
    agencyId = (await admin.req<{ items: { id: string }[] }>("GET", "/api/v1/agencies")).body.items[0].id;
  }, 120_000);
  afterAll(() => node?.close());

  // --- the safety net: errors a service let through -------------------------------------------------------

  it("the HTTP layer answers a unique violation a service did not foresee with 409, naming the field when it knows it", async () => {
    // A route that writes straight to the database, with the node's error handler: the real driver's error,
    // wrapped by Drizzle, reaches sendError as a service's would.
    const app = Fastify({ logger: false });
    app.setErrorHandler((err, req, reply) => sendError(err as Error, req, reply));
    app.post("/unit", async () => {
      await db.insert(units).values({ id: crypto.randomUUID(), agencyId, name: "Conflicts" });
      return {};
    });
    app.post("/orphan", async () => {
      await db
        .insert(units)
        .values({ id: crypto.randomUUID(), agencyId: crypto.randomUUID(), name: "Orphan" });
      return {};
    });
    app.post("/agency", async () => {
      await db.insert(agencies).values({ id: agencyId, name: "Again" });
      return {};
    });
    try {
      const known = await app.inject({ method: "POST", url: "/unit" });
      expect(conflict({ status: known.statusCode, body: known.json() }).details).toEqual([
        { field: "name", issue: "a unit with this name exists" },
      ]);
      const other = await app.inject({ method: "POST", url: "/agency" });
      expect(conflict({ status: other.statusCode, body: other.json() }).details).toEqual([
        { issue: "a record with this value already exists", key: "record.exists", params: {} },
      ]);
      const zh = await app.inject({
        method: "POST",
        url: "/agency",
        headers: { "accept-language": "zh-CN" },
      });
      expect(conflict({ status: zh.statusCode, body: zh.json() })).toMatchObject({
        message: "与当前状态冲突。",
        details: [{ issue: "已存在具有此值的记录", key: "record.exists" }],
      });
      // nothing of the SQL travels
      expect(other.body).not.toMatch(/agencies|duplicate|insert/i);
      // a write referring to a record that is not there (removed meanwhile): 409 as well, its own key
      const gone = await app.inject({ method: "POST", url: "/orphan" });
      expect(conflict({ status: gone.statusCode, body: gone.json() }).details).toEqual([
        {
          issue:
            "a record this refers to was removed, or one that refers to this still exists; reload and try again",
          key: "record.related",
          params: {},
        },
      ]);
      expect(gone.body).not.toMatch(/units|foreign|insert/i);
    } finally {
      await app.close();
    }
  });

  it.runIf(DB_KIND === "postgres")("a deadlock is a 503 to send again, with Retry-After", async () => {
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()].sort();
    await db.insert(units).values([
      { id: a, agencyId, name: "Deadlock A" },
      { id: b, agencyId, name: "Deadlock B" },
    ]);
    const lock = (id: string) => sql`select id from units where id = ${id} for update`;
    let aLocked!: () => void;
    const aIsLocked = new Promise<void>((r) => {
      aLocked = r;
    });
    let otherWaits!: () => void;
    const otherIsWaiting = new Promise<void>((r) => {
      otherWaits = r;
    });
    const app = Fastify({ logger: false });
    app.setErrorHandler((err, req, reply) => sendError(err as Error, req, reply));
    app.post("/both", async () => {
      await inTransaction(db, async (tx) => {
        await tx.execute(lock(a));
        aLocked();
        await otherIsWaiting;
        await tx.execute(lock(b));
      });
      return {};
    });
    // Another process holds b and waits for a, which the request holds; only then does the request ask for b
    // and close the cycle. PostgreSQL checks a waiter once, deadlock_timeout (1 s) after it began to wait, so the
    // request's check is the one that finds the cycle (the other's would run only after 30 s): however loaded
    // the machine, the request is the transaction rolled back.
    const other = new pg.Client({ connectionString: node.rt.database.databaseUrl });
    await other.connect();
    try {
      await other.query("set deadlock_timeout = '30s'");
      await other.query("begin");
      await other.query("select id from units where id = $1 for update", [b]);
      const res = app.inject({ method: "POST", url: "/both" });
      await aIsLocked;
      const otherLocks = other.query("select id from units where id = $1 for update", [a]);
      const watcher = new pg.Client({ connectionString: node.rt.database.databaseUrl });
      await watcher.connect();
      try {
        for (let i = 0; i < 500; i++) {
          const waiting = await watcher.query(
            "select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like 'select id from units%'",
          );
          if (waiting.rowCount) break;
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        await watcher.end();
      }
      otherWaits();
      const r = await res;
      await otherLocks;
      await other.query("commit");
      const e = conflict({ status: r.statusCode, body: r.json() }, 503, "NODE_BUSY");
      expect(r.headers["retry-after"]).toBe("1");
      expect(e.details[0].key).toBe("transaction.retry");
    } finally {
      await other.end();
      await app.close();
    }
  });

  // --- users ---------------------------------------------------------------------------------------------

  const userBody = (username: string) => ({ username, displayName: username, unitId, roles: ["auditor"] });

  it("a username taken is a 409 naming the field", async () => {
    expect((await admin.req("POST", "/api/v1/users", userBody("c.twice"))).status).toBe(201);
    const e = conflict(await admin.req("POST", "/api/v1/users", userBody("c.twice")));
    expect(e.details).toEqual([{ field: "username", issue: "this username is taken" }]);
  });

  it("two admins creating the same username at once: one is created, the other is the same 409", async () => {
    const both = await Promise.all([
      admin.req("POST", "/api/v1/users", userBody("c.race")),
      admin.req("POST", "/api/v1/users", userBody("c.race")),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    const lost = both.find((r) => r.status === 409) as Res;
    expect(conflict(lost).details).toEqual([{ field: "username", issue: "this username is taken" }]);
    expect(await db.select().from(users).where(eq(users.username, "c.race"))).toHaveLength(1);
  });

  it("a username created while the check looked is the same 409 (the index has the last word)", async () => {
    const { users: service } = node.rt.services;
    const input = { ...userBody("c.held"), roles: ["auditor" as const], language: "en" as const };
    // The first creation's transaction is still open when the second checks: on PostgreSQL the second sees no
    // such user, and its insert waits for the first's commit and then violates users_username.
    const res = await whileOpen(
      (hold) => service.create(systemCtx(), input, { authorisedBy: "test", within: hold }),
      () => admin.req("POST", "/api/v1/users", userBody("c.held")),
    );
    expect(conflict(res).details).toEqual([{ field: "username", issue: "this username is taken" }]);
    expect(await db.select().from(users).where(eq(users.username, "c.held"))).toHaveLength(1);
  });

  // --- units ---------------------------------------------------------------------------------------------

  it("a unit name is unique on the node, whatever the agency", async () => {
    const e = conflict(await admin.req("POST", "/api/v1/units", { agencyId, name: "Conflicts" }));
    expect(e.details).toEqual([{ field: "name", issue: "a unit with this name exists" }]);
    // Another agency of the node (none is made through the API today): the name is taken all the same.
    const other = crypto.randomUUID();
    await db.insert(agencies).values({ id: other, name: "Other agency" });
    const again = conflict(await admin.req("POST", "/api/v1/units", { agencyId: other, name: "Conflicts" }));
    expect(again.details).toEqual([{ field: "name", issue: "a unit with this name exists" }]);
    const fresh = await admin.req("POST", "/api/v1/units", { agencyId: other, name: "Other desk" });
    expect(fresh.status).toBe(201);
  });

  it("two units of the same name at once: one is created, the other is a 409", async () => {
    const both = await Promise.all([
      admin.req("POST", "/api/v1/units", { agencyId, name: "Twin desk" }),
      admin.req("POST", "/api/v1/units", { agencyId, name: "Twin desk" }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(conflict(both.find((r) => r.status === 409) as Res).details[0].field).toBe("name");
    expect(await db.select().from(units).where(eq(units.name, "Twin desk"))).toHaveLength(1);
  });

  // --- persons -------------------------------------------------------------------------------------------

  const subject = (original: string, dateOfBirth?: string): SubjectPerson => ({
    names: [{ original }],
    ...(dateOfBirth ? { dateOfBirth } : {}),
  });
  const findOrCreate = (s: SubjectPerson, hold?: () => Promise<void>) =>
    inTransaction(db, async (tx) => {
      const r = await node.rt.services.persons.port.findOrCreate(tx, systemCtx(), s, unitId);
      await hold?.();
      return r;
    });
  type PersonRes = { person: { id: string; version: number } };
  const person = async (id: string) =>
    (await officer.req<PersonRes>("GET", `/api/v1/persons/${id}`)).body.person;

  it("findOrCreate: the same person named twice is one record", async () => {
    const first = await findOrCreate(subject("Wang Plain", "1970-01-01"));
    const second = await findOrCreate(subject("Wang Plain", "1970-01-01"));
    expect(first.created).toBe(true);
    expect(second).toEqual({ personId: first.personId, created: false, restricted: false });
  });

  it("findOrCreate: a person recorded by another transaction at the same time is that record, not an error", async () => {
    const s = subject("Wang Race", "1971-02-03");
    let held!: { personId: string; created: boolean };
    const second = await whileOpen(
      async (hold) => {
        held = await findOrCreate(s, hold);
      },
      () => findOrCreate(s),
    );
    expect(held.created).toBe(true);
    expect(second).toEqual({ personId: held.personId, created: false, restricted: false });
    const rows = await db.select().from(persons).where(eq(persons.id, held.personId));
    expect(rows).toHaveLength(1);
    const all = rowsOf<{ n: number }>(
      await db.execute(sql`select count(*)::int as n from persons where match_key = ${rows[0].matchKey}`),
    );
    expect(Number(all[0].n)).toBe(1);
  });

  it("rectify: a main name and date of birth another record holds is a 409, also when it was recorded at the same time", async () => {
    const holder = await findOrCreate(subject("Liu Holder", "1980-05-06"));
    const p = await findOrCreate(subject("Liu Other", "1980-05-06"));
    const body = (version: number, original: string) => ({
      version,
      fields: { names: [{ original }] },
      reason: "the data subject's request",
    });
    const plain = conflict(
      await officer.req("POST", `/api/v1/persons/${p.personId}/rectify`, body(1, "Liu Holder")),
    );
    expect(plain.details).toEqual([
      { field: "body.fields.names", issue: "another person record has this main name and date of birth" },
    ]);
    expect(holder.created).toBe(true);
    // A person recorded under the new key while the rectification checks: on PostgreSQL the check sees no one,
    // and the update waits for that commit and then violates persons_match_key.
    const raced = await whileOpen(
      (hold) => findOrCreate(subject("Liu Newcomer", "1980-05-06"), hold),
      () => officer.req("POST", `/api/v1/persons/${p.personId}/rectify`, body(1, "Liu Newcomer")),
    );
    expect(conflict(raced).details).toEqual([
      { field: "body.fields.names", issue: "another person record has this main name and date of birth" },
    ]);
    // nothing of the refused change was saved
    expect((await person(p.personId)).version).toBe(1);
  });

  it("merge: a third record holding the merged main name and date of birth is a 409, also when recorded at the same time", async () => {
    // The record kept has no date of birth; the other gives one: merged, the kept record's key is its name with it.
    const keep = await findOrCreate(subject("Zhao Kept"));
    const gone = await findOrCreate(subject("Zhao Gone", "1990-07-08"));
    const merge = (otherId: string) => ({ version: 1, otherId, otherVersion: 1, reason: "same passport" });
    const third = await findOrCreate(subject("Zhao Kept", "1991-01-01"));
    const gone2 = await findOrCreate(subject("Zhao Gone Again", "1991-01-01"));
    // plain: the third record is there before the merge looks
    const plain = conflict(
      await officer.req("POST", `/api/v1/persons/${keep.personId}/merge`, merge(gone2.personId)),
    );
    expect(plain.details).toEqual([
      { field: "body.otherId", issue: "a third record has this main name and date of birth" },
    ]);
    expect(third.created).toBe(true);
    // raced: the third record is recorded while the merge runs
    const raced = await whileOpen(
      (hold) => findOrCreate(subject("Zhao Kept", "1990-07-08"), hold),
      () => officer.req("POST", `/api/v1/persons/${keep.personId}/merge`, merge(gone.personId)),
    );
    expect(conflict(raced).details).toEqual([
      { field: "body.otherId", issue: "a third record has this main name and date of birth" },
    ]);
    // neither merge happened: both records are there as they were
    expect((await person(keep.personId)).version).toBe(1);
    expect((await person(gone.personId)).version).toBe(1);
  });
});

describeDb("unit names unique on the node: the migration", () => {
  let dir: string;
  let database: Database;

  beforeAll(async () => {
    ({ database, dir } = await databaseBefore("_units_name_unique"));
  }, 120_000);

  afterAll(() => dropDatabaseBefore(database, dir));

  it("units of two agencies sharing a name: the oldest keeps it, the other takes its agency's name", async () => {
    const db = database.db;
    const a1 = "0190a0c0-0000-7000-8000-0000000000a1";
    const a2 = "0190a0c0-0000-7000-8000-0000000000a2";
    await db.execute(sql`insert into agencies (id, name) values (${a1}, 'Ministry'), (${a2}, 'Bureau')`);
    await db.execute(sql`
      insert into units (id, agency_id, name, created_at) values
        ('0190a0c0-0000-7000-8000-000000000001', ${a2}, 'Cyber', '2026-01-01T00:00:00Z'),
        ('0190a0c0-0000-7000-8000-000000000002', ${a1}, 'Cyber', '2026-02-01T00:00:00Z'),
        ('0190a0c0-0000-7000-8000-000000000003', ${a1}, 'Hotline', '2026-02-01T00:00:00Z')`);
    await runMigrations(database);
    const rows = rowsOf<{ id: string; name: string }>(
      await db.execute(sql`select id, name from units order by id`),
    );
    expect(rows.map((r) => r.name)).toEqual(["Cyber", "Cyber (Ministry)", "Hotline"]);
    await expect(
      db.execute(sql`insert into units (id, agency_id, name) values (gen_random_uuid(), ${a2}, 'Hotline')`),
    ).rejects.toMatchObject({ cause: { code: "23505", constraint: "units_name" } });
  });
});
