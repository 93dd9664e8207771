/**
 * Indicators at scale, in process, on PGlite and PostgreSQL: streamed import of a CSV file and of a STIX bundle
 * (indicators/s, the process's RSS sampled during each import, for each size in BENCH_SIZES to show memory stays
 * flat as the file grows), identifier lookup latency with the identifier index filled to BENCH_LOOKUP_ROWS
 * (p50/p99), correlation hits for a 100,000-row import that overlaps what is held, and a TAXII objects page of
 * 1,000 (p95) over everything imported. Prints figures and writes bench/results/indicators.json.
 *
 * Each import also prints the CPU it cost per row: the node process (parsing, checks, COPY encoding; on
 * PGlite the database too, in process) and, on a local PostgreSQL, the server's processes. 1e6 / (total
 * µs per row) is the most rows per second one core could import, whatever the disks: the CPU bound.
 *
 * BENCH_SIZES (default "100000,1000000"), BENCH_PGLITE_SIZES (default "100000"), BENCH_LOOKUPS (default 2000),
 * BENCH_DATABASES (default "pglite,postgres"), BENCH_IMPORT_ONLY=1 to stop after the imports,
 * BENCH_LOOKUP_ROWS (default 10,000,000, PostgreSQL) and BENCH_PGLITE_LOOKUP_ROWS (default 1,000,000: seeding
 * 10,000,000 on PGlite takes ~4 minutes more) for the identifiers indexed before the lookups (seeded
 * with generate_series beyond what the imports indexed; 0 seeds nothing), BENCH_PLANS=1 to print the lookups'
 * and a TAXII page's EXPLAIN ANALYZE (always in the JSON).
 */

import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import pg from "pg";
import { type Db, rowsOf } from "../apps/server/src/db/client.js";
import { makeActor } from "../apps/server/src/lib/actor.js";
import { correlationRepo } from "../apps/server/src/modules/correlation/correlation.repo.js";
import { searchQueryOf } from "../apps/server/src/modules/correlation/correlation.service.js";
import { indicatorsRepo } from "../apps/server/src/modules/indicators/indicators.repo.js";
import { initNodeDir } from "../apps/server/src/runtime/init.js";
import { benchRandom, onBothDatabases, pgServerCpu, summarise, writeResult } from "./lib.js";

const SIZES = (process.env.BENCH_SIZES ?? "100000,1000000").split(",").map(Number);
const PGLITE_SIZES = (process.env.BENCH_PGLITE_SIZES ?? "100000").split(",").map(Number);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 2000);
const IMPORT_ONLY = process.env.BENCH_IMPORT_ONLY === "1";
const LOOKUP_ROWS = Number(process.env.BENCH_LOOKUP_ROWS ?? 10_000_000);
const PGLITE_LOOKUP_ROWS = Number(process.env.BENCH_PGLITE_LOOKUP_ROWS ?? 1_000_000);

/** The local PostgreSQL server's CPU meter (µs), or null (PGlite, or a server on another machine). */
async function serverMeter(databaseUrl?: string): Promise<(() => number) | null> {
  if (!databaseUrl) return null;
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>("select pg_backend_pid() as pid");
    return pgServerCpu(rows[0].pid);
  } finally {
    await c.end();
  }
}

const ip = (i: number, base: number) => `${base}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

async function writeLines(file: string, lines: Iterable<string>) {
  const out = createWriteStream(file);
  for (const l of lines) if (!out.write(l)) await once(out, "drain");
  out.end();
  await once(out, "finish");
}

function* csvRows(n: number, base: number) {
  yield "kind,value,confidence,description\n";
  for (let i = 0; i < n; i++) yield `ip,${ip(i, base)},70,bench row ${i}\n`;
}

function* stixBundle(n: number, base: number) {
  yield '{"type":"bundle","id":"bundle--0b0c6f0a-1a2b-4c3d-8e4f-5a6b7c8d9e0f","objects":[';
  for (let i = 0; i < n; i++) {
    const h = (i + base * 16777216).toString(16).padStart(12, "0");
    yield `${i ? "," : ""}{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-${h}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '${ip(i, base)}']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"}`;
  }
  yield "]}";
}

/**
 * Fills `correlation_identifiers` (the one table the identifier lookup reads) up to `total` rows with
 * generate_series: 40 % addresses (1 in 1,000 of them a /24 network), 20 % domains, 10 % URLs (a host each),
 * 10 % e-mail addresses (on 2,000 mail domains: ~500 each at 10,000,000), 20 % file hashes; nine in ten an indicator's,
 * the rest a case's or a request's, every one in the bench's unit. The secondary indexes are dropped for the
 * insert and built again from their own definitions (pg_indexes), then the table is analysed.
 */
