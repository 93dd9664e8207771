import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import { configFilePath } from "../config.js";
import { users } from "../db/schema/index.js";
import { cliActor } from "../modules/node/node.service.js";
import { initNodeDir } from "../runtime/init.js";
import { DEMO_NODES, DEMO_PASSWORD, type DemoNodeSpec } from "./demo-data.js";
import { seedDemoRequests } from "./demo-requests.js";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/crossline.mjs");

export interface DemoNodeInfo {
  id: string;
  name: string;
  url: string;
  dataDir: string;
  timeZone: string;
  adminToken: string;
  signIns: { username: string; password: string; roles: string[] }[];
}

/** Creates one demo node with its units, officers (fixed demo password, MFA optional) and an admin API token. */
async function createDemoNode(spec: DemoNodeSpec, dataDir: string): Promise<DemoNodeInfo> {
  const url = `http://127.0.0.1:${spec.port}`;
  const r = await initNodeDir(
    dataDir,
    {
      id: spec.id,
      name: spec.name,
      nameZh: spec.nameZh,
      agencyName: spec.agency,
      agencyNameZh: spec.agencyZh,
      timeZone: spec.timeZone,
      adminUsername: "admin",
      adminDisplayName: spec.language === "zh-CN" ? "系统管理员 (admin)" : "Node administrator",
      adminPassword: DEMO_PASSWORD,
    },
    { port: spec.port, host: "127.0.0.1", publicUrl: url, mfaRequired: false, logLevel: "info" },
  );
  const { services } = r.runtime;
  try {
    const ctx = { actor: cliActor(`demo@${hostname()}`), ip: null, requestId: null };
    const [agency] = await services.org.listAgencies(ctx);
    const unitIds = new Map<string, string>();
    for (const u of await services.org.listUnits(ctx)) unitIds.set(u.name, u.id);
    for (const u of spec.units) {
      const unit = await services.org.createUnit(ctx, {
        agencyId: agency.id,
        name: u.name,
        nameZh: u.nameZh,
      });
      unitIds.set(u.name, unit.id);
    }
    const userIds = new Map<string, string>();
    for (const u of spec.users) {
      const created = await services.users.create(ctx, {
        username: u.username,
        displayName: u.displayName,
        unitId: unitIds.get(u.unit) as string,
        roles: u.roles,
        language: spec.language,
        timeZone: spec.timeZone,
        password: DEMO_PASSWORD,
      });
      // Demo officers sign in with the printed password straight away.
      await services.db.update(users).set({ mustChangePassword: false }).where(eq(users.id, created.user.id));
      userIds.set(u.username, created.user.id);
    }
    await seedDemoRequests(services, ctx, { nodeId: spec.id, unitIds, userIds });
    await services.db.update(users).set({ language: spec.language }).where(eq(users.id, r.adminId));
    const token = await services.tokens.create(ctx, {
      name: "demo admin token",
      userId: r.adminId,
      expiresInDays: 366,
    });
    return {
      id: spec.id,
      name: spec.name,
      url,
      dataDir,
      timeZone: spec.timeZone,
      adminToken: token.secret,
      signIns: [
        { username: "admin", password: DEMO_PASSWORD, roles: ["admin"] },
        ...spec.users.map((u) => ({ username: u.username, password: DEMO_PASSWORD, roles: u.roles })),
      ],
    };
  } finally {
    await r.runtime.close();
  }
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the node at ${url} exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the node at ${url} did not become ready in ${timeoutMs / 1000}s`);
}

export async function runDemo(opts: { reset: boolean; dir?: string }): Promise<void> {
  const root = path.resolve(opts.dir ?? process.env.CROSSLINE_DEMO_DIR ?? ".crossline-demo");
  if (opts.reset) rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const manifestPath = path.join(root, "demo.json");
  const previous: { nodes: DemoNodeInfo[] } = existsSync(manifestPath)
    ? JSON.parse(readFileSync(manifestPath, "utf8"))
    : { nodes: [] };
  const nodes: DemoNodeInfo[] = [];
  for (const spec of DEMO_NODES) {
    const dataDir = path.join(root, spec.id);
    const known = previous.nodes.find((n) => n.id === spec.id);
    if (existsSync(configFilePath(dataDir)) && known) {
      nodes.push(known);
      continue;
    }
    if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
    process.stdout.write(`Creating demo node ${spec.id} in ${dataDir} …\n`);
    nodes.push(await createDemoNode(spec, dataDir));
  }
  writeFileSync(manifestPath, `${JSON.stringify({ nodes }, null, 2)}\n`, { mode: 0o600 });

  const children: ChildProcess[] = [];
  const stopAll = () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  };
  process.on("SIGINT", stopAll);
  process.on("SIGTERM", stopAll);
  for (const n of nodes) {
    const log = createWriteStream(path.join(n.dataDir, "serve.log"), { flags: "a" });
    const child = spawn(process.execPath, [BIN, "serve"], {
      env: { ...process.env, CROSSLINE_DATA_DIR: n.dataDir, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    children.push(child);
  }
  try {
    await Promise.all(nodes.map((n, i) => waitReady(n.url, children[i])));
  } catch (e) {
    stopAll();
    throw e;
  }
  const lines = ["", "Crossline demo is running (Ctrl-C stops both nodes):", ""];
  for (const n of nodes) {
    lines.push(`  ${n.id.padEnd(8)} ${n.name}`);
    lines.push(
      `           ${n.url}   (API docs ${n.url}/api/docs, log ${path.join(n.dataDir, "serve.log")})`,
    );
    lines.push(`           sign in as: ${n.signIns.map((s) => s.username).join(", ")}`);
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
