import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PGlite, type Transaction, types } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import {
  type ExtractTablesWithRelations,
  getTableColumns,
  type InferSelectModel,
  type Table,
} from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { PGLITE_SHARED_BUFFERS_MB } from "../config.js";
import { MIGRATIONS_DIR } from "../lib/paths.js";
import { grantAppRole, roleOf } from "./roles.js";

/**
 * The database handle every repository takes: PGlite and node-postgres share this type. Drizzle is given no
 * schema: nothing here uses its relational queries (`db.query.<table>`), and with one each transaction built a
 * query builder for every table (88) when it opened, 38 µs of CPU per transaction.
 */
export type Db = PgDatabase<PgQueryResultHKT>;
export type Tx = PgTransaction<
  PgQueryResultHKT,
  Record<string, never>,
  ExtractTablesWithRelations<Record<string, never>>
>;
/** Either the database or an open transaction: repositories accept both. */
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: "pglite" | "postgres";
  databaseUrl?: string;
  /**
   * LISTEN on `channel` (a fixed identifier, never user input): `onPayload` gets each NOTIFY's payload, sent
   * by any process of the node at its commit. The subscription says whether it is live: on PostgreSQL its
   * connection can drop (it reconnects with a back-off), and callers fall back to polling meanwhile.
   * `onLive` runs each time the LISTEN is (re)established: a NOTIFY sent before that was not heard, so
   * callers look once at what they may have missed.
   */
  listen(channel: string, onPayload: (payload: string) => void, onLive?: () => void): Promise<Subscription>;
  /**
   * On PostgreSQL, a connection of this process's own holding the session advisory lock (PRESENCE_LOCK, `key`)
   * for as long as the process lives (reconnected like a LISTEN): other processes of the node read `pg_locks`
   * to tell whether the process that leased work is still there (a kill -9 closes its connection, and the lock
   * goes with it). Null on PGlite: one process, so at its start every lease is a dead process's.
   */
  holdPresence(key: number): Promise<Subscription> | null;
  /** The embedded database's WebAssembly memory in bytes (what PGlite holds); null on PostgreSQL. */
  memoryBytes(): number | null;
  close(): Promise<void>;
}

export interface Subscription {
  live(): boolean;
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]*$/;

export { MIGRATIONS_DIR };

/**
 * PGlite's WebAssembly (9 MB), compiled once per process: every `PGlite.create` compiled it again, and the
 * demo opens a template and each node it creates in one process (tests open two or three nodes in one).
 */
