import type { FastifyInstance, FastifyRequest } from "fastify";
import { type Ctx, makeActor } from "../lib/actor.js";
import { AppError } from "../lib/errors.js";
import { safeEqual } from "../lib/secrets.js";
import type { SessionState } from "../modules/auth/auth.service.js";
import { cliActor } from "../modules/node/node.service.js";
import type { Services } from "../services.js";

export const SESSION_COOKIE = "crossline_session";

declare module "fastify" {
  interface FastifyContextConfig {
    /** public: anyone; incomplete: a signed-in user still changing a password or enrolling MFA; default: fully signed in. */
    auth?: "public" | "incomplete";
  }
  interface FastifyRequest {
    ctx: Ctx;
    session: SessionState | null;
  }
}

const ANONYMOUS = makeActor({
  type: "anonymous",
  id: null,
  label: "anonymous",
  userId: null,
  unitId: null,
  agencyId: null,
  roles: [],
});

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Why the caller reads personal data, from the `X-Crossline-Reason` header (URI-encoded, so any language
 * fits in a header): kept in the access log. Bounded; control characters dropped.
 */
function readReason(req: FastifyRequest): string | null {
  const raw = req.headers["x-crossline-reason"];
  if (typeof raw !== "string" || raw.trim() === "") return null;
  let text = raw;
  try {
    text = decodeURIComponent(raw);
  } catch {
    // Not URI-encoded: kept as sent.
  }
  const clean = text
    .replace(/\p{Cc}/gu, " ")
    .trim()
    .slice(0, 500);
  return clean || null;
}

/**
 * Resolves who is calling (session cookie, API token, or the node's local control
 * token for the CLI) and enforces sign-in, CSRF and pending sign-in steps.
 * Authorization itself stays in the services.
 */
export function registerAuth(app: FastifyInstance, services: Services, controlToken: string | undefined) {
  app.decorateRequest("ctx", null as unknown as Ctx);
  app.decorateRequest("session", null);

  app.addHook("preHandler", async (req: FastifyRequest) => {
    const base = { ip: req.ip ?? null, requestId: String(req.id), reason: readReason(req) };
    req.ctx = { actor: ANONYMOUS, ...base };
    // Only the API under /api/v1 needs a caller; docs, health, metrics and the console are public.
    const mode =
      req.routeOptions.config?.auth ?? (req.routeOptions.url?.startsWith("/api/v1") ? undefined : "public");
    const header = req.headers.authorization;
    if (header?.startsWith("Bearer ")) {
      const secret = header.slice(7).trim();
      if (controlToken && safeEqual(secret, controlToken)) {
        req.ctx = { actor: cliActor(`cli@${req.ip}`), ...base };
        return;
      }
      const actor = await services.tokens.resolve(secret);
      if (!actor)
        throw new AppError("UNAUTHENTICATED", [{ issue: "the API token is unknown, expired or revoked" }]);
      req.ctx = { actor, ...base };
      return;
    }
    const cookie = req.cookies[SESSION_COOKIE];
    const session = cookie ? await services.auth.resolveSession(cookie) : null;
    if (session) {
      req.session = session;
      req.ctx = { actor: session.actor, ...base };
      if (!SAFE_METHODS.has(req.method)) {
        const csrf = req.headers["x-csrf-token"];
        if (typeof csrf !== "string" || !safeEqual(csrf, session.csrfToken)) {
          if (mode !== "public") throw new AppError("CSRF_FAILED");
        }
      }
    }
    if (mode === "public") return;
    if (!session) throw new AppError("UNAUTHENTICATED");
    const pending = services.auth.pendingStep(session.user);
    if (pending && mode !== "incomplete") throw new AppError(pending);
  });
}

export function requireSession(req: FastifyRequest): SessionState {
  if (!req.session)
    throw new AppError("UNAUTHENTICATED", [{ issue: "this endpoint needs a signed-in user" }]);
  return req.session;
}
