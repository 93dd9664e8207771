import { existsSync } from "node:fs";
import path from "node:path";
import { issue } from "@crossline/schemas";
import fastifyCookie from "@fastify/cookie";
import fastifyHelmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { uuidv7 } from "../crypto/ids.js";
import { AppError } from "../lib/errors.js";
import { SERVER_ROOT } from "../lib/paths.js";
import { accessLogRoutes } from "../modules/access-log/access-log.routes.js";
import { assetsRoutes } from "../modules/assets/assets.routes.js";
import { auditRoutes } from "../modules/audit/audit.routes.js";
import { authRoutes } from "../modules/auth/auth.routes.js";
import { backupRoutes } from "../modules/backup/backup.routes.js";
import { casesRoutes } from "../modules/cases/cases.routes.js";
import { correlationRoutes } from "../modules/correlation/correlation.routes.js";
import { federationRoutes } from "../modules/federation/federation.routes.js";
import { fugitivesRoutes } from "../modules/fugitives/fugitives.routes.js";
import { createMetrics, healthRoutes, type Metrics } from "../modules/health/health.routes.js";
import { hotlineRoutes } from "../modules/hotline/hotline.routes.js";
import { indicatorsRoutes } from "../modules/indicators/indicators.routes.js";
import { taxiiRoutes } from "../modules/indicators/taxii.routes.js";
import { lawfulRoutes } from "../modules/lawful/lawful.routes.js";
import { nodeRoutes } from "../modules/node/node.routes.js";
import { notificationsRoutes } from "../modules/notifications/notifications.routes.js";
import { personsRoutes } from "../modules/persons/persons.routes.js";
import { providersRoutes } from "../modules/providers/providers.routes.js";
import { repatriationRoutes } from "../modules/repatriation/repatriation.routes.js";
import { reportsRoutes } from "../modules/reports/reports.routes.js";
import { requestsRoutes } from "../modules/requests/requests.routes.js";
import { roundsRoutes } from "../modules/rounds/rounds.routes.js";
import { sharedObjectsRoutes } from "../modules/shared-objects/shared-objects.routes.js";
import { usersRoutes } from "../modules/users/users.routes.js";
import type { Services } from "../services.js";
import { registerAuth } from "./auth.js";
import { errorBody, sendError } from "./errors.js";
import { registerInputGuard } from "./input-guard.js";

export interface AppOptions {
  services: Services;
  logger: Logger | false;
  /** The node's local control token: the CLI on the node's machine acts as admin with it. */
  controlToken?: string;
  /** HTTPS served by the node itself (serve only; the CLI's in-process app needs none). */
  https?: { cert: Buffer; key: Buffer };
  /** Extra route modules registered after the core ones (later domains). */
  modules?: ((app: FastifyInstance, s: Services) => void)[];
}

const DEFAULT_CONSOLE_DIR = path.resolve(SERVER_ROOT, "../console/dist");

