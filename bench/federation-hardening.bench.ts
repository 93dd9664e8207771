/**
 * `npm run bench:hardening` — the two figures issue 9 asks of the hardened federation, on real `crossline serve`
 * processes talking HTTP on loopback (PGlite by default; BENCH_DB=postgres for a throwaway cluster with fsync):
 *
 * 1. A 60 MB forged batch (issue 9 point 4; before the fix: 11.7 s of server time, /readyz stalled 5.7 s): 240
 *    envelopes of ~250 KB (just under the envelope limit), sealed to the receiver's real encryption key but signed
 *    with a key the attacker made, each claiming the paired peer, POSTed in one request; then the same 60 MB as 60
 *    envelopes of 1 MB (over the limit). Measured: the time the server took to answer, and /readyz's latency
 *    (polled every 50 ms) while it worked.
 * 2. Chaos drain (issue 9 point 7; target: drained within 10 s of the last restart): two paired nodes exchange
 *    hotline tests (pings, answered by pongs) while either process is killed with SIGKILL at random moments drawn
 *    from a seeded generator (BENCH_SEED; printed, so a run can be repeated); after the last restart, the time until
 *    both outboxes are empty and nothing is held.
 *
 * Results are printed and written to bench/results/federation-hardening.json.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { sealEnvelope } from "../apps/server/src/crypto/envelope.js";
import { uuidv7 } from "../apps/server/src/crypto/ids.js";
import { generateSigningKey, type PublicKeyJwk } from "../apps/server/src/crypto/keys.js";
import { initNodeDir } from "../apps/server/src/runtime/init.js";
import { startPgCluster } from "../apps/server/test/support/pg-cluster.js";
import { benchRandom, summarise, writeResult } from "./lib.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(ROOT, "apps/server/bin/crossline.mjs");
const KIND = process.env.BENCH_DB === "postgres" ? "postgres" : "pglite";
const KILLS = Number(process.env.BENCH_KILLS ?? 6);
/**
 * Pings per second the sender's API is asked for during the chaos (each answered by a pong: twice as many
 * envelopes). "max" sends as fast as the API answers, which builds a backlog the drain then measures the link's
 * throughput against, not a stall.
 */
