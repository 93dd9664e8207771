import { and, count, desc, gt, lte, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { inTransaction } from "../../src/db/client.js";
import { accessLog } from "../../src/db/schema/index.js";
import { systemCtx } from "../../src/lib/actor.js";
import { TestClock } from "../support/federation-hub.js";
import { whileOpen } from "../support/lock-queue.js";
import { type Agent, createTestNode, DB_KIND, describeDb, type TestNode } from "../support/node.js";
import { ACME, formNaming, ZHANG } from "../support/persons-fixtures.js";
import type { ApiError } from "../support/requests-fixtures.js";

type Entry = {
  action: string;
  recordType: string;
  recordId: string;
  personId: string | null;
  reason: string | null;
  actorLabel: string;
};
type Detail = { request: { id: string; subjectPersons: { personId: string }[] } };
type Verify = {
  ok: boolean;
  seals: number;
  rowsChecked: number;
  unsealed: number;
  firstBad: { seal: number; reason: string } | null;
};

describeDb("access log: every read of personal data, append-only, sealed into the audit chain", () => {
  let node: TestNode;
  // 22:00 in Beijing, the node's zone: two hours before its next day.
  const clock = new TestClock(Date.parse("2026-11-20T14:00:00Z"));
  let officer: Agent;
  let auditor: Agent;
  let admin: Agent;
  let otherUnitOfficer: Agent;
  let personId: string;
  let requestId: string;
  let orgOnlyRequest: string;

  /** The newest rows, once this process's write-behind has written what the reads so far queued. */
  const latest = async (n: number) => {
    await node.rt.services.accessLog.flush();
    return node.rt.services.db.select().from(accessLog).orderBy(desc(accessLog.id)).limit(n);
  };

  beforeAll(async () => {
    node = await createTestNode({ clock });
    const unit = await node.unit("Cyber unit");
    const other = await node.unit("Other unit");
    await node.user("al.officer", ["case_officer"], unit);
    await node.user("al.auditor", ["auditor"], unit);
    await node.user("al.other", ["case_officer"], other);
    officer = await node.as("al.officer");
    auditor = await node.as("al.auditor");
    admin = await node.as("admin");
    otherUnitOfficer = await node.as("al.other");
    const r = await officer.req<Detail>("POST", "/api/v1/requests", { form: formNaming([ZHANG]) });
    requestId = r.body.request.id;
    personId = r.body.request.subjectPersons[0].personId;
    const o = await officer.req<Detail>("POST", "/api/v1/requests", { form: formNaming([ACME]) });
    orgOnlyRequest = o.body.request.id;
  }, 120_000);
  afterAll(() => node?.close());

  it("logs a person read with who, which record and the reason from the header or the query", async () => {
    const reason = "核实身份 / identity check for case 2026-17";
    const a = await officer.req("GET", `/api/v1/persons/${personId}`, undefined, {
      "x-crossline-reason": encodeURIComponent(reason),
    });
    expect(a.status).toBe(200);
    const b = await officer.req(
      "GET",
      `/api/v1/persons/${personId}?reason=${encodeURIComponent("follow-up")}`,
    );
    expect(b.status).toBe(200);
    const [second, first] = await latest(2);
    expect(first).toMatchObject({
      action: "read",
      recordType: "person",
      recordId: personId,
      personId,
      reason,
      actorLabel: "al.officer",
    });
    expect(first.requestId).toMatch(/^req_/);
    expect(second.reason).toBe("follow-up");
  });

  it("logs a read of a request naming a person and a board page in one batch; not a request naming none", async () => {
    const before = (await latest(1))[0].id;
    expect((await officer.req("GET", `/api/v1/requests/${requestId}`)).status).toBe(200);
    expect((await officer.req("GET", `/api/v1/requests/${orgOnlyRequest}`)).status).toBe(200);
    expect((await officer.req("GET", "/api/v1/requests?limit=50")).status).toBe(200);
    const rows = (await latest(10)).filter((r) => r.id > before).reverse();
    expect(rows.map((r) => [r.action, r.recordType, r.recordId])).toEqual([
      ["read", "request", requestId],
      ["list", "request", requestId],
    ]);
  });

  it("logs reads of shared objects holding personal data (the shared-objects hook)", async () => {
    const pub = await officer.req<{ object: { id: string } }>("POST", "/api/v1/shared-objects", {
      type: "indicator",
      marking: { tlp: "GREEN" },
      content: { kind: "email", value: "night.owl@example.com" },
    });
    expect(pub.status).toBe(201);
    expect((await officer.req("GET", `/api/v1/shared-objects/${pub.body.object.id}`)).status).toBe(200);
    const [row] = await latest(1);
    expect(row).toMatchObject({ action: "read", recordType: "shared_object", recordId: pub.body.object.id });
  });

  it("shows auditors who looked at a person, through the person or a record naming them; no one else", async () => {
    const r = await auditor.req<{ items: Entry[] }>("GET", `/api/v1/persons/${personId}/access?limit=50`);
    expect(r.status).toBe(200);
    const seen = r.body.items.map((e) => `${e.action}:${e.recordType}`);
    expect(seen).toEqual(expect.arrayContaining(["read:person", "read:request", "list:request"]));
    expect(r.body.items.some((e) => e.reason === "follow-up")).toBe(true);
    const denied = await officer.req<ApiError>("GET", `/api/v1/persons/${personId}/access`);
    expect(denied.status).toBe(403);
    const paged = await auditor.req<{ items: Entry[]; nextCursor: string }>(
      "GET",
      `/api/v1/persons/${personId}/access?limit=1`,
    );
    const next = await auditor.req<{ items: Entry[] }>(
      "GET",
      `/api/v1/persons/${personId}/access?limit=1&cursor=${paged.body.nextCursor}`,
    );
    expect(next.body.items[0]).toEqual(r.body.items[1]);
  });

  it("lists unusual access: a user's reads in a day above the policy's threshold, and reads outside one's unit", async () => {
    expect((await admin.req("PUT", "/api/v1/policy/access-log", { dailyReadThreshold: 4 })).status).toBe(200);
    for (let i = 0; i < 5; i++) await officer.req("GET", `/api/v1/persons/${personId}`);
    // The auditor is in the officer's unit; a person of another unit read by them is "outside".
    const foreign = await otherUnitOfficer.req<Detail>("POST", "/api/v1/requests", {
      form: formNaming([{ ...ZHANG, names: [{ original: "Example Person" }], dateOfBirth: "1990" }]),
    });
    const foreignPerson = foreign.body.request.subjectPersons[0].personId;
    expect((await auditor.req("GET", `/api/v1/persons/${foreignPerson}`)).status).toBe(200);
    const report = await auditor.req<{
      threshold: number;
      items: { kind: string; actorLabel: string; count: number; day: string }[];
    }>("GET", "/api/v1/access-log/unusual");
    expect(report.body.threshold).toBe(4);
    expect(report.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "volume", actorLabel: "al.officer", day: "2026-11-20" }),
        expect.objectContaining({
          kind: "outside_unit",
          actorLabel: "al.auditor",
          day: "2026-11-20",
          count: 1,
        }),
      ]),
    );
    const bad = await auditor.req<ApiError>(
      "GET",
      "/api/v1/access-log/unusual?from=2026-11-21&to=2026-11-20",
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe("querystring.to");
    const higher = await auditor.req<{ items: { kind: string; actorLabel: string }[] }>(
      "GET",
      "/api/v1/access-log/unusual?threshold=100000",
    );
    expect(higher.body.items.filter((i) => i.kind === "volume")).toEqual([]);
    const officerAsks = await officer.req("GET", "/api/v1/access-log/unusual");
    expect(officerAsks.status).toBe(403);
  });

  it("refuses UPDATE, DELETE and TRUNCATE of the log", async () => {
    const db = node.rt.services.db;
    await expect(db.execute(sql`update access_log set reason = 'edited'`)).rejects.toThrow();
    await expect(db.execute(sql`delete from access_log`)).rejects.toThrow();
    await expect(db.execute(sql`truncate access_log`)).rejects.toThrow();
  });

  it("seals the rows into the audit chain and verifies them; an edited or removed row shows", async () => {
    const s = node.rt.services.accessLog;
    // Rows younger than the margin wait for the next seal.
    expect(await s.seal()).toBeNull();
    clock.advance(60_000);
    const seal = await s.seal();
    expect(seal?.seq).toBe(1);
    const ok = await auditor.req<Verify>("POST", "/api/v1/access-log/verify", {});
    expect(ok.body).toMatchObject({ ok: true, seals: 1, unsealed: 0, firstBad: null });
    expect(ok.body.rowsChecked).toBe(seal?.rowCount);
    const audit = await auditor.req<{ items: { details: { hash: string } }[] }>(
      "GET",
      "/api/v1/audit?action=access_log.seal",
    );
    expect(audit.body.items[0].details.hash).toBe(seal?.hash);
    await expect(node.rt.services.db.execute(sql`delete from access_log_seals`)).rejects.toThrow();
    const chain = await auditor.req<{ result: { ok: boolean; accessLog: Verify } }>(
      "GET",
      "/api/v1/audit/verify",
    );
    expect(chain.body.result.ok).toBe(true);
    expect(chain.body.result.accessLog).toMatchObject({ ok: true, seals: 1 });

    await officer.req("GET", `/api/v1/persons/${personId}`);
    clock.advance(60_000);
    const again = await auditor.req<Verify>("POST", "/api/v1/access-log/verify", {});
    expect(again.body).toMatchObject({ ok: true, unsealed: 1 });
    expect((await s.seal())?.seq).toBe(2);

    // Someone with owner rights edits a sealed row behind the triggers' back.
    await inTransaction(node.rt.services.db, async (tx) => {
      await tx.execute(sql.raw("alter table access_log disable trigger user"));
      await tx.execute(
        sql`update access_log set reason = 'nothing to see' where id = (select min(id) from access_log)`,
      );
      await tx.execute(sql.raw("alter table access_log enable trigger user"));
    });
    const edited = await auditor.req<Verify>("POST", "/api/v1/access-log/verify", {});
    expect(edited.body).toMatchObject({
      ok: false,
      firstBad: { seal: 1, reason: "a row it covers was changed" },
    });
    // The audit trail's own verify covers the log it vouches for: the chain is intact, the verify is not.
    const trail = await auditor.req<{ result: { ok: boolean; firstBad: unknown; accessLog: Verify } }>(
      "GET",
      "/api/v1/audit/verify",
    );
    expect(trail.body.result).toMatchObject({
      ok: false,
      firstBad: null,
      accessLog: { ok: false, firstBad: { seal: 1, reason: "a row it covers was changed" } },
    });

    await inTransaction(node.rt.services.db, async (tx) => {
      await tx.execute(sql.raw("alter table access_log disable trigger user"));
      await tx.execute(
        sql`delete from access_log where id = (select max(id) from access_log where id <= ${seal?.toId})`,
      );
      await tx.execute(sql.raw("alter table access_log enable trigger user"));
    });
    const removed = await auditor.req<Verify>("POST", "/api/v1/access-log/verify", {});
    expect(removed.body.ok).toBe(false);
    expect(removed.body.firstBad?.seal).toBe(1);
  });

  it("a write that drew a lower id and commits after a later one is inside the seal that covers it", async () => {
    // Identity values commit out of order. A seal that read past a write still in flight left that row inside
    // its range but out of its hash: verify then called it slipped in, and the row was never sealed.
    const { db, accessLog: s } = node.rt.services;
    const entry = { action: "read" as const, recordType: "person", recordId: personId, personId };
    const rowsIn = async (fromId: number, toId: number) =>
      (
        await db
          .select({ n: count() })
          .from(accessLog)
          .where(and(gt(accessLog.id, fromId), lte(accessLog.id, toId)))
      )[0]?.n;
    await s.flush();
    clock.advance(60_000);
    await s.seal();
    const seals: NonNullable<Awaited<ReturnType<typeof s.seal>>>[] = [];
    if (DB_KIND === "postgres") {
      // A transaction writing a log row (a module's read inside its own transaction) stays open...
      const during = await whileOpen(
        db,
        (tx) => s.record(tx, systemCtx(), [entry]),
        async () => {
          // ...while a later row commits, and both are older than the margin.
          await s.record(db, systemCtx(), [entry]);
          await s.flush();
          clock.advance(60_000);
          return s.seal();
        },
      );
      if (during) seals.push(during);
    } else {
      await inTransaction(db, (tx) => s.record(tx, systemCtx(), [entry]));
      await s.record(db, systemCtx(), [entry]);
      await s.flush();
      clock.advance(60_000);
    }
    const after = await s.seal();
    if (after) seals.push(after);
    expect(seals.length).toBeGreaterThan(0);
    // Each seal hashed every row its range holds now, the late one too.
    for (const seal of seals) expect(seal.rowCount).toBe(await rowsIn(seal.fromId, seal.toId));
    // On PostgreSQL, the seal tried while the write was in flight was left to the next tick.
    if (DB_KIND === "postgres") expect(seals).toHaveLength(1);
    const newest = await latest(2);
    expect(Math.max(...seals.map((x) => x.toId))).toBeGreaterThanOrEqual(
      Math.max(...newest.map((r) => r.id)),
    );
  });

  it("counts unusual access per day on the node's calendar, not per UTC day", async () => {
    type Report = { to: string; timeZone: string; items: UnusualItem[] };
    type UnusualItem = { kind: string; actorLabel: string; count: number; day: string };
    const officerDays = (r: Report) =>
      r.items
        .filter((i) => i.kind === "volume" && i.actorLabel === "al.officer")
        .map((i) => [i.day, i.count]);
    const before = await auditor.req<Report>("GET", "/api/v1/access-log/unusual");
    const [[day, count]] = officerDays(before.body) as [[string, number]];
    expect(day).toBe("2026-11-20");
    // At 17:00 UTC it is already the 21st in Beijing: five more reads make a day of their own, not five more on
    // a UTC 20th.
    clock.set("2026-11-20T17:00:00Z");
    for (let i = 0; i < 5; i++) await officer.req("GET", `/api/v1/persons/${personId}`);
    const later = await auditor.req<Report>("GET", "/api/v1/access-log/unusual");
    expect(later.body).toMatchObject({ to: "2026-11-21", timeZone: "Asia/Shanghai" });
    expect(officerDays(later.body)).toEqual([
      ["2026-11-20", count],
      ["2026-11-21", 5],
    ]);
  });
});
