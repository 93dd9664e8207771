import type { CaseDetail } from "@crossline/schemas";
import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, caseCustody, caseSubjects, cases } from "../../src/db/schema/index.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { routineSubscriberForm } from "../support/requests-fixtures.js";

type One = { case: CaseDetail };
type Err = { error: { code: string; details: { field?: string; issue: string }[] } };

const newCase = {
  title: { lang: "zh-CN", text: "跨境电信诈骗案" },
  category: "email_web_fraud",
  priority: true,
  summary: { lang: "en", text: "Invoices redirected to accounts abroad." },
};

describeDb("cases: the case file, need to know, versions, custody", () => {
  let node: TestNode;
  let officer: Agent;
  let colleague: Agent;
  let outsider: Agent;
  let outsiderId: string;
  let supervisor: Agent;
  let unitA: string;

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    unitA = await node.unit("Cybercrime unit");
    const unitB = await node.unit("Economic crime unit");
    await node.user("c.officer", ["case_officer"], unitA);
    await node.user("c.colleague", ["case_officer"], unitA);
    await node.user("c.supervisor", ["supervisor"], unitA);
    outsiderId = (await node.user("c.outsider", ["case_officer"], unitB)).id;
    officer = await node.as("c.officer");
    colleague = await node.as("c.colleague");
    supervisor = await node.as("c.supervisor");
    outsider = await node.as("c.outsider");
    // a node to initialise and five users to sign in, on a shared machine
  }, 360_000);
  afterAll(() => node?.close());

  async function open(a: Agent = officer, body: object = newCase) {
    const r = await a.req<One>("POST", "/api/v1/cases", body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.case;
  }

  it("opens a case with its own reference from the node's sequence, and audits it", async () => {
    const a = await open();
    const b = await open(colleague, {
      ...newCase,
      title: { lang: "en", text: "Botnet C2 in two provinces" },
    });
    expect(a.reference).toMatch(/^CN-MPS-C-\d{4}-\d{4}$/);
    const n = (ref: string) => Number(ref.slice(-4));
    expect(n(b.reference)).toBe(n(a.reference) + 1);
    expect(a).toMatchObject({ status: "open", version: 1, priority: true, approvalRequired: true });
    const entries = await node.rt.services.db.select().from(auditLog).where(eq(auditLog.targetId, a.id));
    expect(entries.map((e) => e.action)).toEqual(["case.create"]);
  });

  it("another unit's officer gets 404 on every route of a case, and does not list it", async () => {
    const c = await open();
    const urls: [string, string, unknown?][] = [
      ["GET", `/api/v1/cases/${c.id}`],
      ["PATCH", `/api/v1/cases/${c.id}`, { version: 1, priority: false }],
      ["POST", `/api/v1/cases/${c.id}/notes`, { text: { lang: "en", text: "x" } }],
      ["POST", `/api/v1/cases/${c.id}/tasks`, { title: { lang: "en", text: "x" } }],
      ["GET", `/api/v1/cases/${c.id}/request-prefill`],
      ["POST", `/api/v1/cases/${c.id}/shares`, { recipients: ["US-DOJ"], marking: { tlp: "AMBER" } }],
    ];
    for (const [m, u, b] of urls) expect((await outsider.req(m, u, b)).status, `${m} ${u}`).toBe(404);
    const list = await outsider.req<{ items: { id: string }[] }>("GET", "/api/v1/cases");
    expect(list.body.items.map((i) => i.id)).not.toContain(c.id);
  });

  it("a person the owning unit adds sees and works on the case; nobody else is let in by them", async () => {
    const c = await open();
    const added = await officer.req<One>("POST", `/api/v1/cases/${c.id}/members`, { userId: outsiderId });
    expect(added.status).toBe(200);
    expect(added.body.case.members.map((m) => m.userId)).toEqual([outsiderId]);
    expect((await outsider.req("GET", `/api/v1/cases/${c.id}`)).status).toBe(200);
    const list = await outsider.req<{ items: { id: string }[] }>("GET", "/api/v1/cases");
    expect(list.body.items.map((i) => i.id)).toContain(c.id);
    const note = await outsider.req<One>("POST", `/api/v1/cases/${c.id}/notes`, {
      text: { lang: "en", text: "Bank records requested." },
    });
    expect(note.status).toBe(200);
    // A member may not widen the circle further.
    const again = await outsider.req("POST", `/api/v1/cases/${c.id}/members`, { userId: outsiderId });
    expect(again.status).toBe(403);
  });

  it("versions: a stale edit is 409 and changes nothing; subresources move the version", async () => {
    const c = await open();
    const first = await officer.req<One>("PATCH", `/api/v1/cases/${c.id}`, {
      version: 1,
      status: "suspended",
    });
    expect(first.body.case).toMatchObject({ version: 2, status: "suspended" });
    const stale = await colleague.req<Err>("PATCH", `/api/v1/cases/${c.id}`, { version: 1, priority: false });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details[0]?.field).toBe("body.version");
    const noted = await officer.req<One>("POST", `/api/v1/cases/${c.id}/notes`, {
      text: { lang: "zh-CN", text: "已调取银行流水。" },
    });
    expect(noted.body.case.version).toBe(3);
    expect(noted.body.case.priority).toBe(true);
  });

  it("closing takes an outcome; an outcome without closing is refused, each naming the field", async () => {
    const c = await open();
    const noOutcome = await officer.req<Err>("PATCH", `/api/v1/cases/${c.id}`, {
      version: 1,
      status: "closed",
    });
    expect(noOutcome.status).toBe(400);
    expect(noOutcome.body.error.details.map((d) => d.field)).toEqual(["body.outcome"]);
    const notClosing = await officer.req<Err>("PATCH", `/api/v1/cases/${c.id}`, {
      version: 1,
      outcome: "charged",
    });
    expect(notClosing.status).toBe(400);
    expect(notClosing.body.error.details.map((d) => d.field)).toEqual(["body.outcome"]);
    const closed = await officer.req<One>("PATCH", `/api/v1/cases/${c.id}`, {
      version: 1,
      status: "closed",
      outcome: "charged",
    });
    expect(closed.body.case).toMatchObject({ status: "closed", outcome: "charged", version: 2 });
  });

  it("bad input names the field and saves nothing", async () => {
    const before = (await node.rt.services.db.select({ n: sql<number>`count(*)::int` }).from(cases))[0]?.n;
    const cases400: [string, object, string][] = [
      ["/api/v1/cases", { ...newCase, category: "jaywalking" }, "body.category"],
      ["/api/v1/cases", { ...newCase, title: { lang: "fr", text: "x" } }, "body.title.lang"],
      ["/api/v1/cases", { ...newCase, leadOfficerId: outsiderId }, "body.leadOfficerId"],
      ["/api/v1/cases", { ...newCase, extra: 1 }, "body.extra"],
    ];
    for (const [url, body, field] of cases400) {
      const r = await officer.req<Err>("POST", url, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.details.map((d) => d.field)).toContain(field);
    }
    const after = (await node.rt.services.db.select({ n: sql<number>`count(*)::int` }).from(cases))[0]?.n;
    expect(after).toBe(before);

    const c = await open();
    const subjectsBefore = await node.rt.services.db
      .select()
      .from(caseSubjects)
      .where(eq(caseSubjects.caseId, c.id));
    const badSubject = await officer.req<Err>("POST", `/api/v1/cases/${c.id}/subjects`, {
      subject: { kind: "person", role: "suspect", names: [{ original: "王伟" }] },
    });
    expect(badSubject.status).toBe(400);
    expect(badSubject.body.error.details.map((d) => d.field)).toContain("body.subject.names.0.romanised");
    const badId = await officer.req<Err>("POST", `/api/v1/cases/${c.id}/identifiers`, {
      identifier: { type: "ipv4", value: "300.1.2.3" },
    });
    expect(badId.status).toBe(400);
    expect(badId.body.error.details[0]?.field).toMatch(/^body\.identifier/);
    const badEvidence = await officer.req<Err>("POST", `/api/v1/cases/${c.id}/evidence`, {
      name: "x.bin",
      contentBase64: "not base64!",
      collectedBy: "Li Na",
      collectedAt: "2026-11-01T08:00:00+08:00",
    });
    expect(badEvidence.status).toBe(400);
    expect(badEvidence.body.error.details.map((d) => d.field)).toEqual(["body.contentBase64"]);
    const badAssignee = await officer.req<Err>("POST", `/api/v1/cases/${c.id}/tasks`, {
      title: { lang: "en", text: "Trace the wallet" },
      assigneeId: outsiderId,
    });
    expect(badAssignee.status).toBe(400);
    expect(badAssignee.body.error.details.map((d) => d.field)).toEqual(["body.assigneeId"]);
    const now = await officer.req<One>("GET", `/api/v1/cases/${c.id}`);
    expect(now.body.case).toMatchObject({ version: 1, evidence: [], tasks: [] });
    expect(now.body.case.subjects).toHaveLength(subjectsBefore.length);
  });

  it("subjects in two scripts, normalised identifiers (a duplicate is 409), tasks with versions", async () => {
    const c = await open();
    const s = await officer.req<One>("POST", `/api/v1/cases/${c.id}/subjects`, {
      subject: {
        kind: "person",
        role: "suspect",
        names: [{ original: "王伟", romanised: "Wang Wei" }],
        nationality: "cn",
      },
    });
    expect(s.body.case.subjects[0]).toMatchObject({
      subject: { names: [{ original: "王伟", romanised: "Wang Wei" }], nationality: "CN" },
      // A person subject is linked to the node's person record (found or created): persons.port.ts.
      personId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const i = await officer.req<One>("POST", `/api/v1/cases/${c.id}/identifiers`, {
      identifier: { type: "domain", value: "Invoice-Example[.]COM" },
    });
    expect(i.body.case.identifiers[0]?.identifier).toMatchObject({
      type: "domain",
      value: "invoice-example.com",
    });
    const dup = await officer.req<Err>("POST", `/api/v1/cases/${c.id}/identifiers`, {
      identifier: { type: "domain", value: "invoice-example.com" },
    });
    expect(dup.status).toBe(409);
    const t = await officer.req<One>("POST", `/api/v1/cases/${c.id}/tasks`, {
      title: { lang: "en", text: "Ask the registrar" },
      dueDate: "2026-12-20",
    });
    const task = t.body.case.tasks[0];
    expect(task).toMatchObject({ done: false, dueDate: "2026-12-20", version: 1 });
    const done = await colleague.req<One>("PATCH", `/api/v1/cases/${c.id}/tasks/${task?.id}`, {
      version: 1,
      done: true,
    });
    expect(done.body.case.tasks[0]).toMatchObject({ done: true, version: 2 });
    const stale = await officer.req("PATCH", `/api/v1/cases/${c.id}/tasks/${task?.id}`, {
      version: 1,
      done: false,
    });
    expect(stale.status).toBe(409);
  });

  it("evidence: stored with its SHA-256; hand-over, export and download each add a custody record", async () => {
    const c = await open();
    const bytes = Buffer.from("phishing kit, fictitious sample");
    const added = await officer.req<One>("POST", `/api/v1/cases/${c.id}/evidence`, {
      name: "kit.zip",
      contentBase64: bytes.toString("base64"),
      description: { lang: "en", text: "Seized from the hosting provider" },
      collectedBy: "Li Na (MPS)",
      collectedAt: "2026-11-01T08:00:00+08:00",
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    const ev = added.body.case.evidence[0] as CaseDetail["evidence"][number];
    const { createHash } = await import("node:crypto");
    expect(ev.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(ev.custody.map((r) => [r.action, r.actorLabel])).toEqual([["collected", "Li Na (MPS)"]]);
    await officer.req("POST", `/api/v1/cases/${c.id}/evidence/${ev.id}/custody`, {
      action: "handed_over",
      to: "Forensics lab, Beijing",
    });
    await officer.req("POST", `/api/v1/cases/${c.id}/evidence/${ev.id}/custody`, {
      action: "exported",
      to: "USB drive #4471 for the prosecutor",
    });
    const file = await colleague.req("GET", `/api/v1/cases/${c.id}/evidence/${ev.id}/file`);
    expect(file.status).toBe(200);
    expect(file.headers["x-content-sha256"]).toBe(ev.sha256);
    expect(file.headers["cache-control"]).toBe("private, no-store"); // evidence is never cached
    // An outsider's download is refused and leaves no record.
    expect((await outsider.req("GET", `/api/v1/cases/${c.id}/evidence/${ev.id}/file`)).status).toBe(404);
    const after = await officer.req<One>("GET", `/api/v1/cases/${c.id}`);
    expect(after.body.case.evidence[0]?.custody.map((r) => r.action)).toEqual([
      "collected",
      "handed_over",
      "exported",
      "downloaded",
    ]);
    const audit = await node.rt.services.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, c.id))
      .orderBy(asc(auditLog.seq));
    expect(audit.map((e) => e.action)).toEqual([
      "case.create",
      "case.evidence_add",
      "case.evidence_custody",
      "case.evidence_custody",
      "case.evidence_download",
    ]);
  });

  it("the chain of custody is append-only in the database itself", async () => {
    const db = node.rt.services.db;
    const [row] = await db.select().from(caseCustody).limit(1);
    expect(row).toBeDefined();
    await expect(
      db
        .update(caseCustody)
        .set({ note: "rewritten" })
        .where(eq(caseCustody.id, row?.id ?? "")),
    ).rejects.toThrow();
    await expect(db.delete(caseCustody).where(eq(caseCustody.id, row?.id ?? ""))).rejects.toThrow();
    const [still] = await db
      .select()
      .from(caseCustody)
      .where(eq(caseCustody.id, row?.id ?? ""));
    expect(still?.note).toBe(row?.note);
  });

  it("a request drafted from a case starts from its subjects and identifiers and is listed on the case", async () => {
    const c = await open();
    await officer.req("POST", `/api/v1/cases/${c.id}/identifiers`, {
      identifier: { type: "domain", value: "invoice-example.com" },
    });
    const pre = await officer.req<{
      prefill: { offence: { category: string }; identifiers: { value: string }[] };
    }>("GET", `/api/v1/cases/${c.id}/request-prefill`);
    expect(pre.body.prefill.offence.category).toBe("email_web_fraud");
    expect(pre.body.prefill.identifiers.map((i) => i.value)).toEqual(["invoice-example.com"]);
    const form = { ...routineSubscriberForm(), identifiers: pre.body.prefill.identifiers };
    const r = await officer.req<{ request: { id: string; reference: string } }>(
      "POST",
      `/api/v1/cases/${c.id}/requests`,
      { form },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const after = await officer.req<One>("GET", `/api/v1/cases/${c.id}`);
    expect(after.body.case.requests.map((x) => x.id)).toEqual([r.body.request.id]);
    expect((await outsider.req("POST", `/api/v1/cases/${c.id}/requests`, { form })).status).toBe(404);
  });

  describe("sharing a summary on one node", () => {
    it("only a priority case's summary is shared; a peer that is not active is named", async () => {
      const c = await open(officer, { ...newCase, priority: false });
      const r = await officer.req<Err>("POST", `/api/v1/cases/${c.id}/shares`, {
        recipients: ["US-DOJ"],
        marking: { tlp: "AMBER" },
      });
      expect(r.status).toBe(409);
      const p = await open();
      const np = await officer.req<Err>("POST", `/api/v1/cases/${p.id}/shares`, {
        recipients: ["US-DOJ"],
        marking: { tlp: "AMBER" },
      });
      expect(np.status).toBe(400);
      expect(np.body.error.details.map((d) => d.field)).toEqual(["body.recipients.0"]);
      expect((await supervisor.req<One>("GET", `/api/v1/cases/${p.id}`)).body.case.shares).toEqual([]);
    });
  });
});