const CHAOS_RATE = process.env.BENCH_CHAOS_RATE ?? "50";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the real-process tests use: fast polling, short back-off and leases. */
const FED = {
  fedPollMs: 50,
  fedBackoffBaseMs: 100,
  fedBackoffMaxMs: 1000,
  fedLeaseSeconds: 3,
  // Long enough for a loaded machine's first requests (pairing); nothing here waits for it to expire.
  fedRequestTimeoutMs: 30_000,
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function createDb(adminUrl: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** One node run as `crossline serve` processes, one at a time, that the bench kills and starts again. */
class Proc {
  child: ChildProcess | null = null;
  token = "";
  constructor(
    readonly id: string,
    readonly dir: string,
    readonly port: number,
  ) {}
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const log = createWriteStream(path.join(this.dir, "serve.log"), { flags: "a" });
    const child = spawn(process.execPath, [BIN, "serve"], {
      env: { ...process.env, CROSSLINE_DATA_DIR: this.dir, DATABASE_URL: "", CROSSLINE_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    for (let i = 0; i < 1200; i++) {
      if (child.exitCode !== null) throw new Error(`${this.id} exited: see ${this.dir}/serve.log`);
      try {
        if ((await fetch(`${this.url}/readyz`)).ok) {
          this.token = readFileSync(path.join(this.dir, "control.token"), "utf8").trim();
          return;
        }
      } catch {
        // starting
      }
      await sleep(100);
    }
    throw new Error(`${this.id} did not start`);
  }
  async kill9(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  }
  async api<T>(method: string, p: string, body?: unknown): Promise<T> {
    const res = await fetch(this.url + p, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}

async function makeNode(root: string, id: string, databaseUrl?: string): Promise<Proc> {
  const port = await freePort();
  const dir = path.join(root, id);
  const r = await initNodeDir(
    dir,
    {
      id,
      name: id,
      agencyName: id,
      timeZone: "UTC",
      adminUsername: "admin",
      adminDisplayName: "Admin",
      adminPassword: "bench-password-123456",
    },
    {
      publicUrl: `http://127.0.0.1:${port}`,
      host: "127.0.0.1",
      port,
      logLevel: "warn",
      mfaRequired: false,
      ...FED,
      ...(databaseUrl ? { databaseUrl } : {}),
    },
    { env: {} },
  );
  await r.runtime.close();
  return new Proc(id, dir, port);
}

/** The public keys in a node's pairing invitation (what anyone who saw one knows). */
async function encKeyOf(p: Proc): Promise<PublicKeyJwk> {
  const { invitation } = await p.api<{ invitation: string }>("POST", "/api/v1/peers/invitations");
  const card = JSON.parse(Buffer.from(invitation.slice("CLINV1.".length), "base64url").toString("utf8")) as {
    publicKeys: PublicKeyJwk[];
  };
  const k = card.publicKeys.find((x) => x.use === "enc" && (x as { status?: string }).status !== "retiring");
  if (!k) throw new Error("no encryption key in the invitation");
  return k;
}

/** /readyz latencies, polled every 50 ms until `work` settles. */
async function readyzDuring<T>(p: Proc, work: Promise<T>): Promise<{ result: T; readyz: number[] }> {
  const readyz: number[] = [];
  let done = false;
  const poller = (async () => {
    while (!done) {
      const t0 = performance.now();
      try {
        await fetch(`${p.url}/readyz`);
      } catch {
        // counted as the time it took to fail
      }
      readyz.push(performance.now() - t0);
      await sleep(50);
    }
  })();
  const result = await work;
  done = true;
  await poller;
  return { result, readyz };
}

/**
 * POSTs a JSON body and reads the answer even when the server answers before it has read the whole body and
 * closes the connection (a bound checked first: fetch then fails with EPIPE and loses the answer).
 */
function post(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", (e) => {
      // the answer may already be on its way: give it a moment before giving up
      setTimeout(() => reject(e), 2000);
    });
    req.end(body);
  });
}

async function forgedBatch(b: Proc) {
  const recipientEncKey = await encKeyOf(b);
  const forger = generateSigningKey();
  const filler = (bytes: number) => "x".repeat(bytes);
  const forged = async (payloadBytes: number, maxBytes: number) =>
    sealEnvelope({
      header: {
        msgId: uuidv7(),
        sender: "CN-MPS",
        recipient: "US-DOJ",
        seq: 1,
        created: new Date().toISOString(),
        type: "federation.notice",
        schemaVersion: 1,
      },
      payload: { text: filler(payloadBytes), language: "en" },
      signingKey: forger,
      recipientEncKey,
      maxBytes,
    });
  const variants: Record<string, unknown> = {};
  for (const [name, count, payloadBytes] of [
    ["240 x 250 KB (under the envelope limit)", 240, 140_000],
    ["60 x 1 MB (over the envelope limit)", 60, 560_000],
  ] as const) {
    const envelopes: string[] = [];
    for (let i = 0; i < count; i++) envelopes.push(await forged(payloadBytes, 16 * 1024 * 1024));
    const body = JSON.stringify({ envelopes });
    const t0 = performance.now();
    const { result, readyz } = await readyzDuring(b, post(`${b.url}/federation/v1/envelopes`, body));
    const serverMs = performance.now() - t0;
    let reasons: Record<string, number> = {};
    try {
      const parsed = JSON.parse(result.text) as { results?: { reason?: string }[] };
      for (const r of parsed.results ?? []) reasons[r.reason ?? "ok"] = (reasons[r.reason ?? "ok"] ?? 0) + 1;
    } catch {
      reasons = { [`HTTP ${result.status}`]: 1 };
    }
    const r = summarise(readyz);
    const figure = {
      bodyMB: Math.round((body.length / 1e6) * 10) / 10,
      status: result.status,
      serverSeconds: Math.round(serverMs / 10) / 100,
      readyzMs: r,
      reasons,
    };
    process.stdout.write(
      `forged batch, ${name}: ${figure.bodyMB} MB answered ${figure.status} in ${figure.serverSeconds} s; /readyz p50 ${r.p50} ms, max ${r.max} ms (${r.count} probes); ${JSON.stringify(reasons)}\n`,
    );
    variants[name] = figure;
  }
  return variants;
}

type Health = { peer: { health: { outboxDepth: number } } };

async function chaosDrain(a: Proc, b: Proc) {
  const { seed, random } = benchRandom(`chaos: ${KILLS} kills`);
  let stop = false;
  let sent = 0;
  let asked = 0;
  const rate = CHAOS_RATE === "max" ? null : Number(CHAOS_RATE);
  const burstStart = performance.now();
  const burst = (async () => {
    while (!stop) {
      // At a fixed rate: the pings due by now (in steps of up to 20); at "max": 20 as soon as the API answers.
      const due =
        rate === null
          ? 20
          : Math.min(20, Math.floor(((performance.now() - burstStart) / 1000) * rate) - asked);
      if (due > 0) {
        // Pings the sender could not take while it was down are not made up later.
        asked += due;
        try {
          if (a.child?.exitCode === null) {
            await a.api("POST", "/api/v1/peers/US-DOJ/ping", { count: due });
            sent += due;
          }
        } catch {
          // the sender died mid-request
        }
      }
      await sleep(rate === null ? 50 : 20);
    }
  })();
  const kills: { victim: string; atMs: number; downMs: number }[] = [];
  const t0 = performance.now();
  for (let i = 0; i < KILLS; i++) {
    await sleep(300 + random() * 1700);
    const victim = random() < 0.5 ? a : b;
    const downMs = 100 + random() * 900;
    kills.push({ victim: victim.id, atMs: Math.round(performance.now() - t0), downMs: Math.round(downMs) });
    await victim.kill9();
    await sleep(downMs);
    await victim.start();
  }
  // The last restart is done (start() returned when /readyz answered): the burst stops and the clock runs.
  stop = true;
  await burst;
  const lastRestart = performance.now();
  const depth = async (p: Proc, peer: string) =>
    (await p.api<Health>("GET", `/api/v1/peers/${peer}`)).peer.health.outboxDepth;
  const held = async (p: Proc, peer: string) =>
    (await p.api<{ items: unknown[] }>("GET", `/api/v1/peers/${peer}/inbox?status=held&limit=10`)).items
      .length;
  let drainedMs = Number.NaN;
  for (let i = 0; i < 3000; i++) {
    const [da, db, ha, hb] = await Promise.all([
      depth(a, "US-DOJ"),
      depth(b, "CN-MPS"),
      held(a, "US-DOJ"),
      held(b, "CN-MPS"),
    ]);
    if (da + db + ha + hb === 0) {
      drainedMs = performance.now() - lastRestart;
      break;
    }
    if (i % 10 === 0) {
      const s = ((performance.now() - lastRestart) / 1000).toFixed(1);
      process.stdout.write(
        `chaos: ${s} s after the last restart: outbox ${da} + ${db}, held ${ha} + ${hb}\n`,
      );
    }
    await sleep(100);
  }
  const drainSeconds = Math.round(drainedMs / 10) / 100;
  process.stdout.write(
    `chaos: ${sent} pings sent (rate ${CHAOS_RATE}/s) during ${kills.length} kills; drained ${drainSeconds} s after the last restart (target 10 s)\n`,
  );
  return { seed, kills, rate: CHAOS_RATE, pingsSent: sent, drainSeconds, targetSeconds: 10 };
}

async function main() {
  const root = mkdtempSync(path.join(os.tmpdir(), `crossline-bench-hardening-${KIND}-`));
  const cluster = KIND === "postgres" ? await startPgCluster({ fsync: true }) : null;
  const a = await makeNode(root, "CN-MPS", cluster ? await createDb(cluster.url, "bench_a") : undefined);
  const b = await makeNode(root, "US-DOJ", cluster ? await createDb(cluster.url, "bench_b") : undefined);
  try {
    await Promise.all([a.start(), b.start()]);
    const { invitation } = await a.api<{ invitation: string }>("POST", "/api/v1/peers/invitations");
    await b.api("POST", "/api/v1/peers/accept", { invitation });
    process.stdout.write(`two nodes paired on ${KIND}\n`);
    // Chaos first: a forged batch spends the receiver's budget of failed opens claiming CN-MPS, and for the
    // next minute the real CN-MPS's envelopes are refused unopened (RATE_LIMITED, retried): the drain would
    // measure that minute, not the restarts (docs/federation.md §2.4).
    const chaos = await chaosDrain(a, b);
    const forged = await forgedBatch(b);
    const file = writeResult("federation-hardening", { db: KIND, forgedBatch: forged, chaos });
    process.stdout.write(`written to ${file}\n`);
  } finally {
    await a.kill9();
    await b.kill9();
    await cluster?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
