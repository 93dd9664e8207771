/**
 * Indicators at scale, in process, on PGlite and PostgreSQL: streamed import of a CSV file and of a STIX bundle
 * (indicators/s, peak RSS, for each size in BENCH_SIZES to show memory stays flat as the file grows), identifier
 * lookup latency with everything indexed (p50/p99), correlation hits for a 100,000-row import that overlaps
 * what is held, and a TAXII objects page of 1,000 (p95). Prints figures and writes bench/results/indicators.json.
 *
 * Each import also prints the CPU it cost per row: the node process (parsing, checks, COPY encoding; on
 * PGlite the database too, in process) and, on a local PostgreSQL, the server's processes. 1e6 / (total
 * µs per row) is the most rows per second one core could import, whatever the disks: the CPU bound.
 *
 * BENCH_SIZES (default "100000,1000000"), BENCH_PGLITE_SIZES (default "100000"), BENCH_LOOKUPS (default 2000),
 * BENCH_DATABASES (default "pglite,postgres"), BENCH_IMPORT_ONLY=1 to stop after the imports.
 */

import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { makeActor } from "../apps/server/src/lib/actor.js";
import { correlationRepo } from "../apps/server/src/modules/correlation/correlation.repo.js";
import { initNodeDir } from "../apps/server/src/runtime/init.js";
import { benchRandom, onBothDatabases, pgServerCpu, summarise, writeResult } from "./lib.js";

const SIZES = (process.env.BENCH_SIZES ?? "100000,1000000").split(",").map(Number);
const PGLITE_SIZES = (process.env.BENCH_PGLITE_SIZES ?? "100000").split(",").map(Number);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 2000);
const IMPORT_ONLY = process.env.BENCH_IMPORT_ONLY === "1";

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
        const rep = await s.indicators.importFile(
          ctx,
          { format, fileName: path.basename(file), tlp: "AMBER" },
          createReadStream(file, { highWaterMark: 1 << 20 }),
        );
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
          `${kind} import ${format} ${n}: ${row.perSecond}/s, ${row.seconds} s, peak RSS ${row.peakRssMiB} MiB; ` +
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
    // Lookups: exact values and an address inside a network, with everything above indexed.
    const lat: number[] = [];
    const n0 = sizes[0];
    const pick = benchRandom(`indicators ${kind} lookups`);
    for (let i = 0; i < LOOKUPS; i++) {
      const v = ip(pick.int(n0), 10);
      const t0 = performance.now();
      await correlationRepo.search(s.db, { kind: "ip", value: v, net: `${v}/32`, host: null }, 50);
      lat.push(performance.now() - t0);
    }
    out.lookup = summarise(lat);
    out.lookupSeed = pick.seed;
    console.log(`${kind} lookup: p50 ${summarise(lat).p50} ms, p99 ${summarise(lat).p99} ms`);
    // Hits: a 100,000-row import, half of it already held (each a hit against the CSV above).
    const hitsFile = path.join(dir, "hits.csv");
    const h = Math.min(100_000, n0 * 2);
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
