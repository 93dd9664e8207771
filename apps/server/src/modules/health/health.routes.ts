import { sql } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { z } from "zod";
import { zodApp } from "../../http/route-kit.js";
import { RELEASE } from "../../lib/release.js";
import type { Services } from "../../services.js";

/** One registry per app instance, so several apps in one test process do not collide. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "crossline_" });
  const httpDuration = new Histogram({
    name: "crossline_http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const certificateExpiry = new Gauge({
    name: "crossline_tls_certificate_expiry_timestamp_seconds",
    help: "When the certificate the node serves HTTPS with expires (unix time); absent without HTTPS",
    registers: [registry],
  });
  new Gauge({
    name: "crossline_build_info",
    help: "1, labelled with this node's software release",
    labelNames: ["release"],
    registers: [registry],
  }).set({ release: RELEASE }, 1);
  let databaseMemory: () => number | null = () => null;
  new Gauge({
    name: "crossline_database_wasm_memory_bytes",
    help: "The embedded database's (PGlite's) WebAssembly memory; absent on PostgreSQL",
    registers: [registry],
    collect() {
      const bytes = databaseMemory();
      if (bytes !== null) this.set(bytes);
    },
  });
  return {
    registry,
    httpDuration,
    /** Where the database gauge reads from (node-runtime.ts: the opened database). */
    watchDatabaseMemory: (read: () => number | null) => {
      databaseMemory = read;
    },
    /** Set at start and at every reload of the certificate files (runtime/tls.ts). */
    setCertificateExpiry: (at: Date) => certificateExpiry.set(at.getTime() / 1000),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

export function healthRoutes(fastify: FastifyInstance, s: Services, metrics: Metrics) {
  const app = zodApp(fastify);
  new Gauge({
    name: "crossline_backup_last_timestamp_seconds",
    help: "When the last backup archive of the node was written (unix time; 0: never)",
    registers: [metrics.registry],
    async collect() {
      const at = await s.backups.lastBackupAt().catch(() => null);
      this.set(at ? at.getTime() / 1000 : 0);
    },
  });
  new Gauge({
    name: "crossline_requests_overdue",
    help: "Requests for assistance past their next deadline",
    registers: [metrics.registry],
    async collect() {
      this.set(await s.requests.overdueCount().catch(() => 0));
    },
  });
  new Gauge({
    name: "crossline_audit_checkpoint_confirmed_timestamp_seconds",
    help: "When the newest own audit checkpoint the peer confirmed holding was signed (unix time; 0: none)",
    labelNames: ["peer"],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const c of await s.auditAnchors.confirmations().catch(() => [])) {
        this.set({ peer: c.peerId }, c.signedAt ? c.signedAt.getTime() / 1000 : 0);
      }
    },
  });
  const tags = ["health"];
  app.get(
    "/healthz",
    {
      config: { auth: "public" },
      schema: { tags, summary: "Liveness", response: { 200: z.object({ status: z.literal("ok") }) } },
    },
    async () => ({ status: "ok" as const }),
  );
  app.get(
    "/readyz",
    {
      config: { auth: "public" },
      schema: {
        tags,
        summary: "Readiness: the database answers and the node is initialised",
        response: {
          200: z.object({ status: z.literal("ready"), node: z.string(), release: z.string() }),
          503: z.object({ status: z.string(), reason: z.string() }),
        },
      },
    },
    async (_req, reply) => {
      try {
        await s.db.execute(sql`select 1`);
        const node = await s.node.summary();
        return { status: "ready" as const, node: node.id, release: RELEASE };
      } catch (e) {
        return reply.status(503).send({ status: "not_ready", reason: (e as Error).message.slice(0, 200) });
      }
    },
  );
  app.get("/metrics", { config: { auth: "public" }, schema: { hide: true } }, async (_req, reply) => {
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
