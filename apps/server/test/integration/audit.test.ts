import { sql } from "drizzle-orm";
import { afterEach, beforeEach, expect, it } from "vitest";
import { inTransaction } from "../../src/db/client.js";
import { systemCtx } from "../../src/lib/actor.js";
import { auditHash } from "../../src/modules/audit/audit.hash.js";
import { auditPageAfter } from "../../src/modules/audit/audit.repo.js";
import { verifyAuditChain } from "../../src/modules/audit/audit.service.js";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";

/** Tampering needs the trigger out of the way: a DBA with owner rights could do that, the app cannot. */
async function tamper(node: TestNode, statement: string) {
  const db = node.rt.services.db;
  await db.execute(sql.raw("alter table audit_log disable trigger user"));
  await db.execute(sql.raw(statement));
  await db.execute(sql.raw("alter table audit_log enable trigger user"));
}

const verify = (node: TestNode) => verifyAuditChain(node.rt.services.db, node.rt.services.clock);

describeDb("audit trail", () => {
  let node: TestNode;
  beforeEach(async () => {
    node = await createTestNode();
    // A few entries: units and users created by the admin.
    for (const name of ["u1", "u2", "u3"]) await node.unit(name);
  });
  afterEach(() => node?.close());

  it("is intact after normal use and records who did what", async () => {
    const r = await verify(node);
    expect(r.ok).toBe(true);
    expect(r.checked).toBe(r.headSeq);
    const auditor = await (async () => {
      await node.user("auditor.x", ["auditor"]);
      return node.as("auditor.x");
    })();
    const list = await auditor.req<{ items: { action: string; actorLabel: string; seq: number }[] }>(
      "GET",
      "/api/v1/audit?limit=100",
    );
    expect(list.status).toBe(200);
    const units = list.body.items.filter((e) => e.action === "unit.create");
    expect(units).toHaveLength(3);
    expect(units.every((e) => e.actorLabel === "admin")).toBe(true);
    const v = await auditor.req<{ result: { ok: boolean } }>("GET", "/api/v1/audit/verify");
    expect(v.body.result.ok).toBe(true);
  });

  it("the database chains an entry as auditHash does, whatever its details, and concurrent writers never fork it", async () => {
    const { db, audit } = node.rt.services;
    const odd = [
      { text: '案件 \u2028 "quoted" \\ back\nslash', emoji: "🔒", seq: 0, nested: { seq: [1, 2], b: null } },
      { number: 1.5, big: 9007199254740991, negative: -0, empty: {}, list: [] },
      {},
    ];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        inTransaction(db, (tx) =>
          audit.record(
            tx,
            { ...systemCtx(i % 2 ? `req-${i}` : null), ip: i % 3 ? null : "192.0.2.7" },
            {
              action: `test.odd${i}`,
              ...(i % 4 ? { targetType: "unit", targetId: `u-${i}` } : {}),
              details: odd[i % odd.length],
            },
          ),
        ),
      ),
    );
    const rows = (await auditPageAfter(db, 0, 1000)).filter((r) => r.action.startsWith("test.odd"));
    expect(rows).toHaveLength(12);
    for (const r of rows) {
      expect(r.hash).toBe(auditHash({ ...r, details: r.details as Record<string, unknown> }));
    }
    const v = await verify(node);
    expect(v).toMatchObject({ ok: true });
    expect(v.checked).toBe(v.headSeq);
  });

  it("refuses UPDATE, DELETE and TRUNCATE from the application", async () => {
    const db = node.rt.services.db;
    const refused = async (statement: string) => {
      const err = (await db.execute(sql.raw(statement)).then(
        () => null,
        (e: Error) => e,
      )) as (Error & { cause?: Error }) | null;
      expect(err).not.toBeNull();
      expect(`${err?.message} ${err?.cause?.message}`).toMatch(/append-only/);
    };
    await refused("update audit_log set action = 'x' where seq = 1");
    await refused("delete from audit_log where seq = 1");
    await refused("truncate audit_log");
    expect((await verify(node)).ok).toBe(true);
  });

  it("names the first edited entry", async () => {
    await tamper(node, `update audit_log set details = '{"name":"forged"}' where seq = 3`);
    const r = await verify(node);
    expect(r.ok).toBe(false);
    expect(r.firstBad).toEqual({ seq: 3, reason: expect.stringMatching(/edited/) });
  });

  it("names a deleted entry", async () => {
    await tamper(node, "delete from audit_log where seq = 2");
    const r = await verify(node);
    expect(r.firstBad?.seq).toBe(2);
    expect(r.firstBad?.reason).toMatch(/missing/);
  });

  it("detects removal of the newest entries", async () => {
    const head = (await verify(node)).headSeq;
    await tamper(node, `delete from audit_log where seq = ${head}`);
    const r = await verify(node);
    expect(r.ok).toBe(false);
    expect(r.firstBad?.seq).toBe(head);
  });

  it("detects an inserted entry", async () => {
    // Shift entries 3.. up by one and forge a new entry 3 that copies 2's hash as its link.
    await tamper(node, "update audit_log set seq = seq + 1000 where seq >= 3");
    await tamper(node, "update audit_log set seq = seq - 999 where seq >= 1003");
    await tamper(
      node,
      `insert into audit_log (seq, at, actor_type, actor_label, action, outcome, details, prev_hash, hash)
       select 3, now(), 'user', 'mallory', 'user.create', 'success', '{}'::jsonb, hash, repeat('a', 64) from audit_log where seq = 2`,
    );
    const r = await verify(node);
    expect(r.ok).toBe(false);
    expect(r.firstBad?.seq).toBe(3);
  });

  it("detects reordered entries", async () => {
    await tamper(node, "update audit_log set seq = -1 where seq = 2");
    await tamper(node, "update audit_log set seq = 2 where seq = 3");
    await tamper(node, "update audit_log set seq = 3 where seq = -1");
    const r = await verify(node);
    expect(r.ok).toBe(false);
    expect(r.firstBad?.seq).toBe(2);
    expect(r.firstBad?.reason).toMatch(/link/);
  });
});
