import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Issue 10 point 2: each module owns its tables; no module queries another's, it asks the owner through a
 * narrow port. This test reads the sources: every table object imported from `db/schema` and every table
 * named in raw SQL (`from`, `join`, `into`, `update`) by a file under `src/modules/<m>/` must belong to
 * module `m`, or be one of the few reads listed below with the reason it stays.
 */
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src");

/** Table (as exported by db/schema) → the module that owns it. */
const OWNER: Record<string, string> = {
  // node: identity, keys and the node-wide settings every domain keeps its policy in (node.settings.ts)
  nodeIdentity: "node",
  nodeKeys: "node",
  nodeSettings: "node",
  agencies: "org",
  units: "org",
  users: "users",
  sessions: "auth",
  apiTokens: "auth",
  auditLog: "audit",
  auditHead: "audit",
  auditCheckpoints: "audit",
  auditCheckpointAcks: "audit",
  auditPeerCheckpoints: "audit",
  auditPeerRestores: "audit",
  auditAnchorQueries: "audit",
  peers: "federation",
  outSeq: "federation",
  peerInvitations: "federation",
  outbox: "federation",
  inbox: "federation",
  pings: "federation",
  blobs: "federation",
  blobChunks: "federation",
  dutyShifts: "hotline",
  hotlineLog: "hotline",
  notifications: "notifications",
  mailOutbox: "notifications",
  requests: "requests",
  requestEvents: "requests",
  requestMessages: "requests",
  preservationExtensions: "requests",
  requestIdentifierChanges: "requests",
  sharedObjects: "shared-objects",
  sharedObjectHolders: "shared-objects",
  persons: "persons",
  personVersions: "persons",
  personLinks: "persons",
  personNameKeys: "persons",
  personMerges: "persons",
  accessLog: "access-log",
  accessLogSeals: "access-log",
  accessLogPolicy: "access-log",
  cases: "cases",
  caseMembers: "cases",
  caseSubjects: "cases",
  caseIdentifiers: "cases",
  caseEvidence: "cases",
  caseCustody: "cases",
  caseTasks: "cases",
  caseNotes: "cases",
  caseShares: "cases",
  fugitives: "fugitives",
  fugitiveVersions: "fugitives",
  fugitiveLists: "fugitives",
  fugitiveListEntries: "fugitives",
  fugitiveCopies: "fugitives",
  fugitiveReports: "fugitives",
  fugitivePhotos: "fugitives",
  fugitiveReportEvidence: "fugitives",
  assets: "assets",
  assetStages: "assets",
  assetVersions: "assets",
  assetCopies: "assets",
  fugitiveNameKeys: "fugitives",
  repatriationCases: "repatriation",
  correlationIdentifiers: "correlation",
  correlationHits: "correlation",
  indicators: "indicators",
  indicatorImports: "indicators",
  stixObjects: "indicators",
  taxiiCollections: "indicators",
  taxiiStatus: "indicators",
  indicatorFeedClock: "indicators",
  lawfulRecords: "lawful",
  lawfulFlags: "lawful",
  lawfulRefusals: "lawful",
  lawfulSettings: "lawful",
  providers: "providers",
  providerUsers: "providers",
  notices: "providers",
  noticeEvents: "providers",
  noticeMessages: "providers",
  noticeFiles: "providers",
  rounds: "rounds",
  roundProposals: "rounds",
  roundAlerts: "rounds",
  roundCalendarTokens: "rounds",
  // the sign-in and API rate limits (db/rate-limit.ts, used by auth and the public routes)
  rateLimits: "auth",
};

