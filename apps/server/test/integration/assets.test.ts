import type { AssetDetail, AssetTotals, FugitiveDetail } from "@crossline/schemas";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessLog, assetStages, auditLog, lawfulRecords } from "../../src/db/schema/index.js";
import { fugitiveNamed, UNCAC } from "../support/fugitives-fixtures.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";

type One = { asset: AssetDetail };
type Err = { error: { code: string; requestId: string; details: { field?: string; issue: string }[] } };

/** A fictitious asset body linked to a fugitive. */
const assetOf = (fugitiveId: string, extra: object = {}) => ({
  kind: "bank_account",
  description: { lang: "en", text: "Savings account at Example Bank, Los Angeles branch (fictitious)" },
  location: "Los Angeles, California",
  jurisdiction: "US",
  holder: { name: "张伟明", romanised: "Zhang Weiming" },
  currency: "USD",
  value: "1250000.50",
  fugitiveIds: [fugitiveId],
  identifiedOn: "2015-03-01",
  identifiedBy: "Example City Public Security Bureau",
  legalBasis: UNCAC,
  ...extra,
});

/**
 * The node's clock runs from 17:00 UTC on 20 November 2026: 01:00 on the 21st in Beijing, the node's and the
 * officers' zone, while UTC is still on the 20th.
 */
const started = Date.now();
const earlyInBeijing = { now: () => new Date(Date.parse("2026-11-20T17:00:00Z") + (Date.now() - started)) };

