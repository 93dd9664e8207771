/**
 * Requests/s and p50/p99 latency of an authenticated API read (GET /api/v1/users
 * with an API token: token lookup + a paged query), against a real `crossline serve`
 * process on PGlite and on PostgreSQL, driven over HTTP keep-alive from this process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCli, startServe } from "../apps/server/test/support/cli.js";
import { freePort } from "../apps/server/test/support/pg-cluster.js";
import { closedLoop, onBothDatabases, writeResult } from "./lib.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

async function benchOne(kind: "pglite" | "postgres", databaseUrl?: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-bench-"));
  const port = await freePort();
  const env = { CROSSLINE_DATA_DIR: dir, DATABASE_URL: databaseUrl ?? "", CROSSLINE_LOG_LEVEL: "warn" };
  try {
    const init = runCli(
      [
        "init",
        "--id",
        "BENCH",
        "--name",
        "Bench",
        "--agency",
        "Bench",
        "--time-zone",
        "UTC",
        "--port",
        String(port),
        "--json",
      ],
      env,
    );
    if (init.code !== 0) throw new Error(init.stderr);
    for (let i = 0; i < 3; i++) {
      runCli(
        [
          "user",
          "add",
          "--username",
          `officer.${i}`,
          "--display-name",
          `Officer ${i}`,
          "--role",
          "case_officer",
        ],
        env,
      );
    }
    const tok = runCli(["token", "create", "--user", "admin", "--name", "bench", "--json"], env);
    const secret = JSON.parse(tok.stdout).secret as string;
    const url = `http://127.0.0.1:${port}`;
    const server = await startServe(env, url);
    try {
      const read = async () => {
        const res = await fetch(`${url}/api/v1/users?limit=50`, {
          headers: { authorization: `Bearer ${secret}` },
        });
        if (res.status !== 200) throw new Error(String(res.status));
        await res.arrayBuffer();
      };
      await closedLoop(read, { concurrency: CONCURRENCY, seconds: 2, label: `${kind} warm-up` });
      const r = await closedLoop(read, { concurrency: CONCURRENCY, seconds: SECONDS, label: kind });
      return { database: kind, concurrency: CONCURRENCY, ...r };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = await onBothDatabases("crossline_bench", benchOne);

console.log("\nAuthenticated API read (GET /api/v1/users?limit=50, bearer token)");
console.log("database   req/s   p50 ms  p99 ms  errors");
for (const r of results) {
  console.log(
    `${r.database.padEnd(9)} ${String(r.perSecond).padStart(6)} ${String(r.latencyMs.p50).padStart(8)} ${String(r.latencyMs.p99).padStart(7)} ${String(r.errors).padStart(7)}`,
  );
}
console.log(`written to ${writeResult("api-read", { concurrency: CONCURRENCY, seconds: SECONDS, results })}`);
