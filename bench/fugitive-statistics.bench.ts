/**
 * `npm run bench:statistics` — a list's statistics (issue 13, "Figures": returned of total, by method and by
 * year) over BENCH_ROWS (100,000) fugitive records, on PGlite and then on PostgreSQL (DATABASE_URL, or a
 * throwaway cluster). The records are seeded in bulk, about 40 % of them returned by one of the methods between
 * 2015 and 2017; two lists of one unit hold them: one with every record on it (the worst case) and the "100
 * list" among them. Through the HTTP stack as a fugitive & asset officer it times
 * GET /api/v1/fugitive-lists/:id/statistics on both (half of the calls with an `asOf` day, as a dialogue
 * round's summary asks). Target: p95 ≤ 200 ms on PostgreSQL for the list of every record.
 *
 * The machine's load average is printed and kept with the figures (other work on a shared machine shows in
 * the tail). Results are printed and written to bench/results/fugitive-statistics.json.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { uuidv7 } from "../apps/server/src/crypto/ids.js";
import { fugitiveListEntries, fugitiveLists, fugitives, users } from "../apps/server/src/db/schema/index.js";
import { cliActor } from "../apps/server/src/modules/node/node.service.js";
import { initNodeDir } from "../apps/server/src/runtime/init.js";
import { onBothDatabases, summarise, writeResult } from "./lib.js";

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const TARGET_P95_MS = 200;
const PASSWORD = "bench-password-0123456789";
const ctx = { actor: cliActor("bench"), ip: null, requestId: null };
const METHODS = ["extradition", "repatriation", "deportation", "voluntary_return", "other"] as const;

/** A small deterministic generator, so every run seeds the same records. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const loadavg = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

async function benchOne(kind: "pglite" | "postgres", databaseUrl?: string) {
  if (kind === "pglite" && process.env.BENCH_PGLITE === "0") return null;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "crossline-bench-stats-"));
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
    const call = async (url: string) => {
      const started = process.hrtime.bigint();
      const res = await rt.app.inject({ method: "GET", url, headers: { cookie, "x-csrf-token": csrf } });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return { ms, body: res.json() as { total: number; returned: number } };
    };

    const t0 = Date.now();
    const now = new Date();
    const all = uuidv7();
    const hundred = uuidv7();
    await s.db.insert(fugitiveLists).values(
      [
        [all, "Every record (bench)"],
        [hundred, "List of 100 (bench)"],
      ].map(([id, text]) => ({
        id: id as string,
        unitId: unit.id,
        name: { lang: "en" as const, text: text as string },
        publishedOn: "2015-04-22",
        recipients: [],
        marking: null,
        createdAt: now,
      })),
    );
    const r = rng(2015);
    let returnedSeeded = 0;
    for (let start = 0; start < ROWS; start += 1000) {
      const n = Math.min(1000, ROWS - start);
      const ids = Array.from({ length: n }, () => uuidv7());
      const rows = ids.map((id, i) => {
        const returned = r() < 0.4;
        if (returned) returnedSeeded++;
        const year = 2015 + Math.floor(r() * 3);
        const date = `${year}-${String(1 + Math.floor(r() * 12)).padStart(2, "0")}-${String(1 + Math.floor(r() * 28)).padStart(2, "0")}`;
        return {
          id,
          reference: `CN-MPS-F-1999-${start + i + 1}`,
          year: 1999,
          seq: start + i + 1,
          unitId: unit.id,
          personId: uuidv7(),
          fields: {
            names: [{ original: `张${start + i}`, romanised: `Zhang ${start + i}` }],
            aliases: [],
            nationalities: ["CN"],
            documents: [],
            flightDate: "2014",
            whereabouts: [{ country: "US", place: "California" }],
            charges: [{ law: "Criminal Law of the PRC", article: "Art. 382", offence: "Embezzlement" }],
            warrants: [],
            notices: [],
            caseIds: [],
            requestIds: [],
          },
          nameSearch: `张${start + i}zhang${start + i}`,
          status: returned ? ("returned" as const) : ("at_large" as const),
          returned: returned
            ? {
                method: METHODS[Math.floor(r() * METHODS.length)] as string,
                date,
                place: "Beijing",
                escorts: [],
                documents: [],
                recordedAt: now.toISOString(),
              }
            : null,
          version: returned ? 2 : 1,
          createdAt: now,
          updatedAt: now,
          closedAt: returned ? now : null,
        };
      });
      await s.db.transaction(async (tx) => {
        await tx.insert(fugitives).values(rows);
        await tx.insert(fugitiveListEntries).values(
          ids.map((fugitiveId, i) => ({
            listId: all,
            fugitiveId,
            number: start + i + 1,
            sharedObjectId: null,
            addedAt: now,
            removedAt: null,
          })),
        );
        // The "100 list": every thousandth record, among the rest.
        if (start < 100_000) {
          await tx.insert(fugitiveListEntries).values({
            listId: hundred,
            fugitiveId: ids[0] as string,
            number: start / 1000 + 1,
            sharedObjectId: null,
            addedAt: now,
            removedAt: null,
          });
        }
      });
      if (start % 20_000 === 0) process.stderr.write(`  ${kind}: seeded ${start + n} of ${ROWS}\n`);
    }
    await s.db.execute(sql`analyze fugitives`);
    await s.db.execute(sql`analyze fugitive_list_entries`);
    const seedSeconds = Math.round((Date.now() - t0) / 100) / 10;
    process.stderr.write(`  ${kind}: ${ROWS} fugitives (${returnedSeeded} returned), ${seedSeconds}s\n`);

    const timed = { all: [] as number[], hundred: [] as number[], baseline: [] as number[] };
    const loadBefore = loadavg();
    let check: { total: number; returned: number } | null = null;
    for (let i = 0; i < ITERATIONS + 10; i++) {
      const asOf = i % 2 === 0 ? "?asOf=2016-08-31" : "";
      const a = await call(`/api/v1/fugitive-lists/${all}/statistics${asOf}`);
      const b = await call(`/api/v1/fugitive-lists/${hundred}/statistics${asOf}`);
      // A route with one small query, timed alongside: what the HTTP stack and the machine's load cost alone.
      const c = await call("/api/v1/fugitive-lists");
      if (i % 50 === 0)
        process.stderr.write(
          `  ${kind}: ${i} calls (last: ${Math.round(a.ms)} ms every record, ${Math.round(b.ms)} ms list of 100)\n`,
        );
      if (i < 10) continue;
      if (!asOf) check = a.body;
      timed.all.push(a.ms);
      timed.hundred.push(b.ms);
      timed.baseline.push(c.ms);
    }
    if (check?.total !== ROWS || check.returned !== returnedSeeded)
      throw new Error(`statistics disagree with the seed: ${JSON.stringify(check)} vs ${returnedSeeded}`);
    const result = {
      database: kind,
      rows: ROWS,
      returned: returnedSeeded,
      seedSeconds,
      loadAverage: { before: loadBefore, after: loadavg(), cpus: os.cpus().length },
      everyRecordList: summarise(timed.all),
      listOf100: summarise(timed.hundred),
      baselineOneQueryRoute: summarise(timed.baseline),
    };
    process.stderr.write(
      `  ${kind}: p95 ${result.everyRecordList.p95} ms (list of ${ROWS}), ${result.listOf100.p95} ms (list of 100); load ${result.loadAverage.after.join(" ")}\n`,
    );
    return result;
  } finally {
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results = await onBothDatabases("crossline_bench_statistics", benchOne);
const measured = results.filter((x) => x !== null);
const pgResult = measured.find((x) => x.database === "postgres");
const out = {
  target: { p95Ms: TARGET_P95_MS, database: "postgres", list: `every one of ${ROWS} records` },
  results: measured,
  met: pgResult ? pgResult.everyRecordList.p95 <= TARGET_P95_MS : null,
};
console.log(JSON.stringify(out, null, 2));
console.log(`wrote ${writeResult("fugitive-statistics", out)}`);