let pgliteWasm: Promise<WebAssembly.Module> | undefined;
// The global WebAssembly object; this project's TypeScript libraries declare only its types.
const wasmApi = (
  globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<WebAssembly.Module> } }
).WebAssembly;
function pgliteWasmModule(): Promise<WebAssembly.Module> {
  // The package's files sit beside its entry point (dist/); pglite.wasm is not an export of its own.
  pgliteWasm ??= readFile(
    path.join(path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite")), "pglite.wasm"),
  ).then((bytes) => wasmApi.compile(bytes));
  return pgliteWasm;
}

export interface DatabaseOptions {
  dataDir: string;
  databaseUrl?: string;
  poolSize?: number;
  /** PGlite only: shared_buffers in MB (config pgliteSharedBuffersMb). */
  pgliteSharedBuffersMb?: number;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) {
    // JIT off: every query here is short, and a plan whose estimate passes jit_above_cost (an identifier search
    // whose reversed-host prefix is overestimated, at 10,000,000 identifiers) spent ~6 ms compiling to run in
    // 0.2 ms (bench/indicators.bench.ts; PGlite has no JIT).
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      options: "-c jit=off",
    });
    pool.on("error", () => {
      // An idle client lost its connection; the pool replaces it. Queries report their own errors.
    });
    const db = drizzlePg({ client: pool }) as unknown as Db;
    const url = opts.databaseUrl;
    return {
      db,
      kind: "postgres",
      databaseUrl: url,
      listen: (channel, onPayload, onLive) => {
        if (!CHANNEL.test(channel)) throw new Error(`bad channel name ${channel}`);
        return sessionPg(url, (c) => c.query(`LISTEN ${channel}`), onPayload, onLive);
      },
      holdPresence: (key) =>
        sessionPg(url, (c) => c.query("select pg_advisory_lock($1::int, $2::int)", [PRESENCE_LOCK, key])),
      memoryBytes: () => null,
      close: () => pool.end(),
    };
  }
  const dir = path.join(opts.dataDir, "pgdata");
  mkdirSync(dir, { recursive: true });
  // pg_trgm backs the board's title search (a trigram index, migration 0024); PostgreSQL ships it as contrib.
  const client = await PGlite.create(dir, {
    extensions: { pg_trgm },
    pgliteWasmModule: await pgliteWasmModule(),
    startParams: [
      ...PGlite.defaultStartParams,
      "-c",
      `shared_buffers=${opts.pgliteSharedBuffersMb ?? PGLITE_SHARED_BUFFERS_MB}MB`,
    ],
  });
  const db = drizzlePglite({ client: parsersOnce(client) }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    async listen(channel, onPayload, onLive) {
      if (!CHANNEL.test(channel)) throw new Error(`bad channel name ${channel}`);
      let open = true;
      const unlisten = await client.listen(channel, onPayload);
      onLive?.();
      return {
        live: () => open && !client.closed,
        async close() {
          if (!open) return;
          open = false;
          if (!client.closed) await unlisten();
        },
      };
    },
    holdPresence: () => null,
    // PGlite keeps its Emscripten module protected; its heap is the WebAssembly memory (it only grows).
    memoryBytes: () =>
      (client as unknown as { mod?: { HEAPU8?: Uint8Array } }).mod?.HEAPU8?.byteLength ?? null,
    close: () => client.close(),
  };
}

/**
 * Drizzle's PGlite driver hands every query the parsers that keep date and time values as the database's text
 * (Drizzle maps them itself), and PGlite then merges those into the client's own parsers for that one query: a
 * copy of an object with one entry per type and array type of the database (about 400, the tables' row types
 * among them), which cost 0.12–0.27 ms of each query's 0.7–1.5 ms (a fifth of the demo's fugitive records).
 * Here the client holds those parsers itself, set once, and Drizzle's queries reach it without them: the same
 * values, one copy fewer per query. `runStatements` sees the same text values (its `rowOf` makes them Dates).
 */
function parsersOnce(client: PGlite): PGlite {
  const raw = (value: string) => value;
  // Drizzle's list (drizzle-orm/pglite/session.js): timestamp, timestamptz, interval, date, and the arrays of
  // numeric, timestamp, timestamptz, interval and date.
  for (const oid of [
    types.TIMESTAMP,
    types.TIMESTAMPTZ,
    types.INTERVAL,
    types.DATE,
    1231,
    1115,
    1185,
    1187,
    1182,
  ])
    client.parsers[oid] = raw;
  type Options = { parsers?: unknown } | undefined;
  const bare = (o: Options) => {
    if (!o?.parsers) return o;
    const { parsers: _, ...rest } = o;
    return rest;
  };
  // Drizzle queries through `query` only; `exec` (runStatements) passes no parsers.
  const query = (c: Pick<Transaction, "query">) => (q: string, params?: unknown[], o?: Options) =>
    c.query(q, params, bare(o));
  return {
    query: query(client),
    exec: (q: string) => client.exec(q),
    transaction: <T>(fn: (tx: Transaction) => Promise<T>) =>
      client.transaction((tx) => fn(Object.assign(Object.create(tx) as Transaction, { query: query(tx) }))),
  } as unknown as PGlite;
}

/** The first key of the session advisory locks that say a process of the node is alive (`holdPresence`). */
export const PRESENCE_LOCK = 7391003;

/**
 * A connection of its own (outside the pool) that runs `setup` (a LISTEN, a session lock) each time it
 * connects, reconnected after a drop with a back-off up to 10 s.
 */
