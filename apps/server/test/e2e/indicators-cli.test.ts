import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ImportReport } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { createTestNode, describeDb } from "../support/node.js";

describeDb("crossline indicators import (a real CLI process)", () => {
  let dataDir: string;
  let token: string;
  beforeAll(async () => {
    const node = await createTestNode({ id: "CN-MPS" });
    await node.user("officer", ["case_officer"]);
    const officer = await node.as("officer");
    token = (
      await officer.req<{ secret: string }>("POST", "/api/v1/tokens", { name: "cli", expiresInDays: 1 })
    ).body.secret;
    dataDir = node.dataDir;
    // Stopped: the CLI opens the node in process (the same API and code path as against a running node).
    await node.rt.close();
  }, 120_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("streams a CSV, prints the report as JSON, and a second run adds nothing", () => {
    const file = path.join(dataDir, "feed.csv");
    const lines = [
      "kind,value",
      ...Array.from({ length: 3000 }, (_, i) => `ip,10.9.${i >> 8}.${i & 255}`),
      "ip,300.1.1.1",
    ];
    writeFileSync(file, lines.join("\n"));
    const r = runCli(["indicators", "import", file, "--token", token, "--json"], {
      CROSSLINE_DATA_DIR: dataDir,
    });
    // Exit 1: some rows were refused (reported); the good ones are kept.
    expect(r.code, r.stderr).toBe(1);
    const rep = JSON.parse(r.stdout) as ImportReport;
    expect(rep).toMatchObject({ format: "csv", fileName: "feed.csv", read: 3001, added: 3000, rejected: 1 });
    expect(rep.problems[0]).toMatchObject({ line: 3002, code: "VALUE_INVALID" });
    const again = JSON.parse(
      runCli(["indicators", "import", file, "--token", token, "--json"], { CROSSLINE_DATA_DIR: dataDir })
        .stdout,
    ) as ImportReport;
    expect(again).toMatchObject({ added: 0, duplicates: 3000 });
  });

  it("refuses a missing token (usage, exit 2) and a bad one (exit 2, the API's error)", () => {
    const file = path.join(dataDir, "feed.csv");
    const none = runCli(["indicators", "import", file], { CROSSLINE_DATA_DIR: dataDir, CROSSLINE_TOKEN: "" });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--token/);
    const bad = runCli(["indicators", "import", file, "--token", "clt_nope"], {
      CROSSLINE_DATA_DIR: dataDir,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/UNAUTHENTICATED/);
  });
});
