import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { DB_KIND, describeDb } from "../support/node.js";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/crossline.mjs");

/** The README's demo: two nodes pair automatically on first start and a hotline ping works both ways. */
describeDb("the demo pairs CN-MPS and US-DOJ and pings both ways", () => {
  // The demo always runs on the embedded database: once is enough.
  it.runIf(DB_KIND === "pglite")(
    "pairs on first start, pings both ways, and stays paired on restart",
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-demo-test-"));
      const offset = String(20_000 + Math.floor(Math.random() * 20_000));
      const run = () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, [BIN, "demo", "--dir", dir], {
            env: { ...process.env, CROSSLINE_DEMO_PORT_OFFSET: offset, DATABASE_URL: "" },
            stdio: ["ignore", "pipe", "pipe"],
          });
          let out = "";
          const timer = setTimeout(() => {
            child.kill("SIGTERM");
            reject(new Error(`demo did not finish starting:\n${out}`));
          }, 110_000);
          child.stdout.on("data", (d) => {
            out += d.toString();
            if (out.includes("Scripts:")) {
              clearTimeout(timer);
              child.once("exit", () => resolve(out));
              child.kill("SIGTERM");
            }
          });
          child.stderr.on("data", (d) => {
            out += d.toString();
          });
        });
      try {
        const first = await run();
        expect(first).toMatch(
          /Paired CN-MPS and US-DOJ; fingerprint on both sides: [A-Z2-7]{5}(-[A-Z2-7]{5}){3}/,
        );
        expect(first).toMatch(/Hotline test CN-MPS → US-DOJ → CN-MPS: answered in \d+ ms/);
        expect(first).toMatch(/Hotline test US-DOJ → CN-MPS → US-DOJ: answered in \d+ ms/);
        const second = await run();
        expect(second).toMatch(/CN-MPS and US-DOJ are paired \(active\)/);
        expect(second).toMatch(/Hotline test US-DOJ → CN-MPS → US-DOJ: answered in \d+ ms/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
