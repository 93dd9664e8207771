import type { CaseDetail, FugitiveDetail, RepatriationCaseView } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog, personMerges, persons } from "../../src/db/schema/index.js";
import { fugitiveNamed } from "../support/fugitives-fixtures.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { formNaming, type PersonBody } from "../support/persons-fixtures.js";

type Err = { error: { code: string; details: { field?: string; issue: string }[] } };
type Detail = { request: { id: string; subjectPersons: { personId: string }[] } };
type Access = { items: { recordType: string; recordId: string; personId: string | null }[] };

/**
 * Issue 11: two person records found to be the same person are merged into one. The record removed here was
 * made by a fugitive record (main name in Chinese, a date of birth) and is named by a case subject and a
 * repatriation case too; the one kept was made by a request (the romanised name, no date of birth). After the
 * merge every one of those records names the kept person (re-pointed by its own module), the removed record
 * is on record with its identifiers, its access-log rows show on the kept person, and the merge is audited.
 */
describeDb("merging two person records of the same person", () => {
  let node: TestNode;
  let fugitives: Agent;
  let officer: Agent;
  let auditor: Agent;
  let outsider: Agent;
  let removed: string;
  let kept: string;
  let fugitive: FugitiveDetail;
  let caseId: string;
  let repatriation: RepatriationCaseView;
  let requestId: string;

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    const unit = await node.unit("Fugitives unit");
    const other = await node.unit("Other unit");
    await node.user("pm.fugitives", ["fugitive_asset"], unit);
    await node.user("pm.officer", ["case_officer"], unit);
    await node.user("pm.auditor", ["auditor"], unit);
    await node.user("pm.outsider", ["case_officer"], other);
    fugitives = await node.as("pm.fugitives");
    officer = await node.as("pm.officer");
    auditor = await node.as("pm.auditor");
    outsider = await node.as("pm.outsider");

    const f = await fugitives.req<{ fugitive: FugitiveDetail }>(
      "POST",
      "/api/v1/fugitives",
      fugitiveNamed("王建华", { dateOfBirth: "1975-05-05", nationalities: ["CN"] }),
    );
    expect(f.status, JSON.stringify(f.body)).toBe(201);
    fugitive = f.body.fugitive;
    removed = fugitive.personId;
    const r = await fugitives.req<{ case: RepatriationCaseView }>("POST", "/api/v1/repatriation/cases", {
      person: {
        names: [{ original: "王建华", romanised: "Wang Jianhua" }],
        dateOfBirth: "1975-05-05",
        nationality: "CN",
      },
      legalBasis: { instrument: "uncac", article: "Art. 44" },
      requestedAt: "2026-11-02T08:00:00Z",
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    repatriation = r.body.case;
    expect(repatriation.personId).toBe(removed);
    const c = await officer.req<{ case: CaseDetail }>("POST", "/api/v1/cases", {
      title: { lang: "en", text: "Embezzlement abroad" },
      category: "money_laundering",
      priority: false,
    });
    caseId = c.body.case.id;
    const s = await officer.req<{ case: CaseDetail }>("POST", `/api/v1/cases/${caseId}/subjects`, {
      subject: {
        kind: "person",
        role: "suspect",
        names: [{ original: "王建华", romanised: "Wang Jianhua" }],
        dateOfBirth: "1975-05-05",
      },
      personId: removed,
    });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    const q = await officer.req<Detail>("POST", "/api/v1/requests", {
      form: formNaming([{ kind: "person", role: "suspect", names: [{ original: "Wang Jianhua" }] }]),
    });
    requestId = q.body.request.id;
    kept = q.body.request.subjectPersons[0]?.personId as string;
    // A read of the record to be removed, logged under its id.
    expect((await officer.req("GET", `/api/v1/persons/${removed}`)).status).toBe(200);
  }, 360_000);
  afterAll(() => node?.close());

  const version = async (id: string) =>
    (await officer.req<PersonBody>("GET", `/api/v1/persons/${id}`)).body.person.version;

  it("refuses a merge with itself, with another unit's person or at a stale version; nothing changes", async () => {
    const v = await version(kept);
    const self = await officer.req<Err>("POST", `/api/v1/persons/${kept}/merge`, {
      version: v,
      otherId: kept,
      otherVersion: v,
      reason: "same",
    });
    expect(self.status).toBe(400);
    expect(self.body.error.details.map((d) => d.field)).toEqual(["body.otherId"]);
    const theirs = await outsider.req<Detail>("POST", "/api/v1/requests", {
      form: formNaming([{ kind: "person", role: "suspect", names: [{ original: "Wang Jianhua" }] }]),
    });
    const foreign = await officer.req<Err>("POST", `/api/v1/persons/${kept}/merge`, {
      version: v,
      otherId: theirs.body.request.subjectPersons[0]?.personId,
      otherVersion: 1,
      reason: "same",
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.details.map((d) => d.field)).toEqual(["body.otherId"]);
    const stale = await officer.req<Err>("POST", `/api/v1/persons/${kept}/merge`, {
      version: v + 5,
      otherId: removed,
      otherVersion: await version(removed),
      reason: "same",
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.map((d) => d.field)).toEqual(["body.version"]);
    expect(await version(kept)).toBe(v);
    const still = await node.rt.services.db.select().from(persons).where(eq(persons.id, removed));
    expect(still).toHaveLength(1);
  });

  it("merges: every record names the kept person, the removed one is on record, its reads are kept", async () => {
    const before = await officer.req<PersonBody>("GET", `/api/v1/persons/${removed}`);
    const r = await officer.req<PersonBody>("POST", `/api/v1/persons/${kept}/merge`, {
      version: await version(kept),
      otherId: removed,
      otherVersion: before.body.person.version,
      reason: "Passport photographs compared: the same man",
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const p = r.body.person;
    expect(p.names).toEqual([{ original: "Wang Jianhua" }]);
    expect(p.aliases.map((n) => n.original)).toContain("王建华");
    expect(p.dateOfBirth).toBe("1975-05-05");
    expect(p.links.map((l) => `${l.recordType}:${l.recordId}`).sort()).toEqual(
      [
        `case:${caseId}`,
        `fugitive:${fugitive.id}`,
        `repatriation:${repatriation.id}`,
        `request:${requestId}`,
      ].sort(),
    );
    expect((await officer.req("GET", `/api/v1/persons/${removed}`)).status).toBe(404);

    // Each module re-pointed its own reference.
    const f = await fugitives.req<{ fugitive: FugitiveDetail }>("GET", `/api/v1/fugitives/${fugitive.id}`);
    expect(f.body.fugitive.personId).toBe(kept);
    const rc = await fugitives.req<{ case: RepatriationCaseView }>(
      "GET",
      `/api/v1/repatriation/cases/${repatriation.id}`,
    );
    expect(rc.body.case.personId).toBe(kept);
    const c = await officer.req<{ case: CaseDetail }>("GET", `/api/v1/cases/${caseId}`);
    expect(c.body.case.subjects.map((s) => s.personId)).toEqual([kept]);

    // The removed record as it was, with the links that moved.
    const [m] = await node.rt.services.db
      .select()
      .from(personMerges)
      .where(eq(personMerges.removedId, removed));
    expect(m).toMatchObject({ intoId: kept, reason: "Passport photographs compared: the same man" });
    expect(m?.removed).toMatchObject({
      id: removed,
      names: before.body.person.names,
      dateOfBirth: "1975-05-05",
    });
    expect(m?.links.map((l) => l.recordType).sort()).toEqual(["case", "fugitive", "repatriation"]);
    const [audit] = await node.rt.services.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, "person.merge"));
    expect(audit).toMatchObject({ targetId: kept, details: { removedId: removed, links: 3 } });

    // The reads of the removed record show on the kept person's access view (auditors).
    const access = await auditor.req<Access>("GET", `/api/v1/persons/${kept}/access?limit=100`);
    expect(access.body.items.some((e) => e.recordType === "person" && e.recordId === removed)).toBe(true);
  });
});
