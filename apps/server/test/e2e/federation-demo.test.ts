import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { demoPortOffset, runCli } from "../support/cli.js";
import { DB_KIND, describeDb } from "../support/node.js";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/crossline.mjs");

/**
 * The README's demo: two nodes pair automatically on first start, a hotline ping works both ways and each node's
 * indicator feed is shared with the other.
 */
describeDb("the demo pairs CN-MPS and US-DOJ and pings both ways", () => {
  // The demo always runs on the embedded database: once is enough.
  it.runIf(DB_KIND === "pglite")(
    "pairs on first start, pings both ways, and stays paired on restart",
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-demo-test-"));
      const offset = String(demoPortOffset());
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
        // an indicator feed in each direction (what arrives: demo-indicators.test.ts)
        expect(first).toContain("Indicator feed CN-MPS → US-DOJ: 5 indicators shared (TLP:GREEN)");
        expect(first).toContain("Indicator feed US-DOJ → CN-MPS: 5 indicators shared (TLP:GREEN)");
        // every sign-in with its role
        expect(first).toMatch(/^\s+admin\s+node administrator$/m);
        expect(first).toMatch(/^\s+\S+\s+case officer$/m);
        expect(first).toMatch(/^\s+\S+\s+duty officer$/m);
        // each node is set up in its own language (its console opens in it: startup.browser.test.ts)
        const language = (id: string) =>
          (JSON.parse(readFileSync(path.join(dir, id, "crossline.json"), "utf8")) as { language?: string })
            .language;
        expect(language("CN-MPS")).toBe("zh-CN");
        expect(language("US-DOJ")).toBe("en");
        const second = await run();
        expect(second).toMatch(/CN-MPS and US-DOJ are paired \(active\)/);
        expect(second).toMatch(/Hotline test US-DOJ → CN-MPS → US-DOJ: answered in \d+ ms/);
        // shared once: nothing left to share on a restart, and no failure either
        expect(second).not.toContain("Indicator feed");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it.runIf(DB_KIND === "pglite")("names the taken port and stops when a demo port is in use", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-demo-test-"));
    const offset = demoPortOffset();
    // something else (here: a plain TCP server, as an older demo would be) holds US-DOJ's port
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(4200 + offset, "127.0.0.1", resolve));
    try {
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, "demo", "--dir", dir], {
          env: { ...process.env, CROSSLINE_DEMO_PORT_OFFSET: String(offset), DATABASE_URL: "" },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (d) => {
          out += d.toString();
        });
        child.stderr.on("data", (d) => {
          out += d.toString();
        });
        child.on("exit", (code) => resolve({ code, out }));
      });
      expect(r.code).toBe(3);
      expect(r.out).toContain(`port ${4200 + offset} (for the demo node US-DOJ) is already in use`);
      expect(r.out).toContain("CROSSLINE_DEMO_PORT_OFFSET");
      // it stops before creating anything (no node created, no pairing attempted)
      expect(r.out).not.toContain("Creating demo node");
    } finally {
      holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("documents CROSSLINE_DEMO_PORT_OFFSET in `crossline demo --help` and the README", () => {
    const help = runCli(["demo", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("CROSSLINE_DEMO_PORT_OFFSET");
    expect(readFileSync(path.join(BIN, "../../../../README.md"), "utf8")).toContain(
      "CROSSLINE_DEMO_PORT_OFFSET",
    );
  });
});
