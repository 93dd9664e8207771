import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { configFilePath, serverPath } from "../lib/paths.js";
import { shareDemoSummaries, signIn } from "./demo-cases.js";
import { DEMO_MAX_NODES, DEMO_PASSWORD, type DemoNodeSpec, demoNodeSpecs } from "./demo-data.js";
import { DEMO_FUGITIVE_OFFICER, publishDemoFugitiveList } from "./demo-fugitives.js";
import { demoFeedOfficer, shareDemoIndicators } from "./demo-indicators.js";
import { DEMO_REPATRIATION_OFFICER, seedDemoRepatriation } from "./demo-repatriation.js";
import { type DemoCaller, seedDemoRounds } from "./demo-rounds.js";
import { CliError, EXIT } from "./exit.js";

const BIN = serverPath("bin", "crossline.mjs");

export interface DemoNodeInfo {
  id: string;
  name: string;
  url: string;
  dataDir: string;
  timeZone: string;
  adminToken: string;
  /** A liaison officer's API token: the demo's rounds are seeded through it (older demo directories lack it). */
  liaisonToken?: string;
  signIns: { username: string; password: string; roles: string[] }[];
}

/** CROSSLINE_DEMO_PORT_OFFSET moves the demo nodes off 4100/4200/4300 (to run a second demo beside the first). */
export function demoPort(spec: DemoNodeSpec): number {
  const raw = process.env.CROSSLINE_DEMO_PORT_OFFSET ?? "0";
  const offset = Number(raw);
  if (!Number.isInteger(offset) || spec.port + offset < 1 || spec.port + offset > 65535)
    throw new CliError(
      `CROSSLINE_DEMO_PORT_OFFSET must be a whole number that keeps the ports between 1 and 65535 (got "${raw}")`,
      EXIT.USAGE,
    );
  return spec.port + offset;
}

/** Whether something (another demo, another program) already listens on 127.0.0.1:port. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
  });
}

/**
 * Refuses to start when a demo port is taken, naming it: otherwise the node would exit with a bare code, or
 * (when an older demo still runs there) the pairing would talk to that older demo instead.
 */
async function assertPortsFree(specs: DemoNodeSpec[]): Promise<void> {
  for (const spec of specs) {
    const port = demoPort(spec);
    if (await portTaken(port))
      throw new CliError(
        `port ${port} (for the demo node ${spec.id}) is already in use, perhaps by a demo that is still running. ` +
          "Stop it, or start this demo on other ports with CROSSLINE_DEMO_PORT_OFFSET (e.g. CROSSLINE_DEMO_PORT_OFFSET=1000).",
        EXIT.STATE,
      );
  }
}

/** The steps of creating one node, in ms each (startup.json: where a fresh start's time goes). */
export type Steps = { step: string; ms: number }[];

/** The output of `crossline demo-create-node`: the node's manifest entry and where its creation's time went. */
export interface CreatedNode {
  node: DemoNodeInfo;
  steps: Steps;
}

/** Starts a process that serves the node at `dataDir`, its output appended to the node's serve.log. */
function serveInChild(dataDir: string, args: string[], children: ChildProcess[]): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, CROSSLINE_DATA_DIR: dataDir, DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return child;
}

/**
 * Creates one demo node in a child process (`crossline demo-create-node`) that then serves it: resolves with
 * the CreatedNode it prints, and from then on appends the child's output to the node's serve.log.
 */
function createInChild(
  spec: DemoNodeSpec,
  dataDir: string,
  nodeCount: number,
  children: ChildProcess[],
): Promise<{ created: CreatedNode; child: ChildProcess }> {
  const child = serveInChild(
    dataDir,
    ["demo-create-node", "--id", spec.id, "--into", dataDir, "--nodes", String(nodeCount)],
    children,
  );
  let out = "";
  let err = "";
  return new Promise((resolve, reject) => {
    const onOut = (d: Buffer) => {
      out += d.toString();
      const end = out.indexOf("\n");
      if (end < 0) return;
      // The first line is the CreatedNode; what follows is the server's log.
      let created: CreatedNode;
      try {
        created = JSON.parse(out.slice(0, end)) as CreatedNode;
      } catch {
        return;
      }
      child.stdout?.off("data", onOut);
      child.stderr?.off("data", onErr);
      child.off("close", onClose);
      const log = createWriteStream(path.join(dataDir, "serve.log"), { flags: "a" });
      log.write(err);
      log.write(out.slice(end + 1));
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      resolve({ created, child });
    };
    const onErr = (d: Buffer) => {
      err += d.toString();
    };
    const onClose = (code: number | null) =>
      reject(new Error(`creating the demo node ${spec.id} failed (exit ${code}):\n${err || out}`));
    child.stdout?.on("data", onOut);
    child.stderr?.on("data", onErr);
    child.on("close", onClose);
  });
}