describeDb("assets: records, stages, exact amounts per currency, totals, need to know, bad input", () => {
  let node: TestNode;
  let officer: Agent;
  let outsider: Agent;
  let liaison: Agent;
  let fugitive: FugitiveDetail;

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS", clock: earlyInBeijing });
    const unitA = await node.unit("Fugitive unit");
    const unitB = await node.unit("Economic crime unit");
    await node.user("a.officer", ["fugitive_asset"], unitA);
    await node.user("a.liaison", ["liaison"], unitA);
    await node.user("a.outsider", ["fugitive_asset"], unitB);
    officer = await node.as("a.officer");
    liaison = await node.as("a.liaison");
    outsider = await node.as("a.outsider");
    const f = await officer.req<{ fugitive: FugitiveDetail }>(
      "POST",
      "/api/v1/fugitives",
      fugitiveNamed("张伟明", { dateOfBirth: "1968-03" }),
    );
    expect(f.status, JSON.stringify(f.body)).toBe(201);
    fugitive = f.body.fugitive;
  }, 360_000);
  afterAll(() => node?.close());

  async function create(body: object, a: Agent = officer) {
    const r = await a.req<One>("POST", "/api/v1/assets", body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.asset;
  }
  async function stage(id: string, body: object, want = 201) {
    const r = await officer.req<One & Err>("POST", `/api/v1/assets/${id}/stages`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(want);
    return r.body;
  }

  it("records an asset linked to a fugitive: identified, exact value, legal basis, audit, access log", async () => {
    const a = await create(assetOf(fugitive.id));
    expect(a.reference).toMatch(/^CN-MPS-A-\d{4}-\d{4}$/);
    expect(a).toMatchObject({
      kind: "bank_account",
      stage: "identified",
      currency: "USD",
      value: { minor: "125000050", amount: "1250000.50", currency: "USD" },
      fugitiveIds: [fugitive.id],
      version: 1,
    });
    expect(a.stages).toEqual([
      expect.objectContaining({ seq: 1, stage: "identified", date: "2015-03-01", amount: a.value }),
    ]);
    const db = node.rt.services.db;
    const basis = await db.select().from(lawfulRecords).where(eq(lawfulRecords.recordId, a.id));
    expect(basis).toMatchObject([{ kind: "asset" }]);
    const got = await officer.req<One>("GET", `/api/v1/assets/${a.id}`);
    expect(got.status).toBe(200);
    await node.rt.services.accessLog.flush();
    const reads = await db
      .select()
      .from(accessLog)
      .where(and(eq(accessLog.recordType, "asset"), eq(accessLog.recordId, a.id)));
    expect(reads.map((r) => r.action)).toContain("read");
    const audits = await db.select().from(auditLog).where(eq(auditLog.targetId, a.id));
    expect(audits.map((x) => x.action)).toEqual(["asset.create"]);
  });

  it("goes forward stage by stage with partial amounts, each entry a version, audited", async () => {
    const a = await create(assetOf(fugitive.id, { currency: "CNY", value: "30000000.00" }));
    let v = (
      await stage(a.id, {
        version: 1,
        stage: "traced",
        date: "2015-06-01",
        authority: "Example Financial Intelligence Unit",
      })
    ).asset;
    // Two freezing orders, each for a part of the value.
    v = (
      await stage(a.id, {
        version: v.version,
        stage: "frozen",
        date: "2015-07-01",
        authority: "Example District Court",
        orderReference: "FRZ-2015-001",
        amount: "12000000",
      })
    ).asset;
    v = (
      await stage(a.id, {
        version: v.version,
        stage: "frozen",
        date: "2015-07-01",
        authority: "Example District Court",
        orderReference: "FRZ-2015-002",
        amount: "8000000.5",
      })
    ).asset;
    // Skipping forward (frozen → confiscated) is allowed; only going back is not.
    v = (
      await stage(a.id, {
        version: v.version,
        stage: "confiscated",
        date: "2016-02-01",
        authority: "Example Intermediate Court",
        orderReference: "CNF-2016-007",
        amount: "15000000.00",
      })
    ).asset;
    v = (
      await stage(a.id, {
        version: v.version,
        stage: "returned",
        date: "2016-09-30",
        authority: "Ministry of Justice",
        amount: "15000000",
      })
    ).asset;
    expect(v).toMatchObject({ stage: "returned", version: 6 });
    expect(v.stages.map((s) => [s.stage, s.amount?.amount ?? null])).toEqual([
      ["identified", "30000000.00"],
      ["traced", null],
      ["frozen", "12000000.00"],
      ["frozen", "8000000.50"],
      ["confiscated", "15000000.00"],
      ["returned", "15000000.00"],
    ]);
    const h = await officer.req<{ items: { version: number; stage: string }[] }>(
      "GET",
      `/api/v1/assets/${a.id}/history`,
    );
    expect(h.body.items.map((x) => x.stage)).toEqual([
      "identified",
      "traced",
      "frozen",
      "frozen",
      "confiscated",
      "returned",
    ]);
    const audits = await node.rt.services.db.select().from(auditLog).where(eq(auditLog.targetId, a.id));
    expect(audits.map((x) => x.action)).toEqual(["asset.create", ...Array(5).fill("asset.stage")]);
  });

  it("keeps crypto amounts exact at their own precision (BTC 8, ETH 18 decimal places)", async () => {
    const btc = await create(
      assetOf(fugitive.id, { kind: "crypto", currency: "btc", value: "12.34567891", holder: undefined }),
    );
    expect(btc.value).toEqual({ minor: "1234567891", amount: "12.34567891", currency: "BTC" });
    const eth = await create(
      assetOf(fugitive.id, { kind: "crypto", currency: "ETH", value: "123456789.123456789012345678" }),
    );
    expect(eth.value).toEqual({
      minor: "123456789123456789012345678",
      amount: "123456789.123456789012345678",
      currency: "ETH",
    });
    const frozen = await stage(eth.id, {
      version: 1,
      stage: "frozen",
      date: "2016-01-05",
      authority: "Example exchange compliance desk, on order",
      orderReference: "FRZ-ETH-1",
      amount: "0.000000000000000001",
    });
    expect(frozen.asset.stages[1]?.amount).toEqual({
      minor: "1",
      amount: "0.000000000000000001",
      currency: "ETH",
    });
  });

  it("refuses bad amounts and currencies naming the field, saving nothing", async () => {
    const cases: [object, string][] = [
      [assetOf(fugitive.id, { currency: "CNY", value: "10.123" }), "body.value"],
      [assetOf(fugitive.id, { currency: "JPY", value: "100.5" }), "body.value"],
      [assetOf(fugitive.id, { currency: "KWD", value: "1.2345" }), "body.value"],
      [assetOf(fugitive.id, { currency: "BTC", value: "0.123456789" }), "body.value"],
      [assetOf(fugitive.id, { currency: "XYZ" }), "body.currency"],
      [assetOf(fugitive.id, { value: "-5" }), "body.value"],
      [assetOf(fugitive.id, { value: "1e6" }), "body.value"],
      [assetOf(fugitive.id, { value: 1000 }), "body.value"],
      [assetOf(fugitive.id, { fugitiveIds: [] }), "body.fugitiveIds"],
      [assetOf("0190a0c0-0000-7000-8000-000000000000"), "body.fugitiveIds.0"],
      [assetOf(fugitive.id, { kind: "spaceship" }), "body.kind"],
      [assetOf(fugitive.id, { jurisdiction: "ZZ" }), "body.jurisdiction"],
    ];
    const before = await officer.req<{ items: unknown[] }>("GET", "/api/v1/assets?limit=200");
    for (const [body, field] of cases) {
      const r = await officer.req<Err>("POST", "/api/v1/assets", body);
      expect(r.status, `${field}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_FAILED");
      expect(r.body.error.requestId).toMatch(/^req_/);
      expect(r.body.error.details.map((d) => d.field)).toContain(field);
    }
    // The precision is named in the issue: the currency and its decimal places.
    const jpy = await officer.req<Err>(
      "POST",
      "/api/v1/assets",
      assetOf(fugitive.id, { currency: "JPY", value: "100.5" }),
    );
    expect(jpy.body.error.details[0]?.issue).toBe("JPY has 0 decimal places: 100.5 has 1");
    // In Chinese, from the message key and its parameters (before: the English sentence in a Chinese answer).
    const jpyZh = await officer.req<Err & { error: { details: { key?: string }[] } }>(
      "POST",
      "/api/v1/assets",
      assetOf(fugitive.id, { currency: "JPY", value: "100.5" }),
      { "accept-language": "zh-CN" },
    );
    expect(jpyZh.body.error.details[0]).toMatchObject({
      field: "body.value",
      key: "assets.precision",
      issue: "JPY 最多有 0 位小数：100.5 有 1 位",
    });
    const after = await officer.req<{ items: unknown[] }>("GET", "/api/v1/assets?limit=200");
    expect(after.body.items.length).toBe(before.body.items.length);
  });

  it("refuses a stage going backwards, dated before the previous, without its order or in the wrong precision", async () => {
    const a = await create(assetOf(fugitive.id, { currency: "CNY", value: "500000" }));
    const v = (
      await stage(a.id, {
        version: 1,
        stage: "seized",
        date: "2016-03-01",
        authority: "Example Court",
        orderReference: "SZ-1",
        amount: "500000",
      })
    ).asset;
    const bad: [object, string, number][] = [
      [{ stage: "frozen", date: "2016-04-01", authority: "X", orderReference: "F-1" }, "body.stage", 400],
      [{ stage: "traced", date: "2016-04-01", authority: "X" }, "body.stage", 400],
      [{ stage: "confiscated", date: "2016-02-28", authority: "X", orderReference: "C-1" }, "body.date", 400],
      [{ stage: "confiscated", date: "2016-04-01", authority: "X" }, "body.orderReference", 400],
      [
        { stage: "confiscated", date: "2016-04-01", authority: "X", orderReference: "C", amount: "1.001" },
        "body.amount",
        400,
      ],
      [{ stage: "confiscated", date: "2016-04-01", authority: "X", amount: "abc" }, "body.amount", 400],
      [{ stage: "melted", date: "2016-04-01", authority: "X" }, "body.stage", 400],
      [{ stage: "confiscated", date: "2099-01-01", authority: "X", orderReference: "C" }, "body.date", 400],
    ];
    for (const [body, field, status] of bad) {
      const r = await officer.req<Err>("POST", `/api/v1/assets/${a.id}/stages`, {
        version: v.version,
        ...body,
      });
      expect(r.status, `${field}: ${JSON.stringify(r.body)}`).toBe(status);
      expect(r.body.error.details.map((d) => d.field)).toContain(field);
    }
    const stale = await officer.req<Err>("POST", `/api/v1/assets/${a.id}/stages`, {
      version: 1,
      stage: "confiscated",
      date: "2016-04-01",
      authority: "X",
      orderReference: "C-1",
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details[0]?.field).toBe("body.version");
    // Nothing half-saved: two entries, version 2, one stage audit.
    const rows = await node.rt.services.db.select().from(assetStages).where(eq(assetStages.assetId, a.id));
    expect(rows).toHaveLength(2);
    const now = await officer.req<One>("GET", `/api/v1/assets/${a.id}`);
    expect(now.body.asset).toMatchObject({ version: 2, stage: "seized" });
    // After a release, nothing follows.
    const rel = await stage(a.id, {
      version: 2,
      stage: "released",
      date: "2016-05-01",
      authority: "Example Court",
      orderReference: "REL-1",
    });
    const after = await officer.req<Err>("POST", `/api/v1/assets/${a.id}/stages`, {
      version: rel.asset.version,
      stage: "released",
      date: "2016-06-01",
      authority: "X",
      orderReference: "R",
    });
    expect(after.status).toBe(400);
    expect(after.body.error.details[0]?.field).toBe("body.stage");
  });

  it("takes today's date on the officer's calendar, not UTC's; tomorrow there is in the future", async () => {
    const a = await create(assetOf(fugitive.id, { identifiedOn: "2026-11-21" }));
    expect(a.stages[0]).toMatchObject({ stage: "identified", date: "2026-11-21" });
    await stage(a.id, {
      version: a.version,
      stage: "frozen",
      date: "2026-11-21",
      authority: "Example Court",
      orderReference: "FZ-21",
    });
    const tomorrow = await officer.req<Err>(
      "POST",
      "/api/v1/assets",
      assetOf(fugitive.id, { identifiedOn: "2026-11-22" }),
    );
    expect(tomorrow.status).toBe(400);
    expect(tomorrow.body.error.details).toEqual([
      expect.objectContaining({ field: "body.identifiedOn", issue: "in the future" }),
    ]);
  });

  it("changes the record as a new version; the currency stays once a stage carries an amount", async () => {
    const a = await create(assetOf(fugitive.id, { currency: "USD", value: "100" }));
    const {
      legalBasis: _l,
      identifiedOn: _o,
      identifiedBy: _b,
      ...fields
    } = assetOf(fugitive.id, {
      currency: "USD",
      value: "120.00",
      location: "San Francisco",
    }) as Record<string, unknown>;
    const up = await officer.req<One>("PATCH", `/api/v1/assets/${a.id}`, {
      version: 1,
      fields,
      reason: "new valuation",
    });
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(up.body.asset).toMatchObject({
      version: 2,
      location: "San Francisco",
      value: { amount: "120.00" },
    });
    const cur = await officer.req<Err>("PATCH", `/api/v1/assets/${a.id}`, {
      version: 2,
      fields: { ...fields, currency: "EUR" },
    });
    expect(cur.status).toBe(409);
    expect(cur.body.error.details[0]?.field).toBe("body.fields.currency");

    // A currency changed alone to one with fewer decimal places than the value has: the currency is named.
    const usd = await create(assetOf(fugitive.id, { currency: "USD", value: "120.50" }));
    for (const [lang, text] of [
      ["en", "JPY has 0 decimal places: 120.50 has 2: give the value in JPY"],
      ["zh-CN", "JPY 最多有 0 位小数：120.50 有 2 位；请以 JPY 填写金额"],
    ] as const) {
      const r = await officer.req<Err & { error: { details: { key?: string }[] } }>(
        "PATCH",
        `/api/v1/assets/${usd.id}`,
        { version: usd.version, fields: { currency: "JPY" } },
        { "accept-language": lang },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.details).toEqual([
        {
          field: "body.fields.currency",
          issue: text,
          key: "assets.precisionCurrency",
          params: { currency: "JPY", places: 0, amount: "120.50", has: 2 },
        },
      ]);
    }
  });

  it("need to know: another unit's asset is not found, and its fugitives cannot be linked", async () => {
    const a = await create(assetOf(fugitive.id));
    for (const [m, url, body] of [
      ["GET", `/api/v1/assets/${a.id}`, undefined],
      ["GET", `/api/v1/assets/${a.id}/history`, undefined],
      [
        "POST",
        `/api/v1/assets/${a.id}/stages`,
        { version: 1, stage: "traced", date: "2016-01-01", authority: "X" },
      ],
    ] as const) {
      const r = await outsider.req<Err>(m, url, body);
      expect(r.status, `${m} ${url}`).toBe(404);
    }
    const linked = await outsider.req<Err>("POST", "/api/v1/assets", assetOf(fugitive.id));
    expect(linked.status).toBe(400);
    expect(linked.body.error.details[0]?.field).toBe("body.fugitiveIds.0");
    const list = await outsider.req<{ items: { id: string }[] }>("GET", "/api/v1/assets");
    expect(list.body.items.map((x) => x.id)).not.toContain(a.id);
    // A liaison officer reads but does not write.
    expect((await liaison.req("GET", `/api/v1/assets/${a.id}`)).status).toBe(200);
    expect((await liaison.req("POST", "/api/v1/assets", assetOf(fugitive.id))).status).toBe(403);
  });

  it("drafts a freezing request from an asset, prefilled; the request and the asset name each other", async () => {
    const a = await create(assetOf(fugitive.id, { currency: "USD", value: "1250000.50" }));
    const pre = await officer.req<{ prefill: { details: { assets: Record<string, unknown>[] } } }>(
      "GET",
      `/api/v1/assets/${a.id}/request-prefill?type=asset_freezing`,
    );
    expect(pre.status, JSON.stringify(pre.body)).toBe(200);
    const ref = pre.body.prefill.details.assets[0];
    expect(ref).toMatchObject({
      assetId: a.id,
      kind: "bank_account",
      jurisdiction: "US",
      estimatedValue: { amountMinor: 125000050, currency: "USD" },
    });
    const form = {
      type: "asset_freezing",
      urgency: "routine",
      legalBasis: { instrument: "uncac", article: "Art. 54" },
      requestingAuthority: {
        name: "Ministry of Public Security, Economic Crime Investigation Department",
        officer: { name: { original: "Li Qiang" } },
        contact: { email: "li.qiang@mps.example.cn" },
      },
      offence: {
        category: "money_laundering",
        description: { lang: "en", text: "Laundering of embezzled funds" },
      },
      facts: { lang: "en", text: "Embezzled funds were moved to the account (fictitious)." },
      measuresSought: { lang: "en", text: "Freeze the account." },
      details: { ...pre.body.prefill.details, riskOfDissipation: { lang: "en", text: "Transfers abroad" } },
    };
    const r = await officer.req<{
      request: {
        id: string;
        form: { details: { assets: { assetId: string }[] } };
        origin: { type: string; id: string } | null;
      };
    }>("POST", `/api/v1/assets/${a.id}/requests`, { form });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.request.form.details.assets[0]?.assetId).toBe(a.id);
    // The request names the asset as the record it was drafted from (the console links back to it).
    expect(r.body.request.origin).toEqual({ type: "asset", id: a.id });
    const read = await officer.req<{ request: { origin: unknown } }>(
      "GET",
      `/api/v1/requests/${r.body.request.id}`,
    );
    expect(read.body.request.origin).toEqual({ type: "asset", id: a.id });
    const after = await officer.req<One>("GET", `/api/v1/assets/${a.id}`);
    expect(after.body.asset.requestIds).toEqual([r.body.request.id]);
    const audits = await node.rt.services.db.select().from(auditLog).where(eq(auditLog.targetId, a.id));
    expect(audits.map((x) => x.action)).toEqual(["asset.create", "asset.request"]);
    // Another type, or a form not naming the asset: refused naming the field, no request drafted.
    const wrongType = await officer.req<Err>("POST", `/api/v1/assets/${a.id}/requests`, {
      form: { ...form, type: "asset_tracing", details: { assets: [], leads: { lang: "en", text: "x" } } },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.details[0]?.field).toBe("body.form.details.assets");
    const extradition = await officer.req<Err>("POST", `/api/v1/assets/${a.id}/requests`, {
      form: {
        ...form,
        type: "subscriber_info",
        details: { dataSought: ["name"] },
        identifiers: [{ type: "domain", value: "example.com" }],
      },
    });
    expect(extradition.status).toBe(400);
    expect(extradition.body.error.details[0]?.field).toBe("body.form.type");
    const still = await officer.req<One>("GET", `/api/v1/assets/${a.id}`);
    expect(still.body.asset.requestIds).toHaveLength(1);
    expect(
      (await outsider.req("GET", `/api/v1/assets/${a.id}/request-prefill?type=asset_return`)).status,
    ).toBe(404);
  });

  describe("totals", () => {
    it("sums per currency and stage, never across currencies, and filters the register", async () => {
      const f2 = (
        await officer.req<{ fugitive: FugitiveDetail }>("POST", "/api/v1/fugitives", fugitiveNamed("刘芳"))
      ).body.fugitive;
      const usd = await create(assetOf(f2.id, { currency: "USD", value: "1000.10" }));
      const cny = await create(assetOf(f2.id, { currency: "CNY", value: "2000.20" }));
      await create(assetOf(f2.id, { currency: "CNY", value: "0.05" }));
      await stage(usd.id, {
        version: 1,
        stage: "frozen",
        date: "2016-01-01",
        authority: "Court",
        orderReference: "F",
        amount: "400",
      });
      await stage(cny.id, {
        version: 1,
        stage: "frozen",
        date: "2016-01-01",
        authority: "Court",
        orderReference: "F",
        amount: "300.30",
      });
      const t = await officer.req<AssetTotals>("GET", `/api/v1/assets/totals?fugitiveId=${f2.id}`);
      expect(t.status, JSON.stringify(t.body)).toBe(200);
      expect(t.body.values).toEqual([
        { currency: "CNY", assets: 2, value: { minor: "200025", amount: "2000.25", currency: "CNY" } },
        { currency: "USD", assets: 1, value: { minor: "100010", amount: "1000.10", currency: "USD" } },
      ]);
      expect(t.body.rows.map((r) => [r.currency, r.stage, r.assets, r.amount.amount])).toEqual([
        ["CNY", "identified", 2, "2000.25"],
        ["CNY", "frozen", 1, "300.30"],
        ["USD", "identified", 1, "1000.10"],
        ["USD", "frozen", 1, "400.00"],
      ]);
      const frozen = await officer.req<{ items: { id: string }[] }>(
        "GET",
        `/api/v1/assets?fugitiveId=${f2.id}&stage=frozen&currency=cny`,
      );
      expect(frozen.body.items.map((x) => x.id)).toEqual([cny.id]);
      // Another unit sees no totals of this one.
      const other = await outsider.req<AssetTotals>("GET", `/api/v1/assets/totals?fugitiveId=${f2.id}`);
      expect(other.body).toEqual({ rows: [], values: [] });
    });
  });
});
