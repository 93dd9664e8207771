import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { demoPortOffset, runCli } from "../support/cli.js";
import { DB_KIND, describeDb } from "../support/node.js";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/crossline.mjs");

/** Starts `crossline demo` with `args`; resolves with its output once the banner is out (the demo keeps running). */
function startDemo(args: string[], offset: string): Promise<{ child: ChildProcess; out: string }> {
  const child = spawn(process.execPath, [BIN, "demo", ...args], {
    env: { ...process.env, CROSSLINE_DEMO_PORT_OFFSET: offset, DATABASE_URL: "" },
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

/** Starts the demo on `dir`, stops it once its banner is out, and returns the banner. */
async function demoBanner(args: string[], offset: string): Promise<string> {
  const { child, out } = await startDemo(args, offset);
  await stop(child);
  return out;
}

/**
 * The README's demo, one data directory through three starts: the two nodes pair automatically on the first, a
 * hotline ping works both ways and each node's indicator feed is shared with the other; the second finds them
 * paired; the third, with `--nodes 3`, adds XA-NCU, a fictitious agency paired with both (issue 10, point 9).
 * The demo always runs on the embedded database: once is enough.
 */
describeDb("the demo pairs CN-MPS and US-DOJ, pings both ways, and takes a third node", () => {
  const runs = DB_KIND === "pglite";
  let dir = "";
  const offset = String(demoPortOffset());
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "crossline-demo-test-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.runIf(runs)("pairs on first start, pings both ways and shares a feed each way", async () => {
    const first = await demoBanner(["--dir", dir], offset);
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
    // where the start-up time went
    expect(first).toMatch(
      /Start-up: ready \(consoles answer, paired, a hotline test answered\) after \d+\.\d s/,
    );
    const startup = JSON.parse(readFileSync(path.join(dir, "startup.json"), "utf8")) as {
      phases: { phase: string; ms: number }[];
      readyMs: number;
    };
    expect(startup.phases.map((p) => p.phase)).toContain(
      "create CN-MPS, US-DOJ and start the nodes (until /readyz answers)",
    );
    expect(startup.readyMs).toBeGreaterThan(0);
    // ready once a ping and its answer crossed the link; the pings the other way come after that mark
    const names = startup.phases.map((p) => p.phase);
    expect(names.indexOf("hotline tests the other way")).toBe(names.indexOf("pair and ping") + 1);
    const untilPaired = startup.phases
      .slice(0, names.indexOf("pair and ping") + 1)
      .reduce((sum, p) => sum + p.ms, 0);
    expect(Math.abs(startup.readyMs - untilPaired)).toBeLessThanOrEqual(names.length);
  });

  it.runIf(runs)("stays paired on restart, and shares nothing twice", async () => {
    const second = await demoBanner(["--dir", dir], offset);
    expect(second).toMatch(/CN-MPS and US-DOJ are paired \(active\)/);
    expect(second).toMatch(/Hotline test US-DOJ → CN-MPS → US-DOJ: answered in \d+ ms/);
    // shared once: nothing left to share on a restart, and no failure either
    expect(second).not.toContain("Indicator feed");
  });

  it.runIf(runs)(
    "with --nodes 3 starts XA-NCU beside CN-MPS and US-DOJ, every two of them paired and pinging",
    async () => {
      const { child, out } = await startDemo(["--dir", dir, "--nodes", "3"], offset);
      try {
        expect(out).toMatch(/CN-MPS and US-DOJ are paired \(active\)/);
        for (const [a, b] of [
          ["CN-MPS", "XA-NCU"],
          ["US-DOJ", "XA-NCU"],
        ])
          expect(out).toMatch(new RegExp(`Paired ${a} and ${b}; fingerprint on both sides: [A-Z2-7]{5}`));
        for (const [a, b] of [
          ["CN-MPS", "US-DOJ"],
          ["CN-MPS", "XA-NCU"],
          ["US-DOJ", "XA-NCU"],
        ]) {
          expect(out).toMatch(new RegExp(`Hotline test ${a} → ${b} → ${a}: answered in \\d+ ms`));
          expect(out).toMatch(new RegExp(`Hotline test ${b} → ${a} → ${b}: answered in \\d+ ms`));
        }
        expect(out).toContain("Ctrl-C stops all 3 nodes");
        // the third agency's fictitious officers are listed with their roles
        expect(out).toMatch(/^\s+XA-NCU\s+National Cybercrime Unit \(Arcadia, fictitious\)$/m);
        expect(out).toMatch(/^\s+duty\.novak\s+duty officer$/m);
        const startup = JSON.parse(readFileSync(path.join(dir, "startup.json"), "utf8")) as {
          phases: { phase: string }[];
          creation: Record<string, { step: string }[]>;
        };
        expect(startup.phases.map((p) => p.phase)).toContain(
          "create XA-NCU and start the nodes (until /readyz answers)",
        );
        expect(startup.creation["XA-NCU"].map((s) => s.step)).toContain("units and officers");
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
        await stop(child);
      }
    },
    450_000,
  );

  it("refuses a node count it does not know, before creating anything", () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), "crossline-demo-test-"));
    try {
      const r = runCli(["demo", "--dir", empty, "--nodes", "4"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--nodes must be a whole number from 2 to 3");
      const help = runCli(["demo", "--help"]);
      expect(help.stdout).toContain("--nodes <count>");
      expect(help.stdout).toContain("XA-NCU");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

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
