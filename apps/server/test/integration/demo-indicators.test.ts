import type { HitView, IndicatorView } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { seedDemoCases } from "../../src/cli/demo-cases.js";
import { DEMO_NODES } from "../../src/cli/demo-data.js";
import { demoFeedOfficer, seedDemoIndicators, shareDemoIndicators } from "../../src/cli/demo-indicators.js";
import { peers } from "../../src/db/schema/index.js";
import { cliActor } from "../../src/modules/node/node.service.js";
import { FederationHub } from "../support/federation-hub.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";

type Page = { items: IndicatorView[] };

/** A caller like the demo's signed-in session: the parsed body, or an error naming the status. */
const caller =
  (a: Agent) =>
  async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const r = await a.req<T>(method, p, body);
    if (r.status >= 300) throw new Error(`${method} ${p}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

/**
 * The demo's indicator feeds, seeded and shared as `crossline demo` does: each node imports its own feed at
 * creation and, once paired, shares it with the other, so one feed travels in each direction (through the
 * in-process hub here; the two-process demo in federation-demo.test.ts). A second start shares nothing again.
 */
describeDb("demo indicator feeds: one shared in each direction", () => {
  const hub = new FederationHub();
  const nodes = new Map<string, TestNode>();
  /** The intake unit's duty officer on each node: received objects land in that unit. */
  const duty = new Map<string, Agent>();
  const officers = new Map<string, Agent>();

  beforeAll(async () => {
    for (const spec of DEMO_NODES) {
      const node = await createTestNode({
        id: spec.id,
        timeZone: spec.timeZone,
        federation: hub.port(spec.id),
      });
      nodes.set(spec.id, node);
      hub.attach(spec.id, node.rt.services.db);
      const ctx = { actor: cliActor("demo"), ip: null, requestId: null };
      const s = node.rt.services;
      const [agency] = await s.org.listAgencies(ctx);
      const unitIds = new Map<string, string>();
      for (const u of spec.units)
        unitIds.set(u.name, (await s.org.createUnit(ctx, { agencyId: agency.id, name: u.name })).id);
      const userIds = new Map<string, string>();
      for (const u of spec.users)
        userIds.set(u.username, (await node.user(u.username, u.roles, unitIds.get(u.unit))).id);
      // as the demo's requests seeding does: what peers send lands in the hotline unit
      const policy = await s.requestPolicy.get(ctx);
      await s.requestPolicy.put(ctx, { ...policy, intakeUnitId: unitIds.get(spec.units[0].name) as string });
      await seedDemoCases(s, { nodeId: spec.id, unitIds, userIds });
      expect(await seedDemoIndicators(s, { nodeId: spec.id, unitIds, userIds })).toBe(5);
      const dutyUser = spec.users.find(
        (u) => u.unit === spec.units[0].name && u.roles.includes("duty_officer"),
      );
      duty.set(spec.id, await node.as(dutyUser?.username as string));
      officers.set(spec.id, await node.as(demoFeedOfficer(spec.id) as string));
    }
    // what pairing leaves behind: each node holds the other as an active peer
    for (const [id, node] of nodes) {
      const other = [...nodes.keys()].find((x) => x !== id) as string;
      await node.rt.services.db.insert(peers).values({
        id: other,
        name: other,
        baseUrl: `http://${other.toLowerCase()}.invalid`,
        state: "active",
        publicKeys: [],
        fingerprint: "TEST0-TEST0-TEST0-TEST0",
      });
    }
  }, 600_000);
  afterAll(async () => {
    for (const n of nodes.values()) await n.close();
  });

  const received = async (id: string) =>
    (await caller(duty.get(id) as Agent)<Page>("GET", "/api/v1/indicators?origin=received&limit=500")).items;

  it("shares each node's feed with the other; each side holds the other's feed read-only, by its owner", async () => {
    const lines: string[] = [];
    for (const [id, other] of [
      ["CN-MPS", "US-DOJ"],
      ["US-DOJ", "CN-MPS"],
    ] as const)
      lines.push(...(await shareDemoIndicators(caller(officers.get(id) as Agent), id, other)));
    expect(lines).toEqual([
      "  Indicator feed CN-MPS → US-DOJ: 5 indicators shared (TLP:GREEN)",
      "  Indicator feed US-DOJ → CN-MPS: 5 indicators shared (TLP:GREEN)",
    ]);
    await hub.flush();
    const atUs = await received("US-DOJ");
    expect(atUs.map((i) => i.value).sort()).toEqual([
      "198.51.100.0/28",
      "203.0.113.45",
      "http://logistics-refund.example/claim",
      "kefu@logistics-refund.example",
      "seagull-pay.example",
    ]);
    expect(atUs.every((i) => i.ownerNode === "CN-MPS" && i.marking.tlp === "GREEN")).toBe(true);
    // the descriptions stay in the owner's language
    expect(atUs.find((i) => i.value === "seagull-pay.example")?.description).toBe(
      "“海鸥”勒索软件赎金支付站点",
    );
    const atCn = await received("CN-MPS");
    expect(atCn.map((i) => i.value).sort()).toEqual([
      "192.0.2.77",
      "203.0.113.45",
      "payroll@schooi-district.example",
      "schooi-district.example",
      "tinderbox-market.example",
    ]);
    expect(atCn.every((i) => i.ownerNode === "US-DOJ")).toBe(true);
  });

  it("the US feed's ransomware C2 is a hit for the CN case that holds the address", async () => {
    const hits = await caller(officers.get("CN-MPS") as Agent)<{ items: HitView[] }>(
      "GET",
      "/api/v1/correlation/hits?limit=100",
    );
    expect(
      hits.items
        .filter((h) => h.value === "203.0.113.45")
        .map((h) => [h.mine.recordType, h.other.recordType])
        .sort(),
    ).toContainEqual(["case", "indicator"]);
  });

  it("a second start shares nothing again", async () => {
    for (const [id, other] of [
      ["CN-MPS", "US-DOJ"],
      ["US-DOJ", "CN-MPS"],
    ] as const)
      expect(await shareDemoIndicators(caller(officers.get(id) as Agent), id, other)).toEqual([]);
    await hub.flush();
    expect(await received("US-DOJ")).toHaveLength(5);
    expect(await received("CN-MPS")).toHaveLength(5);
  });
});
