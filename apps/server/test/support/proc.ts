import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Role } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { users as usersTable } from "../../src/db/schema/index.js";
import { cliActor } from "../../src/modules/node/node.service.js";
import { initNodeDir } from "../../src/runtime/init.js";
import { freshDatabaseUrl, TEST_PASSWORD } from "./node.js";
import { freePort } from "./pg-cluster.js";
import { seedPgliteDir } from "./pglite-template.js";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/crossline.mjs");

/** Federation settings that keep real-process tests quick: fast polling, short backoff and leases. */
export const FAST_FEDERATION = {
  fedPollMs: 50,
  fedBackoffBaseMs: 100,
  fedBackoffMaxMs: 1000,
  fedLeaseSeconds: 3,
  fedRequestTimeoutMs: 5000,
};

/** One `crossline serve` OS process of a node (a node on PostgreSQL may have several). */
export class NodeProcess {
  child: ChildProcess | null = null;
  token = "";
  /** The log level of the process (its JSON lines go to `serve.log` in its data directory). */
  logLevel = "warn";
  /** More environment for the process (settings such as CROSSLINE_FED_POLL_MS override its crossline.json). */
  env: Record<string, string> = {};
  constructor(
    readonly nodeId: string,
    readonly dataDir: string,
    readonly port: number,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const log = createWriteStream(path.join(this.dataDir, "serve.log"), { flags: "a" });
    const child = spawn(process.execPath, [BIN, "serve"], {
      env: {
        ...process.env,
        CROSSLINE_DATA_DIR: this.dataDir,
        CROSSLINE_PORT: String(this.port),
        CROSSLINE_HOST: "127.0.0.1",
        DATABASE_URL: "",
        CROSSLINE_LOG_LEVEL: this.logLevel,
        ...this.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (child.exitCode !== null)
        throw new Error(`${this.nodeId} exited with ${child.exitCode}: see ${this.dataDir}/serve.log`);
      try {
        const res = await fetch(`${this.url}/readyz`);
        if (res.ok) {
          this.token = readFileSync(path.join(this.dataDir, "control.token"), "utf8").trim();
          return;
        }
      } catch {
        // not yet listening
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.nodeId} did not become ready`);
  }

  /** The JSON lines the process logged so far. */
  logLines(): Record<string, unknown>[] {
    return readFileSync(path.join(this.dataDir, "serve.log"), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  get running() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill -9: no shutdown hook runs. */
  async kill9(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    const t = setTimeout(() => c.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(t);
  }

  async api<T = unknown>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(this.url + p, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }
}

/** A user created before the node starts: the test password, no password change pending, the first unit. */
export interface SeedUser {
  username: string;
  roles: Role[];
  displayName?: string;
}

export interface ProcNode {
  id: string;
  root: string;
  /** The node's first unit (where seeded users and incoming requests live). */
  unitId: string;
  /** Ids of the seeded users by username. */
  userIds: Record<string, string>;
  /** The first (or only) process; more share the database on PostgreSQL. */
  proc: NodeProcess;
  procs: NodeProcess[];
  /** A second process of the same node on the same PostgreSQL database (own data dir for its control token). */
  addProcess(opts?: { env?: Record<string, string> }): Promise<NodeProcess>;
  cleanup(): Promise<void>;
}

/**
 * Initialises a node in a temp directory (on this tier's database) for running as separate OS processes,
 * optionally in a time zone other than UTC and with users already created.
 */
export async function createProcNode(
  id: string,
  settings: Record<string, unknown> = {},
  opts: { timeZone?: string; users?: SeedUser[] } = {},
): Promise<ProcNode> {
  const root = mkdtempSync(path.join(os.tmpdir(), `crossline-e2e-${id}-`));
  const dataDir = path.join(root, "p0");
  const port = await freePort();
  const databaseUrl = await freshDatabaseUrl();
  if (!databaseUrl) await seedPgliteDir(dataDir);
  const r = await initNodeDir(
    dataDir,
    {
      id,
      name: `Node ${id}`,
      agencyName: `Agency ${id}`,
      timeZone: opts.timeZone ?? "UTC",
      adminUsername: "admin",
      adminDisplayName: "Admin",
      adminPassword: TEST_PASSWORD,
    },
    {
      mfaRequired: false,
      publicUrl: `http://127.0.0.1:${port}`,
      ...FAST_FEDERATION,
      ...(databaseUrl ? { databaseUrl } : {}),
      ...settings,
    },
    { env: {} },
  );
  const { services } = r.runtime;
  const ctx = { actor: cliActor("test"), ip: null, requestId: null };
  const userIds: Record<string, string> = {};
  let unitId: string;
  try {
    unitId = (await services.org.listUnits(ctx))[0].id;
    for (const u of opts.users ?? []) {
      const created = await services.users.create(ctx, {
        username: u.username,
        displayName: u.displayName ?? u.username,
        unitId,
        roles: u.roles,
        language: "en",
        password: TEST_PASSWORD,
      });
      // Officers past their first day: no password change pending.
      await services.db
        .update(usersTable)
        .set({ mustChangePassword: false })
        .where(eq(usersTable.id, created.user.id));
      userIds[u.username] = created.user.id;
    }
  } finally {
    await r.runtime.close();
  }
  const first = new NodeProcess(id, dataDir, port);
  const procs = [first];
  return {
    id,
    root,
    unitId,
    userIds,
    proc: first,
    procs,
    async addProcess(o = {}) {
      if (!databaseUrl) throw new Error("several processes per node need PostgreSQL");
      const dir = path.join(root, `p${procs.length}`);
      mkdirSync(dir, { recursive: true });
      copyFileSync(path.join(dataDir, "crossline.json"), path.join(dir, "crossline.json"));
      const p = new NodeProcess(id, dir, await freePort());
      p.env = { ...o.env };
      procs.push(p);
      return p;
    },
    async cleanup() {
      await Promise.all(procs.map((p) => p.kill9()));
      if (!process.env.CROSSLINE_KEEP_TEST_DIRS) rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Pairs two running nodes through their APIs (invite on `a`, accept on `b`). */
export async function pairProcs(a: NodeProcess, b: NodeProcess): Promise<string> {
  const inv = await a.api<{ invitation: string }>("POST", "/api/v1/peers/invitations");
  if (inv.status !== 201) throw new Error(`invite: ${JSON.stringify(inv.body)}`);
  const acc = await b.api<{ fingerprint: string }>("POST", "/api/v1/peers/accept", {
    invitation: inv.body.invitation,
  });
  if (acc.status !== 201) throw new Error(`accept: ${JSON.stringify(acc.body)}`);
  return acc.body.fingerprint;
}

export interface OutboxItem {
  msgId: string;
  seq: number;
  type: string;
  status: string;
  inReplyTo: string | null;
}
export interface InboxItem {
  msgId: string;
  seq: number;
  type: string;
  status: string;
  reason: string | null;
  appliedAt: string | null;
  payload: unknown;
}

/** Every row of a peer's outbox or inbox, through the API, in seq order. */
export async function allRows<T extends { seq: number }>(
  p: NodeProcess,
  peer: string,
  box: "outbox" | "inbox",
): Promise<T[]> {
  const out: T[] = [];
  let after = 0;
  for (;;) {
    const r = await p.api<{ items: T[] }>("GET", `/api/v1/peers/${peer}/${box}?limit=1000&afterSeq=${after}`);
    if (r.status !== 200) throw new Error(`${box}: ${JSON.stringify(r.body)}`);
    out.push(...r.body.items);
    if (r.body.items.length < 1000) return out;
    after = r.body.items[r.body.items.length - 1].seq;
  }
}

export async function waitUntil<T>(
  fn: () => Promise<T | null | undefined | false>,
  ms: number,
  what: string,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
