import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";

describeDb("OpenAPI document of the requests, hotline, notifications, policy and reports API", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await createTestNode();
  });
  afterAll(() => node?.close());

  it("describes every new route with tags, a summary and its schemas", async () => {
    const res = await node.rt.app.inject({ method: "GET", url: "/api/openapi.json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      paths: Record<
        string,
        Record<string, { tags?: string[]; summary?: string; requestBody?: unknown; parameters?: unknown[] }>
      >;
    };
    const mine = Object.entries(doc.paths).filter(([p]) =>
      /^\/api\/v1\/(requests|hotline|notifications|policy\/requests|reports)/.test(p),
    );
    expect(mine.length).toBeGreaterThanOrEqual(16);
    const missing: string[] = [];
    for (const [p, ops] of mine) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.tags?.length || !op.summary) missing.push(`${method.toUpperCase()} ${p}`);
      }
    }
    expect(missing).toEqual([]);
    const create = doc.paths["/api/v1/requests"].post as {
      requestBody: { content: Record<string, { schema: unknown }> };
    };
    const schema = JSON.stringify(create.requestBody.content["application/json"].schema);
    expect(schema).toContain("riskToLife");
    expect(schema).toContain("mutualAssistanceToFollow");
    const board = doc.paths["/api/v1/requests"].get as { parameters: { name: string }[] };
    expect(board.parameters.map((x) => x.name)).toEqual(
      expect.arrayContaining(["direction", "type", "urgency", "status", "deadline", "cursor", "limit"]),
    );
  });
});
