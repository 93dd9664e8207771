import type { FugitiveDetail, RequestDetail } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog, requests } from "../../src/db/schema/index.js";
import { completeFromPrefill, fugitiveNamed, PNG_1X1, ZHANG } from "../support/fugitives-fixtures.js";
import { type Agent, describeDb } from "../support/node.js";
import { type ApiError, act, type TwoNodes, twoNodes } from "../support/requests-fixtures.js";

type One = { fugitive: FugitiveDetail };
type Prefill = {
  prefill: { fugitiveId: string; form: Record<string, unknown> & { details: Record<string, unknown> } };
};

/**
 * Requests started from a fugitive's record (issue 13 point 4): the form prefilled from the record, the request
 * and the record linked both ways (through the requests port), and the record's timeline following the request's
 * life across two nodes (in-process hub): drafted, sent, delivered, acknowledged, answered, closed.
 */
describeDb("fugitives: requests started from a record", () => {
  let t: TwoNodes;
  let officer: Agent;
  let supervisor: Agent;
  let outsider: Agent;
  let duty: Agent;

  beforeAll(async () => {
    t = await twoNodes();
    const other = await t.cn.unit("Economic crime unit");
    await t.cn.user("fr.officer", ["fugitive_asset"], t.cnUnit);
    await t.cn.user("fr.supervisor", ["supervisor"], t.cnUnit);
    await t.cn.user("fr.outsider", ["fugitive_asset"], other);
    await t.us.user("fr.duty", ["duty_officer"]);
    officer = await t.cn.as("fr.officer");
    supervisor = await t.cn.as("fr.supervisor");
    outsider = await t.cn.as("fr.outsider");
    duty = await t.us.as("fr.duty");
  }, 360_000);
  afterAll(() => t?.close());

  async function create(body: object) {
    const r = await officer.req<One>("POST", "/api/v1/fugitives", body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.fugitive;
  }
  const prefill = async (id: string, type: string) => {
    const r = await officer.req<Prefill>("GET", `/api/v1/fugitives/${id}/request-prefill?type=${type}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.prefill.form;
  };

  it("prefills each kind of request with the subject, documents, warrant, charges and whereabouts", async () => {
    const f = await create({ ...ZHANG, nationalities: ["CN", "CA"] });
    const subject = {
      kind: "person",
      role: "suspect",
      names: [
        { original: "张伟明", romanised: "Zhang Weiming" },
        { original: "Wei-Ming Chang", romanised: "Wei-Ming Chang" },
      ],
      dateOfBirth: "1968-03",
      nationality: "CN",
      notes: { lang: "en", text: `Nationalities: CN, CA (${f.reference})` },
    };
    const warrant = {
      issuedBy: "Example City Public Security Bureau",
      date: "2015-01-15",
      reference: "W-2015-001",
    };
    const charges = [
      { description: { lang: "en", text: "Embezzlement" }, provisions: "Criminal Law of the PRC, Art. 382" },
    ];
    const extradition = await prefill(f.id, "extradition");
    expect(extradition).toEqual({
      type: "extradition",
      subjects: [subject],
      offence: { provisions: "Criminal Law of the PRC, Art. 382" },
      details: { subjectIndex: 0, warrant, charges },
    });
    expect((await prefill(f.id, "provisional_arrest")).details).toEqual({
      subjectIndex: 0,
      warrant,
      charges,
      whereabouts: { lang: "en", text: "California, US (since 2015)" },
      extraditionToFollow: true,
    });
    expect((await prefill(f.id, "fugitive_locate")).details).toMatchObject({
      noticeReference: "INTERPOL red: A-0001/1-2015",
      suspectedWhereabouts: { lang: "en", text: "California, US (since 2015)" },
    });
    expect((await prefill(f.id, "deportation")).details).toMatchObject({ subjectIndex: 0, warrant });
    // The identity check takes the documents, and says whether the record has a photo.
    await officer.req("POST", `/api/v1/fugitives/${f.id}/photos`, { name: "z.png", contentBase64: PNG_1X1 });
    expect((await prefill(f.id, "repatriation_identity_check")).details).toEqual({
      subjectIndex: 0,
      documents: [{ kind: "passport", number: "E00000001", issuingCountry: "CN" }],
      fingerprintsAvailable: false,
      photoAvailable: true,
      travelDocumentRequested: true,
    });
    // Only the kinds that start from a person.
    const bad = await officer.req<ApiError>(
      "GET",
      `/api/v1/fugitives/${f.id}/request-prefill?type=asset_tracing`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]?.field).toBe("querystring.type");
  });

  it("drafts the request from the record: each names the other, in one transaction, audited", async () => {
    const f = await create(ZHANG);
    const form = completeFromPrefill(await prefill(f.id, "extradition"));
    const r = await officer.req<{ request: RequestDetail }>("POST", `/api/v1/fugitives/${f.id}/requests`, {
      peerId: "US-DOJ",
      form,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const request = r.body.request;
    expect(request).toMatchObject({
      type: "extradition",
      status: "draft",
      origin: { type: "fugitive", id: f.id },
    });
    // The request's subject is the record's person (the persons module matched the same name and birth).
    expect(request.subjectPersons[0]?.personId).toBe(f.personId);
    const again = await officer.req<{ request: RequestDetail }>("GET", `/api/v1/requests/${request.id}`);
    expect(again.body.request.origin).toEqual({ type: "fugitive", id: f.id });

    const after = (await officer.req<One>("GET", `/api/v1/fugitives/${f.id}`)).body.fugitive;
    expect(after.version).toBe(2);
    expect(after.fields.requestIds).toEqual([request.id]);
    expect(after.requests).toEqual([
      {
        id: request.id,
        reference: request.reference,
        type: "extradition",
        status: "draft",
        peerId: "US-DOJ",
      },
    ]);
    expect(after.timeline.filter((x) => x.kind === "request").map((x) => x.request?.event)).toEqual([
      "create",
    ]);
    const audits = await t.cn.rt.services.db.select().from(auditLog).where(eq(auditLog.targetId, f.id));
    expect(audits.map((a) => a.action)).toContain("fugitive.request");
  });

  it("refuses what does not fit, naming the field, and saves nothing", async () => {
    const f = await create(fugitiveNamed("邓海涛", { flightDate: "2014-06" }));
    const count = async () => (await t.cn.rt.services.db.select().from(requests)).length;
    const before = await count();
    const form = completeFromPrefill({
      type: "general_information",
      details: { question: { lang: "en", text: "Where is he?" } },
    });
    const wrongKind = await officer.req<ApiError>("POST", `/api/v1/fugitives/${f.id}/requests`, { form });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.error.details[0]?.field).toBe("body.form.type");
    // An extradition needs a warrant and charges the record did not give: the requests module names them.
    const incomplete = await officer.req<ApiError>("POST", `/api/v1/fugitives/${f.id}/requests`, {
      form: completeFromPrefill(await prefill(f.id, "extradition")),
    });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.error.details.map((d) => d.field)).toEqual(
      expect.arrayContaining(["body.form.details.warrant", "body.form.details.charges"]),
    );
    // Another unit's record does not exist for the caller.
    const locate = completeFromPrefill(await prefill(f.id, "fugitive_locate"));
    expect((await outsider.req("POST", `/api/v1/fugitives/${f.id}/requests`, { form: locate })).status).toBe(
      404,
    );
    expect(
      (await outsider.req("GET", `/api/v1/fugitives/${f.id}/request-prefill?type=extradition`)).status,
    ).toBe(404);
    expect(await count()).toBe(before);
    expect((await officer.req<One>("GET", `/api/v1/fugitives/${f.id}`)).body.fugitive).toMatchObject({
      version: 1,
      requests: [],
    });
  });

  it("follows the request's life in the record's timeline: sent, acknowledged, answered, closed", async () => {
    const f = await create(
      fugitiveNamed("谢明远", { flightDate: "2014-06", whereabouts: [{ country: "US" }] }),
    );
    const form = completeFromPrefill(await prefill(f.id, "fugitive_locate"));
    const d = (
      await officer.req<{ request: RequestDetail }>("POST", `/api/v1/fugitives/${f.id}/requests`, {
        peerId: "US-DOJ",
        form,
      })
    ).body.request;
    expect((await act(officer, d.id, { event: "submit_for_approval" })).status).toBe(200);
    expect((await act(supervisor, d.id, { event: "approve" })).status).toBe(200);
    await t.hub.flush();
    expect((await act(duty, d.id, { event: "acknowledge" })).status).toBe(200);
    const answered = await act(duty, d.id, {
      event: "answer",
      answer: { outcome: "fulfilled", summary: { lang: "en", text: "Located in Los Angeles (fictitious)." } },
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    await t.hub.flush();
    expect((await act(officer, d.id, { event: "close" })).status).toBe(200);

    const rec = (await officer.req<One>("GET", `/api/v1/fugitives/${f.id}`)).body.fugitive;
    const life = rec.timeline.filter((x) => x.kind === "request").map((x) => x.request?.event);
    expect(life).toEqual(
      expect.arrayContaining(["create", "submit_for_approval", "approve", "acknowledge", "answer", "close"]),
    );
    expect(life.indexOf("create")).toBeLessThan(life.indexOf("answer"));
    expect(life.indexOf("answer")).toBeLessThan(life.indexOf("close"));
    expect(rec.requests[0]).toMatchObject({ id: d.id, status: "closed" });
    // Another unit's officer sees neither the record nor, through it, the request.
    expect((await outsider.req("GET", `/api/v1/fugitives/${f.id}`)).status).toBe(404);
  });
});