/** Reads across a boundary that stay, each with its reason: `module → table`. */
const ALLOWED: Record<string, string> = {
  "node → agencies": "a node is created with its agency, and its summary names it",
  "node → units": "a node is created with its first unit and administrator, in one transaction",
  "node → users": "a node is created with its first unit and administrator, in one transaction",
  "auth → users": "signing in checks the credential the users module keeps (the identity's other half)",
  "auth → units": "a session carries its user's unit and agency, read with the credential",
  "users → sessions": "disabling a user or resetting a password ends their sessions in the same transaction",
  "users → units": "a user is created into a unit, checked in the same transaction",
  "hotline → requests":
    "the hotline log's lines show their request (a read-only join, indexed by request id)",
  "backup → *": "a backup is the whole database, read in one snapshot",
};

interface Use {
  module: string;
  file: string;
  table: string;
}

function tablesBySchemaName(): { byExport: Set<string>; bySqlName: Map<string, string> } {
  const byExport = new Set<string>();
  const bySqlName = new Map<string, string>();
  const dir = path.join(SRC, "db/schema");
  for (const f of readdirSync(dir)) {
    const text = readFileSync(path.join(dir, f), "utf8");
    for (const m of text.matchAll(/export const (\w+) = pgTable\(\s*"(\w+)"/g)) {
      byExport.add(m[1] as string);
      bySqlName.set(m[2] as string, m[1] as string);
    }
  }
  return { byExport, bySqlName };
}

function moduleFiles(): { module: string; file: string }[] {
  const out: { module: string; file: string }[] = [];
  const root = path.join(SRC, "modules");
  const walk = (dir: string, module: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, module);
      else if (e.name.endsWith(".ts")) out.push({ module, file: path.relative(SRC, p) });
    }
  };
  for (const m of readdirSync(root, { withFileTypes: true }))
    if (m.isDirectory()) walk(path.join(root, m.name), m.name);
  return out;
}

function uses(): Use[] {
  const { byExport, bySqlName } = tablesBySchemaName();
  const out: Use[] = [];
  for (const { module, file } of moduleFiles()) {
    const text = readFileSync(path.join(SRC, file), "utf8");
    for (const m of text.matchAll(
      /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"[./]*db\/schema(?:\/index)?(?:\.js)?"/g,
    )) {
      for (const raw of (m[1] as string).split(",")) {
        const name =
          raw
            .replace(/^\s*type\s+/, "")
            .split(/\s+as\s+/)[0]
            ?.trim() ?? "";
        if (byExport.has(name)) out.push({ module, file, table: name });
      }
    }
    for (const m of text.matchAll(/\b(?:from|join|into|update)\s+"?(\w+)"?/gi)) {
      const table = bySqlName.get(m[1] as string);
      if (table) out.push({ module, file, table });
    }
  }
  return out;
}

describe("each module owns its tables", () => {
  const all = uses();

  it("finds the modules' table uses (the scan itself works)", () => {
    expect(all.some((u) => u.module === "requests" && u.table === "requests")).toBe(true);
    expect(all.some((u) => u.module === "federation" && u.table === "outbox")).toBe(true);
  });

  it("every table is owned by one module, and no module reads another's except the reads listed", () => {
    const crossings = new Set<string>();
    const unowned = new Set<string>();
    for (const u of all) {
      const owner = OWNER[u.table];
      if (!owner) {
        unowned.add(u.table);
        continue;
      }
      if (owner === u.module) continue;
      const key = `${u.module} → ${u.table}`;
      if (ALLOWED[key] || ALLOWED[`${u.module} → *`]) continue;
      crossings.add(`${key} (${u.file})`);
    }
    expect([...crossings].sort()).toEqual([]);
    expect([...unowned].sort()).toEqual([]);
  });

  it("every table of the schema has its owner", () => {
    const { byExport } = tablesBySchemaName();
    expect([...byExport].filter((t) => !OWNER[t]).sort()).toEqual([]);
  });

  it("every listed exception is still needed", () => {
    const found = new Set(all.map((u) => `${u.module} → ${u.table}`));
    const stale = Object.keys(ALLOWED).filter((k) => !k.endsWith("*") && !found.has(k));
    expect(stale).toEqual([]);
  });
});

