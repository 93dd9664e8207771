import type { Server as HttpsServer } from "node:https";
import type { Config } from "../config.js";
import { roleWarning } from "../db/roles.js";
import { startTableUpkeep } from "../db/upkeep.js";
import { startAccessLogWorker } from "../modules/access-log/access-log.worker.js";
import { startAuditWorker } from "../modules/audit/audit.worker.js";
import { type FederationWorker, startFederationWorker } from "../modules/federation/federation.worker.js";
import { startFugitivesWorker } from "../modules/fugitives/fugitives.worker.js";
import { startHotlineWorker } from "../modules/hotline/hotline.worker.js";
import { startLawfulWorker } from "../modules/lawful/lawful.worker.js";
import { startProvidersWorker } from "../modules/providers/providers.worker.js";
import { startRepatriationWorker } from "../modules/repatriation/repatriation.worker.js";
import { openNode } from "./node-runtime.js";
import { readTlsFiles, watchTlsFiles } from "./tls.js";
import { startWatchdog } from "./watchdog.js";

/** Starts the node: HTTP API, console and background workers, until SIGINT/SIGTERM. */
export async function serve(config: Config): Promise<void> {
  // Before anything opens: a certificate and key that do not match are a configuration error (exit code 2).
  const tls = readTlsFiles(config);
  const rt = await openNode(config, {
    logger: true,
    writeControlToken: true,
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
  });
  const { app } = rt;
  if (tls) app.metrics.setCertificateExpiry(tls.notAfter);
  const unwatchTls = tls
    ? watchTlsFiles(
        app.server as HttpsServer,
        config,
        (t) => app.metrics.setCertificateExpiry(t.notAfter),
        app.log,
      )
    : null;
  const address = await app.listen({ host: config.host, port: config.port });
  const watchdog = startWatchdog(config.watchdogSeconds);
  const url = config.publicUrl ?? address;
  rt.setServingUrl(url);
  const node = await rt.services.node.summary().catch(() => null);
  app.log.info(
    // openedIn and the process uptime say where the start-up time went
    {
      url,
      node: node?.id,
      database: rt.database.kind,
      openedInMs: rt.openedIn,
      uptimeMs: Math.round(performance.now()),
    },
    `Crossline node ${node?.id ?? "(not initialised)"} listening at ${url}`,
  );
  if (rt.database.kind === "pglite") {
    app.log.warn(
      "The embedded database (PGlite) does not flush its writes to disk: a power cut or an operating-system crash can lose the last commits or damage the data directory. Run a node that holds an agency's cases on PostgreSQL (DATABASE_URL; docs/operations.md).",
    );
  }
  if (config.databaseUrl) {
    const warning = await roleWarning(config.databaseUrl).catch(() => null);
    if (warning) {
      app.log.warn(
        `${warning}: it could switch off the audit trail's append-only triggers. Run the node as a role that owns nothing (docs/database-roles.md).`,
      );
    }
  }
  const workers: FederationWorker[] = [];
  if (config.workers) {
    workers.push(startFederationWorker(rt.services.federationService, config, app.log));
  }
  const hotlineWorker = config.workers ? startHotlineWorker(rt.services, app.log) : null;
  const auditWorker = config.workers
    ? startAuditWorker(rt.services.auditAnchors, config.auditCheckpointMinutes, app.log)
    : null;
  const accessLogWorker = config.workers ? startAccessLogWorker(rt.services.accessLog, app.log) : null;
  const lawfulWorker = config.workers ? startLawfulWorker(rt.services.lawful, app.log) : null;
  const providersWorker = config.workers ? startProvidersWorker(rt.services, app.log) : null;
  const repatriationWorker = config.workers ? startRepatriationWorker(rt.services, app.log) : null;
  const fugitivesWorker = config.workers ? startFugitivesWorker(rt.services, app.log) : null;
  // PGlite has no autovacuum: the node vacuums and analyses its tables as autovacuum would (db/upkeep.ts).
  const tableUpkeep = config.workers ? startTableUpkeep(rt.database, app.log) : null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "stopping");
    unwatchTls?.();
    await hotlineWorker?.stop();
    await auditWorker?.stop();
    await accessLogWorker?.stop();
    await lawfulWorker?.stop();
    await providersWorker?.stop();
    await repatriationWorker?.stop();
    await fugitivesWorker?.stop();
    await tableUpkeep?.stop();
    await Promise.all(workers.map((w) => w.stop()));
    await rt.close();
    await watchdog.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}
