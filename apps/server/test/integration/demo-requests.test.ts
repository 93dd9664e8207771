import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO_NODES, DEMO_PASSWORD } from "../../src/cli/demo-data.js";
import { seedDemoRequests } from "../../src/cli/demo-requests.js";
import { cliActor } from "../../src/modules/node/node.service.js";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";
import type { Detail } from "../support/requests-fixtures.js";

type Board = {
  items: { id: string; status: string; deadlineState: string | null; type: string; direction: string }[];
};

describeDb("demo hotline traffic", () => {
  const nodes = new Map<string, TestNode>();
  beforeAll(async () => {
    for (const spec of DEMO_NODES) {
      const node = await createTestNode({ id: spec.id, timeZone: spec.timeZone });
      nodes.set(spec.id, node);
      const ctx = { actor: cliActor("demo"), ip: null, requestId: null };
      const s = node.rt.services;
      const [agency] = await s.org.listAgencies(ctx);
      const unitIds = new Map<string, string>();
      for (const u of await s.org.listUnits(ctx)) unitIds.set(u.name, u.id);
      for (const u of spec.units)
        unitIds.set(u.name, (await s.org.createUnit(ctx, { agencyId: agency.id, name: u.name })).id);
      const userIds = new Map<string, string>();
      for (const u of spec.users) {
        const unitId = unitIds.get(u.unit) ?? (await s.org.listUnits(ctx))[0].id;
        const created = await node.user(u.username, u.roles, unitId);
        userIds.set(u.username, created.id);
      }
      expect(await seedDemoRequests(s, ctx, { nodeId: spec.id, unitIds, userIds })).toBeGreaterThan(3);
    }
  });
  afterAll(async () => {
    for (const n of nodes.values()) await n.close();
  });

  it("shows open, overdue, escalated and answered requests of several types, the same on both sides", async () => {
    const us = await (nodes.get("US-DOJ") as TestNode).as("duty.miller");
    const cn = await (nodes.get("CN-MPS") as TestNode).as("duty.wang");
    const usBoard = (await us.req<Board>("GET", "/api/v1/requests")).body.items;
    const cnBoard = (await cn.req<Board>("GET", "/api/v1/requests")).body.items;
    expect(usBoard.length).toBeGreaterThanOrEqual(3);
    expect(cnBoard.length).toBeGreaterThanOrEqual(3);
    expect(new Set(usBoard.map((r) => r.status))).toContain("answered");
    expect(usBoard.some((r) => r.deadlineState === "overdue")).toBe(true);
    expect(cnBoard.some((r) => r.deadlineState === "overdue")).toBe(true);
    expect(new Set([...usBoard, ...cnBoard].map((r) => r.type)).size).toBeGreaterThanOrEqual(4);
    const emergency = usBoard.find((r) => r.type === "emergency_disclosure");
    expect(emergency?.status).toBe("delivered");
    // The same request reads the same on the other side (via its requesting unit there).
    const li = await (nodes.get("CN-MPS") as TestNode).as("case.li");
    const mine = await li.req<Detail>("GET", `/api/v1/requests/${emergency?.id}`);
    const theirs = await us.req<Detail>("GET", `/api/v1/requests/${emergency?.id}`);
    expect(mine.body.request.status).toBe(theirs.body.request.status);
    expect(mine.body.request.timeline.map((e) => e.event)).toEqual(
      theirs.body.request.timeline.map((e) => e.event),
    );
    // Drafts awaiting approval stay on the requesting node.
    const pending = (await li.req<Board>("GET", "/api/v1/requests?status=pending_approval")).body.items;
    expect(pending.length).toBe(1);
    expect((await us.req("GET", `/api/v1/requests/${pending[0].id}`)).status).toBe(404);
    const onDuty = await us.req<{ shifts: unknown[] }>("GET", "/api/v1/hotline/on-duty");
    expect(onDuty.body.shifts.length).toBe(1);
    expect(DEMO_PASSWORD).toBeTruthy();
  });
});
