/**
 * `npm run bench:names` — the name search and the duplicate warning (issue 13, "Figures") with BENCH_ROWS
 * (100,000) person records and as many fugitive records of one unit, names in mixed scripts (Chinese
 * characters, pinyin, Western names, Cyrillic with its romanisation), on PGlite and then on PostgreSQL
 * (DATABASE_URL, or a throwaway cluster). Rows and their name keys are seeded in bulk (the keys by the same
 * lib/name-keys.ts the node uses); then, through the HTTP stack as a fugitive & asset officer, it times
 * GET /api/v1/persons/search (every name form: characters, pinyin without spaces, either order, upper case,
 * Wade–Giles, half with a date of birth) and POST /api/v1/fugitives/duplicates. Target: p95 ≤ 50 ms on
 * PostgreSQL for both.
 *
 * Seeding: big JSON batches through jsonb_to_recordset, the key tables' primary keys, indexes and foreign keys
 * made after the load, then VACUUM ANALYZE (as autovacuum would on a live node, and on PGlite the node's table
 * upkeep, db/upkeep.ts; BENCH_NO_UPKEEP=1 leaves them as a node without either has them). BENCH_EXPLAIN=1 prints
 * the plans (EXPLAIN ANALYZE) of both queries for a few names; BENCH_PGLITE=0 skips PGlite. The load average is
 * written beside the figures: the machine may be shared.
 *
 * Results are printed and written to bench/results/name-search.json.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, type SQL, sql } from "drizzle-orm";
import { uuidv7 } from "../apps/server/src/crypto/ids.js";
import { type DbOrTx, rowsOf } from "../apps/server/src/db/client.js";
import { users } from "../apps/server/src/db/schema/index.js";
import { DUPLICATE_SCORE, keysOf, recordKeys } from "../apps/server/src/lib/name-keys.js";
import { romanise } from "../apps/server/src/modules/fugitives/fugitives.names.js";
import { fugitivesRepo } from "../apps/server/src/modules/fugitives/fugitives.repo.js";
import { cliActor } from "../apps/server/src/modules/node/node.service.js";
import { personsRepo } from "../apps/server/src/modules/persons/persons.repo.js";
import { initNodeDir } from "../apps/server/src/runtime/init.js";
import { onBothDatabases, summarise, writeResult } from "./lib.js";

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 400);
const BATCH = 5000;

/** The key tables' primary key, index and foreign key (as in the migration), dropped while seeding. */
const KEY_TABLES = [
  { table: "person_name_keys", owner: "person_id", parent: "persons" },
  { table: "fugitive_name_keys", owner: "fugitive_id", parent: "fugitives" },
].map(({ table, owner, parent }) => {
  const pk = `${table}_key_${owner}_pk`;
  const fk = `${table}_${owner}_${parent}_id_fk`;
  const ix = `${table}_${owner.replace(/_id$/, "")}`;
  return {
    drop: [
      `alter table ${table} drop constraint ${fk}`,
      `alter table ${table} drop constraint ${pk}`,
      `drop index ${ix}`,
    ],
    make: [
      `alter table ${table} add constraint ${pk} primary key (key, ${owner})`,
      `create index ${ix} on ${table} using btree (${owner})`,
      `alter table ${table} add constraint ${fk} foreign key (${owner}) references public.${parent}(id)`,
    ],
  };
});
const PASSWORD = "bench-password-0123456789";
const ctx = { actor: cliActor("bench"), ip: null, requestId: null };

// Fictitious names put together from common parts (no real person).
const SURNAMES =
  "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN =
  "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文辉鹏斌宇浩凯健俊帆帅旭宁龙林欣佳丹婷雪琳晨阳波峰亮成海";
const WEST_FIRST = ["John", "Mary", "James", "Anna", "Robert", "Linda", "Michael", "Sarah", "David", "Laura"];
const WEST_LAST = [
  "Smith",
  "Example",
  "Miller",
  "Garcia",
  "Taylor",
  "Moore",
  "Walker",
  "Young",
  "Hill",
  "Wright",
];
const CYR = [
  ["Иван Петров", "Ivan Petrov"],
  ["Анна Смирнова", "Anna Smirnova"],
  ["Олег Соколов", "Oleg Sokolov"],
  ["Мария Попова", "Maria Popova"],
] as const;