async function sessionPg(
  url: string,
  setup: (c: pg.Client) => Promise<unknown>,
  onPayload?: (payload: string) => void,
  onLive?: () => void,
): Promise<Subscription> {
  let client: pg.Client | null = null;
  let live = false;
  let closed = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    const lost = () => {
      if (client !== c) return;
      live = false;
      client = null;
      c.end().catch(() => undefined);
      if (!closed)
        timer = setTimeout(
          () => void connect().catch(() => undefined),
          Math.min(10_000, 250 * 2 ** failures++),
        );
    };
    c.on("error", lost);
    c.on("end", lost);
    c.on("notification", (m) => onPayload?.(m.payload ?? ""));
    client = c;
    try {
      await c.connect();
      await setup(c);
      if (closed) {
        await c.end();
        return;
      }
      live = true;
      failures = 0;
      onLive?.();
    } catch (e) {
      lost();
      throw e;
    }
  };
  // A first connection that fails is retried like a lost one (lost() has scheduled it): the subscription is
  // returned anyway, not live until then, so the caller can close it and polls meanwhile.
  await connect().catch(() => undefined);
  return {
    live: () => live,
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = null;
      live = false;
      await c?.end().catch(() => undefined);
    },
  };
}

/**
 * Applies pending migrations. On PostgreSQL an advisory lock keeps concurrent starts from racing, and
 * `ownerUrl` (the schema owner) may differ from the role the node runs as (docs/database-roles.md).
 */
export async function runMigrations(database: Database, ownerUrl?: string): Promise<void> {
  if (database.kind === "postgres") {
    // The advisory lock is held by one session, so lock, migrate and unlock on one dedicated connection.
    const client = new pg.Client({ connectionString: ownerUrl ?? database.databaseUrl });
    await client.connect();
    try {
      await client.query("select pg_advisory_lock(7391001)");
      await migratePg(drizzlePg({ client }), { migrationsFolder: MIGRATIONS_DIR });
      const appRole = database.databaseUrl ? roleOf(database.databaseUrl) : null;
      if (ownerUrl && appRole && roleOf(ownerUrl) !== appRole) await grantAppRole(client, appRole);
    } finally {
      await client.query("select pg_advisory_unlock(7391001)").catch(() => undefined);
      await client.end();
    }
  } else {
    await migratePglite(database.db as never, { migrationsFolder: MIGRATIONS_DIR });
  }
}

/** Callbacks to run once the transaction a `tx` (or a savepoint inside it) belongs to has committed. */
const commitHooks = new WeakMap<Tx, (() => void)[]>();

/**
 * Runs `fn` in a transaction. Audit entries and outbox rows are written through the same `tx`. Callbacks
 * registered with `afterCommit` run (in this process only) once the commit has succeeded; not on rollback.
 */
export async function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const hooks: (() => void)[] = [];
  const result = await db.transaction((tx) => {
    commitHooks.set(tx, hooks);
    return fn(tx);
  });
  for (const h of hooks) {
    try {
      h();
    } catch {
      // a hook is an optimisation (a wake-up): it must not fail the committed transaction
    }
  }
  return result;
}

/** A savepoint inside `tx`: callbacks registered on it with `afterCommit` wait for the outer commit. */
export function inSavepoint<T>(tx: Tx, fn: (sp: Tx) => Promise<T>): Promise<T> {
  const hooks = commitHooks.get(tx);
  return tx.transaction((sp) => {
    if (hooks) commitHooks.set(sp, hooks);
    return fn(sp);
  });
}

/**
 * Runs `fn` after the transaction of `tx` commits, if `tx` was opened by `inTransaction` (or `inSavepoint`
 * within one); returns false, without registering, for any other transaction.
 */
export function afterCommit(tx: Tx, fn: () => void): boolean {
  const hooks = commitHooks.get(tx);
  if (!hooks) return false;
  hooks.push(fn);
  return true;
}

/**
 * Sends `text` (several statements separated by semicolons, WITHOUT parameters: the caller inlines its values,
 * never user input) to the database in ONE round trip, through the simple query protocol, and returns each
 * statement's rows as the driver parses them (timestamps as Date on PostgreSQL and as text on PGlite, which
 * `rowOf` turns into Dates; jsonb parsed, bigint as text; column names as
 * in the database: map them with `rowOf`). PostgreSQL runs such a string as one implicit transaction: all or
 * nothing, transaction-level locks and settings held to its end, and under READ COMMITTED each statement with a
 * snapshot of its own, taken when it starts. On PGlite the string runs as one exclusive call too. Takes the
 * database, never a transaction (on PGlite a call beside an open transaction would wait for it forever).
 */
