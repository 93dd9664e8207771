import { afterAll, beforeAll, expect, it } from "vitest";
import { inTransaction } from "../../src/db/client.js";
import { describeDb } from "../support/node.js";
import {
  act,
  draft,
  emergencyPreservationForm,
  type TwoNodes,
  twoNodes,
} from "../support/requests-fixtures.js";

type Line = {
  id: string;
  at: string;
  kind: string;
  requestId: string | null;
  summary: string;
  canOpen: boolean;
};
type Page = { items: Line[]; nextCursor: string | null };
const ZH = { "accept-language": "zh-CN" };

/** English words and raw codes that must not reach a Chinese reader of the log. */
const ENGLISH =
  /\b(sent to|received from|by|was|second check|not answered|min|phone_callback|in_progress|emergency|preservation)\b/;

describeDb("the hotline log", () => {
  let t: TwoNodes;
  let intakeUnit: string;

  beforeAll(async () => {
    t = await twoNodes();
    await t.cn.user("wang.fang", ["case_officer"], t.cnUnit);
    await t.cn.user("li.qiang", ["supervisor"], t.cnUnit);
    intakeUnit = (await t.cn.user("zhao.lei", ["duty_officer"])).unitId; // the intake (hotline) unit
    await t.us.user("j.miller", ["duty_officer"]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("reads in the reader's language, from labels, and the intake desk sees the node's own outgoing emergency", async () => {
    const officer = await t.cn.as("wang.fang");
    const supervisor = await t.cn.as("li.qiang");
    const cnDuty = await t.cn.as("zhao.lei");
    const usDuty = await t.us.as("j.miller");

    const d = await draft(officer, emergencyPreservationForm());
    await act(officer, d.id, { event: "submit_for_approval" });
    expect((await act(supervisor, d.id, { event: "approve" })).status).toBe(200);

    // The CN duty officer (hotline unit) sees CN's outgoing emergency, though another unit owns it.
    const cnLog = await cnDuty.req<Page>("GET", "/api/v1/hotline/log", undefined, ZH);
    expect(cnLog.status).toBe(200);
    const sent = cnLog.body.items.find((e) => e.requestId === d.id && e.kind === "request_sent");
    expect(sent?.summary).toBe(`向 US-DOJ 发出紧急请求 ${d.reference}（快速保全已存储数据）`);
    // ...but may not open it: the request belongs to the Cybersecurity Bureau.
    expect(sent?.canOpen).toBe(false);
    const en = await cnDuty.req<Page>("GET", "/api/v1/hotline/log");
    expect(en.body.items.find((e) => e.id === sent?.id)?.summary).toBe(
      `${d.reference} (Emergency · Expedited preservation of stored data) sent to US-DOJ`,
    );
    // The owning unit's supervisor reads the same line and may open the request.
    const own = await supervisor.req<Page>("GET", `/api/v1/hotline/log?requestId=${d.id}`, undefined, ZH);
    expect(own.body.items.find((e) => e.kind === "request_sent")?.canOpen).toBe(true);

    // US-DOJ: received, acknowledged, second check, work started; each line in Chinese.
    await t.hub.flush();
    await act(usDuty, d.id, { event: "acknowledge" });
    t.clock.advance(10 * 60_000);
    const check = await usDuty.req("PUT", `/api/v1/requests/${d.id}/second-check`, {
      method: "phone_callback",
      namedContact: { name: "Wang Fang", organisation: "MPS", phone: "+86 10 6620 0000" },
      result: "confirmed",
    });
    expect(check.status).toBe(200);
    await act(usDuty, d.id, { event: "start_work" });
    const usLog = await usDuty.req<Page>("GET", `/api/v1/hotline/log?requestId=${d.id}`, undefined, ZH);
    const byKind = Object.fromEntries(usLog.body.items.map((e) => [e.kind, e.summary]));
    expect(byKind.request_received).toBe(`收到 CN-MPS 的紧急请求 ${d.reference}（快速保全已存储数据）`);
    expect(byKind.acknowledge).toBe(`${d.reference}：j.miller 已确认`);
    expect(byKind.second_check).toBe(
      `${d.reference}：j.miller 通过电话回拨与 Wang Fang 进行二次核实，结果：已确认`,
    );
    expect(byKind.start_work).toBe(`${d.reference}：j.miller 开始办理`);
    for (const e of usLog.body.items) expect(e.summary, e.kind).not.toMatch(ENGLISH);

    // CN sees the responder's steps as incoming lines, in Chinese too.
    await t.hub.flush();
    const cnOwn = await supervisor.req<Page>("GET", `/api/v1/hotline/log?requestId=${d.id}`, undefined, ZH);
    expect(cnOwn.body.items.find((e) => e.kind === "second_check")?.summary).toBe(
      `${d.reference}：j.miller (US-DOJ) 通过电话回拨与 Wang Fang 进行二次核实，结果：已确认`,
    );
    for (const e of cnOwn.body.items) expect(e.summary, e.kind).not.toMatch(ENGLISH);
  });

  it("sorts by when things happened, not by when they were written, and pages on that order", async () => {
    const cnDuty = await t.cn.as("zhao.lei");
    const { hotline, db } = t.cn.rt.services;
    const unitId = intakeUnit;
    const base = t.clock.t;
    // Written in this order, but the second happened first (a line recorded late, another clock).
    const write = async (offsetMin: number, peer: string) => {
      t.clock.t = base + offsetMin * 60_000;
      await inTransaction(db, (tx) =>
        hotline.log(tx, {
          unitId,
          peerId: peer,
          direction: "incoming",
          kind: "escalation_received",
          actorLabel: peer,
          summary: `escalation from ${peer}`,
        }),
      );
    };
    await write(30, "LATER");
    await write(10, "EARLIER");
    await write(20, "MIDDLE");
    t.clock.t = base + 60 * 60_000;
    const first = await cnDuty.req<Page>("GET", "/api/v1/hotline/log?limit=2", undefined, ZH);
    const rest = await cnDuty.req<Page>(
      "GET",
      `/api/v1/hotline/log?limit=50&cursor=${encodeURIComponent(first.body.nextCursor ?? "")}`,
      undefined,
      ZH,
    );
    const lines = [...first.body.items, ...rest.body.items];
    const ats = lines.map((e) => Date.parse(e.at));
    expect(ats).toEqual([...ats].sort((a, b) => b - a));
    const peers = lines.filter((e) => e.kind === "escalation_received").map((e) => e.summary);
    expect(peers).toEqual([
      "—：收到 LATER 的升级提醒",
      "—：收到 MIDDLE 的升级提醒",
      "—：收到 EARLIER 的升级提醒",
    ]);
    expect(new Set(lines.map((e) => e.id)).size).toBe(lines.length);
    const bad = await cnDuty.req("GET", "/api/v1/hotline/log?cursor=nonsense");
    expect(bad.status).toBe(400);
  });
});