/** A small deterministic generator, so every run seeds the same names. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Name = { original: string; romanised?: string };
interface Seeded {
  names: Name[];
  dateOfBirth: string | null;
}

function people(n: number): Seeded[] {
  const r = rng(2015);
  const pick = <T>(xs: ArrayLike<T>) => xs[Math.floor(r() * xs.length)] as T;
  const out: Seeded[] = [];
  for (let i = 0; i < n; i++) {
    const kind = r();
    let names: Name[];
    if (kind < 0.7) {
      const han = `${pick(SURNAMES)}${pick(GIVEN)}${r() < 0.6 ? pick(GIVEN) : ""}`;
      // Most Chinese names carry their pinyin; some only a passport's spelling, some only the characters.
      names = [{ original: han, romanised: romanise(han) }];
    } else if (kind < 0.9) {
      names = [{ original: `${pick(WEST_FIRST)} ${pick(WEST_LAST)}` }];
    } else {
      const [original, romanised] = pick(CYR);
      names = [{ original, romanised }];
    }
    const year = 1940 + Math.floor(r() * 60);
    const dob =
      r() < 0.8
        ? `${year}-${String(1 + Math.floor(r() * 12)).padStart(2, "0")}-${String(1 + Math.floor(r() * 28)).padStart(2, "0")}`
        : null;
    out.push({ names, dateOfBirth: dob });
  }
  return out;
}

/** What an officer types: the characters, pinyin without spaces, the other order, upper case, Wade–Giles. */
function queryFor(p: Seeded, i: number): string {
  const n = p.names[0] as Name;
  const rom = n.romanised ?? n.original;
  const parts = rom.split(" ");
  switch (i % 5) {
    case 0:
      return n.original;
    case 1:
      return rom.replace(/ /g, "").toLowerCase();
    case 2:
      return [...parts].reverse().join(" ");
    case 3:
      return rom.toUpperCase();
    default:
      return rom.replace(/^Zh/, "Ch").replace(/^X/, "Hs");
  }
}

/**
 * BENCH_EXPLAIN=1: the plans of the two queries (EXPLAIN ANALYZE) for a common Chinese name, a Western one and a
 * Cyrillic one shared by thousands, through the repos' own SQL (the statement is wrapped, not copied).
 */
async function explain(db: DbOrTx, unitId: string) {
  const explaining = {
    execute: async (q: SQL) => {
      const r = await db.execute(sql`explain (analyze, buffers) ${q}`);
      const lines = rowsOf<Record<string, string>>(r).map((x) => Object.values(x)[0]);
      process.stderr.write(`${lines.join("\n")}\n\n`);
      return { rows: [] };
    },
  } as unknown as DbOrTx;
  for (const name of ["Zhang Wei", "张伟", "John Smith", "Ivan Petrov"]) {
    process.stderr.write(`--- person search "${name}"\n`);
    await personsRepo.searchByKeys(explaining, {
      keys: keysOf(name),
      unitId,
      all: false,
      minScore: 1,
      limit: 20,
    });
    process.stderr.write(`--- duplicate warning "${name}" (1970-05-01)\n`);
    await fugitivesRepo.searchByKeys(explaining, {
      keys: recordKeys([{ original: name, romanised: romanise(name) }]),
      unitId,
      dateOfBirth: "1970-05-01",
      minScore: DUPLICATE_SCORE,
      limit: 10,
    });
  }
}

