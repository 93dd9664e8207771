import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { OUTSIDE_ROLES, type Role } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import pg from "pg";
import { describe, inject } from "vitest";
import type { GeneratedKey } from "../../src/crypto/keys.js";
import { outSeq, peers, users } from "../../src/db/schema/index.js";
import { systemCtx } from "../../src/lib/actor.js";
import type { Clock } from "../../src/lib/clock.js";
import type { FederationPort } from "../../src/modules/federation/federation.types.js";
import { initNodeDir } from "../../src/runtime/init.js";
import type { NodeRuntime } from "../../src/runtime/node-runtime.js";
import { seedPgliteDir } from "./pglite-template.js";

export const DB_KIND: "pglite" | "postgres" =
  process.env.CROSSLINE_TEST_DB === "postgres" ? "postgres" : "pglite";

function adminUrl(): string | null {
  if (DB_KIND !== "postgres") return null;
  const url = inject("pgUrl");
  return url || null;
}

/** `describe` for suites that need a database: skipped (loudly, by the global setup) when the tier has none. */
export function describeDb(name: string, fn: () => void) {
  const skip = DB_KIND === "postgres" && !adminUrl();
  return (skip ? describe.skip : describe)(`${name} [${DB_KIND}]`, fn);
}

/** A fresh, empty database on the test cluster (postgres tier), or undefined for PGlite. */
export async function freshDatabaseUrl(): Promise<string | undefined> {
  const admin = adminUrl();
  if (!admin) return undefined;
  const name = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
}

export const TEST_PASSWORD = "correct-horse-battery-staple";

export interface Response<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

/** A browser-like client of an in-process node: keeps the session cookie and sends the CSRF token. */
export class Agent {
  cookie: string | null = null;
  csrf: string | null = null;
  constructor(
    readonly rt: NodeRuntime,
    readonly headers: Record<string, string> = {},
  ) {}

  async req<T = Record<string, unknown>>(
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const res = await this.rt.app.inject({
      method: method as "GET",
      url,
      headers: {
        ...this.headers,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf && method !== "GET" ? { "x-csrf-token": this.csrf } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    const setCookie = res.headers["set-cookie"];
    const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
    if (first?.startsWith("crossline_session=")) this.cookie = first.split(";")[0];
    let parsed: unknown = null;
    if (res.body && String(res.headers["content-type"] ?? "").includes("json")) parsed = JSON.parse(res.body);
    return { status: res.statusCode, body: parsed as T, headers: res.headers } satisfies Response<T>;
  }

  async signIn(username: string, password = TEST_PASSWORD, totp?: string) {
    const r = await this.req<{ csrfToken: string }>("POST", "/api/v1/auth/sign-in", {
      username,
      password,
      totp,
    });
    if (r.status === 200) this.csrf = r.body.csrfToken;
    return r;
  }
}

export interface TestNode {
  rt: NodeRuntime;
  dataDir: string;
  adminId: string;
  /** Creates a unit and returns its id. */
  unit(name: string): Promise<string>;
  /** Creates a user with the test password (no password change pending) and returns it. */
  user(username: string, roles: Role[], unitId?: string): Promise<{ id: string; unitId: string }>;
  /** An agent already signed in as that user. */
  as(username: string): Promise<Agent>;
  bearer(secret: string): Agent;
  close(): Promise<void>;
}

/**
 * What pairing leaves behind, without the handshake: `id` as an active peer of the node, holding the public halves
 * of the given keys (the test keeps the private ones to sign as that peer), its address one nobody can reach, and
 * its outgoing sequence counter.
 */
export async function addActivePeer(node: TestNode, id: string, keys: GeneratedKey[]): Promise<void> {
  await node.rt.services.db.insert(peers).values({
    id,
    name: id,
    baseUrl: `http://${id.toLowerCase()}.invalid`,
    state: "active",
    publicKeys: keys.map((k) => ({ ...k.publicJwk, status: "active" as const })),
    fingerprint: "TEST0-TEST0-TEST0-TEST0",
  });
  await node.rt.services.db.insert(outSeq).values({ peerId: id });
}

/** An initialised node in a temporary directory, on this tier's database, running in-process. */
export async function createTestNode(
  opts: {
    id?: string;
    timeZone?: string;
    clock?: Clock;
    settings?: Record<string, unknown>;
    federation?: FederationPort;
  } = {},
): Promise<TestNode> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "crossline-test-"));
  const databaseUrl = await freshDatabaseUrl();
  if (!databaseUrl) await seedPgliteDir(dataDir);
  const r = await initNodeDir(
    dataDir,
    {
      id: opts.id ?? "TEST-A",
      name: "Test node",
      agencyName: "Test agency",
      agencyNameZh: "测试机构",
      timeZone: opts.timeZone ?? "Asia/Shanghai",
      adminUsername: "admin",
      adminDisplayName: "Admin",
      adminPassword: TEST_PASSWORD,
    },
    { mfaRequired: false, logLevel: "silent", ...(databaseUrl ? { databaseUrl } : {}), ...opts.settings },
    { env: {}, clock: opts.clock, federation: opts.federation },
  );
  const rt = r.runtime;
  const admin = new Agent(rt);
  await admin.signIn("admin");
  const adminUnit = (await rt.services.org.listUnits(systemCtx()))[0];
  return {
    rt,
    dataDir,
    adminId: r.adminId,
    async unit(name) {
      const agencies = await admin.req<{ items: { id: string }[] }>("GET", "/api/v1/agencies");
      const res = await admin.req<{ unit: { id: string } }>("POST", "/api/v1/units", {
        agencyId: agencies.body.items[0].id,
        name,
      });
      if (res.status !== 201) throw new Error(`unit: ${JSON.stringify(res.body)}`);
      return res.body.unit.id;
    },
    async user(username, roles, unitId = adminUnit.id) {
      // The API gives an outside role (a provider's staff) only through the providers register, which binds the
      // account to its provider: here such a role is set in the database, unbound (a suite binds it if it needs).
      const officer = roles.filter((r) => !OUTSIDE_ROLES.includes(r));
      const res = await admin.req<{ user: { id: string; unitId: string } }>("POST", "/api/v1/users", {
        username,
        displayName: username,
        unitId,
        roles: officer.length ? officer : ["auditor"],
        password: TEST_PASSWORD,
      });
      if (res.status !== 201) throw new Error(`user: ${JSON.stringify(res.body)}`);
      // Skip the first-sign-in password change: these users stand for officers past their first day.
      await rt.services.db
        .update(users)
        .set({ mustChangePassword: false, ...(officer.length < roles.length ? { roles } : {}) })
        .where(eq(users.id, res.body.user.id));
      return res.body.user;
    },
    async as(username) {
      const a = new Agent(rt);
      const res = await a.signIn(username);
      if (res.status !== 200) throw new Error(`sign-in ${username}: ${JSON.stringify(res.body)}`);
      return a;
    },
    bearer(secret) {
      return new Agent(rt, { authorization: `Bearer ${secret}` });
    },
    async close() {
      await rt.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
