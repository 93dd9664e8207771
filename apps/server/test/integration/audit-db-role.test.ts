import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { roleWarning } from "../../src/db/roles.js";
import { initNodeDir } from "../../src/runtime/init.js";
import type { NodeRuntime } from "../../src/runtime/node-runtime.js";
import { upload } from "../support/indicators-fixtures.js";
import { Agent, DB_KIND, TEST_PASSWORD } from "../support/node.js";
import { findPgBin } from "../support/pg-cluster.js";

const SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../deploy/postgres/least-privilege.sql",
);

/** Roles only exist on a PostgreSQL server: PGlite is one process's embedded database with no other user. */
const describePg = DB_KIND === "postgres" && inject("pgUrl") ? describe : describe.skip;

describePg("the node as a least-privilege PostgreSQL role [postgres]", () => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const names = { db: `t_role_${suffix}`, owner: `cl_owner_${suffix}`, app: `cl_app_${suffix}` };
  let adminUrl: string;
  let ownerUrl: string;
  let appUrl: string;
  let rt: NodeRuntime;
  let dataDir: string;
  let app: pg.Client;

  const urlAs = (user: string, db: string) => {
    const u = new URL(adminUrl);
    u.username = user;
    u.password = "pw";
    u.pathname = `/${db}`;
    return u.toString();
  };

  /** The error the app role gets for `statement`, or null when it succeeds. */
  const refusal = (statement: string) =>
    app.query(statement).then(
      () => null,
      (e: Error & { code?: string }) => `${e.code} ${e.message}`,
    );

  beforeAll(async () => {
    adminUrl = inject("pgUrl");
    const bin = findPgBin();
    if (!bin) throw new Error("no PostgreSQL binaries");
    // The deployment script itself, run with psql as an administrator would.
    execFileSync(
      path.join(bin, "psql"),
      [
        adminUrl,
        ...["-q", "-v", `db=${names.db}`, "-v", `owner=${names.owner}`, "-v", "owner_password=pw"],
        ...["-v", `app=${names.app}`, "-v", "app_password=pw", "-f", SCRIPT],
      ],
      { stdio: "pipe" },
    );
    ownerUrl = urlAs(names.owner, names.db);
    appUrl = urlAs(names.app, names.db);
    dataDir = mkdtempSync(path.join(os.tmpdir(), "crossline-role-"));
    const r = await initNodeDir(
      dataDir,
      {
        id: "ROLE-A",
        name: "Role test",
        agencyName: "Role agency",
        timeZone: "UTC",
        adminUsername: "admin",
        adminDisplayName: "Admin",
        adminPassword: TEST_PASSWORD,
      },
      { databaseUrl: appUrl, migrationDatabaseUrl: ownerUrl, mfaRequired: false, logLevel: "silent" },
      { env: {} },
    );
    rt = r.runtime;
    app = new pg.Client({ connectionString: appUrl });
    await app.connect();
  }, 300_000);

  afterAll(async () => {
    await app?.end();
    await rt?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("runs as a role that owns nothing and is no superuser; the node still works and audits", async () => {
    const who = await app.query<{ rolsuper: boolean; owns: string }>(
      `select rolsuper, (select count(*) from pg_class c where c.relowner = r.oid)::text as owns
         from pg_roles r where rolname = current_user`,
    );
    expect(who.rows[0]).toEqual({ rolsuper: false, owns: "0" });
    expect(await roleWarning(appUrl)).toBeNull();
    expect(await roleWarning(adminUrl)).toMatch(/superuser/);

    const admin = new Agent(rt);
    await admin.signIn("admin");
    const agencies = await admin.req<{ items: { id: string }[] }>("GET", "/api/v1/agencies");
    const unit = await admin.req("POST", "/api/v1/units", {
      agencyId: agencies.body.items[0].id,
      name: "Unit",
    });
    expect(unit.status).toBe(201);
    const cp = await admin.req("POST", "/api/v1/audit/checkpoints");
    expect(cp.status).toBe(201);
    const { rows } = await app.query<{ n: string }>(
      "select count(*)::text as n from audit_log where action = 'unit.create'",
    );
    expect(rows[0].n).toBe("1");
  });

  it("cannot change, remove or unguard audit entries and checkpoints", async () => {
    for (const statement of [
      "delete from audit_log",
      "delete from audit_log where seq = 1",
      "update audit_log set action = 'forged' where seq = 1",
      "truncate audit_log",
      "delete from audit_checkpoints",
      "update audit_checkpoints set hash = 'x'",
      "delete from audit_peer_checkpoints",
    ]) {
      expect(await refusal(statement), statement).toMatch(/^42501 permission denied for table/);
    }
    expect(await refusal("alter table audit_log disable trigger user")).toMatch(/^42501 must be owner/);
    expect(await refusal("drop trigger audit_log_no_update_delete on audit_log")).toMatch(
      /^42501 must be owner/,
    );
    expect(await refusal("set session_replication_role = replica")).toMatch(
      /^42501 permission denied to set parameter/,
    );
    const { rows } = await app.query<{ n: string }>("select count(*)::text as n from audit_log");
    expect(Number(rows[0].n)).toBeGreaterThan(0);
  });

  it("imports indicators through its temporary staging table (TEMPORARY on the database, nothing more)", async () => {
    const admin = new Agent(rt);
    await admin.signIn("admin");
    const units = await admin.req<{ items: { id: string }[] }>("GET", "/api/v1/units");
    const officer = await admin.req("POST", "/api/v1/users", {
      username: "officer",
      displayName: "Officer",
      password: TEST_PASSWORD,
      unitId: units.body.items[0].id,
      roles: ["case_officer"],
    });
    expect(officer.status).toBe(201);
    // An officer past the first sign-in's password change.
    await app.query("update users set must_change_password = false where username = 'officer'");
    const a = new Agent(rt);
    await a.signIn("officer");
    const r = await upload(a, "kind,value\nip,203.0.113.9\ndomain,staging.example\n");
    expect(r.status).toBe(201);
    expect(r.body.import).toMatchObject({ added: 2, rejected: 0 });
    // Temporary tables, yes; a table of its own in the schema, no.
    expect(await refusal("create temporary table probe (a int)")).toBeNull();
    expect(await refusal("create table probe2 (a int)")).toMatch(/^42501 permission denied for schema/);
  });
});
