import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog } from "../../src/db/schema/index.js";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";

/** Unauthenticated floods on the public peer-to-peer routes: bounded audit, limited calls, health answers. */
describeDb("federation: floods from an unknown source", () => {
  let node: TestNode;
  const count = async () => (await node.rt.services.db.select({ id: auditLog.seq }).from(auditLog)).length;
  beforeAll(async () => {
    node = await createTestNode({ id: "US-DOJ", settings: { fedPublicPerIpPerMinute: 20 } });
  });
  afterAll(() => node?.close());

  it("audits a batch of 1,000 garbage envelopes once per reason, counts each in metrics, and keeps /readyz answering", async () => {
    const before = await count();
    const flood = node.rt.app.inject({
      method: "POST",
      url: "/federation/v1/envelopes",
      payload: { envelopes: Array.from({ length: 1000 }, (_, i) => `garbage-${i}`) },
    });
    const t0 = performance.now();
    const ready = await node.rt.app.inject({ method: "GET", url: "/readyz" });
    const readyMs = performance.now() - t0;
    const res = await flood;
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toHaveLength(1000);
    expect(ready.statusCode).toBe(200);
    console.info(`flood: /readyz answered in ${readyMs.toFixed(0)} ms during a 1,000-envelope garbage batch`);
    // One entry (one reason, no claimed sender) where there were 1,000.
    expect((await count()) - before).toBe(1);
    const metrics = await node.rt.app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toContain('crossline_federation_envelopes_rejected_total{reason="MALFORMED"} 1000');
  });

  it("refuses a source past its budget a minute before reading the body, and counts the refusals", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await node.rt.app.inject({
        method: "POST",
        url: "/federation/v1/envelopes",
        payload: { envelopes: ["x"] },
      });
      statuses.push(r.statusCode);
    }
    expect(statuses.filter((x) => x === 429).length).toBeGreaterThanOrEqual(5);
    // Pairing has a tenth of the budget (2 a minute here).
    const pairing = [];
    for (let i = 0; i < 4; i++)
      pairing.push(
        (await node.rt.app.inject({ method: "POST", url: "/federation/v1/pairing", payload: { proof: "x" } }))
          .statusCode,
      );
    expect(pairing.slice(2)).toEqual([429, 429]);
    const metrics = await node.rt.app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toMatch(/crossline_federation_public_refused_total\{route="envelopes"\} [1-9]/);
    expect((await node.rt.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
  });
});
