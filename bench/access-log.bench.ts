/**
 * `npm run bench:access-log` — what the access log costs a read. On PostgreSQL (DATABASE_URL, or a throwaway
 * cluster with normal fsync), with BENCH_LOG_ROWS (10,000,000) rows already in the log (seeded with
 * generate_series), times in one run, interleaved, the person page (GET /api/v1/persons/:id: one log row)
 * and the board (GET /api/v1/requests, 50 requests that all name a person: one INSERT of 50 rows) with the
 * log written and with the log's write switched off. Target (issue 11): with the log within 10 % of without.
 *
 * Results are printed and written to bench/results/access-log.json.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import pg from "pg";
import { users } from "../apps/server/src/db/schema/index.js";
import { accessLogRepo } from "../apps/server/src/modules/access-log/access-log.repo.js";
import { cliActor } from "../apps/server/src/modules/node/node.service.js";
import { initNodeDir } from "../apps/server/src/runtime/init.js";
import { startPgCluster } from "../apps/server/test/support/pg-cluster.js";
import { summarise, writeResult } from "./lib.js";

const LOG_ROWS = Number(process.env.BENCH_LOG_ROWS ?? 10_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 120);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 25);
const PASSWORD = "bench-password-0123456789";
const ctx = { actor: cliActor("bench"), ip: null, requestId: null };

async function main() {
  const cluster = process.env.DATABASE_URL ? null : await startPgCluster({ fsync: true });
  const adminUrl = process.env.DATABASE_URL ?? (cluster as { url: string }).url;
  const dbName = `bench_access_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "crossline-bench-access-"));
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
    { mfaRequired: false, logLevel: "silent", databaseUrl: u.toString() },
    { env: {} },
  );
  const rt = init.runtime;
  const s = rt.services;
  try {
    const unit = (await s.org.listUnits(ctx))[0];
    const officer = await s.users.create(ctx, {
      username: "officer.bench",
      displayName: "Officer Bench",
      unitId: unit.id,
      roles: ["case_officer"],
      language: "en",
      password: PASSWORD,
    });
    await s.db.update(users).set({ mustChangePassword: false }).where(eq(users.id, officer.user.id));
    const signIn = await rt.app.inject({
      method: "POST",
      url: "/api/v1/auth/sign-in",
      payload: { username: "officer.bench", password: PASSWORD },
    });
    const cookie = String(signIn.headers["set-cookie"]).split(";")[0];
    const csrf = (signIn.json() as { csrfToken: string }).csrfToken;
    const call = async (method: "GET" | "POST", url: string, payload?: object) => {
      const started = process.hrtime.bigint();
      const res = await rt.app.inject({ method, url, headers: { cookie, "x-csrf-token": csrf }, payload });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return { ms, body: res.json() as Record<string, unknown> };
    };

    // Requests that each name a person (drafted through the API, so the subjects are linked to persons).
    const t0 = Date.now();
    let personId = "";
    for (let i = 0; i < REQUESTS; i++) {
      const r = await call("POST", "/api/v1/requests", {
        form: {
          type: "subscriber_info",
          urgency: "routine",
          legalBasis: { instrument: "bilateral_mlaa", reference: "PRC-US MLAA 2000" },
          requestingAuthority: {
            name: "Bench bureau",
            officer: { name: { original: "Bench Officer" } },
            contact: { email: "bench@example.cn" },
          },
          offence: { category: "email_web_fraud", description: { lang: "en", text: "Fraud" } },
          facts: { lang: "en", text: "Invoices redirected." },
          identifiers: [{ type: "domain", value: `bench-${i}.example.com` }],
          measuresSought: { lang: "en", text: "Registrant details." },
          details: { dataSought: ["name"] },
          subjects: [
            {
              kind: "person",
              role: "suspect",
              names: [{ original: `Bench Person ${i % 40}` }],
              dateOfBirth: "1980-01-01",
            },
          ],
        },
      });
      personId = (r.body.request as { subjectPersons: { personId: string }[] }).subjectPersons[0].personId;
    }
    // The log: LOG_ROWS rows over the last year, many users, every kind of record; 1 in 1,000 about our person.
    await s.db.execute(sql.raw("drop index access_log_person, access_log_record, access_log_at"));
    await s.db.execute(
      sql.raw(`
      insert into access_log (at, actor_id, actor_label, actor_unit_id, action, record_type, record_id, record_unit_id,
                              person_id, reason, request_id)
      select now() - (g * interval '3 seconds'),
             'user-' || (g % 500), 'officer ' || (g % 500), '${unit.id}',
             (array['read','list','export','download'])[1 + g % 4],
             (array['person','request','shared_object'])[1 + g % 3],
             md5(g::text), '${unit.id}',
             case when g % 1000 = 0 then '${personId}'::uuid when g % 3 = 0 then md5((g / 7)::text)::uuid end,
             case when g % 10 = 0 then 'case review' end,
             'req_bench_' || g
        from generate_series(1, ${LOG_ROWS}) g`),
    );
    await s.db.execute(
      sql.raw(
        `create index access_log_person on access_log (person_id, id) where person_id is not null;
         create index access_log_record on access_log (record_id, id);
         create index access_log_at on access_log (at);
         analyze access_log; analyze persons; analyze person_links; analyze requests;`,
      ),
    );
    const seedSeconds = (Date.now() - t0) / 1000;
    const [{ n }] = (
      (await s.db.execute(sql`select count(*)::bigint as n from access_log`)) as unknown as {
        rows: { n: string }[];
      }
    ).rows;
    process.stdout.write(
      `seeded ${REQUESTS} requests and ${n} access-log rows in ${seedSeconds.toFixed(1)} s\n`,
    );

    const reads = {
      person_page: () => call("GET", `/api/v1/persons/${personId}`),
      board: () => call("GET", "/api/v1/requests?limit=50"),
    };
    // Switching the write off: the services call the access log through this one object.
    const accessLog = s.accessLog as { record: typeof s.accessLog.record };
    const realRecord = accessLog.record;
    const off = async () => {};
    const times: Record<string, { with: number[]; without: number[] }> = {
      person_page: { with: [], without: [] },
      board: { with: [], without: [] },
    };
    for (const read of Object.values(reads)) for (let i = 0; i < 20; i++) await read();
    // Where the cost was before the write-behind: a round trip alone (select 1) against the log's INSERT of
    // 1 row (the person page) and of 50 rows (the board), each awaited as a read used to await it.
    const row = (i: number) => ({
      at: new Date(),
      actorId: "bench",
      actorLabel: "bench",
      actorUnitId: unit.id,
      action: "read",
      recordType: "request",
      recordId: `bench-part-${i}`,
      recordUnitId: unit.id,
      personId: null,
      reason: null,
      requestId: null,
    });
    const parts: Record<string, number[]> = { select1: [], insert1: [], insert50: [] };
    for (let i = 0; i < ROUNDS * 5; i++) {
      for (const [name, q] of [
        ["select1", () => s.db.execute(sql`select 1`)],
        ["insert1", () => accessLogRepo.insert(s.db, [row(i)])],
        [
          "insert50",
          () =>
            accessLogRepo.insert(
              s.db,
              Array.from({ length: 50 }, (_, k) => row(i * 50 + k)),
            ),
        ],
      ] as const) {
        const started = process.hrtime.bigint();
        await q();
        parts[name].push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
    const loadBefore = os.loadavg();
    // Interleaved rounds (with, without, with, …) so drift on a shared machine hits both sides alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const logged of round % 2 === 0 ? [true, false] : [false, true]) {
        accessLog.record = logged ? realRecord : off;
        for (const [name, read] of Object.entries(reads)) {
          for (let i = 0; i < PER_ROUND; i++) {
            const { ms } = await read();
            times[name][logged ? "with" : "without"].push(ms);
          }
        }
      }
    }
    accessLog.record = realRecord;
    await s.accessLog.flush();
    const loadAfter = os.loadavg();
    const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100;
    const figures = Object.fromEntries(
      Object.entries(times).map(([name, t]) => {
        const w = summarise(t.with);
        const wo = summarise(t.without);
        const overheadP50 = Math.round(((w.p50 - wo.p50) / wo.p50) * 1000) / 10;
        const overheadMean = Math.round(((mean(t.with) - mean(t.without)) / mean(t.without)) * 1000) / 10;
        return [
          name,
          {
            withLog: { ...w, mean: mean(t.with) },
            withoutLog: { ...wo, mean: mean(t.without) },
            overheadP50Percent: overheadP50,
            overheadMeanPercent: overheadMean,
            pass: overheadP50 <= 10,
          },
        ];
      }),
    );
    const file = writeResult("access-log", {
      database: "postgresql",
      logRows: Number(n),
      requests: REQUESTS,
      samplesPerSide: ROUNDS * PER_ROUND,
      seedSeconds,
      through: "HTTP (fastify inject), signed-in case officer; board limit 50 (every row names a person)",
      target: "with the log within 10 % of without (p50)",
      figures,
      parts: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, summarise(v)])),
      loadAverage: { before: loadBefore, after: loadAfter },
      cpus: os.cpus().length,
    });
    for (const [name, f] of Object.entries(figures)) {
      process.stdout.write(
        `${name.padEnd(12)} with log p50 ${f.withLog.p50} ms (p95 ${f.withLog.p95}), without p50 ${f.withoutLog.p50} ms (p95 ${f.withoutLog.p95}): ${f.overheadP50Percent >= 0 ? "+" : ""}${f.overheadP50Percent} % p50, ${f.overheadMeanPercent} % mean  ${f.pass ? "PASS" : "FAIL"}\n`,
      );
    }
    for (const [name, v] of Object.entries(parts)) {
      const f = summarise(v);
      process.stdout.write(`${name.padEnd(12)} p50 ${f.p50} ms (p95 ${f.p95})\n`);
    }
    process.stdout.write(
      `load average (1/5/15 min) before ${loadBefore.map((x) => x.toFixed(1)).join("/")}, after ${loadAfter.map((x) => x.toFixed(1)).join("/")}\n`,
    );
    process.stdout.write(`wrote ${file}\n`);
    if (!Object.values(figures).every((f) => f.pass)) process.exitCode = 1;
  } finally {
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
    await cluster?.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