// Generous: on a loaded machine (a shared CI runner) a node took 50 s to load and open its database.
async function waitReady(url: string, child: ChildProcess, timeoutMs = 180_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the node at ${url} exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the node at ${url} did not become ready in ${timeoutMs / 1000}s`);
}

/** The number of nodes `--nodes` asks for: 2 (CN-MPS, US-DOJ) up to DEMO_MAX_NODES. */
export function parseDemoNodeCount(raw: string | undefined): number {
  if (raw === undefined) return 2;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 2 || n > DEMO_MAX_NODES)
    throw new CliError(
      `--nodes must be a whole number from 2 to ${DEMO_MAX_NODES} (got "${raw}")`,
      EXIT.USAGE,
    );
  return n;
}

/**
 * Where the demo's start-up time goes: each phase in ms since the previous one. `performance.now()` counts
 * from the process's start, so the first phase is loading the CLI itself.
 */
function phaseTimer() {
  let last = 0;
  const phases: { phase: string; ms: number }[] = [];
  return {
    phases,
    mark(phase: string) {
      const now = performance.now();
      phases.push({ phase, ms: Math.round(now - last) });
      last = now;
    },
    sinceStart: () => Math.round(performance.now()),
  };
}

export async function runDemo(opts: { reset: boolean; dir?: string; nodes?: number }): Promise<void> {
  const timer = phaseTimer();
  timer.mark("load the CLI");
  const specs = demoNodeSpecs(opts.nodes ?? 2);
  await assertPortsFree(specs);
  const root = path.resolve(opts.dir ?? process.env.CROSSLINE_DEMO_DIR ?? ".crossline-demo");
  if (opts.reset) rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const manifestPath = path.join(root, "demo.json");
  const previous: { nodes: DemoNodeInfo[] } = existsSync(manifestPath)
    ? JSON.parse(readFileSync(manifestPath, "utf8"))
    : { nodes: [] };
  const creation: Record<string, Steps> = {};
  const children: ChildProcess[] = [];
  const stopAll = () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  };
  process.on("SIGINT", stopAll);
  process.on("SIGTERM", stopAll);
  // Each node to create is created by a process of its own (both cores work, and the database of one is not
  // queued behind the other's), which then serves it: the second node's server starts while the first is
  // still being filled.
  let nodes: DemoNodeInfo[];
  try {
    nodes = await Promise.all(
      specs.map(async (spec): Promise<DemoNodeInfo> => {
        const dataDir = path.join(root, spec.id);
        const known = previous.nodes.find((n) => n.id === spec.id);
        if (existsSync(configFilePath(dataDir)) && known) {
          const child = serveInChild(known.dataDir, ["serve"], children);
          const log = createWriteStream(path.join(known.dataDir, "serve.log"), { flags: "a" });
          child.stdout?.pipe(log);
          child.stderr?.pipe(log);
          await waitReady(known.url, child);
          return known;
        }
        if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
        process.stdout.write(`Creating demo node ${spec.id} in ${dataDir} …\n`);
        const { created, child } = await createInChild(spec, dataDir, specs.length, children);
        creation[spec.id] = created.steps;
        await waitReady(created.node.url, child);
        return created.node;
      }),
    );
  } catch (e) {
    stopAll();
    throw e;
  }
  // Nodes of an earlier, larger demo stay listed, so that `--nodes 3` later finds its third node again.
  const kept = previous.nodes.filter((p) => !nodes.some((n) => n.id === p.id));
  writeFileSync(manifestPath, `${JSON.stringify({ nodes: [...nodes, ...kept] }, null, 2)}\n`, {
    mode: 0o600,
  });
  const created = specs.filter((spec) => creation[spec.id]).map((spec) => spec.id);
  if (created.length) timer.mark(`create ${created.join(", ")} and start the nodes (until /readyz answers)`);
  else timer.mark("start the nodes (until /readyz answers)");
  let federation: string[] = [];
  // ready: every console answers and the nodes are paired (the issue's "first impression" figure)
  let readyMs: number | null = null;
  try {
    const paired = await pairAndPing(nodes);
    federation = paired.lines;
    timer.mark("pair and ping");
    readyMs = timer.sinceStart();
    // the other direction's hotline tests: each node then shows a test of its own on its peers page
    federation.push(...(await Promise.all(paired.links.map(([a, b]) => hotlineTest(b, a)))));
    timer.mark("hotline tests the other way");
    // the demo's records are between CN-MPS and US-DOJ (the first two); a third node only pairs
    federation.push(...(await shareDemoSummaries(nodes.slice(0, 2))));
  } catch (e) {
    federation = [`  Pairing or hotline test failed: ${(e as Error).message} (see the serve logs)`];
  }
  try {
    const cn = nodes.find((x) => x.id === "CN-MPS");
    if (cn)
      federation.push(
        ...(await publishDemoFugitiveList(await signIn(cn.url, DEMO_FUGITIVE_OFFICER), "US-DOJ")),
      );
  } catch (e) {
    federation.push(`  Demo fugitive list not published: ${(e as Error).message}`);
  }
  // each node's indicator feed to the other: a feed in each direction (the third node has none)
  for (const n of nodes.slice(0, 2)) {
    const peer = nodes.slice(0, 2).find((x) => x.id !== n.id);
    const officer = demoFeedOfficer(n.id);
    if (!peer || !officer) continue;
    try {
      federation.push(...(await shareDemoIndicators(await signIn(n.url, officer), n.id, peer.id)));
    } catch (e) {
      federation.push(`  Demo indicator feed of ${n.id} not shared: ${(e as Error).message}`);
    }
  }
  try {
    const us = nodes.find((x) => x.id === "US-DOJ");
    if (us)
      federation.push(
        ...(await seedDemoRepatriation(await signIn(us.url, DEMO_REPATRIATION_OFFICER), "CN-MPS")),
      );
  } catch (e) {
    federation.push(`  Demo repatriation cases not opened: ${(e as Error).message}`);
  }
  try {
    federation.push(...(await seedRounds(nodes)));
  } catch (e) {
    federation.push(`  Demo rounds not seeded: ${(e as Error).message}`);
  }
  timer.mark("share the demo records");
  const startup = {
    readyMs,
    totalMs: timer.sinceStart(),
    phases: timer.phases,
    creation,
    nodes: nodes.length,
  };
  writeFileSync(path.join(root, "startup.json"), `${JSON.stringify(startup, null, 2)}\n`);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  federation.push(
    "",
    `  Start-up: ${readyMs === null ? "not paired" : `ready (consoles answer, paired, a hotline test answered) after ${seconds(readyMs)}`}, banner after ${seconds(startup.totalMs)}:`,
    `    ${timer.phases.map((p) => `${p.phase} ${seconds(p.ms)}`).join(", ")}`,
  );
  const lines = [
    "",
    `Crossline demo is running (Ctrl-C stops ${nodes.length === 2 ? "both nodes" : `all ${nodes.length} nodes`}):`,
    "",
    ...federation,
    "",
  ];
  for (const n of nodes) {
    lines.push(`  ${n.id.padEnd(8)} ${n.name}`);
    lines.push(
      `           ${n.url}   (API docs ${n.url}/api/docs, log ${path.join(n.dataDir, "serve.log")})`,
    );
    lines.push("           sign in as:");
    const width = Math.max(...n.signIns.map((s) => s.username.length));
    for (const s of n.signIns)
      lines.push(`             ${s.username.padEnd(width)}  ${s.roles.map(roleName).join(", ")}`);
    lines.push(`           password for every demo sign-in: ${DEMO_PASSWORD}`);
    lines.push("");
  }
  lines.push(
    `Scripts: ${manifestPath} lists each node's id, URL, data directory and an admin API token.`,
    "",
  );
  process.stdout.write(lines.join("\n"));
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => (c.exitCode !== null ? resolve() : c.on("exit", () => resolve()))),
    ),
  );
  process.stdout.write("Demo stopped.\n");
}

