import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CaseDetail, CorrelationSearchResult, HitView } from "@crossline/schemas";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type DbOrTx, inTransaction, openDatabase, rowsOf } from "../../src/db/client.js";
import { correlationIdentifiers, notifications, users } from "../../src/db/schema/index.js";
import { loadArchive } from "../../src/modules/backup/backup.restore.js";
import { verifyBackup, writeBackup } from "../../src/modules/backup/backup.service.js";
import { findRequest, updateRequest } from "../../src/modules/requests/requests.repo.js";
import { upload } from "../support/indicators-fixtures.js";
import { whileOpen } from "../support/lock-queue.js";
import {
  type Agent,
  createTestNode,
  DB_KIND,
  describeDb,
  freshDatabaseUrl,
  type TestNode,
} from "../support/node.js";
import { routineSubscriberForm } from "../support/requests-fixtures.js";

type One = { case: CaseDetail };

/**
 * A case's identifiers in the correlation index: added to a case they are normalised and indexed in the same
 * transaction, so an indicator or a request identifier of another unit matching one is a hit for both owning
 * units (each told, neither shown the other's record), and the search finds the case for whoever may look.
 */
describeDb("cases: identifiers correlated with indicators and requests", () => {
  let node: TestNode;
  let caseOfficer: Agent;
  let cyber: Agent;
  let caseUnit: string;
  let cyberUnit: string;
  let caseId: string;

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    caseUnit = await node.unit("Economic crime unit");
    cyberUnit = await node.unit("Cyber intelligence unit");
    await node.user("ec.officer", ["case_officer"], caseUnit);
    await node.user("ci.officer", ["case_officer"], cyberUnit);
    caseOfficer = await node.as("ec.officer");
    cyber = await node.as("ci.officer");
    const c = await caseOfficer.req<One>("POST", "/api/v1/cases", {
      title: { lang: "zh-CN", text: "发票诈骗案" },
      category: "email_web_fraud",
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    caseId = c.body.case.id;
  }, 180_000);
  afterAll(() => node?.close());

  const hitsOf = async (a: Agent) =>
    (await a.req<{ items: HitView[] }>("GET", "/api/v1/correlation/hits?limit=100")).body.items;
  const addIdentifier = (identifier: object) =>
    caseOfficer.req<One>("POST", `/api/v1/cases/${caseId}/identifiers`, { identifier });
  const toldUnits = async () => {
    const rows = await node.rt.services.db
      .select({ unitId: users.unitId })
      .from(notifications)
      .innerJoin(users, eq(users.id, notifications.userId))
      .where(and(eq(notifications.messageKey, "correlation_hit")));
    return new Set(rows.map((r) => r.unitId));
  };

  it("a case identifier inside a network another unit imported is a hit for both units", async () => {
    const imp = await upload(cyber, "kind,value,description\nip,203.0.113.0/24,Bulletproof hosting\n");
    expect(imp.body.import.added).toBe(1);
    // defanged on input, as threat reports carry it: stored and indexed by its canonical value
    const added = await addIdentifier({ type: "ipv4", value: "203.0.113[.]9" });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.case.identifiers[0]?.identifier).toMatchObject({ type: "ipv4", value: "203.0.113.9" });

    const mine = await hitsOf(caseOfficer);
    expect(
      mine.map((h) => [h.value, h.match, h.mine.recordType, h.mine.recordId, h.other.recordType]),
    ).toEqual([["203.0.113.9", "network", "case", caseId, "indicator"]]);
    // whom to ask, not the other unit's record
    expect(mine[0]?.other).toMatchObject({ recordId: null, unit: { id: cyberUnit } });
    const theirs = await hitsOf(cyber);
    expect(theirs.map((h) => [h.mine.recordType, h.other.recordType, h.other.recordId])).toEqual([
      ["indicator", "case", null],
    ]);
    expect(theirs[0]?.other.unit.id).toBe(caseUnit);
    expect(await toldUnits()).toEqual(new Set([caseUnit, cyberUnit]));
  });

  it("an indicator imported after the case holds the identifier is a hit too (either order)", async () => {
    await addIdentifier({ type: "email", value: "Refunds@Invoice-Example.com" });
    const imp = await upload(cyber, "kind,value\nemail,refunds@invoice-example.com\n");
    expect(imp.body.import.added).toBe(1);
    const mine = await hitsOf(caseOfficer);
    expect(mine.filter((h) => h.kind === "email").map((h) => [h.value, h.match, h.other.recordType])).toEqual(
      [["refunds@invoice-example.com", "exact", "indicator"]],
    );
  });

  it("a request of another unit naming the case's domain is a hit for both owners", async () => {
    await addIdentifier({ type: "domain", value: "INVOICE-example[.]com" });
    const r = await cyber.req<{ request: { id: string } }>("POST", "/api/v1/requests", {
      form: routineSubscriberForm(),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const theirs = (await hitsOf(cyber)).filter((h) => h.mine.recordType === "request");
    expect(
      theirs.map((h) => [h.value, h.match, h.mine.recordId, h.other.recordType, h.other.recordId]),
    ).toEqual([["invoice-example.com", "exact", r.body.request.id, "case", null]]);
    const mine = (await hitsOf(caseOfficer)).filter((h) => h.other.recordType === "request");
    expect(mine.map((h) => [h.value, h.mine.recordId, h.other.unit.id])).toEqual([
      ["invoice-example.com", caseId, cyberUnit],
    ]);
  });

  it("searches and hit lists at once pull a changed request into the index once: its hit stays", async () => {
    // Each of them pulls the requests changed since the cursor: side by side, the second's forget used to
    // remove the hit the first had just recorded, for good.
    const r = await cyber.req<{ request: { id: string } }>("POST", "/api/v1/requests", {
      form: routineSubscriberForm(),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await Promise.all(Array.from({ length: 6 }, () => hitsOf(cyber)));
    const theirs = (await hitsOf(cyber)).filter((h) => h.mine.recordId === r.body.request.id);
    // the case, and the request of the test before naming the same domain
    expect(theirs.map((h) => [h.value, h.other.recordType]).sort()).toEqual([
      ["invoice-example.com", "case"],
      ["invoice-example.com", "request"],
    ]);
  });

  it("a request change committing after a later-stamped one's is still pulled, and correlates", async () => {
    // updated_at is stamped by the application before the commit. A pull that moved a cursor over it past a
    // later-stamped change (B) skipped a change (A) stamped earlier but committed after that pull: A never
    // correlated. On PostgreSQL the two are open side by side; on PGlite (one connection) A's stamp is simply
    // taken before B's and A commits after the pull.
    const { db } = node.rt.services;
    const create = async (domain: string) => {
      const r = await cyber.req<{ request: { id: string } }>("POST", "/api/v1/requests", {
        form: { ...routineSubscriberForm(), identifiers: [{ type: "domain", value: domain }] },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.request.id;
    };
    const idA = await create("late-a-before.test");
    const idB = await create("late-b-before.test");
    await addIdentifier({ type: "domain", value: "late-commit.test" });
    await hitsOf(cyber);
    const t1 = new Date();
    const t2 = new Date(t1.getTime() + 1000);
    const change = async (tx: Parameters<typeof updateRequest>[0], id: string, domain: string, at: Date) => {
      const row = await findRequest(tx, id);
      if (!row) throw new Error(`no request ${id}`);
      await updateRequest(tx, id, {
        content: { ...row.content, identifiers: [{ type: "domain", value: domain, raw: domain }] },
        updatedAt: at,
      });
    };
    if (DB_KIND === "postgres") {
      await whileOpen(
        db,
        (tx) => change(tx, idA, "late-commit.test", t1),
        async () => {
          await inTransaction(db, (tx) => change(tx, idB, "late-b-after.test", t2));
          await hitsOf(cyber); // pulls B while A is still open
        },
      );
    } else {
      await inTransaction(db, (tx) => change(tx, idB, "late-b-after.test", t2));
      await hitsOf(cyber);
      await inTransaction(db, (tx) => change(tx, idA, "late-commit.test", t1));
    }
    const theirs = (await hitsOf(cyber)).filter((h) => h.mine.recordId === idA);
    expect(theirs.map((h) => [h.value, h.other.recordType, h.other.unit.id])).toEqual([
      ["late-commit.test", "case", caseUnit],
    ]);
    const indexed = await db
      .select({ id: correlationIdentifiers.recordId, value: correlationIdentifiers.value })
      .from(correlationIdentifiers)
      .where(eq(correlationIdentifiers.recordType, "request"));
    expect(
      indexed.filter((r) => r.id === idA || r.id === idB).sort((x, y) => x.value.localeCompare(y.value)),
    ).toEqual([
      { id: idB, value: "late-b-after.test" },
      { id: idA, value: "late-commit.test" },
    ]);
  });

  it("a request change that leaves its identifiers as they are does not tell its hits again", async () => {
    const { db } = node.rt.services;
    const told = async () =>
      (
        await db
          .select({ id: notifications.id })
          .from(notifications)
          .where(eq(notifications.messageKey, "correlation_hit"))
      ).length;
    const r = await cyber.req<{ request: { id: string } }>("POST", "/api/v1/requests", {
      form: routineSubscriberForm(),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await hitsOf(cyber);
    const before = await told();
    await inTransaction(db, async (tx) => {
      const row = await findRequest(tx, r.body.request.id);
      if (!row) throw new Error("no request");
      await updateRequest(tx, row.id, { title: `${row.title} (edited)`, updatedAt: new Date() });
      // moved to another unit and back: two changes queued, and the index holds what it already held
      await updateRequest(tx, row.id, { ownerUnitId: caseUnit });
      await updateRequest(tx, row.id, { ownerUnitId: cyberUnit });
    });
    await hitsOf(cyber);
    expect(await told()).toBe(before);
    // its hits stay: the case, and the two requests of the tests before naming the same domain
    const theirs = (await hitsOf(cyber)).filter((h) => h.mine.recordId === r.body.request.id);
    expect(theirs.map((h) => [h.value, h.other.recordType]).sort()).toEqual([
      ["invoice-example.com", "case"],
      ["invoice-example.com", "request"],
      ["invoice-example.com", "request"],
    ]);
  });

  it("the search finds the case: its own unit sees the record, another unit whom to ask", async () => {
    const own = (
      await caseOfficer.req<CorrelationSearchResult>("GET", "/api/v1/correlation/search?q=203.0.113.9")
    ).body;
    expect(own.mine).toEqual([{ recordType: "case", recordId: caseId, kind: "ip", value: "203.0.113.9" }]);
    const other = (
      await cyber.req<CorrelationSearchResult>("GET", "/api/v1/correlation/search?q=invoice-example.com")
    ).body;
    expect(other.elsewhere).toContainEqual({
      recordType: "case",
      unit: expect.objectContaining({ id: caseUnit }),
      count: 2,
    });
    expect(JSON.stringify(other)).not.toContain(caseId);
  });

  it("a duplicate identifier is refused whole: nothing more is indexed", async () => {
    const before = await hitsOf(cyber);
    const dup = await addIdentifier({ type: "ipv4", value: "203.0.113.9" });
    expect(dup.status).toBe(409);
    expect(await hitsOf(cyber)).toEqual(before);
  });

  it("a restore keeps the queue of request changes as archived: nothing added while the rows go in", async () => {
    // The trigger queuing request changes stands aside during a restore: the archive holds the queue, and rows
    // it added while the requests went in would be changes that never happened (or collide with its numbers).
    const r = await cyber.req<{ request: { id: string } }>("POST", "/api/v1/requests", {
      form: { ...routineSubscriberForm(), identifiers: [{ type: "domain", value: "restored.test" }] },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const queued = async (dbx: DbOrTx) =>
      rowsOf<{ seq: number | string; request_id: string }>(
        await dbx.execute(sql`select seq, request_id from request_identifier_changes order by seq`),
      ).map((x) => [Number(x.seq), x.request_id]);
    const before = await queued(node.rt.services.db);
    expect(before.map(([, id]) => id)).toEqual([r.body.request.id]);
    const work = mkdtempSync(path.join(os.tmpdir(), "crossline-queue-restore-"));
    try {
      const file = path.join(work, "node.clbk");
      const passphrase = "queue-restore-passphrase";
      await writeBackup({
        database: node.rt.database,
        config: node.rt.config,
        clock: node.rt.services.clock,
        file,
        passphrase,
      });
      const target = { dataDir: path.join(work, "restored"), databaseUrl: await freshDatabaseUrl() };
      await loadArchive(await verifyBackup(file, passphrase), target);
      const restored = await openDatabase({
        dataDir: target.dataDir,
        databaseUrl: target.databaseUrl,
        poolSize: 1,
      });
      try {
        expect(await queued(restored.db)).toEqual(before);
      } finally {
        await restored.close();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
