import type { PersonLinkedRequest, RequestDetail } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { accessLog, auditLog, persons, requests } from "../../src/db/schema/index.js";
import { completeFromPrefill } from "../support/fugitives-fixtures.js";
import { type Agent, describeDb } from "../support/node.js";
import { formNaming, type PersonBody } from "../support/persons-fixtures.js";
import { type ApiError, act, type TwoNodes, twoNodes } from "../support/requests-fixtures.js";

type Prefill = {
  prefill: { personId: string; form: Record<string, unknown> & { details: Record<string, unknown> } };
};
type Linked = { items: PersonLinkedRequest[] };
type Draft = { request: RequestDetail };

/**
 * Requests started from a person record (issue 13 point 4), as from a fugitive's: the form prefilled from the
 * record (lib/request-prefill.ts, shared with fugitives), the request naming the person as its origin and its
 * first subject linked to that very person (even without a date of birth to match on), and the person's
 * requests following each one's life across two nodes.
 */
describeDb("persons: requests started from a person record", () => {
  let t: TwoNodes;
  let officer: Agent;
  let supervisor: Agent;
  let outsider: Agent;
  let auditor: Agent;
  let duty: Agent;
  let n = 0;

  beforeAll(async () => {
    t = await twoNodes();
    const other = await t.cn.unit("Economic crime unit");
    await t.cn.user("pr.officer", ["case_officer"], t.cnUnit);
    await t.cn.user("pr.supervisor", ["supervisor"], t.cnUnit);
    await t.cn.user("pr.outsider", ["case_officer"], other);
    await t.cn.user("pr.auditor", ["auditor"]);
    await t.us.user("pr.duty", ["duty_officer"]);
    officer = await t.cn.as("pr.officer");
    supervisor = await t.cn.as("pr.supervisor");
    outsider = await t.cn.as("pr.outsider");
    auditor = await t.cn.as("pr.auditor");
    duty = await t.us.as("pr.duty");
  }, 360_000);
  afterAll(() => t?.close());

  /** A person of the officer's unit: the subject of a draft (without a date of birth: a new record each time). */
  async function personOf(subject: Record<string, unknown> = {}): Promise<string> {
    const r = await officer.req<Draft>("POST", "/api/v1/requests", {
      form: formNaming([
        { kind: "person", role: "witness", names: [{ original: `Person Example ${++n}` }], ...subject },
      ]),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.request.subjectPersons[0]?.personId ?? "";
  }
  const prefill = async (id: string, type: string) => {
    const r = await officer.req<Prefill>("GET", `/api/v1/persons/${id}/request-prefill?type=${type}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.prefill.form;
  };
  const personCount = async () => (await t.cn.rt.services.db.select().from(persons)).length;
  const requestCount = async () => (await t.cn.rt.services.db.select().from(requests)).length;

  it("prefills each kind of request with the person's names, birth, nationalities and documents", async () => {
    const id = await personOf({ dateOfBirth: "1971-05-02", nationality: "CN" });
    const p = (await officer.req<PersonBody>("GET", `/api/v1/persons/${id}`)).body.person;
    const fixed = await officer.req("POST", `/api/v1/persons/${id}/rectify`, {
      version: p.version,
      reason: "passport seen",
      fields: {
        names: [{ original: "王建国", romanised: "Wang Jianguo" }],
        aliases: [{ original: "Jack Wang" }],
        dateOfBirth: "1971-05-02",
        nationalities: ["CN", "CA"],
        documents: [{ kind: "passport", number: "E00000777", issuingCountry: "CN" }],
      },
    });
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(200);
    const subject = {
      kind: "person",
      role: "suspect",
      names: [{ original: "王建国", romanised: "Wang Jianguo" }, { original: "Jack Wang" }],
      dateOfBirth: "1971-05-02",
      nationality: "CN",
      notes: { lang: "en", text: "Nationalities: CN, CA" },
    };
    expect(await prefill(id, "repatriation_identity_check")).toEqual({
      type: "repatriation_identity_check",
      subjects: [subject],
      details: {
        subjectIndex: 0,
        documents: [{ kind: "passport", number: "E00000777", issuingCountry: "CN" }],
        fingerprintsAvailable: false,
        photoAvailable: false,
        travelDocumentRequested: true,
      },
    });
    // A person record holds no warrant or charges: the officer adds them.
    expect(await prefill(id, "extradition")).toEqual({
      type: "extradition",
      subjects: [subject],
      details: { subjectIndex: 0, charges: [] },
    });
    expect((await prefill(id, "fugitive_locate")).details).toEqual({
      subjectIndex: 0,
      onLocation: "inform_only",
    });
    // The prefill reads the person: logged (behind the read: this process's queue is written first).
    await t.cn.rt.services.accessLog.flush();
    const reads = await t.cn.rt.services.db.select().from(accessLog).where(eq(accessLog.recordId, id));
    expect(reads.length).toBeGreaterThan(0);
    // Only the kinds that start from a person.
    const bad = await officer.req<ApiError>(
      "GET",
      `/api/v1/persons/${id}/request-prefill?type=asset_tracing`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]?.field).toBe("querystring.type");
  });

  it("drafts the request from the person: the request names the record, its subject is that person", async () => {
    const id = await personOf();
    const people = await personCount();
    const form = completeFromPrefill(await prefill(id, "fugitive_locate"));
    const r = await officer.req<Draft>("POST", `/api/v1/persons/${id}/requests`, { peerId: "US-DOJ", form });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const request = r.body.request;
    expect(request).toMatchObject({
      type: "fugitive_locate",
      status: "draft",
      origin: { type: "person", id },
    });
    // No date of birth to match on, yet the subject is this person, not a new record.
    expect(request.subjectPersons[0]?.personId).toBe(id);
    expect(await personCount()).toBe(people);
    // Editing the draft keeps the subject on the person.
    const edited = await officer.req<Draft>("PUT", `/api/v1/requests/${request.id}`, {
      peerId: "US-DOJ",
      version: request.version,
      form: { ...form, facts: { lang: "en", text: "Seen at the border (fictitious)." } },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.request.subjectPersons[0]?.personId).toBe(id);
    expect(await personCount()).toBe(people);

    // The person lists the request (its link) and its life.
    const person = (await officer.req<PersonBody>("GET", `/api/v1/persons/${id}`)).body.person;
    expect(person.links).toContainEqual(
      expect.objectContaining({ recordType: "request", recordId: request.id, ordinal: 0 }),
    );
    const linked = await officer.req<Linked>("GET", `/api/v1/persons/${id}/requests`);
    expect(linked.status).toBe(200);
    const mine = linked.body.items.find((x) => x.id === request.id);
    expect(mine).toMatchObject({
      reference: request.reference,
      type: "fugitive_locate",
      status: "draft",
      peerId: "US-DOJ",
      ordinal: 0,
      fromRecord: true,
    });
    expect(mine?.events.map((e) => e.event)).toEqual(["create"]);
    // The request that first named the person is listed too, not drafted from the record.
    expect(linked.body.items.filter((x) => !x.fromRecord)).toHaveLength(1);
    const audits = await t.cn.rt.services.db.select().from(auditLog).where(eq(auditLog.targetId, request.id));
    expect(audits.find((a) => a.action === "request.create")?.details).toMatchObject({
      origin: { type: "person", id },
    });
    // Each request listed is in the access log.
    await t.cn.rt.services.accessLog.flush();
    const listed = await t.cn.rt.services.db
      .select()
      .from(accessLog)
      .where(eq(accessLog.recordId, request.id));
    expect(listed.some((x) => x.action === "list" && x.personId === id)).toBe(true);
  });

  it("refuses what does not fit, naming the field, and saves nothing", async () => {
    const id = await personOf();
    const before = await requestCount();
    const locate = completeFromPrefill(await prefill(id, "fugitive_locate"));
    const wrongKind = await officer.req<ApiError>("POST", `/api/v1/persons/${id}/requests`, {
      form: completeFromPrefill({
        type: "general_information",
        details: { question: { lang: "en", text: "Where is she?" } },
      }),
    });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.error.details[0]?.field).toBe("body.form.type");
    // An extradition needs a warrant and charges a person record does not hold: the requests module names them.
    const incomplete = await officer.req<ApiError>("POST", `/api/v1/persons/${id}/requests`, {
      form: completeFromPrefill(await prefill(id, "extradition")),
    });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.error.details.map((d) => d.field)).toEqual(
      expect.arrayContaining(["body.form.details.warrant", "body.form.details.charges"]),
    );
    // Another unit's person does not exist for the caller.
    expect((await outsider.req("POST", `/api/v1/persons/${id}/requests`, { form: locate })).status).toBe(404);
    expect((await outsider.req("GET", `/api/v1/persons/${id}/request-prefill?type=deportation`)).status).toBe(
      404,
    );
    expect((await outsider.req("GET", `/api/v1/persons/${id}/requests`)).status).toBe(404);
    // Auditors see every person but draft nothing.
    expect((await auditor.req("POST", `/api/v1/persons/${id}/requests`, { form: locate })).status).toBe(403);
    // A restricted person: no new request.
    const restricted = await supervisor.req("POST", `/api/v1/persons/${id}/restriction`, {
      restricted: true,
      reason: "the person disputes the record",
    });
    expect(restricted.status, JSON.stringify(restricted.body)).toBe(200);
    const refused = await officer.req<ApiError>("POST", `/api/v1/persons/${id}/requests`, { form: locate });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("PERSON_RESTRICTED");
    expect(await requestCount()).toBe(before);
  });

  it("follows the request's life on the person: sent, acknowledged, answered, closed", async () => {
    const id = await personOf();
    const form = completeFromPrefill(await prefill(id, "fugitive_locate"));
    const d = (await officer.req<Draft>("POST", `/api/v1/persons/${id}/requests`, { peerId: "US-DOJ", form }))
      .body.request;
    expect((await act(officer, d.id, { event: "submit_for_approval" })).status).toBe(200);
    expect((await act(supervisor, d.id, { event: "approve" })).status).toBe(200);
    await t.hub.flush();
    expect((await act(duty, d.id, { event: "acknowledge" })).status).toBe(200);
    const answered = await act(duty, d.id, {
      event: "answer",
      answer: { outcome: "fulfilled", summary: { lang: "en", text: "Located in Boston (fictitious)." } },
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    await t.hub.flush();
    expect((await act(officer, d.id, { event: "close" })).status).toBe(200);

    const items = (await officer.req<Linked>("GET", `/api/v1/persons/${id}/requests`)).body.items;
    const mine = items.find((x) => x.id === d.id);
    expect(mine?.status).toBe("closed");
    const life = mine?.events.map((e) => e.event) ?? [];
    expect(life).toEqual(
      expect.arrayContaining(["create", "submit_for_approval", "approve", "acknowledge", "answer", "close"]),
    );
    expect(life.indexOf("create")).toBeLessThan(life.indexOf("answer"));
    expect(life.indexOf("answer")).toBeLessThan(life.indexOf("close"));
  });
});
