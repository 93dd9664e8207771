/**
 * `npm run bench:indicators-share` — issue 12's sharing figure: 100,000 indicators shared to a peer are
 * searchable there and in its TAXII feed within 60 s. Two nodes in this process serve HTTP on 127.0.0.1 and
 * are paired; each has its own database (PGlite data directories, or two databases of one throwaway
 * PostgreSQL cluster). The owner imports BENCH_SHARE_ROWS indicators (default 100,000) from a CSV file and
 * shares them (batches of INDICATOR_BATCH_MAX, one federation message per batch); the clock runs from the
 * share call until the peer's store holds every one, each found by an identifier search and the last one by
 * a TAXII `objects` request with `match[id]`.
 *
 * Prints the figures (with the load average: the machine may be busy) and writes bench/results/indicators-share.json.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import pg from "pg";
import { rowsOf } from "../apps/server/src/db/client.js";
import { makeActor } from "../apps/server/src/lib/actor.js";
import { correlationRepo } from "../apps/server/src/modules/correlation/correlation.repo.js";
import { searchQueryOf } from "../apps/server/src/modules/correlation/correlation.service.js";
import { startFederationWorker } from "../apps/server/src/modules/federation/federation.worker.js";
import { initNodeDir } from "../apps/server/src/runtime/init.js";
import type { NodeRuntime } from "../apps/server/src/runtime/node-runtime.js";
import { freePort } from "../apps/server/test/support/pg-cluster.js";
import { onBothDatabases, writeResult } from "./lib.js";

const ROWS = Number(process.env.BENCH_SHARE_ROWS ?? 100_000);
const LIMIT_SECONDS = 60;
const quiet = { info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

async function databaseBeside(url: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`drop database if exists ${name}`);
  await c.query(`create database ${name}`);
  await c.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function startNode(root: string, id: string, databaseUrl?: string) {
  const port = await freePort();
  const { runtime } = await initNodeDir(
    path.join(root, id),
    {
      id,
      name: id,
      agencyName: id,
      timeZone: "UTC",
      adminUsername: "admin",
      adminDisplayName: "Admin",
      adminPassword: "correct-horse-battery-staple",
    },
    {
      publicUrl: `http://127.0.0.1:${port}`,
      logLevel: "silent",
      fedPollMs: 50,
      ...(databaseUrl ? { databaseUrl } : {}),
    },
    { env: {} },
  );
  await runtime.app.listen({ host: "127.0.0.1", port });
  const worker = startFederationWorker(runtime.services.federationService, runtime.config, quiet);
  return { id, runtime, worker };
}

async function control(rt: NodeRuntime, method: string, url: string, body?: unknown) {
  const r = await rt.app.inject({
    method: method as "POST",
    url,
    headers: { authorization: `Bearer ${rt.controlToken}` },
    ...(body ? { payload: body as object } : {}),
  });
  if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
  return r.json() as Record<string, unknown>;
}

async function ctxOf(rt: NodeRuntime, roles: string[]) {
  const unit = (await rt.services.org.listUnits({} as never))[0];
  return {
    actor: makeActor({
      type: "user",
      id: "bench",
      label: "bench",
      userId: null,
      unitId: unit.id,
      agencyId: unit.agencyId,
      roles: roles as never,
    }),
    ip: null,
    requestId: null,
  };
}

async function receivedCount(rt: NodeRuntime): Promise<number> {
  const r = rowsOf<{ n: number }>(
    await rt.services.db.execute(
      sql`select count(*)::int as n from indicators where origin = 'received' and state = 'active'`,
    ),
  );
  return Number(r[0]?.n ?? 0);
}

async function run(kind: "pglite" | "postgres", databaseUrl?: string) {
  const root = mkdtempSync(path.join(os.tmpdir(), "crossline-bench-share-"));
  const urls = databaseUrl
    ? [await databaseBeside(databaseUrl, "share_cn"), await databaseBeside(databaseUrl, "share_us")]
    : [undefined, undefined];
  const cn = await startNode(root, "CN-MPS", urls[0]);
  const us = await startNode(root, "US-DOJ", urls[1]);
  try {
    const inv = await control(cn.runtime, "POST", "/api/v1/peers/invitations");
    await control(us.runtime, "POST", "/api/v1/peers/accept", { invitation: inv.invitation });
    const owner = await ctxOf(cn.runtime, ["case_officer", "supervisor"]);
    const file = path.join(root, "share.csv");
    const out = createWriteStream(file);
    out.write("kind,value,confidence,description\n");
    for (let i = 0; i < ROWS; i++)
      if (!out.write(`ip,${ip(i)},70,shared bench row ${i}\n`)) await once(out, "drain");
    out.end();
    await once(out, "finish");
    const imp = await cn.runtime.services.indicators.importFile(
      owner,
      { format: "csv", fileName: "share.csv", tlp: "GREEN" },
      createReadStream(file, { highWaterMark: 1 << 20 }),
    );
    if (imp.added !== ROWS) throw new Error(`imported ${imp.added} of ${ROWS}`);

    const t0 = performance.now();
    const shared = await cn.runtime.services.indicators.share(owner, {
      name: "bench",
      marking: { tlp: "GREEN", handling: [] },
      recipients: ["US-DOJ"],
    });
    const shareCallSeconds = (performance.now() - t0) / 1000;
    let held = 0;
    let lastPrint = 0;
    while (held < ROWS) {
      held = await receivedCount(us.runtime);
      const s = (performance.now() - t0) / 1000;
      if (s - lastPrint >= 5) {
        lastPrint = s;
        process.stdout.write(`  ${kind}: ${held} of ${ROWS} held by the peer after ${s.toFixed(0)} s\n`);
      }
      if (s > 600) throw new Error(`only ${held} of ${ROWS} after 600 s`);
      if (held < ROWS) await sleep(100);
    }
    const heldSeconds = (performance.now() - t0) / 1000;
    // Searchable: the last one by an identifier search, in the TAXII feed by match[id].
    const reader = await ctxOf(us.runtime, ["case_officer"]);
    const last = ip(ROWS - 1);
    const found = await correlationRepo.search(us.runtime.services.db, searchQueryOf("ip", last), 10);
    const admin = await ctxOf(us.runtime, ["admin"]);
    const coll = await us.runtime.services.taxii.createCollection(admin, {
      title: "Received",
      tlp: [],
      canWrite: false,
    });
    const [row] = rowsOf<{ stix_id: string }>(
      await us.runtime.services.db.execute(
        sql`select stix_id from indicators where origin = 'received' and value = ${last}`,
      ),
    );
    const page = await us.runtime.services.taxii.objects("crossline", reader.actor, coll.id, {
      "match[id]": row.stix_id,
    });
    const inFeed = JSON.stringify(page.body).includes(row.stix_id);
    const searchableSeconds = (performance.now() - t0) / 1000;
    const result = {
      database: kind,
      indicators: ROWS,
      batches: shared.batches.length,
      shareCallSeconds: Number(shareCallSeconds.toFixed(2)),
      heldByPeerSeconds: Number(heldSeconds.toFixed(2)),
      searchableSeconds: Number(searchableSeconds.toFixed(2)),
      foundBySearch: found.length > 0,
      inTaxiiFeed: inFeed,
      withinLimit: searchableSeconds <= LIMIT_SECONDS && found.length > 0 && inFeed,
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    };
    console.log(
      `${kind}: ${ROWS} indicators in ${result.batches} batches held by the peer after ${result.heldByPeerSeconds} s, ` +
        `searchable (search ${result.foundBySearch}, TAXII ${result.inTaxiiFeed}) after ${result.searchableSeconds} s ` +
        `(target ≤ ${LIMIT_SECONDS} s; load ${result.loadAverage.join(" ")})`,
    );
    return result;
  } finally {
    await Promise.all([cn.worker.stop(), us.worker.stop()]);
    await cn.runtime.close();
    await us.runtime.close();
    rmSync(root, { recursive: true, force: true });
  }
}

const results = await onBothDatabases("bench_share", run);
writeResult("indicators-share", { target: { seconds: LIMIT_SECONDS }, results });
process.exit(0);
