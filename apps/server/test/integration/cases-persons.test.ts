import type { CaseDetail } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog, caseSubjects } from "../../src/db/schema/index.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { formNaming, type PersonBody, ZHANG } from "../support/persons-fixtures.js";

type One = { case: CaseDetail };
type Err = { error: { code: string; details: { field?: string; issue: string }[] } };
type Detail = { request: { id: string; subjectPersons: { personId: string }[] } };

const newCase = {
  title: { lang: "en", text: "Invoice fraud ring" },
  category: "email_web_fraud",
  priority: false,
};

/**
 * A case subject links to the node's person record through the persons port (issue 12, issue 11 point 1):
 * by the `personId` the officer names, only a person they may see (another unit's person is 404, nothing
 * saved), or by the names and date of birth; the person page lists the case.
 */
describeDb("case subjects link to person records through the persons port", () => {
  let node: TestNode;
  let officer: Agent;
  let outsider: Agent;
  let supervisor: Agent;
  let ownPerson: string;
  let otherUnitPerson: string;

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    const unitA = await node.unit("Cybercrime unit");
    const unitB = await node.unit("Economic crime unit");
    await node.user("cp.officer", ["case_officer"], unitA);
    await node.user("cp.supervisor", ["supervisor"], unitA);
    await node.user("cp.outsider", ["case_officer"], unitB);
    officer = await node.as("cp.officer");
    supervisor = await node.as("cp.supervisor");
    outsider = await node.as("cp.outsider");
    // A person of each unit, each named by a request of that unit.
    const mine = await officer.req<Detail>("POST", "/api/v1/requests", { form: formNaming([ZHANG]) });
    ownPerson = mine.body.request.subjectPersons[0]?.personId as string;
    const theirs = await outsider.req<Detail>("POST", "/api/v1/requests", {
      form: formNaming([
        { ...ZHANG, names: [{ original: "李文华", romanised: "Li Wenhua" }], dateOfBirth: "1979-02-03" },
      ]),
    });
    otherUnitPerson = theirs.body.request.subjectPersons[0]?.personId as string;
  }, 360_000);
  afterAll(() => node?.close());

  async function open() {
    const r = await officer.req<One>("POST", "/api/v1/cases", newCase);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.case;
  }
  const subject = (names: { original: string; romanised?: string }[], extra: object = {}) => ({
    kind: "person",
    role: "suspect",
    names,
    ...extra,
  });

  it("links the person the officer names when they may see it; the person page lists the case", async () => {
    const c = await open();
    const r = await officer.req<One>("POST", `/api/v1/cases/${c.id}/subjects`, {
      subject: subject(ZHANG.names, { dateOfBirth: ZHANG.dateOfBirth }),
      personId: ownPerson,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.case.subjects[0]?.personId).toBe(ownPerson);
    const page = await officer.req<PersonBody>("GET", `/api/v1/persons/${ownPerson}`);
    expect(page.body.person.links).toEqual(
      expect.arrayContaining([expect.objectContaining({ recordType: "case", recordId: c.id, ordinal: 0 })]),
    );
    const linked = await node.rt.services.db.select().from(auditLog).where(eq(auditLog.targetId, ownPerson));
    expect(linked.map((e) => e.action)).toContain("person.link");
  });

  it("another unit's person, or none, is 404 naming body.personId, and nothing is saved", async () => {
    const c = await open();
    for (const personId of [otherUnitPerson, "0190a4b2-0000-7000-8000-000000000000"]) {
      const r = await officer.req<Err>("POST", `/api/v1/cases/${c.id}/subjects`, {
        subject: subject([{ original: "李文华", romanised: "Li Wenhua" }]),
        personId,
      });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe("NOT_FOUND");
      expect(r.body.error.details.map((d) => d.field)).toEqual(["body.personId"]);
    }
    // The same answer whether the person exists elsewhere or not at all: nothing to tell them apart.
    const saved = await node.rt.services.db.select().from(caseSubjects).where(eq(caseSubjects.caseId, c.id));
    expect(saved).toEqual([]);
    const now = await officer.req<One>("GET", `/api/v1/cases/${c.id}`);
    expect(now.body.case.version).toBe(1);
    // The person of the other unit has not gained a link to this case.
    const theirPage = await outsider.req<PersonBody>("GET", `/api/v1/persons/${otherUnitPerson}`);
    expect(theirPage.body.person.links.map((l) => l.recordType)).toEqual(["request"]);
  });

  it("an organisation does not link to a person; a person subject without an id is found or created", async () => {
    const c = await open();
    const org = await officer.req<Err>("POST", `/api/v1/cases/${c.id}/subjects`, {
      subject: { kind: "organisation", role: "other", names: [{ original: "Example Trading Ltd" }] },
      personId: ownPerson,
    });
    expect(org.status).toBe(400);
    expect(org.body.error.details.map((d) => d.field)).toEqual(["body.personId"]);
    // The same main name and date of birth as the unit's person: the one record, found again.
    const found = await officer.req<One>("POST", `/api/v1/cases/${c.id}/subjects`, {
      subject: subject(ZHANG.names, { dateOfBirth: ZHANG.dateOfBirth }),
    });
    expect(found.body.case.subjects[0]?.personId).toBe(ownPerson);
    const created = await officer.req<One>("POST", `/api/v1/cases/${c.id}/subjects`, {
      subject: subject([{ original: "赵一鸣", romanised: "Zhao Yiming" }], { dateOfBirth: "1991-09-09" }),
    });
    const newPerson = created.body.case.subjects[1]?.personId as string;
    expect(newPerson).toMatch(/^[0-9a-f-]{36}$/);
    expect(newPerson).not.toBe(ownPerson);
    const page = await officer.req<PersonBody>("GET", `/api/v1/persons/${newPerson}`);
    expect(page.body.person.links).toEqual([
      expect.objectContaining({ recordType: "case", recordId: c.id, ordinal: 1 }),
    ]);
  });

  it("a restricted person cannot be linked to a new case subject (PERSON_RESTRICTED naming body.personId)", async () => {
    const c = await open();
    const restrict = await supervisor.req("POST", `/api/v1/persons/${ownPerson}/restriction`, {
      restricted: true,
      reason: "The person disputes the record",
    });
    expect(restrict.status, JSON.stringify(restrict.body)).toBe(200);
    try {
      const r = await officer.req<Err>("POST", `/api/v1/cases/${c.id}/subjects`, {
        subject: subject(ZHANG.names, { dateOfBirth: ZHANG.dateOfBirth }),
        personId: ownPerson,
      });
      expect(r.body.error.code).toBe("PERSON_RESTRICTED");
      expect(r.body.error.details.map((d) => d.field)).toEqual(["body.personId"]);
      const saved = await node.rt.services.db
        .select()
        .from(caseSubjects)
        .where(eq(caseSubjects.caseId, c.id));
      expect(saved).toEqual([]);
    } finally {
      await supervisor.req("POST", `/api/v1/persons/${ownPerson}/restriction`, { restricted: false });
    }
  });
});
