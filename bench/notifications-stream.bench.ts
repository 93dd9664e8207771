/**
 * Live notification streams at scale (issue 10, point 8): STREAMS open SSE connections (USERS users, a few
 * tabs each) on one node, PGlite and PostgreSQL. Measures, with the streams open:
 * - idle: the node's CPU over IDLE_SECONDS with nothing happening (the streams used to poll the database
 *   every second each: 500 queries/s for nothing; now they wait for LISTEN/NOTIFY and look every 30 s);
 * - delivery: time from the commit of a notification to its arrival on every stream of its reader, for
 *   NOTICES notifications to random users, p50/p95/p99.
 * The node runs in this process (the client side is idle sockets), so CPU is the node's plus negligible.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { desc, eq } from "drizzle-orm";
import { inTransaction } from "../apps/server/src/db/client.js";
import { notifications } from "../apps/server/src/db/schema/index.js";
import { makeActor } from "../apps/server/src/lib/actor.js";
import { initNodeDir } from "../apps/server/src/runtime/init.js";
import { benchRandom, onBothDatabases, summarise, writeResult } from "./lib.js";

const STREAMS = Number(process.env.BENCH_STREAMS ?? 500);
const USERS = Number(process.env.BENCH_USERS ?? 100);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const NOTICES = Number(process.env.BENCH_NOTICES ?? 200);

async function benchOne(kind: "pglite" | "postgres", databaseUrl?: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-bench-sse-"));
  const r = await initNodeDir(
    dir,
    {
      id: "BENCH",
      name: "Bench",
      agencyName: "Bench",
      timeZone: "UTC",
      adminUsername: "admin",
      adminDisplayName: "Admin",
      adminPassword: "bench-password-long-enough",
    },
    { mfaRequired: false, logLevel: "silent", ...(databaseUrl ? { databaseUrl } : {}) },
    { env: {} },
  );
  const rt = r.runtime;
  const controllers: AbortController[] = [];
  try {
    const s = rt.services;
    const [unit] = await s.org.listUnits({
      actor: makeActor(adminActor(r.adminId)),
      ip: null,
      requestId: null,
    });
    const admin = {
      actor: makeActor({ ...adminActor(r.adminId), unitId: unit.id }),
      ip: null,
      requestId: null,
    };
    process.stdout.write(`${kind}: ${USERS} users, ${STREAMS} streams … `);
    const users: { id: string; secret: string }[] = [];
    for (let i = 0; i < USERS; i++) {
      const { user } = await s.users.create(admin, {
        username: `reader.${i}`,
        displayName: `Reader ${i}`,
        unitId: unit.id,
        roles: ["duty_officer"],
        language: "en",
        password: "bench-password-long-enough",
      });
      const { secret } = await s.tokens.create(admin, { name: "bench", expiresInDays: 1, userId: user.id });
      users.push({ id: user.id, secret });
    }
    const base = await rt.app.listen({ host: "127.0.0.1", port: 0 });
    /** Arrival times per notification id, per stream. */
    const arrivals = new Map<string, number[]>();
    const streamsOf = new Map<string, number>();
    await Promise.all(
      Array.from({ length: STREAMS }, async (_, i) => {
        const u = users[i % USERS];
        streamsOf.set(u.id, (streamsOf.get(u.id) ?? 0) + 1);
        const c = new AbortController();
        controllers.push(c);
        const res = await fetch(`${base}/api/v1/notifications/stream`, {
          headers: { authorization: `Bearer ${u.secret}` },
          signal: c.signal,
        });
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        const dec = new TextDecoder();
        let buf = "";
        let ready: () => void = () => {};
        const isReady = new Promise<void>((resolve) => {
          ready = resolve;
        });
        void (async () => {
          try {
            for (;;) {
              const { value, done } = await reader.read();
              if (done) return;
              buf += dec.decode(value, { stream: true });
              let at = buf.indexOf("\n\n");
              while (at >= 0) {
                const event = buf.slice(0, at);
                buf = buf.slice(at + 2);
                if (event.includes("event: ready")) ready();
                // A notification's event id starts with its id (then where the stream stands: a resume point).
                const id = event.includes("event: notification")
                  ? /^id: ([0-9a-f-]{36})/m.exec(event)?.[1]
                  : undefined;
                if (id) arrivals.set(id, [...(arrivals.get(id) ?? []), performance.now()]);
                at = buf.indexOf("\n\n");
              }
            }
          } catch {
            // aborted at the end
          }
        })();
        await isReady;
      }),
    );
    process.stdout.write("open\n");

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((res) => setTimeout(res, IDLE_SECONDS * 1000));
    const cpu = process.cpuUsage(cpu0);
    const idleCpuPercent =
      Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 1000) / 10;

    const latencies: number[] = [];
    const pick = benchRandom("notifications-stream recipients");
    for (let i = 0; i < NOTICES; i++) {
      const u = users[pick.int(USERS)];
      await inTransaction(s.db, (tx) =>
        s.notifications.notify(tx, {
          userIds: [u.id],
          kind: "bench.sse",
          severity: "info",
          title: { en: `Bench ${i}`, zh: `基准 ${i}` },
          body: { en: "body", zh: "正文" },
        }),
      );
      const committed = performance.now();
      const [latest] = await s.db
        .select({ id: notifications.id })
        .from(notifications)
        .where(eq(notifications.userId, u.id))
        .orderBy(desc(notifications.id))
        .limit(1);
      const id = latest?.id ?? "";
      const want = streamsOf.get(u.id) ?? 0;
      const until = performance.now() + 10_000;
      while ((arrivals.get(id)?.length ?? 0) < want && performance.now() < until) {
        await new Promise((res) => setImmediate(res));
      }
      for (const t of arrivals.get(id) ?? []) latencies.push(t - committed);
      if ((i + 1) % 50 === 0) process.stdout.write(`  ${kind}: ${i + 1}/${NOTICES} notifications\n`);
    }
    return {
      database: kind,
      streams: STREAMS,
      users: USERS,
      idleSeconds: IDLE_SECONDS,
      idleCpuPercent,
      deliveries: latencies.length,
      deliveryMs: summarise(latencies),
      seed: pick.seed,
    };
  } finally {
    for (const c of controllers) c.abort();
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function adminActor(adminId: string) {
  return {
    type: "user" as const,
    id: adminId,
    label: "admin",
    userId: adminId,
    unitId: null,
    agencyId: null,
    roles: ["admin" as const],
  };
}

const results = await onBothDatabases("crossline_bench_sse", benchOne);

console.log(`\nLive notification streams: ${STREAMS} open on one node, ${NOTICES} notifications`);
console.log("database  idle CPU %  deliveries  p50 ms  p95 ms  p99 ms");
for (const r of results) {
  console.log(
    `${r.database.padEnd(9)} ${String(r.idleCpuPercent).padStart(10)} ${String(r.deliveries).padStart(11)} ${String(r.deliveryMs.p50).padStart(7)} ${String(r.deliveryMs.p95).padStart(7)} ${String(r.deliveryMs.p99).padStart(7)}`,
  );
}
console.log(`written to ${writeResult("notifications-stream", { results })}`);
process.exit(0);
