import type { AssetSummary, AssetTotals } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO_ASSETS, seedDemoAssets } from "../../src/cli/demo-assets.js";
import { DEMO_NODES } from "../../src/cli/demo-data.js";
import { DEMO_FUGITIVE_OFFICER } from "../../src/cli/demo-fugitives.js";
import { cliActor } from "../../src/modules/node/node.service.js";
import { fugitiveNamed } from "../support/fugitives-fixtures.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";

/**
 * The demo's assets, seeded as `crossline demo` seeds them after the fugitives (here a few fugitives stand in
 * for the list of 100): CNY and USD assets at several stages, linked to fugitives, with totals per currency.
 */
describeDb("demo assets: CNY and USD at several stages, linked to the demo's fugitives", () => {
  let node: TestNode;
  let zhao: Agent;
  let seeded = 0;
  beforeAll(async () => {
    const spec = DEMO_NODES.find((n) => n.id === "CN-MPS");
    if (!spec) throw new Error("no CN-MPS demo node");
    node = await createTestNode({ id: spec.id, timeZone: spec.timeZone });
    const ctx = { actor: cliActor("demo"), ip: null, requestId: null };
    const s = node.rt.services;
    const [agency] = await s.org.listAgencies(ctx);
    const unitIds = new Map<string, string>();
    for (const u of spec.units)
      unitIds.set(u.name, (await s.org.createUnit(ctx, { agencyId: agency.id, name: u.name })).id);
    const userIds = new Map<string, string>();
    for (const u of spec.users)
      userIds.set(u.username, (await node.user(u.username, u.roles, unitIds.get(u.unit))).id);
    zhao = await node.as(DEMO_FUGITIVE_OFFICER);
    for (const name of ["王建华", "李志强", "张秀英", "刘海燕"]) {
      const r = await zhao.req("POST", "/api/v1/fugitives", fugitiveNamed(name));
      expect(r.status).toBe(201);
    }
    seeded = await seedDemoAssets(s, { nodeId: spec.id, unitIds, userIds });
  }, 600_000);
  afterAll(() => node?.close());

  it("has the demo's assets in CNY and USD at several stages, each linked to a fugitive", async () => {
    expect(seeded).toBe(DEMO_ASSETS.length);
    const list = await zhao.req<{ items: AssetSummary[] }>("GET", "/api/v1/assets?limit=200");
    expect(list.body.items).toHaveLength(DEMO_ASSETS.length);
    expect(list.body.items.every((a) => a.fugitiveIds.length === 1)).toBe(true);
    const currencies = new Set(list.body.items.map((a) => a.currency));
    expect([...currencies].sort()).toEqual(["BTC", "CNY", "USD"]);
    const stages = new Set(list.body.items.map((a) => a.stage));
    for (const s of ["identified", "traced", "frozen", "seized", "confiscated", "returned"])
      expect(stages.has(s as AssetSummary["stage"]), s).toBe(true);

    const t = await zhao.req<AssetTotals>("GET", "/api/v1/assets/totals");
    const returned = (c: string) => t.body.rows.find((r) => r.currency === c && r.stage === "returned");
    expect(returned("CNY")?.amount.amount).toBe("9800000.00");
    expect(returned("USD")?.amount.amount).toBe("2500000.00");
    expect(t.body.rows.find((r) => r.currency === "BTC" && r.stage === "frozen")?.amount.amount).toBe(
      "12.75000000",
    );
    expect(t.body.values.map((v) => [v.currency, v.value.amount])).toEqual([
      ["BTC", "15.50000000"],
      ["CNY", "18080000.00"],
      ["USD", "5136500.00"],
    ]);
  });
});
