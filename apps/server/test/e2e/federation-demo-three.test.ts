import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { demoPortOffset, runCli } from "../support/cli.js";
import { DB_KIND, describeDb } from "../support/node.js";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/crossline.mjs");

/** Starts `crossline demo` with `args`; resolves with its output once the banner is out (the demo keeps running). */
function startDemo(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; out: string }> {
  const child = spawn(process.execPath, [BIN, "demo", ...args], {
    env: { ...process.env, ...env, DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`demo did not finish starting:\n${out}`));
    }, 400_000);
    child.stdout?.on("data", (d) => {
      out += d.toString();
      if (out.includes("Scripts:")) {
        clearTimeout(timer);
        resolve({ child, out });
      }
    });
    child.stderr?.on("data", (d) => {
      out += d.toString();
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited with ${code}:\n${out}`));
    });
  });
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });

/** `npm run demo -- --nodes 3`: a third, fictitious agency paired with both demo nodes (issue 10, point 9). */
describeDb("the three-node demo", () => {
  // The demo always runs on the embedded database: once is enough.
  it.runIf(DB_KIND === "pglite")(
    "starts XA-NCU beside CN-MPS and US-DOJ, every two of them paired and pinging",
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-demo3-test-"));
      const offset = String(demoPortOffset());
      let child: ChildProcess | null = null;
      try {
        const started = await startDemo(["--dir", dir, "--nodes", "3"], {
          CROSSLINE_DEMO_PORT_OFFSET: offset,
        });
        child = started.child;
        const out = started.out;
        for (const [a, b] of [
          ["CN-MPS", "US-DOJ"],
          ["CN-MPS", "XA-NCU"],
          ["US-DOJ", "XA-NCU"],
        ]) {
          expect(out).toMatch(new RegExp(`Paired ${a} and ${b}; fingerprint on both sides: [A-Z2-7]{5}`));
          expect(out).toMatch(new RegExp(`Hotline test ${a} → ${b} → ${a}: answered in \\d+ ms`));
          expect(out).toMatch(new RegExp(`Hotline test ${b} → ${a} → ${b}: answered in \\d+ ms`));
        }
        expect(out).toContain("Ctrl-C stops all 3 nodes");
        // the third agency's fictitious officers are listed with their roles
        expect(out).toMatch(/^\s+XA-NCU\s+National Cybercrime Unit \(Arcadia, fictitious\)$/m);
        expect(out).toMatch(/^\s+duty\.novak\s+duty officer$/m);
        // where the start-up time went
        expect(out).toMatch(/Start-up: ready \(consoles answer, paired\) after \d+\.\d s/);
        const startup = JSON.parse(readFileSync(path.join(dir, "startup.json"), "utf8")) as {
          phases: { phase: string; ms: number }[];
          creation: Record<string, { step: string; ms: number }[]>;
          readyMs: number;
        };
        expect(startup.phases.map((p) => p.phase)).toContain(
          "create CN-MPS, US-DOJ, XA-NCU and start the nodes (until /readyz answers)",
        );
        expect(startup.creation["XA-NCU"].map((s) => s.step)).toContain("units and officers");
        expect(startup.readyMs).toBeGreaterThan(0);
        // the manifest's admin token shows XA-NCU's side of both links, active
        const manifest = JSON.parse(readFileSync(path.join(dir, "demo.json"), "utf8")) as {
          nodes: { id: string; url: string; adminToken: string }[];
        };
        const xa = manifest.nodes.find((n) => n.id === "XA-NCU");
        expect(xa).toBeDefined();
        const res = await fetch(`${xa?.url}/api/v1/peers`, {
          headers: { authorization: `Bearer ${xa?.adminToken}` },
        });
        const peers = ((await res.json()) as { items: { id: string; state: string }[] }).items;
        expect(peers.map((p) => [p.id, p.state]).sort()).toEqual([
          ["CN-MPS", "active"],
          ["US-DOJ", "active"],
        ]);
      } finally {
        if (child) await stop(child);
        rmSync(dir, { recursive: true, force: true });
      }
    },
    450_000,
  );

  it("refuses a node count it does not know, before creating anything", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-demo3-test-"));
    try {
      const r = runCli(["demo", "--dir", dir, "--nodes", "4"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--nodes must be a whole number from 2 to 3");
      const help = runCli(["demo", "--help"]);
      expect(help.stdout).toContain("--nodes <count>");
      expect(help.stdout).toContain("XA-NCU");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
