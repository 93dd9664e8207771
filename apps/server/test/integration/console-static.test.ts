import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";

/**
 * The node serves the console: console routes get the page (always revalidated, so an upgrade is picked
 * up), hashed assets are cached for good, and a missing asset (one of an older build) is a 404, never the
 * page posing as a script.
 */
describeDb("console files", () => {
  let node: TestNode;
  const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-console-"));

  beforeAll(async () => {
    mkdirSync(path.join(dir, "assets"));
    writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>Crossline</title>");
    writeFileSync(path.join(dir, "assets", "index-abc123.js"), "export const x = 1;");
    node = await createTestNode({ settings: { consoleDir: dir } });
  });
  afterAll(async () => {
    await node?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string) => node.rt.app.inject({ method: "GET", url });

  it("answers a console route with the page, revalidated on every load", async () => {
    for (const url of ["/", "/requests/0193a1b2-0000-7000-8000-000000000001", "/hotline?tab=log"]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"], url).toMatch(/^text\/html/);
      expect(res.headers["cache-control"], url).toBe("no-cache");
      expect(res.body).toContain("<title>Crossline</title>");
    }
  });

  it("caches hashed assets for good", async () => {
    const res = await get("/assets/index-abc123.js");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/javascript/);
    expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
  });

  it("answers a missing asset or API route with a 404 error body, not the page", async () => {
    for (const url of ["/assets/index-old999.js", "/favicon-old.svg", "/api/v1/nothing-here"]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error, url).toMatchObject({ code: "NOT_FOUND", requestId: expect.any(String) });
    }
  });
});
