/**
 * The whole database as data, generically: every base table of the `public` schema, read in one REPEATABLE READ
 * read-only transaction (one snapshot, so the dump is consistent while the node serves), each row as `to_jsonb`,
 * and written back with `jsonb_populate_recordset`, which parses every value by its column's own input
 * function (bytea, jsonb, timestamps, numerics, arrays). It knows no table by name: a module that adds tables
 * is backed up without touching this file. The schema itself is not dumped: it is the migrations, replayed up
 * to the dumped level before the rows are loaded (backup.restore.ts).
 */
import { sql } from "drizzle-orm";
import { type Db, type DbOrTx, rowsOf, type Tx } from "../../db/client.js";

/** Rows per page read or written: bounds memory for tables of attachment chunks. */
const PAGE = 500;

export interface TableInfo {
  name: string;
  /**
   * Columns that may be written (generated columns are computed again). Not transaction ids (xid8): they are the
   * database cluster's own, meaningless in another (a restored row takes the restore's, as its default gives).
   */
  columns: string[];
}

const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** Base tables of `public`, parents before children (foreign keys), then by name. */
export async function listTables(dbx: DbOrTx): Promise<TableInfo[]> {
  const cols = rowsOf<{ table_name: string; column_name: string }>(
    await dbx.execute(sql`select c.table_name, c.column_name from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
        and c.is_generated = 'NEVER' and coalesce(c.identity_generation, '') <> 'ALWAYS'
        and c.udt_name <> 'xid8'
      order by c.table_name, c.ordinal_position`),
  );
  const deps = rowsOf<{ child: string; parent: string }>(
    await dbx.execute(sql`select cl.relname as child, pc.relname as parent from pg_constraint k
      join pg_class cl on cl.oid = k.conrelid join pg_class pc on pc.oid = k.confrelid
      join pg_namespace n on n.oid = cl.relnamespace
      where k.contype = 'f' and n.nspname = 'public' and k.conrelid <> k.confrelid`),
  );
  const byTable = new Map<string, string[]>();
  for (const c of cols) byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c.column_name]);
  const names = [...byTable.keys()].sort();
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string, path: Set<string>) => {
    if (seen.has(t) || path.has(t)) return;
    path.add(t);
    for (const d of deps.filter((x) => x.child === t).map((x) => x.parent)) {
      if (byTable.has(d)) visit(d, path);
    }
    seen.add(t);
    ordered.push(t);
  };
  for (const t of names) visit(t, new Set());
  return ordered.map((name) => ({ name, columns: byTable.get(name) ?? [] }));
}

/** The migrations applied (drizzle's own journal table): their count and the newest one's hash. */
export async function migrationLevel(dbx: DbOrTx): Promise<{ count: number; lastHash: string | null }> {
  const exists = rowsOf<{ n: string | number }>(
    await dbx.execute(sql`select count(*) as n from information_schema.tables
      where table_schema = 'drizzle' and table_name = '__drizzle_migrations'`),
  );
  if (Number(exists[0]?.n ?? 0) === 0) return { count: 0, lastHash: null };
  const rows = rowsOf<{ n: string | number; h: string | null }>(
    await dbx.execute(sql`select count(*) as n,
      (select hash from drizzle.__drizzle_migrations order by created_at desc, id desc limit 1) as h
      from drizzle.__drizzle_migrations`),
  );
  return { count: Number(rows[0]?.n ?? 0), lastHash: rows[0]?.h ?? null };
}

/** Sequences of `public` (none today; serial columns a module adds later are restored too). */
async function sequences(dbx: DbOrTx): Promise<{ name: string; value: number; called: boolean }[]> {
  const rows = rowsOf<{ relname: string }>(
    await dbx.execute(sql`select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'S' and n.nspname = 'public' order by c.relname`),
  );
  const out: { name: string; value: number; called: boolean }[] = [];
  for (const r of rows) {
    const [v] = rowsOf<{ last_value: string | number; is_called: boolean }>(
      await dbx.execute(sql.raw(`select last_value, is_called from public.${ident(r.relname)}`)),
    );
    out.push({ name: r.relname, value: Number(v.last_value), called: v.is_called });
  }
  return out;
}

/** One unit of a dump, written as one line of the archive. */
export type DumpChunk =
  | { kind: "table"; table: string; columns: string[] }
  | { kind: "rows"; table: string; rows: unknown[] }
  | { kind: "sequences"; items: { name: string; value: number; called: boolean }[] };

/**
 * Reads the whole database in one snapshot. `begin(tx)` runs first inside the snapshot (the manifest reads its
 * figures there, so they match the rows); every chunk goes to `emit` in order.
 */
export async function dumpDatabase<M>(
  db: Db,
  begin: (tx: Tx) => Promise<M>,
  emit: (chunk: DumpChunk) => Promise<void>,
  progress?: (table: string, rows: number) => void,
): Promise<M> {
  return db.transaction(
    async (tx) => {
      const manifest = await begin(tx);
      for (const t of await listTables(tx)) {
        await emit({ kind: "table", table: t.name, columns: t.columns });
        let after = "(0,0)";
        let total = 0;
        for (;;) {
          // Pages by physical position: stable within the snapshot, and no sort of the whole table.
          const page = rowsOf<{ c: string; j: unknown }>(
            await tx.execute(
              sql.raw(
                `select ctid::text as c, to_jsonb(t) as j from public.${ident(t.name)} t
                 where ctid > '${after}'::tid order by ctid limit ${PAGE}`,
              ),
            ),
          );
          if (page.length === 0) break;
          after = page[page.length - 1].c;
          total += page.length;
          await emit({ kind: "rows", table: t.name, rows: page.map((r) => jsonValue(r.j)) });
          progress?.(t.name, total);
          if (page.length < PAGE) break;
        }
      }
      await emit({ kind: "sequences", items: await sequences(tx) });
      return manifest;
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}

/** node-postgres parses jsonb; PGlite too, but a driver may hand back text. */
function jsonValue(v: unknown): unknown {
  return typeof v === "string" ? JSON.parse(v) : v;
}

/** Writes one page of rows into its table (the table exists: the migrations made it). */
export async function loadRows(tx: Tx, table: TableInfo, rows: unknown[]): Promise<void> {
  if (rows.length === 0) return;
  const cols = table.columns.map(ident).join(", ");
  const json = JSON.stringify(rows);
  await tx.execute(
    sql`${sql.raw(`insert into public.${ident(table.name)} (${cols}) select ${cols} from jsonb_populate_recordset(null::public.${ident(table.name)}, `)}${json}::jsonb)`,
  );
}

export async function loadSequences(
  tx: Tx,
  items: { name: string; value: number; called: boolean }[],
): Promise<void> {
  for (const s of items) {
    await tx.execute(sql`select setval(${`public.${ident(s.name)}`}, ${s.value}, ${s.called})`);
  }
}

/** Whether the database holds anything of a node: any table in `public`, or drizzle's journal. */
export async function databaseIsEmpty(dbx: DbOrTx): Promise<boolean> {
  const rows = rowsOf<{ n: string | number }>(
    await dbx.execute(sql`select count(*) as n from information_schema.tables
      where table_schema in ('public', 'drizzle')`),
  );
  return Number(rows[0]?.n ?? 0) === 0;
}

export { PAGE as DUMP_PAGE_ROWS };
