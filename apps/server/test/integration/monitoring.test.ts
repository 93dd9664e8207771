import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";

const DEPLOY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../deploy/prometheus");
const PROMTOOL = "/usr/bin/promtool";

/** Metric names an expression of the alert rules uses (crossline_… words). */
const metricsIn = (text: string) => [...new Set(text.match(/crossline_[a-z0-9_]+/g) ?? [])];

/**
 * The example alert rules (deploy/prometheus/alerts.yml): valid for Prometheus, their unit tests pass, and
 * every metric they name exists on a node's /metrics. Without promtool this says so loudly, and fails in CI.
 */
describeDb("monitoring: alert rules and the metrics they use", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await createTestNode();
  });
  afterAll(() => node?.close());

  const promtool = (...args: string[]) => {
    if (!existsSync(PROMTOOL)) {
      if (process.env.CI === "true")
        throw new Error(`${PROMTOOL} is missing: install Debian's prometheus package`);
      console.warn(`SKIPPED: ${PROMTOOL} is not installed; the alert rules were not checked`);
      return null;
    }
    return spawnSync(PROMTOOL, args, { cwd: DEPLOY, encoding: "utf8" });
  };

  it("promtool checks the rules and runs their unit tests", () => {
    const check = promtool("check", "rules", "alerts.yml");
    if (check) expect(check.stdout + check.stderr).toContain("SUCCESS: 10 rules found");
    const test = promtool("test", "rules", "alerts.test.yml");
    if (test) {
      expect(test.status, test.stdout + test.stderr).toBe(0);
      expect(test.stdout).toContain("SUCCESS");
    }
  });

  it("every metric of the rules and of the dashboard exists on /metrics", async () => {
    const res = await node.rt.app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    const exposed = new Set([...res.body.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
    const rules = metricsIn(readFileSync(path.join(DEPLOY, "alerts.yml"), "utf8"));
    expect(rules.length).toBeGreaterThanOrEqual(8);
    const dashboard = metricsIn(readFileSync(path.join(DEPLOY, "../grafana/crossline.json"), "utf8"));
    expect(dashboard.length).toBeGreaterThanOrEqual(8);
    for (const m of [...rules, ...dashboard])
      expect(exposed, m).toContain(m.replace(/_(bucket|sum|count)$/, ""));
  });
});
