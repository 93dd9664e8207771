import type { RepatriationBoard, RepatriationCaseView } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO_REPATRIATION_PLANS, seedDemoRepatriation } from "../../src/cli/demo-repatriation.js";
import { type Agent, describeDb } from "../support/node.js";
import { type TwoNodes, twoNodes } from "../support/requests-fixtures.js";

/** The demo's calls go through the HTTP API as its officer; here through the same routes, in process. */
const caller =
  (a: Agent) =>
  async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const r = await a.req<T>(method, p, body);
    if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

/**
 * The demo's fictitious repatriation cases, opened as `crossline demo` opens them once the nodes are paired:
 * US-DOJ's five cases reach CN-MPS; both boards show the pending ones with one travel document overdue.
 */
describeDb("demo repatriation: five fictitious cases, one overdue, on both sides", () => {
  let t: TwoNodes;
  let us: Agent;
  let cn: Agent;
  beforeAll(async () => {
    t = await twoNodes();
    await t.us.user("fugitive.wilson", ["fugitive_asset"]);
    await t.cn.user("fugitive.zhao", ["fugitive_asset"]);
    us = await t.us.as("fugitive.wilson");
    cn = await t.cn.as("fugitive.zhao");
    const lines = await seedDemoRepatriation(caller(us), "CN-MPS", t.clock.now().getTime());
    expect(lines).toHaveLength(1);
    // A second start opens nothing more.
    expect(await seedDemoRepatriation(caller(us), "CN-MPS", t.clock.now().getTime())).toEqual([]);
    await t.hub.flush();
  }, 360_000);
  afterAll(() => t?.close());

  it("holds the same cases on both sides, one arrived, one refused, and one travel document overdue", async () => {
    const own = (await caller(us)<{ items: RepatriationCaseView[] }>("GET", "/api/v1/repatriation/cases"))
      .items;
    const held = (await caller(cn)<{ items: RepatriationCaseView[] }>("GET", "/api/v1/repatriation/cases"))
      .items;
    expect(own).toHaveLength(DEMO_REPATRIATION_PLANS.length);
    expect(held.map((c) => c.reference).sort()).toEqual(own.map((c) => c.reference).sort());
    expect(own.map((c) => c.status).sort()).toEqual(
      ["arrived", "awaiting_document", "awaiting_document", "awaiting_verification", "not_verified"].sort(),
    );
    for (const a of [us, cn]) {
      const b = await caller(a)<RepatriationBoard>("GET", "/api/v1/repatriation/board");
      expect(b.verifications.map((i) => i.deadlineState)).toEqual(["ok"]);
      expect(b.documents.map((i) => i.deadlineState).sort()).toEqual(["ok", "overdue"]);
      expect(b.documents.find((i) => i.deadlineState === "overdue")?.name.romanised).toBe("Deng Wei");
    }
  });
});