async function benchOne(kind: "pglite" | "postgres", databaseUrl?: string) {
  if (kind === "pglite" && process.env.BENCH_PGLITE === "0") return null;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "crossline-bench-names-"));
  const init = await initNodeDir(
    dataDir,
    {
      id: "CN-MPS",
      name: "Bench node",
      agencyName: "Bench agency",
      timeZone: "Asia/Shanghai",
      adminUsername: "admin",
      adminDisplayName: "Admin",
      adminPassword: PASSWORD,
    },
    { mfaRequired: false, logLevel: "silent", ...(databaseUrl ? { databaseUrl } : {}) },
    { env: {} },
  );
  const rt = init.runtime;
  const s = rt.services;
  try {
    const unit = (await s.org.listUnits(ctx))[0] as { id: string };
    const officer = await s.users.create(ctx, {
      username: "fugitive.bench",
      displayName: "Fugitive Bench",
      unitId: unit.id,
      roles: ["fugitive_asset"],
      language: "en",
      password: PASSWORD,
    });
    await s.db.update(users).set({ mustChangePassword: false }).where(eq(users.id, officer.user.id));
    const signIn = await rt.app.inject({
      method: "POST",
      url: "/api/v1/auth/sign-in",
      payload: { username: "fugitive.bench", password: PASSWORD },
    });
    const cookie = String(signIn.headers["set-cookie"]).split(";")[0];
    const csrf = (signIn.json() as { csrfToken: string }).csrfToken;
    const call = async (method: "GET" | "POST", url: string, payload?: object) => {
      const started = process.hrtime.bigint();
      const res = await rt.app.inject({ method, url, headers: { cookie, "x-csrf-token": csrf }, payload });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return { ms, body: res.json() as { items: { score: number }[] } };
    };

    // Seed persons and fugitives with their keys in large batches, each table's rows as one JSON parameter
    // (jsonb_to_recordset: no 65,535-parameter limit, one statement per table and batch). The key tables'
    // primary keys, indexes and foreign keys are dropped while loading and made again after it (one sort
    // and one join instead of two million index insertions and trigger checks: the seeding took 804 s so).
    const t0 = Date.now();
    const seeded = people(ROWS);
    const now = new Date().toISOString();
    let keyRows = 0;
    for (const q of KEY_TABLES.flatMap((t) => t.drop)) await s.db.execute(sql.raw(q));
    for (let start = 0; start < ROWS; start += BATCH) {
      const batch = seeded.slice(start, start + BATCH);
      const ids = batch.map(() => uuidv7());
      const fids = batch.map(() => uuidv7());
      const personRows = batch.map((p, i) => ({
        id: ids[i],
        names: p.names.map((n) => ({
          original: n.original,
          ...(n.romanised ? { romanised: n.romanised } : {}),
        })),
        dob: p.dateOfBirth,
        search: p.names.map((n) => `${n.original}\n${n.romanised ?? ""}`.toLowerCase()).join("\n"),
      }));
      const fugitiveRows = batch.map((p, i) => ({
        id: fids[i],
        person: ids[i],
        seq: start + i + 1,
        fields: {
          names: p.names,
          aliases: [],
          ...(p.dateOfBirth ? { dateOfBirth: p.dateOfBirth } : {}),
          nationalities: ["CN"],
          documents: [],
          whereabouts: [],
          charges: [],
          warrants: [],
          notices: [],
          caseIds: [],
          requestIds: [],
        },
      }));
      // Keys computed once per person by the node's own code (lib/name-keys.ts), for both tables.
      const keys = batch.map((p) => recordKeys(p.names));
      const keyJson = (owner: string[]) =>
        JSON.stringify(
          keys.flatMap((ks, i) => ks.map((k) => ({ key: k.key, id: owner[i], weight: k.weight }))),
        );
      keyRows += keys.reduce((n, ks) => n + ks.length, 0);
      await s.db.transaction(async (tx) => {
        await tx.execute(sql`insert into persons (id, owner_unit_id, names, date_of_birth, search, created_at, updated_at)
          select id, ${unit.id}::uuid, names, dob, search, ${now}::timestamptz, ${now}::timestamptz
            from jsonb_to_recordset(${JSON.stringify(personRows)}::jsonb)
                 as x(id uuid, names jsonb, dob text, search text)`);
        await tx.execute(sql`insert into fugitives
            (id, reference, year, seq, unit_id, person_id, fields, name_search, status, version, created_at, updated_at)
          select id, 'CN-MPS-F-1999-' || seq, 1999, seq, ${unit.id}::uuid, person, fields, '', 'at_large', 1,
                 ${now}::timestamptz, ${now}::timestamptz
            from jsonb_to_recordset(${JSON.stringify(fugitiveRows)}::jsonb)
                 as x(id uuid, person uuid, seq int, fields jsonb)`);
        await tx.execute(sql`insert into person_name_keys (key, person_id, weight)
          select key, id, weight from jsonb_to_recordset(${keyJson(ids)}::jsonb) as x(key text, id uuid, weight int)`);
        await tx.execute(sql`insert into fugitive_name_keys (key, fugitive_id, weight)
          select key, id, weight from jsonb_to_recordset(${keyJson(fids)}::jsonb) as x(key text, id uuid, weight int)`);
      });
      process.stderr.write(
        `  ${kind}: seeded ${start + batch.length} of ${ROWS} (${Math.round((Date.now() - t0) / 1000)}s)\n`,
      );
    }
    const tKeys = Date.now();
    for (const q of KEY_TABLES.flatMap((t) => t.make)) await s.db.execute(sql.raw(q));
    process.stderr.write(
      `  ${kind}: key tables' constraints made again in ${Math.round((Date.now() - tKeys) / 1000)}s\n`,
    );
    // A fresh table has no visibility map yet: VACUUM sets it, as autovacuum would on a live node, so that the
    // key lookups can be index-only scans.
    for (const t of ["persons", "person_name_keys", "fugitives", "fugitive_name_keys"])
      if (!process.env.BENCH_NO_UPKEEP) await s.db.execute(sql.raw(`vacuum analyze ${t}`));
    const seedSeconds = Math.round((Date.now() - t0) / 100) / 10;
    process.stderr.write(
      `  ${kind}: ${ROWS} persons + ${ROWS} fugitives, ${keyRows} keys each, ${seedSeconds}s\n`,
    );

    if (process.env.BENCH_EXPLAIN === "1") await explain(s.db, unit.id);

    const r = rng(7);
    const target = () => seeded[Math.floor(r() * seeded.length)] as Seeded;
    // Warm-up, then timed in one run, interleaved.
    const search: number[] = [];
    const dup: number[] = [];
    // A route with one small query, timed alongside: what the HTTP stack and the machine's load cost alone.
    const baseline: number[] = [];
    let found = 0;
    let warned = 0;
    for (let i = 0; i < ITERATIONS + 20; i++) {
      const p = target();
      const dob = i % 2 === 0 && p.dateOfBirth ? `&dateOfBirth=${p.dateOfBirth.slice(0, 4)}` : "";
      const a = await call("GET", `/api/v1/persons/search?name=${encodeURIComponent(queryFor(p, i))}${dob}`);
      const b = await call("POST", "/api/v1/fugitives/duplicates", {
        names: p.names,
        ...(p.dateOfBirth ? { dateOfBirth: p.dateOfBirth } : {}),
      });
      const c = await call("GET", "/api/v1/fugitive-lists");
      if (i % 50 === 0)
        process.stderr.write(
          `  ${kind}: ${i} searches (last: ${Math.round(a.ms)} ms, ${Math.round(b.ms)} ms)\n`,
        );
      if (i < 20) continue;
      baseline.push(c.ms);
      search.push(a.ms);
      dup.push(b.ms);
      if (a.body.items.length) found++;
      if (b.body.items.length) warned++;
    }
    const result = {
      database: kind,
      rows: ROWS,
      // The machine is shared: the load average (1, 5, 15 min) when the timing ended.
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
      keysPerTable: keyRows,
      seedSeconds,
      search: { ...summarise(search), withResults: found },
      duplicateWarning: { ...summarise(dup), warned },
      baselineOneQueryRoute: summarise(baseline),
    };
    process.stderr.write(
      `  ${kind}: search p95 ${result.search.p95} ms, duplicates p95 ${result.duplicateWarning.p95} ms\n`,
    );
    return result;
  } finally {
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results = await onBothDatabases("crossline_bench_names", benchOne);
const measured = results.filter((x) => x !== null);
const pgResult = measured.find((x) => x.database === "postgres");
const out = {
  target: { p95Ms: 50, database: "postgres" },
  results: measured,
  met: pgResult ? pgResult.search.p95 <= 50 && pgResult.duplicateWarning.p95 <= 50 : null,
};
console.log(JSON.stringify(out, null, 2));
console.log(`wrote ${writeResult("name-search", out)}`);