export async function runStatements(db: Db, text: string): Promise<Record<string, unknown>[][]> {
  const client = driverClient(db);
  if (client instanceof pg.Pool) {
    const r = (await client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
    return (Array.isArray(r) ? r : [r]).map((x) => x.rows);
  }
  const results = await (client as PGlite).exec(text);
  return results.map((x) => x.rows as Record<string, unknown>[]);
}

/**
 * Whether statements on `db` outside a transaction can run while a transaction is open: PostgreSQL's pool
 * (another connection), not PGlite (its one connection is the transaction's until it ends: waiting there for
 * such a statement would wait forever).
 */
export function concurrentConnections(db: Db): boolean {
  return driverClient(db) instanceof pg.Pool;
}

/** The driver under Drizzle: node-postgres's pool, or the PGlite instance. */
function driverClient(db: Db): unknown {
  return (db as unknown as { $client: unknown }).$client;
}

/**
 * A row of `table` as `runStatements` returns it (database column names, the driver's own parsing), as Drizzle
 * maps it: property names, bigint columns in number mode as numbers, timestamps as Date.
 */
export function rowOf<T extends Table>(table: T, raw: Record<string, unknown>): InferSelectModel<T> {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const v = raw[column.name];
    if (v === null || v === undefined) row[key] = null;
    else if (column.columnType === "PgTimestamp") row[key] = v instanceof Date ? v : new Date(String(v));
    else if (column.columnType === "PgBigInt53") row[key] = Number(v);
    else row[key] = v;
  }
  return row as InferSelectModel<T>;
}

export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** A value of one COPY text-format field: null is `\N`; backslash, tab, newline and CR are escaped. */
export function copyField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return "\\N";
  const t = typeof v === "number" ? String(v) : v;
  return /[\\\t\n\r]/.test(t)
    ? t.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"))
    : t;
}

/** One COPY text-format line (fields joined by tabs, ended by a newline). */
export const copyLine = (fields: (string | number | null | undefined)[]): string =>
  `${fields.map(copyField).join("\t")}\n`;

const IDENT = /^[a-z_][a-z0-9_]*$/;

/**
 * Streams rows into `table` (a fixed identifier, never user input) with COPY ... FROM STDIN in text format,
 * inside the caller's transaction: `data` is COPY text (lines from `copyLine`), UTF-8, no NUL. On PostgreSQL
 * it goes through the transaction's own connection (pg-copy-streams); on PGlite, which has no COPY
 * sub-protocol, as a blob the server reads from `/dev/blob`. Both load a batch in one statement, without
 * a parameter per value or a JSON document to parse.
 */
export async function copyIn(tx: Tx, table: string, columns: string[], data: string | Buffer): Promise<void> {
  if (!IDENT.test(table) || !columns.every((c) => IDENT.test(c)))
    throw new Error(`copyIn: bad identifier in ${table}(${columns.join(", ")})`);
  const statement = `copy ${table} (${columns.join(", ")}) from`;
  // The transaction's own client: a pg PoolClient, or PGlite's transaction handle.
  const client = (tx as unknown as { session: { client: unknown } }).session.client;
  if (client instanceof pg.Client) {
    const stream = client.query(copyFrom(`${statement} stdin`));
    await new Promise<void>((resolve, reject) => {
      stream.on("error", reject);
      stream.on("finish", () => resolve());
      stream.end(typeof data === "string" ? Buffer.from(data, "utf8") : data);
    });
    return;
  }
  const lite = client as {
    query(q: string, params: unknown[], opts: { blob: Blob }): Promise<unknown>;
  };
  await lite.query(`${statement} '/dev/blob'`, [], {
    blob: new Blob([typeof data === "string" ? Buffer.from(data, "utf8") : data]),
  });
}
