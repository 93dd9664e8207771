/**
 * `npm run bench:startup` — the demo's first impression (issue 10, point 10), on PGlite as the demo runs:
 * - fresh: `crossline demo` on an empty directory until it is ready (both consoles answer /readyz, the nodes
 *   are paired and a ping from the first has its answer), target ≤ 15 s; then the banner (records shared, rounds seeded);
 * - second start: the same directory again, target ≤ 5 s to ready;
 * - idle memory: each node's resident set after IDLE_SECONDS of nothing, split into the V8 heap, memory
 *   outside it (buffers) and PGlite's WebAssembly memory (from /metrics), against the 470 MB measured before;
 * - idle CPU: each node process's share of a core over the last two thirds of that idle time (/proc: its
 *   threads together; the first third lets the start's after-work end).
 * Each run's phases (from the demo's own `startup.json`) say where the time goes. The builds that `npm run demo`
 * starts with (console, server and the database template, each skipped when up to date) are not included; the
 * server's and the template's are made here first when missing, so the nodes start as the demo's do, and the
 * template's build time is printed apart (a fresh machine's first demo waits for it).
 * BENCH_NODES=3 runs the three-node demo. Results: bench/results/startup.json. The machine is shared: the
 * load average is printed beside the figures.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeResult } from "./lib.js";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../apps/server/bin/crossline.mjs");
const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../apps/server/scripts/build.mjs");
if (spawnSync(process.execPath, [BUILD, "--if-stale"], { stdio: "inherit" }).status !== 0)
  throw new Error("the server build failed");
// As `npm run demo` does beside the console's build: the migrated template the nodes' databases are copied from,
// built here when missing (a fresh machine), with its time printed apart from the demo's.
const prepared = spawnSync(process.execPath, [BIN, "demo", "--prepare", "--json"], { encoding: "utf8" });
if (prepared.status !== 0) throw new Error(`crossline demo --prepare failed:\n${prepared.stderr}`);
const templateBuiltMs = (JSON.parse(prepared.stdout) as { builtMs: number | null }).builtMs;
process.stdout.write(
  templateBuiltMs === null
    ? "The demo's database template is ready.\n"
    : `The demo's database template is built (${(templateBuiltMs / 1000).toFixed(1)} s).\n`,
);
const NODES = Number(process.env.BENCH_NODES ?? 2);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 15);
const FRESH_TARGET_MS = 15_000;
const SECOND_TARGET_MS = 5_000;
const MB = 1024 * 1024;

interface Startup {
  readyMs: number | null;
  totalMs: number;
  phases: { phase: string; ms: number }[];
  creation: Record<string, { step: string; ms: number }[]>;
}

interface Manifest {
  nodes: { id: string; url: string; dataDir: string }[];
}

/** Starts the demo and resolves once its banner is out (the child keeps running). */
function startDemo(dir: string, offset: number): Promise<{ child: ChildProcess; wallMs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, "demo", "--dir", dir, "--nodes", String(NODES)], {
    env: { ...process.env, CROSSLINE_DEMO_PORT_OFFSET: String(offset), DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`the demo did not start in 600 s:\n${out}`));
    }, 600_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes("Scripts:")) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve({ child, wallMs: Math.round(performance.now() - started) });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("exit", (code) => reject(new Error(`the demo exited (${code}):\n${out}`)));
  });
}

function stopDemo(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** One metric's value from a Prometheus text page (the first sample of that name). */
function metric(page: string, name: string): number | null {
  const m = page.match(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, "m"));
  return m ? Number(m[1]) : null;
}

async function nodeMemory(node: Manifest["nodes"][number]) {
  const status = readFileSync(`/proc/${nodePid(node)}/status`, "utf8");
  const kb = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1] ?? NaN);
  const page = await (await fetch(`${node.url}/metrics`)).text();
  const mb = (x: number | null) => (x === null ? null : Math.round((x / MB) * 10) / 10);
  return {
    node: node.id,
    rssMb: Math.round(kb("VmRSS") / 102.4) / 10,
    rssPeakMb: Math.round(kb("VmHWM") / 102.4) / 10,
    heapUsedMb: mb(metric(page, "crossline_nodejs_heap_size_used_bytes")),
    heapTotalMb: mb(metric(page, "crossline_nodejs_heap_size_total_bytes")),
    externalMb: mb(metric(page, "crossline_nodejs_external_memory_bytes")),
    pgliteWasmMb: mb(metric(page, "crossline_database_wasm_memory_bytes")),
  };
}

/** The node process's pid, from its data directory's lock. */
function nodePid(node: Manifest["nodes"][number]): number {
  return (JSON.parse(readFileSync(path.join(node.dataDir, "node.lock"), "utf8")) as { pid: number }).pid;
}

