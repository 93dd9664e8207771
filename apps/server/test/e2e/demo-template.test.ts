import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { pgliteTemplateDir } from "../../src/db/pglite-template.js";
import { ensureConsoleBuilt } from "../support/browser.js";
import { runCliAsync, runScriptAsync } from "../support/cli.js";
import { DB_KIND, describeDb } from "../support/node.js";

// `npm run demo` prepares the embedded database's template (initdb and every migration) before the demo's start
// is timed (`crossline demo --prepare`, pglite-template.ts). One process builds it and the others wait for it,
// also when the process that had started building it is gone. PGlite only: a node on PostgreSQL has no template.
const DEMO_SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../scripts/demo.mjs",
);

describeDb("the demo's database template", () => {
  // Made in beforeAll, not when the file is collected: on PostgreSQL every test here is skipped, the hooks do
  // not run, and a directory made at collection was left behind in each run.
  let tmp = "";
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "crossline-template-test-"));
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it.skipIf(DB_KIND !== "pglite")(
    "is built once by one of several processes, and over the lock of a builder that is gone",
    async () => {
      // An empty temporary directory (the template's home) is a fresh machine's.
      const env = { TMPDIR: tmp, DATABASE_URL: "" };
      const name = path.basename(pgliteTemplateDir());
      const built = (s: string) =>
        /^The demo's database template is built \(\d+\.\d s, once per machine/.test(s);
      const ready = "The demo's database template is ready.\n";

      const runs = await Promise.all([1, 2, 3].map(() => runCliAsync(["demo", "--prepare"], env)));
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expect(runs.filter((r) => built(r.stdout))).toHaveLength(1);
      expect(runs.filter((r) => r.stdout === ready)).toHaveLength(2);
      expect(existsSync(path.join(tmp, name, "ready"))).toBe(true);
      expect(existsSync(path.join(tmp, name, "pgdata", "PG_VERSION"))).toBe(true);
      // the lock is gone, and nothing half-built is left beside the template
      expect(readdirSync(tmp).filter((f) => f.startsWith("crossline-pglite-template-"))).toEqual([name]);
      expect(await runCliAsync(["demo", "--prepare"], env)).toMatchObject({ code: 0, stdout: ready });
      const json = await runCliAsync(["demo", "--prepare", "--json"], env);
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({ template: path.join(tmp, name, "pgdata"), builtMs: null });

      // A builder killed half-way left its lock, whose pid names no process: taken over, not waited for.
      rmSync(path.join(tmp, name), { recursive: true });
      const lock = path.join(tmp, `${name}.building`);
      mkdirSync(lock);
      writeFileSync(path.join(lock, "pid"), "2147483646");
      const after = await runCliAsync(["demo", "--prepare"], env);
      expect(after.code, after.stderr).toBe(0);
      expect(built(after.stdout)).toBe(true);
      expect(readdirSync(tmp).filter((f) => f.startsWith("crossline-pglite-template-"))).toEqual([name]);
    },
  );

  it.skipIf(DB_KIND !== "pglite")(
    "npm run demo's script builds what is stale, prepares the template, then runs the demo with its options",
    async () => {
      await ensureConsoleBuilt();
      const run = (args: string[]) => runScriptAsync(DEMO_SCRIPT, args, { TMPDIR: tmp, DATABASE_URL: "" });
      const help = await run(["--help"]);
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toContain("console build is up to date");
      expect(help.stdout).toContain("server build is up to date");
      // (built by the test before, or now when this one runs alone)
      const prepared = help.stdout.search(/The demo's database template is (ready|built)/);
      expect(prepared).toBeGreaterThan(-1);
      // the demo's own help, after the steps before it
      expect(help.stdout.indexOf("CROSSLINE_DEMO_PORT_OFFSET")).toBeGreaterThan(prepared);
      // the demo's exit code comes through (2: bad usage)
      const bad = await run(["--bogus"]);
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toMatch(/unknown option '--bogus'/);
    },
  );
});
