import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO_NODES, DEMO_PASSWORD } from "../../src/cli/demo-data.js";
import { seedDemoNotices } from "../../src/cli/demo-notices.js";
import { Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";

/** The demo's providers, their staff and notices in several states, on each demo node. */
describeDb("demo providers and notices", () => {
  const nodes = new Map<string, { node: TestNode; staff: { username: string }[] }>();
  beforeAll(async () => {
    for (const spec of DEMO_NODES) {
      const node = await createTestNode({ id: spec.id, timeZone: spec.timeZone });
      const userIds = new Map<string, string>();
      const compliance = spec.users.filter((u) => u.roles.includes("provider_compliance"));
      for (const u of compliance) userIds.set(u.username, (await node.user(u.username, u.roles)).id);
      const staff = await seedDemoNotices(node.rt.services, {
        nodeId: spec.id,
        userIds,
        officer: compliance[0].username,
        approver: compliance[1].username,
      });
      nodes.set(spec.id, { node, staff });
    }
  }, 240_000);
  afterAll(async () => {
    for (const n of nodes.values()) await n.node.close();
  });

  it("gives each side fictitious providers with staff and notices in several states", async () => {
    for (const spec of DEMO_NODES) {
      const { node, staff } = nodes.get(spec.id) as { node: TestNode; staff: { username: string }[] };
      expect(staff.length).toBeGreaterThanOrEqual(2);
      const officer = await node.as(
        spec.users.find((u) => u.roles.includes("provider_compliance"))?.username ?? "",
      );
      const list = await officer.req<{ items: { status: string }[] }>("GET", "/api/v1/notices");
      const states = new Set(list.body.items.map((n) => n.status));
      for (const s of ["draft", "pending_approval", "sent", "in_progress", "done", "refused", "withdrawn"]) {
        expect(states, `${spec.id}: ${s}`).toContain(s);
      }
      // The printed demo sign-in works for provider staff; MFA enrolment comes first, as for every provider user.
      const a = new Agent(node.rt);
      expect((await a.signIn(staff[0].username, DEMO_PASSWORD)).status).toBe(200);
      const blocked = await a.req<{ error: { code: string } }>("GET", "/api/v1/notices");
      expect(blocked.body.error.code).toBe("MFA_ENROLMENT_REQUIRED");
    }
  });
});