/** The four rounds of 2015–2017 (demo-rounds.ts), once, through each node's liaison officer. */
async function seedRounds(nodes: DemoNodeInfo[]): Promise<string[]> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const callerOf =
    (n: DemoNodeInfo | undefined): DemoCaller =>
    async <T>(method: string, p: string, body?: unknown) => {
      if (!n?.liaisonToken)
        throw new Error("no liaison token in the demo manifest (run the demo with --reset)");
      return api<T>({ ...n, adminToken: n.liaisonToken }, method, p, body);
    };
  const us = callerOf(byId.get("US-DOJ"));
  const cn = callerOf(byId.get("CN-MPS"));
  // The guest holds what the host wrote once both list the same versions of every round.
  const settle = async () => {
    for (let i = 0; i < 200; i++) {
      type L = { items: { id: string; version: number }[] };
      const [a, b] = [await us<L>("GET", "/api/v1/rounds"), await cn<L>("GET", "/api/v1/rounds")];
      const key = (l: L) => JSON.stringify(l.items.map((x) => [x.id, x.version]).sort());
      if (key(a) === key(b)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const n = await seedDemoRounds({ "US-DOJ": us, "CN-MPS": cn }, settle);
  return n
    ? [`  Seeded ${n} dialogue rounds (2015–2017) with signed outcome lists and action items (fictitious)`]
    : [];
}

/** A role as the banner names it ("case_officer" → "case officer"). */
function roleName(role: string): string {
  if (role === "provider_user") return "provider staff (portal; MFA enrolment at first sign-in)";
  return role === "admin" ? "node administrator" : role.replaceAll("_", " ");
}

async function api<T>(node: DemoNodeInfo, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(node.url + p, {
    method,
    headers: {
      authorization: `Bearer ${node.adminToken}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const parsed = (await res.json().catch(() => null)) as T;
  if (!res.ok) throw new Error(`${method} ${p} on ${node.id}: HTTP ${res.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

/**
 * Every two demo nodes pair (the pairs one after the other: pairing takes both ends) and the first pings the
 * second: the ping and its answer cross the link both ways, which is what "ready" waits for. The active `links`
 * are returned for the caller's pings the other way, once the demo counts as ready.
 */
async function pairAndPing(
  nodes: DemoNodeInfo[],
): Promise<{ lines: string[]; links: [DemoNodeInfo, DemoNodeInfo][] }> {
  const lines: string[] = [];
  const links: [DemoNodeInfo, DemoNodeInfo][] = [];
  for (let i = 0; i < nodes.length; i++)
    for (let j = i + 1; j < nodes.length; j++) {
      const [a, b] = [nodes[i], nodes[j]];
      const link = await pairTwo(a, b);
      lines.push(link.line);
      if (link.state !== "active") continue;
      lines.push(await hotlineTest(a, b));
      links.push([a, b]);
    }
  return { lines, links };
}

/** On first start two demo nodes pair (the first invites, the second accepts); later they are found paired. */
async function pairTwo(a: DemoNodeInfo, b: DemoNodeInfo): Promise<{ line: string; state: string }> {
  const peers = await api<{ items: { id: string; state: string; fingerprint: string }[] }>(
    a,
    "GET",
    "/api/v1/peers",
  );
  const link = peers.items.find((p) => p.id === b.id);
  if (link)
    return {
      line: `  ${a.id} and ${b.id} are paired (${link.state}); fingerprint ${link.fingerprint}`,
      state: link.state,
    };
  const inv = await api<{ invitation: string }>(a, "POST", "/api/v1/peers/invitations");
  const acc = await api<{ fingerprint: string }>(b, "POST", "/api/v1/peers/accept", {
    invitation: inv.invitation,
  });
  return {
    line: `  Paired ${a.id} and ${b.id}; fingerprint on both sides: ${acc.fingerprint}`,
    state: "active",
  };
}

/** One hotline test from `from` to `to`: the answer looked for every 25 ms (for up to 15 s). */
async function hotlineTest(from: DemoNodeInfo, to: DemoNodeInfo): Promise<string> {
  const sent = await api<{ pings: { pingId: string }[] }>(from, "POST", `/api/v1/peers/${to.id}/ping`, {
    count: 1,
  });
  const id = sent.pings[0].pingId;
  let rtt: number | null = null;
  for (let i = 0; i < 600 && rtt === null; i++) {
    await new Promise((r) => setTimeout(r, 25));
    const l = await api<{ items: { rttMs: number | null }[] }>(
      from,
      "GET",
      `/api/v1/peers/${to.id}/pings?ids=${id}`,
    );
    rtt = l.items[0]?.rttMs ?? null;
  }
  return rtt === null
    ? `  Hotline test ${from.id} → ${to.id}: no answer yet (it stays queued and is delivered when the link is up)`
    : `  Hotline test ${from.id} → ${to.id} → ${from.id}: answered in ${rtt} ms`;
}
