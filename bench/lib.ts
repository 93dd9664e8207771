import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { findPgBin, startPgCluster } from "../apps/server/test/support/pg-cluster.js";
import { type Seeded, seeded } from "../apps/server/test/support/seeded.js";

/** The benchmark's random choices, from BENCH_SEED (printed; a run is repeated with the same choices). */
export function benchRandom(name: string): Seeded {
  return seeded("BENCH_SEED", name);
}

export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "results");

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarise(latenciesMs: number[]) {
  const s = [...latenciesMs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    count: s.length,
    p50: r(percentile(s, 50)),
    p95: r(percentile(s, 95)),
    p99: r(percentile(s, 99)),
    max: r(s[s.length - 1] ?? Number.NaN),
  };
}

export function writeResult(name: string, data: unknown) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), machine: machine(), ...(data as object) }, null, 2)}\n`,
  );
  return file;
}

function machine() {
  return { node: process.version, platform: process.platform, arch: process.arch };
}

/** Runs `concurrency` loops calling `fn` for `seconds`, returning latencies and throughput. */
export async function closedLoop(
  fn: () => Promise<void>,
  opts: { concurrency: number; seconds: number; label: string },
) {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + opts.seconds * 1000;
  const started = performance.now();
  let lastReport = started;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await fn();
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
        if (performance.now() - lastReport > 2000) {
          lastReport = performance.now();
          process.stderr.write(
            `  ${opts.label}: ${latencies.length} requests, ${Math.round((lastReport - started) / 1000)}s\n`,
          );
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return {
    requests: latencies.length,
    errors,
    seconds: Math.round(elapsed * 100) / 100,
    perSecond: Math.round(latencies.length / elapsed),
    latencyMs: summarise(latencies),
  };
}

/** CPU time (user + system, µs) of one process, from /proc (Linux); null where it cannot be read. */
function procCpuMicros(pid: number, withDeadChildren: boolean): number | null {
  try {
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    const tick = 1e6 / 100; // USER_HZ is 100 on Linux
    const own = Number(f[11]) + Number(f[12]);
    const children = withDeadChildren ? Number(f[13]) + Number(f[14]) : 0;
    return (own + children) * tick;
  } catch {
    return null;
  }
}

/**
 * CPU used by a local PostgreSQL server: its postmaster and every live child (backends, WAL writer,
 * checkpointer…) plus the children that already exited. `backendPid` is any backend's pg_backend_pid().
 * Null when the server is not on this machine (its processes are not in /proc).
 */
export function pgServerCpu(backendPid: number): (() => number) | null {
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(`/proc/${backendPid}/stat`, "utf8").split(") ")[1].split(" ")[1]);
  } catch {
    return null;
  }
  return () => {
    let total = procCpuMicros(postmaster, true) ?? 0;
    for (const d of readdirSyncSafe("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const ppid = Number(readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1].split(" ")[1]);
        if (ppid === postmaster) total += procCpuMicros(Number(d), false) ?? 0;
      } catch {
        // exited meanwhile: counted in the postmaster's children from now on
      }
    }
    return total;
  };
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The databases a bench runs on: BENCH_DATABASES ("pglite,postgres" by default, or either alone). */
export function benchDatabases(): ("pglite" | "postgres")[] {
  const want = (process.env.BENCH_DATABASES ?? "pglite,postgres")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const w of want)
    if (w !== "pglite" && w !== "postgres")
      throw new Error(`BENCH_DATABASES: "${w}" is neither pglite nor postgres`);
  return want as ("pglite" | "postgres")[];
}

/**
 * Runs `bench` on PGlite, then on a fresh database of a PostgreSQL server (`DATABASE_URL`'s, else a
 * throwaway cluster of its own), each only if BENCH_DATABASES names it. Without PostgreSQL the second half
 * is skipped with a loud message.
 */
export async function onBothDatabases<T>(
  name: string,
  bench: (kind: "pglite" | "postgres", databaseUrl?: string) => Promise<T>,
): Promise<T[]> {
  const dbs = benchDatabases();
  const results = dbs.includes("pglite") ? [await bench("pglite")] : [];
  if (!dbs.includes("postgres")) return results;
  if (!findPgBin() && !process.env.DATABASE_URL) {
    process.stderr.write("!! PostgreSQL not installed: the postgres half of this bench was skipped\n");
    return results;
  }
  const cluster = process.env.DATABASE_URL ? null : await startPgCluster();
  try {
    const adminUrl = process.env.DATABASE_URL ?? (cluster as { url: string }).url;
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`drop database if exists ${name}`);
    await c.query(`create database ${name}`);
    await c.end();
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    results.push(await bench("postgres", u.toString()));
  } finally {
    await cluster?.stop();
  }
  return results;
}