export async function buildApp(opts: AppOptions): Promise<FastifyInstance & { metrics: Metrics }> {
  const { services } = opts;
  const httpsPublic = services.config.publicUrl?.startsWith("https://") ?? false;
  const app = Fastify({
    loggerInstance: opts.logger || undefined,
    logger: opts.logger ? undefined : false,
    bodyLimit: services.config.bodyLimitBytes,
    // Plugins (OpenAPI, the docs page) may take longer than the 10 s default on a loaded machine.
    pluginTimeout: 120_000,
    genReqId: () => `req_${uuidv7()}`,
    requestIdHeader: false,
    // The router's own refusals (a path parameter over its 100-character limit, a path that is not valid
    // percent-encoded UTF-8) in the one error body with the request id, like every other error: by default
    // Fastify answered them in a shape of its own (a 414 or a 400) with neither.
    frameworkErrors: (err, req, reply) => {
      reply.header("x-request-id", req.id);
      return sendError(err, req, reply);
    },
    // Client addresses (rate limits, audit) come from X-Forwarded-For only when the proxy is one named here.
    trustProxy: services.config.trustedProxies.length ? services.config.trustedProxies : false,
    ...(opts.https ? { https: opts.https } : {}),
  }) as unknown as FastifyInstance;
  const metrics = createMetrics();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // HSTS only where the node is reached over HTTPS: on plain HTTP it would be a promise nobody keeps.
    strictTransportSecurity: httpsPublic ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  if (httpsPublic) {
    // Reached over plain HTTP (a proxy forwarding http, or a port left open): a page is sent to HTTPS; anything
    // else is refused, so no session cookie or token travels in clear twice. Probes stay open for the host.
    app.addHook("onRequest", async (req, reply) => {
      if (req.protocol === "https" || /^\/(healthz|readyz|metrics)$/.test(req.url)) return;
      if (req.method === "GET" || req.method === "HEAD") {
        return reply.redirect(`${services.config.publicUrl}${req.url}`, 308);
      }
      throw new AppError("FORBIDDEN", [
        issue("http.plainRefused", { url: String(services.config.publicUrl) }),
      ]);
    });
  }
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Crossline node API",
        version: "1",
        description:
          "The REST API of one Crossline node. Errors always have the body {error:{code,message,requestId,details}}.",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "crossline_session" },
          token: { type: "http", scheme: "bearer" },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/api/docs", staticCSP: true });

  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });
  app.addHook("onResponse", async (req, reply) => {
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? "unmatched", status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.setErrorHandler((err, req, reply) => sendError(err as Error, req, reply));
  registerInputGuard(app);

  registerAuth(app, services, opts.controlToken);
  app.get("/api/openapi.json", { config: { auth: "public" }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  healthRoutes(app, services, metrics);
  nodeRoutes(app, services);
  authRoutes(app, services);
  usersRoutes(app, services);
  auditRoutes(app, services);
  federationRoutes(app, services, metrics);
  requestsRoutes(app, services);
  hotlineRoutes(app, services);
  notificationsRoutes(app, services);
  reportsRoutes(app, services);
  backupRoutes(app, services);
  sharedObjectsRoutes(app, services);
  providersRoutes(app, services);
  casesRoutes(app, services);
  indicatorsRoutes(app, services);
  taxiiRoutes(app, services);
  correlationRoutes(app, services);
  roundsRoutes(app, services);
  personsRoutes(app, services);
  accessLogRoutes(app, services);
  lawfulRoutes(app, services);
  fugitivesRoutes(app, services);
  assetsRoutes(app, services);
  repatriationRoutes(app, services);
  for (const m of opts.modules ?? []) m(app, services);

  const consoleDir = services.config.consoleDir ?? DEFAULT_CONSOLE_DIR;
  const hasConsole = existsSync(path.join(consoleDir, "index.html"));
  if (hasConsole) {
    await app.register(fastifyStatic, {
      root: consoleDir,
      wildcard: false,
      index: ["index.html"],
      cacheControl: false,
      // Built assets carry a content hash in their name: cache them for good. The page itself is always
      // revalidated, so an upgraded node's console is picked up on the next load.
      setHeaders: (res, file) => {
        res.setHeader(
          "cache-control",
          file.includes(`${path.sep}assets${path.sep}`) ? "public, max-age=31536000, immutable" : "no-cache",
        );
      },
    });
  }
  app.setNotFoundHandler((req, reply) => {
    const pathname = req.url.split("?")[0];
    const isApi = pathname.startsWith("/api/") || pathname === "/api";
    // A console route (no file extension) gets the page; a missing file (an asset of an older build) is a
    // plain 404, not the page posing as a script.
    const isFile = /\.[A-Za-z0-9]+$/.test(pathname.slice(pathname.lastIndexOf("/") + 1));
    if (hasConsole && req.method === "GET" && !isApi && !isFile)
      return reply.type("text/html").header("cache-control", "no-cache").sendFile("index.html");
    return reply
      .status(404)
      .send(
        errorBody(req, "NOT_FOUND", [
          issue("http.noRoute", { method: req.method, path: req.url.split("?")[0] }),
        ]),
      );
  });
  await app.ready();
  return Object.assign(app, { metrics });
}