async function seedIdentifiers(db: Db, unitId: string, total: number) {
  const q = async <T>(text: string) => rowsOf<T>(await db.execute(sql.raw(text)));
  const [{ n: held }] = await q<{ n: number }>("select count(*)::int as n from correlation_identifiers");
  const add = Math.max(0, total - held);
  if (!add) return { held, seeded: 0, seconds: 0 };
  const t0 = performance.now();
  const defs = await q<{ name: string; def: string }>(
    `select indexname as name, indexdef as def from pg_indexes
        where tablename = 'correlation_identifiers' and indexname <> 'correlation_identifiers_pkey'`,
  );
  await db.transaction(async (tx) => {
    await tx.execute(sql.raw("set local maintenance_work_mem = '256MB'"));
    for (const d of defs) await tx.execute(sql.raw(`drop index ${d.name}`));
    await tx.execute(
      sql.raw(`
      insert into correlation_identifiers (record_type, record_id, owner_unit, kind, value, host, net, created_at)
      select case when g % 10 = 9 then (array['case','request'])[1 + g % 2] else 'indicator' end,
             case when g % 10 = 9 then 'seed_' || g else 'ind_' || md5('seed ' || g)::uuid end,
             '${unitId}'::uuid, x.kind, x.value, x.host,
             case when x.kind = 'ip' then x.value::cidr end,
             now() - g * interval '1 second'
        from generate_series(1, ${add}) g
        cross join lateral (
          select k as kind,
            case k
              when 'ip' then case when g % 1000 = 0
                then network(set_masklen('198.18.0.0'::inet + (g / 1000) * 256, 24))::text
                else host('100.0.0.0'::inet + g) end
              when 'domain' then 'h' || g || '.bench' || (g % 9973) || '.example'
              when 'url' then 'https://site' || (g / 10) || '.example.net/p/' || g
              when 'email' then 'u' || g || '@mail' || (g % 20000) || '.example.org'
              else md5('seed ' || g) end as value,
            case k
              when 'domain' then 'h' || g || '.bench' || (g % 9973) || '.example'
              when 'url' then 'site' || (g / 10) || '.example.net'
              when 'email' then 'mail' || (g % 20000) || '.example.org' end as host
          from (select (array['ip','ip','ip','ip','domain','domain','url','email','file_hash','file_hash'])
                  [1 + g % 10] as k) kk
        ) x`),
    );
    for (const d of defs) await tx.execute(sql.raw(d.def));
  });
  await db.execute(sql.raw("analyze correlation_identifiers"));
  return { held, seeded: add, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)) };
}

/**
 * Identifier lookups as the search box makes them (`correlationRepo.search`, limit 500, the service's), with
 * the index filled to `total`: values read back from random rows of the index (every kind, imported or
 * seeded) interleaved with misses (one in four), p50/p99 overall and per kind; the plan of a hit of each kind
 * and of a miss is printed (EXPLAIN ANALYZE) to show which indexes answer.
 */
async function lookups(kind: "pglite" | "postgres", db: Db, unitId: string, total: number) {
  const seed = await seedIdentifiers(db, unitId, total);
  const q = async <T>(text: string) => rowsOf<T>(await db.execute(sql.raw(text)));
  const [{ rows, maxSeq }] = await q<{ rows: number; maxSeq: number }>(
    `select count(*)::int as rows, max(seq)::bigint as "maxSeq" from correlation_identifiers`,
  );
  console.log(
    `${kind} identifier index: ${rows} rows (${seed.seeded} seeded in ${seed.seconds} s); ` +
      `load ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
  );
  const pick = benchRandom(`indicators ${kind} lookups`);
  const hitsWanted = Math.ceil((LOOKUPS * 3) / 4);
  const held: { kind: string; value: string }[] = [];
  while (held.length < hitsWanted) {
    const seqs = Array.from({ length: 500 }, () => 1 + pick.int(Number(maxSeq)));
    held.push(
      ...(await q<{ kind: string; value: string }>(
        `select kind, value from correlation_identifiers where seq in (${seqs.join(",")})`,
      )),
    );
  }
  const misses = ["ip", "domain", "url", "email", "file_hash"].map((k) => (i: number) => ({
    kind: k,
    value: {
      ip: `203.0.113.${i % 256}`,
      domain: `miss-${i}.invalid`,
      url: `https://miss-${i}.invalid/x`,
      email: `miss${i}@miss-${i}.invalid`,
      file_hash: createHash("md5").update(`miss ${i}`).digest("hex"),
    }[k] as string,
  }));
  const probes = Array.from({ length: LOOKUPS }, (_, i) =>
    i % 4 === 3 ? { ...misses[i % 5](i), hit: false } : { ...held[i - Math.floor(i / 4)], hit: true },
  );
  const lat: number[] = [];
  const by = new Map<string, number[]>();
  let found = 0;
  for (const p of probes) {
    const e = searchQueryOf(p.kind, p.value);
    const t0 = performance.now();
    const r = await correlationRepo.search(db, e, 500);
    const ms = performance.now() - t0;
    lat.push(ms);
    const key = p.hit ? e.kind : "miss";
    by.set(key, [...(by.get(key) ?? []), ms]);
    if (p.hit && r.length) found++;
  }
  const all = summarise(lat);
  const perKind = Object.fromEntries([...by].map(([k, v]) => [k, summarise(v)]));
  const loadAverage = os.loadavg().map((x) => Number(x.toFixed(2)));
  console.log(
    `${kind} lookup (${LOOKUPS}, ${found} of ${hitsWanted} hits found) with ${rows} identifiers: ` +
      `p50 ${all.p50} ms, p99 ${all.p99} ms (target ≤ 5 ms: ${all.p99 <= 5 ? "met" : "NOT met"}); ` +
      Object.entries(perKind)
        .map(([k, v]) => `${k} p50 ${v.p50} p99 ${v.p99}`)
        .join(", ") +
      `; load ${loadAverage.join(" ")}`,
  );
  const plans: Record<string, string> = {};
  for (const p of [
    ...["ip", "domain", "url", "email", "file_hash"].map((k) => held.find((h) => h.kind === k)),
    { ...misses[0](1), kind: "ip" },
  ]) {
    if (!p) continue;
    plans[`${p.kind} ${p.value}`] = await explainAnalyze(
      db,
      correlationRepo.search(db, searchQueryOf(p.kind, p.value), 500).toSQL(),
    );
  }
  if (process.env.BENCH_PLANS === "1")
    for (const [k, v] of Object.entries(plans)) console.log(`plan for ${k}:\n${v}`);
  return {
    rows,
    seeding: seed,
    lookups: LOOKUPS,
    hitsFound: found,
    ...all,
    perKind,
    lookupSeed: pick.seed,
    loadAverage,
    plans,
  };
}

