import { writeFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import type { Config } from "../config.js";
import { type Database, openDatabase, runMigrations } from "../db/client.js";
import { buildApp } from "../http/app.js";
import type { Clock } from "../lib/clock.js";
import { randomToken } from "../lib/secrets.js";
import type { FederationPort } from "../modules/federation/federation.types.js";
import type { Metrics } from "../modules/health/health.routes.js";
import { createServices, type Services } from "../services.js";
import { acquireLock, controlTokenPath } from "./lock.js";
import { createLogger } from "./logger.js";

export interface NodeRuntime {
  config: Config;
  database: Database;
  services: Services;
  app: FastifyInstance & { metrics: Metrics };
  controlToken: string;
  /** Milliseconds each step of opening took (serve logs them: where a node's start-up time goes). */
  openedIn: Record<string, number>;
  /** Records the URL the node serves at in the data-directory lock, for CLI commands. */
  setServingUrl(url: string): void;
  close(): Promise<void>;
}

/**
 * Opens a node's database (taking the data-directory lock on PGlite), applies
 * migrations and builds services and the HTTP app. Used by `serve` and by CLI
 * commands that run while no server holds the data directory.
 */
export async function openNode(
  config: Config,
  opts: {
    logger?: boolean;
    clock?: Clock;
    writeControlToken?: boolean;
    federation?: FederationPort;
    https?: { cert: Buffer; key: Buffer };
  } = {},
): Promise<NodeRuntime> {
  const lock = config.databaseUrl ? null : acquireLock(config.dataDir);
  let database: Database | undefined;
  const openedIn: Record<string, number> = {};
  let last = performance.now();
  const step = (name: string) => {
    const now = performance.now();
    openedIn[name] = Math.round(now - last);
    last = now;
  };
  try {
    database = await openDatabase({
      dataDir: config.dataDir,
      databaseUrl: config.databaseUrl,
      pgliteSharedBuffersMb: config.pgliteSharedBuffersMb,
    });
    step("database");
    await runMigrations(database, config.migrationDatabaseUrl);
    step("migrations");
    const services = createServices({
      db: database.db,
      listen: database.listen,
      holdPresence: database.holdPresence,
      config,
      clock: opts.clock,
      federation: opts.federation,
    });
    // The retention policy into this process (the shared-objects retention hook is synchronous).
    await services.lawful.refreshPolicy();
    // Name keys for records made before the name search existed (one cheap query when there are none).
    await services.persons.indexNames();
    await services.fugitives.indexNames();
    step("services");
    const controlToken = randomToken(32);
    if (opts.writeControlToken)
      writeFileSync(controlTokenPath(config.dataDir), controlToken, { mode: 0o600 });
    const logger = opts.logger ? createLogger(config.logLevel, "crossline") : false;
    const app = await buildApp({ services, logger, controlToken, https: opts.https });
    app.metrics.watchDatabaseMemory(() => database?.memoryBytes() ?? null);
    step("app");
    const db = database;
    return {
      config,
      database,
      services,
      app,
      controlToken,
      openedIn,
      setServingUrl: (url) => lock?.setUrl(url),
      async close() {
        await app.close();
        // The access log's write-behind: the reads this process served are written before the database closes.
        await services.accessLog.flush();
        await services.notifications.close();
        await db.close();
        lock?.release();
      },
    };
  } catch (e) {
    await database?.close().catch(() => undefined);
    lock?.release();
    throw e;
  }
}
