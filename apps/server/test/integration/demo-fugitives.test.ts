import type { FugitiveListView, ListStatistics } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO_NODES } from "../../src/cli/demo-data.js";
import {
  DEMO_FUGITIVE_OFFICER,
  DEMO_RETURNED_BY_AUGUST_2017,
  seedDemoFugitives,
} from "../../src/cli/demo-fugitives.js";
import { cliActor } from "../../src/modules/node/node.service.js";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";

/**
 * The demo's fictitious list of 100, seeded as `crossline demo` seeds it: the statistics reproduce "over 40 of
 * the 100 returned by August 2017", by several methods across 2015–2017, in both languages.
 */
describeDb("demo fugitives: the list of 100 and its returns", () => {
  let node: TestNode;
  beforeAll(async () => {
    const spec = DEMO_NODES.find((n) => n.id === "CN-MPS");
    if (!spec) throw new Error("no CN-MPS demo node");
    // The node's clock runs from 01:00 on 21 November 2026 in Beijing, still the 20th in UTC.
    const started = Date.now();
    const clock = { now: () => new Date(Date.parse("2026-11-20T17:00:00Z") + (Date.now() - started)) };
    node = await createTestNode({ id: spec.id, timeZone: spec.timeZone, clock });
    const ctx = { actor: cliActor("demo"), ip: null, requestId: null };
    const s = node.rt.services;
    const [agency] = await s.org.listAgencies(ctx);
    const unitIds = new Map<string, string>();
    for (const u of spec.units)
      unitIds.set(u.name, (await s.org.createUnit(ctx, { agencyId: agency.id, name: u.name })).id);
    const userIds = new Map<string, string>();
    for (const u of spec.users)
      userIds.set(u.username, (await node.user(u.username, u.roles, unitIds.get(u.unit))).id);
    expect(await seedDemoFugitives(s, { nodeId: spec.id, unitIds, userIds })).toBe(100);
  }, 600_000);
  afterAll(() => node?.close());

  it("reproduces over 40 of the 100 returned by August 2017, by method and year, in both languages", async () => {
    const zhao = await node.as(DEMO_FUGITIVE_OFFICER);
    const lists = await zhao.req<{ items: { id: string }[] }>("GET", "/api/v1/fugitive-lists");
    expect(lists.body.items).toHaveLength(1);
    const id = lists.body.items[0]?.id as string;
    const list = await zhao.req<{ list: FugitiveListView }>("GET", `/api/v1/fugitive-lists/${id}`);
    expect(list.body.list.entries).toHaveLength(100);
    const r = await zhao.req<ListStatistics>(
      "GET",
      `/api/v1/fugitive-lists/${id}/statistics?asOf=2017-08-31`,
    );
    expect(r.status).toBe(200);
    const s = r.body;
    expect(s.total).toBe(100);
    expect(s.returned).toBe(DEMO_RETURNED_BY_AUGUST_2017);
    expect(s.returned).toBeGreaterThan(40);
    expect(s.byYear.map((y) => y.year)).toEqual([2015, 2016, 2017]);
    expect(s.byYear.reduce((a, y) => a + y.count, 0)).toBe(s.returned);
    expect(s.byMethod.filter((m) => m.count > 0).map((m) => m.method)).toEqual([
      "extradition",
      "repatriation",
      "deportation",
      "voluntary_return",
      "other",
    ]);
    expect(s.summary.en).toMatch(
      /^Over 40 of the 100 on the list “.+” had returned by August 2017 \(42 of 100: /,
    );
    expect(s.summary["zh-CN"]).toMatch(
      /^截至2017年8月，“百名外逃人员名单（演示）”所列100人中已有40余人归案（42\/100：/,
    );
    // Later returns count once the day is later.
    const end = await zhao.req<ListStatistics>(
      "GET",
      `/api/v1/fugitive-lists/${id}/statistics?asOf=2017-12-31`,
    );
    expect(end.body.returned).toBe(45);
    // Without a day, today on the node's calendar (Beijing's 21st, not UTC's 20th).
    const today = await zhao.req<ListStatistics>("GET", `/api/v1/fugitive-lists/${id}/statistics`);
    expect(today.body).toMatchObject({ asOf: "2026-11-21", returned: 45 });
  });
});
