import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { pgliteTemplateDir } from "../../src/db/pglite-template.js";
import { runCliAsync } from "../support/cli.js";
import { DB_KIND, describeDb } from "../support/node.js";

// `npm run demo` prepares the embedded database's template (initdb and every migration) before the demo's start
// is timed (`crossline demo --prepare`, pglite-template.ts). One process builds it and the others wait for it,
// also when the process that had started building it is gone. PGlite only: a node on PostgreSQL has no template.
describeDb("the demo's database template", () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "crossline-template-test-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.skipIf(DB_KIND !== "pglite")(
    "is built once by one of several processes, over the lock of a builder that is gone",
    async () => {
      // An empty temporary directory (the template's home) is a fresh machine's.
      const env = { TMPDIR: tmp, DATABASE_URL: "" };
      // A builder killed mid-way left its lock: its pid names no process.
      const name = path.basename(pgliteTemplateDir());
      const lock = path.join(tmp, `${name}.building`);
      mkdirSync(lock);
      writeFileSync(path.join(lock, "pid"), "2147483646");

      const runs = await Promise.all([1, 2, 3].map(() => runCliAsync(["demo", "--prepare"], env)));
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      const said = runs.map((r) => r.stdout.trim()).sort();
      expect(said.filter((s) => /is built \(\d+\.\d s, once per machine/.test(s))).toHaveLength(1);
      expect(said.filter((s) => s === "The demo's database template is ready.")).toHaveLength(2);
      expect(existsSync(path.join(tmp, name, "ready"))).toBe(true);
      expect(existsSync(path.join(tmp, name, "pgdata", "PG_VERSION"))).toBe(true);
      // the lock is gone, and nothing half-built is left beside the template
      expect(readdirSync(tmp).filter((f) => f.startsWith("crossline-pglite-template-"))).toEqual([name]);

      const again = await runCliAsync(["demo", "--prepare"], env);
      expect(again).toMatchObject({ code: 0, stdout: "The demo's database template is ready.\n" });
    },
  );
});