/**
 * Issue 10 point 2: a module's queries are in its repo (`<domain>.repo.ts`, or a `<domain>.<part>-repo.ts` it
 * re-exports); services, routes and workers call the repo's functions. A query is a query builder called on a
 * database or transaction handle (`db`, `dbx`, `tx`, `trx`, also as `this.db`, `deps.db`, `(tx ?? db)`):
 * `.select(`, `.selectDistinct(`, `.insert(`, `.update(`, `.delete(`, `.execute(`. The files below still query
 * outside a repo, each with its reason; the list only shrinks.
 */
const QUERIES_OUTSIDE_REPO: Record<string, string> = {
  "modules/backup/backup.dump.ts":
    "a backup reads every table of the schema (and the catalog) in one snapshot: the whole database by design",
  "modules/backup/backup.manifest.ts":
    "a backup's manifest states the node, the audit head and each peer's sequences, read raw in the dump's snapshot",
  "modules/backup/backup.restore.ts":
    "a restore empties and writes back every table of the schema, by design",
  "modules/backup/backup.service.ts":
    "a backup names the node it was taken of (node_identity, read raw like the rest of the backup)",
  "modules/health/health.routes.ts": "the readiness probe's `select 1`: is the database there at all",
};

const QUERY_CALL =
  /\b(?:db|dbx|tx|trx)\)?\s*\.\s*(?:select|selectDistinct|insert|update|delete|execute)\s*\(/g;
const isRepo = (file: string) => /(?:\.|-)repo\.ts$/.test(file);

/** The number of query calls in each module file. */
function queryCalls(): Map<string, number> {
  const out = new Map<string, number>();
  for (const { file } of moduleFiles()) {
    const n = readFileSync(path.join(SRC, file), "utf8").match(QUERY_CALL)?.length ?? 0;
    if (n) out.set(file.split(path.sep).join("/"), n);
  }
  return out;
}

describe("each module's queries are in its repo", () => {
  const calls = queryCalls();

  it("finds the query calls (the scan itself works)", () => {
    expect(calls.get("modules/users/users.repo.ts")).toBeGreaterThan(0);
    expect(calls.get("modules/federation/federation.claim-repo.ts")).toBeGreaterThan(0);
    const chained = "const [r] = await tx\n      .select({ id: t.id })\n      .from(t);";
    expect(chained.match(QUERY_CALL)).toHaveLength(1);
    expect("await (tx ?? this.db).update(t)".match(QUERY_CALL)).toHaveLength(1);
    expect("await repo.update(tx, id, {}); running.delete(p);".match(QUERY_CALL)).toBeNull();
  });

  it("no file but a repo queries the database, except those listed", () => {
    const outside = [...calls.keys()].filter((f) => !isRepo(f) && !QUERIES_OUTSIDE_REPO[f]);
    expect(outside.sort()).toEqual([]);
  });

  it("every listed file still queries (the list shrinks as modules move)", () => {
    const stale = Object.keys(QUERIES_OUTSIDE_REPO).filter((f) => !calls.has(f));
    expect(stale.sort()).toEqual([]);
  });

  // SQL text is written in repos too: a service that builds a fragment (sql`…`) for a repo to run is a query
  // outside the repo all the same (correlation's indexFrom did).
  it("no file but a repo writes SQL text, except those listed", () => {
    const RAW_SQL = /\bsql(?:\.raw)?\s*(?:`|\()/;
    expect("const q = sql`select 1`;").toMatch(RAW_SQL);
    expect("a sql statement").not.toMatch(RAW_SQL);
    const writers = moduleFiles()
      .map(({ file }) => file.split(path.sep).join("/"))
      .filter((f) => !isRepo(f) && RAW_SQL.test(readFileSync(path.join(SRC, f), "utf8")));
    expect(writers.filter((f) => !QUERIES_OUTSIDE_REPO[f]).sort()).toEqual([]);
  });
});
