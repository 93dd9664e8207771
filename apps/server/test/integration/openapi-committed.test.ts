import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { OPENAPI_COMMAND, OPENAPI_FILE, renderOpenApi } from "../../src/http/openapi.js";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";

describeDb("the committed OpenAPI document", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await createTestNode();
  });
  afterAll(() => node?.close());

  it("is the one the code generates", () => {
    const committed = readFileSync(OPENAPI_FILE, "utf8");
    const generated = renderOpenApi(node.rt.app);
    // Compared as text, so key order and formatting count too; the message names what differs and the fix.
    if (committed !== generated) {
      const was = JSON.parse(committed) as { paths: Record<string, Record<string, unknown>> };
      const now = JSON.parse(generated) as { paths: Record<string, Record<string, unknown>> };
      const ops = (d: typeof was) =>
        new Map(
          Object.entries(d.paths).flatMap(([p, o]) =>
            Object.entries(o).map(([m, op]) => [`${m.toUpperCase()} ${p}`, JSON.stringify(op)] as const),
          ),
        );
      const a = ops(was);
      const b = ops(now);
      const changed = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));
      expect.fail(
        `apps/server/openapi.json differs from the code (${changed.slice(0, 20).join(", ") || "outside paths"}): ` +
          `run \`${OPENAPI_COMMAND}\` at the repository root and commit apps/server/openapi.json`,
      );
    }
    expect(committed).toBe(generated);
  });
});
