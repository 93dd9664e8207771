import type { AssetDetail, FugitiveDetail, PersonView } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { UNCAC, ZHANG } from "../support/fugitives-fixtures.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";

type Err = { error: { code: string; details: { field?: string; issue: string }[] } };

/**
 * In a change (PATCH of a fugitive or an asset, rectification of a person), a field left out keeps the
 * record's value, an empty list `[]` clears a list, and `null` clears a field the record may be without.
 */
describeDb("changes: an absent list is unchanged, an empty list clears it", () => {
  let node: TestNode;
  let officer: Agent;
  let caseOfficer: Agent;

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    const unit = await node.unit("Fugitive unit");
    await node.user("l.officer", ["fugitive_asset"], unit);
    await node.user("l.case", ["case_officer"], unit);
    officer = await node.as("l.officer");
    caseOfficer = await node.as("l.case");
  }, 360_000);
  afterAll(() => node?.close());

  async function fugitive(main = "张伟明"): Promise<FugitiveDetail> {
    const body = { ...ZHANG, names: [{ original: main }] };
    const r = await officer.req<{ fugitive: FugitiveDetail }>("POST", "/api/v1/fugitives", body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.fugitive;
  }

  it("fugitive: a PATCH leaving out the lists keeps them; [] clears the one it names", async () => {
    const f = await fugitive();
    const kept = await officer.req<{ fugitive: FugitiveDetail }>("PATCH", `/api/v1/fugitives/${f.id}`, {
      version: 1,
      fields: { names: ZHANG.names, sex: "male", dateOfBirth: "1968-03", formerPosition: "Director" },
    });
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    expect(kept.body.fugitive.fields).toMatchObject({
      formerPosition: "Director",
      aliases: [{ original: "Wei-Ming Chang" }],
      nationalities: ["CN"],
      documents: [{ number: "E00000001" }],
      charges: [{ article: "Art. 382" }],
      warrants: [{ number: "W-2015-001" }],
      notices: [{ reference: "A-0001/1-2015" }],
      whereabouts: [{ country: "US" }],
    });
    // Names may be left out too: the record keeps them.
    const cleared = await officer.req<{ fugitive: FugitiveDetail }>("PATCH", `/api/v1/fugitives/${f.id}`, {
      version: 2,
      fields: { aliases: [], nationalities: [], documents: [], charges: [], warrants: [] },
    });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    const fields = cleared.body.fugitive.fields;
    expect(fields).toMatchObject({
      names: [{ original: "张伟明" }],
      aliases: [],
      nationalities: [],
      documents: [],
      charges: [],
      warrants: [],
      notices: [{ reference: "A-0001/1-2015" }],
      whereabouts: [{ country: "US" }],
    });
    // Names cannot be cleared: a record has a name.
    const noName = await officer.req<Err>("PATCH", `/api/v1/fugitives/${f.id}`, {
      version: 3,
      fields: { names: [] },
    });
    expect(noName.status).toBe(400);
    expect(noName.body.error.details[0]?.field).toBe("body.fields.names");
  });

  it("fugitive: a PATCH leaving out the other fields keeps them; null clears the one it names", async () => {
    const f = await fugitive("陈国栋");
    const one = await officer.req<{ fugitive: FugitiveDetail }>("PATCH", `/api/v1/fugitives/${f.id}`, {
      version: 1,
      fields: { formerPosition: "Director" },
    });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    expect(one.body.fugitive.fields).toMatchObject({
      names: [{ original: "陈国栋", romanised: "Chen Guodong" }],
      sex: "male",
      dateOfBirth: "1968-03",
      formerPosition: "Director",
      formerEmployer: "Example Provincial Construction Bureau (fictitious)",
      flightDate: "2014-11-02",
      flightRoute: "Shanghai → Hong Kong → Los Angeles",
      charges: [{ article: "Art. 382" }],
    });
    // Clearing: null drops the field; the rest stays.
    const cleared = await officer.req<{ fugitive: FugitiveDetail }>("PATCH", `/api/v1/fugitives/${f.id}`, {
      version: 2,
      fields: { flightRoute: null, formerEmployer: null, sex: null },
    });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    const fields = cleared.body.fugitive.fields as Record<string, unknown>;
    expect(fields.flightRoute).toBeUndefined();
    expect(fields.formerEmployer).toBeUndefined();
    expect(fields.sex).toBeUndefined();
    expect(fields).toMatchObject({
      formerPosition: "Director",
      dateOfBirth: "1968-03",
      flightDate: "2014-11-02",
    });
    // The version kept says so too.
    const h = await officer.req<{ items: { version: number; fields: Record<string, unknown> }[] }>(
      "GET",
      `/api/v1/fugitives/${f.id}/history`,
    );
    expect(h.body.items.find((v) => v.version === 3)?.fields.flightRoute).toBeUndefined();
    // The rules apply to the merged record: a flight left as it is, a birth moved after it, is refused.
    const late = await officer.req<Err>("PATCH", `/api/v1/fugitives/${f.id}`, {
      version: 3,
      fields: { dateOfBirth: "2015" },
    });
    expect(late.status).toBe(400);
    expect(late.body.error.details.map((d) => d.field)).toContain("body.fields.flightDate");
    // A name cannot be null, nor a list.
    for (const bad of [{ names: null }, { charges: null }]) {
      const r = await officer.req<Err>("PATCH", `/api/v1/fugitives/${f.id}`, { version: 3, fields: bad });
      expect(r.status, JSON.stringify(bad)).toBe(400);
    }
    const after = await officer.req<{ fugitive: FugitiveDetail }>("GET", `/api/v1/fugitives/${f.id}`);
    expect(after.body.fugitive.version).toBe(3);
  });

  it("asset: a link list left out keeps the links; [] clears it, but not both", async () => {
    const f = await fugitive();
    const body = {
      kind: "bank_account",
      description: { lang: "en", text: "Savings account at Example Bank (fictitious)" },
      jurisdiction: "US",
      currency: "USD",
      value: "100",
    };
    const made = await officer.req<{ asset: AssetDetail }>("POST", "/api/v1/assets", {
      ...body,
      fugitiveIds: [f.id],
      identifiedOn: "2015-03-01",
      identifiedBy: "Example City Public Security Bureau",
      legalBasis: UNCAC,
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const a = made.body.asset;
    const kept = await officer.req<{ asset: AssetDetail }>("PATCH", `/api/v1/assets/${a.id}`, {
      version: 1,
      fields: { ...body, value: "120" },
    });
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    expect(kept.body.asset.fugitiveIds).toEqual([f.id]);
    expect(kept.body.asset.value?.amount).toBe("120.00");
    // Clearing the only link list is refused, naming the field; nothing changes.
    const none = await officer.req<Err>("PATCH", `/api/v1/assets/${a.id}`, {
      version: 2,
      fields: { ...body, fugitiveIds: [] },
    });
    expect(none.status).toBe(400);
    expect(none.body.error.details[0]?.field).toBe("body.fields.fugitiveIds");
    const after = await officer.req<{ asset: AssetDetail }>("GET", `/api/v1/assets/${a.id}`);
    expect(after.body.asset).toMatchObject({ version: 2, fugitiveIds: [f.id] });
    // With a case linked, [] clears the fugitive links.
    const c = await caseOfficer.req<{ case: { id: string } }>("POST", "/api/v1/cases", {
      title: { lang: "en", text: "Example embezzlement case (fictitious)" },
      category: "corruption",
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    const relinked = await officer.req<{ asset: AssetDetail }>("PATCH", `/api/v1/assets/${a.id}`, {
      version: 2,
      fields: { ...body, fugitiveIds: [], caseIds: [c.body.case.id] },
    });
    expect(relinked.status, JSON.stringify(relinked.body)).toBe(200);
    expect(relinked.body.asset).toMatchObject({ fugitiveIds: [], caseIds: [c.body.case.id] });
  });

  it("asset: a PATCH leaving out the other fields keeps them; null clears the one it names", async () => {
    const f = await fugitive("黄志强");
    const made = await officer.req<{ asset: AssetDetail }>("POST", "/api/v1/assets", {
      kind: "real_estate",
      description: { lang: "en", text: "House at 1 Example Road (fictitious)" },
      location: "Vancouver",
      jurisdiction: "CA",
      holder: { name: "Example Holdings Ltd", kind: "company" },
      currency: "USD",
      value: "850000.50",
      fugitiveIds: [f.id],
      identifiedOn: "2015-03-01",
      identifiedBy: "Example City Public Security Bureau",
      legalBasis: UNCAC,
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const a = made.body.asset;
    const one = await officer.req<{ asset: AssetDetail }>("PATCH", `/api/v1/assets/${a.id}`, {
      version: 1,
      fields: { location: "Richmond, British Columbia" },
    });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    expect(one.body.asset).toMatchObject({
      version: 2,
      kind: "real_estate",
      description: { text: "House at 1 Example Road (fictitious)" },
      location: "Richmond, British Columbia",
      jurisdiction: "CA",
      holder: { name: "Example Holdings Ltd" },
      value: { amount: "850000.50", currency: "USD" },
      fugitiveIds: [f.id],
    });
    const cleared = await officer.req<{ asset: AssetDetail }>("PATCH", `/api/v1/assets/${a.id}`, {
      version: 2,
      fields: { holder: null, value: null },
    });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    const cl = cleared.body.asset as Record<string, unknown>;
    expect(cl.holder ?? null).toBeNull();
    expect(cl.value ?? null).toBeNull();
    expect(cl).toMatchObject({ location: "Richmond, British Columbia", currency: "USD" });
    // A value checked against the currency it will have: the record's, or the one given with it.
    const jpy = await officer.req<Err>("PATCH", `/api/v1/assets/${a.id}`, {
      version: 3,
      fields: { value: "100.5", currency: "JPY" },
    });
    expect(jpy.status).toBe(400);
    expect(jpy.body.error.details[0]?.field).toBe("body.fields.value");
    const back = await officer.req<{ asset: AssetDetail }>("PATCH", `/api/v1/assets/${a.id}`, {
      version: 3,
      fields: { value: "1000.25" },
    });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    const toJpy = await officer.req<Err>("PATCH", `/api/v1/assets/${a.id}`, {
      version: 4,
      fields: { currency: "JPY" },
    });
    expect(toJpy.status).toBe(400);
    expect(toJpy.body.error.details[0]?.field).toBe("body.fields.currency");
    // Required fields cannot be cleared.
    const noKind = await officer.req<Err>("PATCH", `/api/v1/assets/${a.id}`, {
      version: 4,
      fields: { kind: null },
    });
    expect(noKind.status).toBe(400);
    expect(noKind.body.error.details[0]?.field).toBe("body.fields.kind");
    const after = await officer.req<{ asset: AssetDetail }>("GET", `/api/v1/assets/${a.id}`);
    expect(after.body.asset).toMatchObject({ version: 4, value: { amount: "1000.25" } });
  });

  it("person: a rectification leaving out a field keeps it; null or [] clears it", async () => {
    const f = await fugitive("李建国");
    const got = await caseOfficer.req<{ person: PersonView }>("GET", `/api/v1/persons/${f.personId}`);
    expect(got.status, JSON.stringify(got.body)).toBe(200);
    const p = got.body.person;
    const full = await caseOfficer.req<{ person: PersonView }>("POST", `/api/v1/persons/${p.id}/rectify`, {
      version: p.version,
      fields: {
        names: [{ original: "李建国", romanised: "Li Jianguo" }],
        aliases: ZHANG.aliases,
        dateOfBirth: "1968-03",
        sex: "male",
        nationalities: ZHANG.nationalities,
        documents: ZHANG.documents,
      },
      reason: "The passport copy the liaison sent.",
    });
    expect(full.status, JSON.stringify(full.body)).toBe(200);
    const kept = await caseOfficer.req<{ person: PersonView }>("POST", `/api/v1/persons/${p.id}/rectify`, {
      version: full.body.person.version,
      fields: { dateOfBirth: "1968-03-12", sex: "male" },
      reason: "The court's decision gives the full date of birth.",
    });
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    expect(kept.body.person).toMatchObject({
      dateOfBirth: "1968-03-12",
      names: [{ original: "李建国" }],
      aliases: [{ original: "Wei-Ming Chang" }],
      nationalities: ["CN"],
      documents: [{ number: "E00000001" }],
    });
    // Only the aliases: the date of birth and the sex, left out, stay as they are.
    const aliasOnly = await caseOfficer.req<{ person: PersonView }>(
      "POST",
      `/api/v1/persons/${p.id}/rectify`,
      {
        version: kept.body.person.version,
        fields: { aliases: [{ original: "Chang Wei-Ming" }] },
        reason: "The alias as the court spelt it.",
      },
    );
    expect(aliasOnly.status, JSON.stringify(aliasOnly.body)).toBe(200);
    expect(aliasOnly.body.person).toMatchObject({
      dateOfBirth: "1968-03-12",
      sex: "male",
      aliases: [{ original: "Chang Wei-Ming" }],
    });
    const cleared = await caseOfficer.req<{ person: PersonView }>("POST", `/api/v1/persons/${p.id}/rectify`, {
      version: aliasOnly.body.person.version,
      fields: { sex: null, aliases: [], documents: [] },
      reason: "The alias and the passport were another person's; the sex was never recorded.",
    });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expect(cleared.body.person).toMatchObject({
      aliases: [],
      documents: [],
      nationalities: ["CN"],
      dateOfBirth: "1968-03-12",
      sex: null,
    });
    // The names cannot be cleared: a person record has a main name.
    const noNames = await caseOfficer.req<Err>("POST", `/api/v1/persons/${p.id}/rectify`, {
      version: cleared.body.person.version,
      fields: { names: null },
      reason: "A mistake.",
    });
    expect(noNames.status).toBe(400);
    expect(noNames.body.error.details[0]?.field).toBe("body.fields.names");
  });
});
