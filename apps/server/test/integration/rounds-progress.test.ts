import type { ProgressReport, RoundView } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { uuidv7 } from "../../src/crypto/ids.js";
import { pings } from "../../src/db/schema/index.js";
import { fugitiveNamed } from "../support/fugitives-fixtures.js";
import { describeDb } from "../support/node.js";
import { act, draft, emergencyPreservationForm } from "../support/requests-fixtures.js";
import {
  CN,
  call,
  change,
  type TwoNodes,
  twoNodes,
  US,
  washingtonRound,
} from "../support/rounds-fixtures.js";

const Q = "peer=US-DOJ&from=2026-11-01&to=2026-11-30";

/**
 * The progress report before a round (issue 14 point 4), on the CN node after a month's work with US-DOJ: a
 * request sent, two hotline tests answered, action items done, late and open; each figure names its records;
 * kinds of record the node does not keep are "not recorded" (null), not 0; CSV and PDF carry both languages.
 */
describeDb("progress report before a round", () => {
  let t: TwoNodes;
  let requestId = "";
  let pingIds: string[] = [];
  let roundId = "";
  let returnedId = "";
  let repatriated = "";
  let recoveredAsset = "";

  beforeAll(async () => {
    t = await twoNodes("2026-11-20T02:00:00Z");
    const cn = t.nodes[CN];
    await cn.user("case.li", ["case_officer"]);
    await cn.user("chief.zhao", ["supervisor", "fugitive_asset"]);
    const officer = await cn.as("case.li");
    const d = await draft(officer, emergencyPreservationForm(), US);
    await act(officer, d.id, { event: "submit_for_approval" });
    const approved = await act(await cn.as("chief.zhao"), d.id, { event: "approve" });
    if (approved.status !== 200) throw new Error(`approve: ${JSON.stringify(approved.body)}`);
    requestId = d.id;
    // Hotline tests as the federation module records them (a ping sent, its pong's time): the in-process hub
    // carries the rounds' and requests' envelopes but not the transport's own ping, which needs a paired link.
    const sent = Date.parse("2026-11-20T01:00:00Z");
    pingIds = [uuidv7(), uuidv7()];
    await cn.rt.services.db.insert(pings).values(
      pingIds.map((id, i) => ({
        id,
        peerId: US,
        msgId: uuidv7(),
        sentAt: new Date(sent + i * 60_000),
        answeredAt: new Date(sent + i * 60_000 + 180 + i * 40),
        rttMs: 180 + i * 40,
        requestedBy: "admin",
      })),
    );
    // a round with the peer, hosted here, and three action items of this side due in November
    const made = await call<{ round: RoundView }>(
      t.liaison[CN],
      "POST",
      "/api/v1/rounds",
      { guestNode: US, fields: washingtonRound() },
      201,
    );
    roundId = made.round.doc.id;
    let v = made.round.doc.version;
    for (const [id, dueAt, status] of [
      ["done1", "2026-11-05T09:00:00+08:00", "done"],
      ["late1", "2026-11-10T09:00:00+08:00", "in_progress"],
      ["open1", "2026-11-25T09:00:00+08:00", "planned"],
      ["dec1", "2026-12-10T09:00:00+08:00", "planned"],
    ] as const) {
      const r = await change(t.liaison[CN], roundId, v, {
        op: "action.put",
        itemId: id,
        fields: {
          text: { en: `Item ${id} (demo)`, zh: `事项 ${id}（演示）` },
          ownerNode: CN,
          agency: "MPS",
          officer: "Li Hua",
          dueAt,
          status,
        },
      });
      v = r.round.doc.version;
    }
    // fugitives on a list published to the peer: one returned in the period (counted), one returned before it
    // (not counted); and one returned in the period on a list kept here only (not the peer's business)
    const chief = await cn.as("chief.zhao");
    const fugitive = async (name: string, returnedOn: string, method: string) => {
      const f = await call<{ fugitive: { id: string } }>(
        chief,
        "POST",
        "/api/v1/fugitives",
        fugitiveNamed(name, { flightDate: "2014-11-02" }),
        201,
      );
      await call(chief, "POST", `/api/v1/fugitives/${f.fugitive.id}/return`, {
        method,
        date: returnedOn,
        place: "Beijing",
      });
      return f.fugitive.id;
    };
    const list = async (name: string, ids: string[], publish: boolean) => {
      const l = await call<{ list: { id: string } }>(
        chief,
        "POST",
        "/api/v1/fugitive-lists",
        { name: { lang: "en", text: name } },
        201,
      );
      for (const [i, fugitiveId] of ids.entries())
        await call(chief, "POST", `/api/v1/fugitive-lists/${l.list.id}/entries`, {
          fugitiveId,
          number: i + 1,
        });
      if (publish)
        await call(chief, "POST", `/api/v1/fugitive-lists/${l.list.id}/publish`, {
          recipients: [US],
          marking: { tlp: "AMBER" },
        });
    };
    returnedId = await fugitive("王建国", "2026-11-15", "extradition");
    await list(
      "Shared list (test)",
      [returnedId, await fugitive("李国华", "2026-10-20", "repatriation")],
      true,
    );
    await list("Kept list (test)", [await fugitive("赵志强", "2026-11-16", "deportation")], false);
    // assets of the returned fugitive: one shared with the peer and returned in the period (counted), one returned
    // then but never shared, one shared but only frozen, one shared and returned whose shared object was then
    // withdrawn through the shared-objects API, not from the asset's page (none of these three counted)
    const asset = async (share: boolean, stages: [string, string][]) => {
      const a = await call<{ asset: { id: string; version: number } }>(
        chief,
        "POST",
        "/api/v1/assets",
        {
          kind: "bank_account",
          description: { lang: "en", text: "Account at Example Bank (fictitious)" },
          jurisdiction: "US",
          currency: "USD",
          value: "1000.00",
          fugitiveIds: [returnedId],
          identifiedOn: "2026-10-01",
          identifiedBy: "Example City Public Security Bureau",
          legalBasis: { instrument: "uncac", article: "Art. 51" },
        },
        201,
      );
      let version = a.asset.version;
      for (const [stage, date] of stages)
        version = (
          await call<{ asset: { version: number } }>(
            chief,
            "POST",
            `/api/v1/assets/${a.asset.id}/stages`,
            {
              version,
              stage,
              date,
              authority: "Example District Court",
              orderReference: `${stage}-1`,
              amount: "1000.00",
            },
            201,
          )
        ).asset.version;
      if (share)
        await call(chief, "POST", `/api/v1/assets/${a.asset.id}/share`, {
          recipients: [US],
          marking: { tlp: "AMBER" },
        });
      return a.asset.id;
    };
    const sharedObjectOf = async (id: string) =>
      (await call<{ asset: { sharing: { sharedObjectId: string } } }>(chief, "GET", `/api/v1/assets/${id}`))
        .asset.sharing.sharedObjectId;
    recoveredAsset = await asset(true, [
      ["frozen", "2026-10-10"],
      ["confiscated", "2026-11-05"],
      ["returned", "2026-11-12"],
    ]);
    await asset(false, [["returned", "2026-11-12"]]);
    await asset(true, [["frozen", "2026-11-12"]]);
    const withdrawnElsewhere = await asset(true, [["returned", "2026-11-13"]]);
    await call(
      chief,
      "POST",
      `/api/v1/shared-objects/${await sharedObjectOf(withdrawnElsewhere)}/withdraw`,
      {},
    );
    // a repatriation case shared with the peer whose person arrived in the period (counted)
    const rc = await call<{ case: { id: string; reference: string } }>(
      chief,
      "POST",
      "/api/v1/repatriation/cases",
      {
        person: { names: [{ original: "孙九", romanised: "Sun Jiu" }], nationality: "CN" },
        legalBasis: { instrument: "uncac" },
        requestedAt: "2026-11-02T09:00:00+08:00",
        peer: US,
        marking: { tlp: "AMBER" },
      },
      201,
    );
    repatriated = rc.case.reference;
    const steps = [
      ["verification", { outcome: "verified" }],
      ["document", { kind: "passport", number: "E9", validUntil: "2030-01-01" }],
      ["transfer", { from: "Los Angeles", to: "Beijing" }],
      ["arrival", { place: "Beijing" }],
    ] as const;
    for (const [i, [what, body]] of steps.entries())
      await call(chief, "POST", `/api/v1/repatriation/cases/${rc.case.id}/${what}`, {
        version: i + 1,
        at: `2026-11-${String(3 + i).padStart(2, "0")}T09:00:00+08:00`,
        ...body,
      });
    await t.hub.flush();
  }, 240_000);
  afterAll(() => t?.close());

  const figure = (r: ProgressReport, name: string, by: string | null = null) =>
    r.figures.find((f) => f.figure === name && f.by === by);

  it("counts what the node knows for the period and the peer, each figure with its records", async () => {
    const r = await call<ProgressReport>(t.liaison[CN], "GET", `/api/v1/rounds/progress?${Q}`);
    expect(r).toMatchObject({ node: CN, peer: US, from: "2026-11-01", to: "2026-11-30" });
    expect(figure(r, "requests_sent", "preservation")).toMatchObject({ value: 1, records: [requestId] });
    expect(figure(r, "requests_answered_in_time", "preservation")?.value).toBe(0);
    expect(figure(r, "hotline_tests")).toMatchObject({ value: 2 });
    expect(figure(r, "hotline_tests")?.records.sort()).toEqual([...pingIds].sort());
    expect(figure(r, "hotline_tests_answered")?.value).toBe(2);
    expect(r.hotlineMedianRttMs).toBe(180);
    expect(figure(r, "actions_done", CN)).toMatchObject({ value: 1, records: [`${roundId}/done1`] });
    expect(figure(r, "actions_late", CN)).toMatchObject({ value: 1, records: [`${roundId}/late1`] });
    // due after the period: not counted; the peer's side has none
    expect(figure(r, "actions_open", CN)).toMatchObject({ value: 1, records: [`${roundId}/open1`] });
    expect(figure(r, "actions_done", US)?.value).toBe(0);
    expect(figure(r, "priority_cases_own")?.value).toBe(0);
    // fugitives returned in the period, of those on a list shared with the peer, in all and by method
    expect(figure(r, "fugitives_returned")).toMatchObject({ value: 1, records: [returnedId] });
    expect(figure(r, "fugitives_returned", "extradition")).toMatchObject({ value: 1, records: [returnedId] });
    expect(figure(r, "fugitives_returned", "repatriation")).toBeUndefined();
    // assets of this node shared with the peer and returned in the period
    expect(figure(r, "assets_recovered")).toMatchObject({ value: 1, records: [recoveredAsset] });
    // repatriations with the peer whose person arrived in the period
    expect(figure(r, "repatriations")).toMatchObject({ value: 1, records: [repatriated] });
    // every figure's value is the number of its records (traceable), except the not-recorded ones
    for (const f of r.figures.filter((x) => x.value !== null)) expect(f.value).toBe(f.records.length);
  });

  it("a period outside the work counts nothing; the other node's report sees its side of the same facts", async () => {
    const empty = await call<ProgressReport>(
      t.liaison[CN],
      "GET",
      "/api/v1/rounds/progress?peer=US-DOJ&from=2016-01-01&to=2016-06-30",
    );
    expect(empty.figures.filter((f) => f.value).map((f) => f.figure)).toEqual([]);
    const us = await call<ProgressReport>(
      t.liaison[US],
      "GET",
      "/api/v1/rounds/progress?peer=CN-MPS&from=2026-11-01&to=2026-11-30",
    );
    // the received request and the synced round's action items; the pings were CN's tests, not US's
    expect(figure(us, "requests_sent", "preservation")?.records).toEqual([requestId]);
    expect(figure(us, "actions_late", CN)?.records).toEqual([`${roundId}/late1`]);
    expect(figure(us, "hotline_tests")?.value).toBe(0);
    // the returned entry of CN's list, as US holds it (its entry id, not CN's record)
    expect(figure(us, "fugitives_returned")?.value).toBe(1);
    expect(figure(us, "fugitives_returned", "extradition")?.records[0]).toMatch(/^so_/);
    // the repatriation case as US holds it (CN's reference)
    expect(figure(us, "repatriations")).toMatchObject({ value: 1, records: [repatriated] });
  });

  it("CSV and PDF carry both languages; bad input is named", async () => {
    const a = t.liaison[CN];
    const raw = (url: string) =>
      a.rt.app.inject({ method: "GET", url, headers: a.cookie ? { cookie: a.cookie } : {} });
    const csv = await raw(`/api/v1/rounds/progress.csv?${Q}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain("Requests sent");
    expect(csv.body).toContain("已发送的请求");
    expect(csv.body).toContain(requestId);
    const pdf = await raw(`/api/v1/rounds/progress.pdf?${Q}`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers["content-type"]).toContain("application/pdf");
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
    for (const [url, field] of [
      ["/api/v1/rounds/progress?peer=XX-NONE&from=2026-11-01&to=2026-11-30", "querystring.peer"],
      ["/api/v1/rounds/progress?peer=US-DOJ&from=2026-11-30&to=2026-11-01", "querystring.to"],
      ["/api/v1/rounds/progress?peer=US-DOJ&from=2026-11-01T00:00&to=2026-11-30", "querystring.from"],
    ] as const) {
      const r = await t.liaison[CN].req<{ error: { code: string; details: { field: string }[] } }>(
        "GET",
        url,
      );
      expect(r.status, url).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_FAILED");
      expect(r.body.error.details.map((d) => d.field)).toContain(field);
    }
  });
});