/** A query's text with its parameters written in as literals (for EXPLAIN, which takes no parameters). */
const inline = (text: string, params: unknown[]) =>
  text.replace(/\$(\d+)/g, (_, i) => {
    const v = params[Number(i) - 1];
    return typeof v === "number" ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
  });

/** A query's EXPLAIN ANALYZE, as text. */
async function explainAnalyze(db: Db, q: { sql: string; params: unknown[] }): Promise<string> {
  const res = await db.execute(sql.raw(`explain (analyze) ${inline(q.sql, q.params)}`));
  return rowsOf<Record<string, string>>(res)
    .map((r) => Object.values(r)[0])
    .join("\n");
}

const rss = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function benchOne(kind: "pglite" | "postgres", sizes: number[], databaseUrl?: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-bench-ind-"));
  const r = await initNodeDir(
    dir,
    {
      id: "BENCH",
      name: "Bench",
      agencyName: "Bench",
      timeZone: "UTC",
      adminUsername: "admin",
      adminDisplayName: "Admin",
      adminPassword: "correct-horse-battery-staple",
    },
    { logLevel: "silent", ...(databaseUrl ? { databaseUrl } : {}) },
    { env: {} },
  );
  const s = r.runtime.services;
  const unit = (await s.org.listUnits({} as never))[0];
  const ctx = {
    actor: makeActor({
      type: "user",
      id: "bench",
      label: "bench",
      userId: null,
      unitId: unit.id,
      agencyId: unit.agencyId,
      roles: ["case_officer"],
    }),
    ip: null,
    requestId: null,
  };
  const out: Record<string, unknown> = { database: kind, imports: [] as unknown[] };
  const serverCpu = await serverMeter(databaseUrl);
  let base = 10;
  try {
    for (const n of sizes) {
      for (const format of ["csv", "stix"] as const) {
        const file = path.join(dir, `in-${n}.${format}`);
        await writeLines(file, format === "csv" ? csvRows(n, base) : stixBundle(n, base + 1));
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const srv0 = serverCpu?.() ?? 0;
        // The process's resident memory during this import alone (maxRSS is the high-water mark since start).
        let rssMax = process.memoryUsage.rss();
        const sampler = setInterval(() => {
          rssMax = Math.max(rssMax, process.memoryUsage.rss());
        }, 50);
        const rep = await s.indicators
          .importFile(
            ctx,
            { format, fileName: path.basename(file), tlp: "AMBER" },
            createReadStream(file, { highWaterMark: 1 << 20 }),
          )
          .finally(() => clearInterval(sampler));
        const secs = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        const nodeUs = (cpu.user + cpu.system) / n;
        const serverUs = serverCpu ? (serverCpu() - srv0) / n : 0;
        const totalUs = nodeUs + serverUs;
        const row = {
          format,
          rows: n,
          bytes: statSync(file).size,
          added: rep.added,
          seconds: Number(secs.toFixed(2)),
          perSecond: Math.round(rep.added / secs),
          peakRssMiB: rss(),
          rssMaxDuringMiB: Math.round(rssMax / 2 ** 20),
          cpuMicrosPerRow: {
            node: Number(nodeUs.toFixed(1)),
            server: serverCpu ? Number(serverUs.toFixed(1)) : null,
            total: Number(totalUs.toFixed(1)),
          },
          cpuBoundPerSecondOneCore: Math.round(1e6 / totalUs),
          loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
        };
        (out.imports as unknown[]).push(row);
        console.log(
          `${kind} import ${format} ${n}: ${row.perSecond}/s, ${row.seconds} s, RSS max during ${row.rssMaxDuringMiB} MiB ` +
            `(process peak ${row.peakRssMiB}); ` +
            `CPU µs/row node ${row.cpuMicrosPerRow.node}` +
            (serverCpu ? ` + server ${row.cpuMicrosPerRow.server}` : " (database in process)") +
            ` = ${row.cpuMicrosPerRow.total} → CPU bound ${row.cpuBoundPerSecondOneCore}/s per core; ` +
            `load ${row.loadAverage.join(" ")}`,
        );
        rmSync(file);
      }
      base += 2;
    }
    if (IMPORT_ONLY) return out;
    // Lookups, with the identifier index filled to LOOKUP_ROWS (seeded beyond what the imports put there).
    const lookupRows = kind === "pglite" ? PGLITE_LOOKUP_ROWS : LOOKUP_ROWS;
    out.lookup = await lookups(kind, s.db, unit.id, lookupRows);
    // Hits: a 100,000-row import, half of it already held (each a hit against the CSV above).
    const hitsFile = path.join(dir, "hits.csv");
    const h = Math.min(100_000, sizes[0] * 2);
    await writeLines(
      hitsFile,
      (function* () {
        yield "kind,value\n";
        for (let i = 0; i < h; i++) yield `domain,hit-${i}.example\n`;
      })(),
    );
    // First the half that will be matched, as another record type (a request's identifiers would be).
    await s.db.transaction(async (tx) =>
      s.correlation.index(
        tx,
        "bench",
        Array.from({ length: h / 2 }, (_, i) => ({
          recordId: `b${i}`,
          ownerUnit: unit.id,
          identifiers: [{ kind: "domain", value: `hit-${i * 2}.example` }],
        })),
      ),
    );
    const t1 = performance.now();
    const hr = await s.indicators.importFile(
      ctx,
      { format: "csv", tlp: "AMBER" },
      createReadStream(hitsFile),
    );
    const hitSecs = (performance.now() - t1) / 1000;
    const hits = await s.correlation.hits(ctx, { limit: 1 });
    out.hits = { imported: hr.added, seconds: Number(hitSecs.toFixed(2)), anyHit: hits.items.length > 0 };
    console.log(`${kind} hits: ${h} imported with correlation in ${hitSecs.toFixed(2)} s`);
    // TAXII objects page of 1,000 over everything held.
    const coll = await s.taxii.createCollection(
      { ...ctx, actor: makeActor({ ...ctx.actor, roles: ["admin"] }) },
      {
        title: "All",
        tlp: [],
        canWrite: false,
      },
    );
    const pl: number[] = [];
    let next: string | undefined;
    for (let i = 0; i < 40; i++) {
      const t0 = performance.now();
      const p = await s.taxii.objects("crossline", ctx.actor, coll.id, {
        limit: "1000",
        ...(next ? { next } : {}),
      });
      pl.push(performance.now() - t0);
      next = p.next;
    }
    out.taxiiPage1000 = summarise(pl);
    console.log(`${kind} TAXII page of 1000: p50 ${summarise(pl).p50} ms, p95 ${summarise(pl).p95} ms`);
    // The plan a page relies on (one range scan of the feed's index from the cursor), deep in the feed.
    const last = (
      await s.taxii.objects("crossline", ctx.actor, coll.id, { limit: "1000", ...(next ? { next } : {}) })
    ).rows.at(-1);
    if (last) {
      const plan = await explainAnalyze(
        s.db,
        indicatorsRepo
          .feedQuery(s.db, {
            unitIds: [ctx.actor.unitId as string],
            after: { at: last.createdAt, id: last.id },
            limit: 1001,
          })
          .toSQL(),
      );
      out.taxiiPagePlan = plan;
      if (process.env.BENCH_PLANS === "1") console.log(`plan of a TAXII page:\n${plan}`);
    }
  } finally {
    await r.runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

const results = await onBothDatabases("crossline_bench_ind", (kind, databaseUrl) =>
  benchOne(kind, kind === "pglite" ? PGLITE_SIZES : SIZES, databaseUrl),
);
console.log(`written to ${writeResult("indicators", { sizes: SIZES, pgliteSizes: PGLITE_SIZES, results })}`);