/** CPU seconds a process has used (user + system, all its threads), from /proc/PID/stat. */
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
function cpuSeconds(pid: number): number {
  // the fields after the command's closing parenthesis: utime and stime are the 12th and 13th of them
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

/** What each node's `serve` logged at listen: its uptime then and the steps of opening (runtime/serve.ts). */
function serveStartup(dir: string) {
  const manifest = JSON.parse(readFileSync(path.join(dir, "demo.json"), "utf8")) as Manifest;
  return manifest.nodes.slice(0, NODES).map((n) => {
    const lines = readFileSync(path.join(n.dataDir, "serve.log"), "utf8").split("\n");
    const last = lines.filter((l) => l.includes('"openedInMs"')).at(-1);
    const parsed = last
      ? (JSON.parse(last) as { uptimeMs: number; openedInMs: Record<string, number> })
      : null;
    return { node: n.id, listeningAfterMs: parsed?.uptimeMs ?? null, openedInMs: parsed?.openedInMs ?? null };
  });
}

const seconds = (ms: number | null) => (ms === null ? "—" : `${(ms / 1000).toFixed(1)} s`);

async function run(label: string, dir: string, offset: number) {
  const { child, wallMs } = await startDemo(dir, offset);
  const startup = JSON.parse(readFileSync(path.join(dir, "startup.json"), "utf8")) as Startup;
  process.stdout.write(
    `${label}: ready after ${seconds(startup.readyMs)}, banner after ${seconds(startup.totalMs)} (wall ${seconds(wallMs)})\n` +
      `  ${startup.phases.map((p) => `${p.phase} ${seconds(p.ms)}`).join(", ")}\n`,
  );
  for (const [id, steps] of Object.entries(startup.creation))
    process.stdout.write(`  creating ${id}: ${steps.map((x) => `${x.step} ${x.ms} ms`).join(", ")}\n`);
  const serve = serveStartup(dir);
  for (const n of serve)
    process.stdout.write(
      `  serve ${n.node}: listening ${n.listeningAfterMs} ms after its process started (${Object.entries(
        n.openedInMs ?? {},
      )
        .map(([k, v]) => `${k} ${v} ms`)
        .join(", ")})\n`,
    );
  return { child, result: { ...startup, wallMs, serve } };
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-bench-startup-"));
  const offset = 20_000 + Math.floor(Math.random() * 20_000);
  try {
    const first = await run("fresh directory", dir, offset);
    await stopDemo(first.child);
    const second = await run("second start", dir, offset);
    try {
      process.stdout.write(`idle for ${IDLE_SECONDS} s …\n`);
      const manifest = JSON.parse(readFileSync(path.join(dir, "demo.json"), "utf8")) as Manifest;
      const nodes = manifest.nodes.slice(0, NODES);
      await new Promise((r) => setTimeout(r, (IDLE_SECONDS * 1000) / 3));
      const cpu0 = nodes.map((n) => cpuSeconds(nodePid(n)));
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, (IDLE_SECONDS * 2000) / 3));
      const windowS = (performance.now() - t0) / 1000;
      const idleCpu = nodes.map((n, i) => ({
        node: n.id,
        percentOfACore: Math.round(((cpuSeconds(nodePid(n)) - (cpu0[i] ?? 0)) / windowS) * 1000) / 10,
      }));
      const memory = [];
      for (const n of nodes) memory.push(await nodeMemory(n));
      for (const [i, m] of memory.entries())
        process.stdout.write(
          `  ${m.node}: RSS ${m.rssMb} MB (peak ${m.rssPeakMb} MB); V8 heap ${m.heapUsedMb} of ${m.heapTotalMb} MB, outside the heap ${m.externalMb} MB, PGlite WebAssembly memory ${m.pgliteWasmMb} MB; CPU ${idleCpu[i]?.percentOfACore} % of a core\n`,
        );
      const pass =
        first.result.readyMs !== null &&
        first.result.readyMs <= FRESH_TARGET_MS &&
        second.result.readyMs !== null &&
        second.result.readyMs <= SECOND_TARGET_MS;
      const load = os.loadavg();
      process.stdout.write(
        `fresh ready ${seconds(first.result.readyMs)} (target ≤ ${seconds(FRESH_TARGET_MS)}), second ready ${seconds(second.result.readyMs)} (target ≤ ${seconds(SECOND_TARGET_MS)})  ${pass ? "PASS" : "FAIL"}\n` +
          `load average ${load.map((x) => x.toFixed(2)).join(" ")} on ${os.cpus().length} cores (a shared machine: rough figures)\n`,
      );
      const file = writeResult("startup", {
        nodes: NODES,
        // null: the template was there already (its build is not part of either start)
        templateBuiltMs,
        fresh: first.result,
        second: second.result,
        idleSeconds: IDLE_SECONDS,
        idleMemory: memory,
        idleCpu,
        targets: { freshReadyMs: FRESH_TARGET_MS, secondReadyMs: SECOND_TARGET_MS },
        pass,
        loadAverage: load,
        cpus: os.cpus().length,
      });
      process.stdout.write(`written to ${file}\n`);
      if (!pass) process.exitCode = 1;
    } finally {
      await stopDemo(second.child);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
