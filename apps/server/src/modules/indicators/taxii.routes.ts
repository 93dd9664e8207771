import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Actor, Ctx } from "../../lib/actor.js";
import { AppError } from "../../lib/errors.js";
import type { Services } from "../../services.js";
import { type ObjectsQuery, TAXII_MEDIA, TaxiiError } from "./taxii.service.js";

/**
 * TAXII 2.1 under /taxii2/, in a plugin of its own: its media type, its error message resource (every error,
 * authentication included, answers `{ title, description, error_code, http_status }`), Basic or Bearer auth
 * with an API token (a console session works too). Authorization is the service's.
 */

const Query = z.object({
  added_after: z.string().max(64).optional(),
  limit: z.string().max(10).optional(),
  next: z.string().max(2048).optional(),
  "match[id]": z.string().max(20_000).optional(),
  "match[type]": z.string().max(1000).optional(),
  "match[version]": z.string().max(1000).optional(),
  "match[spec_version]": z.string().max(100).optional(),
});
const Root = z.object({ root: z.string().max(100) });
const Coll = Root.extend({ id: z.string().max(100) });
const Obj = Coll.extend({ objectId: z.string().max(200) });
const Status = Root.extend({ statusId: z.string().max(100) });
const Json = z.record(z.string(), z.unknown());

/** Accept must admit the TAXII media type (version 2.1, or none stated); absent or a wildcard also does. */
function acceptable(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(",").some((part) => {
    const [type, ...params] = part.split(";").map((p) => p.trim().toLowerCase());
    if (type === "*/*" || type === "application/*") return true;
    if (type !== "application/taxii+json") return false;
    const v = params.find((p) => p.startsWith("version="));
    return !v || v === "version=2.1";
  });
}

export function taxiiRoutes(fastify: FastifyInstance, s: Services) {
  fastify.register(async (app) => {
    app.addContentTypeParser(
      ["application/taxii+json", "application/stix+json"],
      { parseAs: "string", bodyLimit: 64 * 1024 * 1024 },
      (_req, body, done) => {
        try {
          done(null, JSON.parse(String(body)));
        } catch {
          done(new TaxiiError(400, "the body is not valid JSON", undefined, "MALFORMED_JSON"), undefined);
        }
      },
    );

    app.setErrorHandler((err, req, reply) => {
      const e = err as Error & { statusCode?: number; validation?: unknown };
      let t: TaxiiError;
      if (e instanceof TaxiiError) t = e;
      else if (e instanceof AppError)
        t = new TaxiiError(e.status, e.message, e.details.map((d) => d.issue).join("; "), e.code);
      else if (e.validation)
        t = new TaxiiError(400, "the request is not valid", e.message, "VALIDATION_FAILED");
      else if (e.statusCode && e.statusCode < 500) t = new TaxiiError(e.statusCode, e.message);
      else {
        req.log.error({ err }, "taxii request failed");
        t = new TaxiiError(500, "something went wrong on the server", undefined, "INTERNAL");
      }
      if (t.httpStatus === 401) reply.header("www-authenticate", 'Basic realm="taxii", Bearer realm="taxii"');
      void reply
        .status(t.httpStatus)
        .header("content-type", TAXII_MEDIA)
        .send({
          title: t.title,
          ...(t.description ? { description: t.description } : {}),
          ...(t.errorCode ? { error_code: t.errorCode } : {}),
          http_status: String(t.httpStatus),
          error_id: String(req.id),
        });
    });

    /** The caller: a Bearer token or session resolved by the node's auth hook, else Basic (password = token). */
    async function caller(req: FastifyRequest): Promise<Ctx> {
      if (!acceptable(req.headers.accept))
        throw new TaxiiError(406, "not acceptable", `send Accept: ${TAXII_MEDIA}`, "NOT_ACCEPTABLE");
      if (req.ctx.actor.type !== "anonymous") return req.ctx;
      const h = req.headers.authorization;
      if (h?.startsWith("Basic ")) {
        const decoded = Buffer.from(h.slice(6).trim(), "base64").toString("utf8");
        const secret = decoded.slice(decoded.indexOf(":") + 1);
        const actor: Actor | null = secret ? await s.tokens.resolve(secret) : null;
        if (actor) return { ...req.ctx, actor };
      }
      throw new TaxiiError(
        401,
        "authentication required",
        "Basic (password: an API token) or Bearer",
        "UNAUTHENTICATED",
      );
    }

    const send = (
      reply: FastifyReply,
      body: unknown,
      range?: { first?: Date; last?: Date },
      status = 200,
    ) => {
      if (range?.first) reply.header("x-taxii-date-added-first", range.first.toISOString());
      if (range?.last) reply.header("x-taxii-date-added-last", range.last.toISOString());
      return reply.status(status).header("content-type", TAXII_MEDIA).send(JSON.stringify(body));
    };
    /** A paged GET: the caller, then its page with the X-TAXII-Date-Added-First/Last headers. */
    const paged =
      <P>(page: (ctx: Ctx, p: P, q: ObjectsQuery) => Promise<{ body: unknown; first?: Date; last?: Date }>) =>
      async (req: FastifyRequest, reply: FastifyReply) => {
        const ctx = await caller(req);
        const r = await page(ctx, req.params as P, req.query as ObjectsQuery);
        return send(reply, r.body, r);
      };
    const base = (req: FastifyRequest) => `${req.protocol}://${req.headers.host ?? "localhost"}`;
    const tags = ["taxii"];
    const config = { auth: "public" as const };
    const ok = { 200: Json };

    app.get(
      "/taxii2/",
      { config, schema: { tags, summary: "TAXII 2.1 discovery", response: ok } },
      async (req, reply) => {
        await caller(req);
        return send(reply, s.taxii.discovery(base(req)));
      },
    );
    app.get(
      "/taxii2/:root/",
      { config, schema: { tags, summary: "TAXII 2.1 API root", params: Root, response: ok } },
      async (req, reply) => {
        await caller(req);
        return send(reply, s.taxii.apiRoot((req.params as z.infer<typeof Root>).root));
      },
    );
    app.get(
      "/taxii2/:root/collections/",
      { config, schema: { tags, summary: "TAXII 2.1 collections", params: Root, response: ok } },
      async (req, reply) => {
        const ctx = await caller(req);
        return send(reply, await s.taxii.collections((req.params as z.infer<typeof Root>).root, ctx.actor));
      },
    );
    app.get(
      "/taxii2/:root/collections/:id/",
      { config, schema: { tags, summary: "TAXII 2.1 collection", params: Coll, response: ok } },
      async (req, reply) => {
        const ctx = await caller(req);
        const p = req.params as z.infer<typeof Coll>;
        return send(reply, await s.taxii.collection(p.root, ctx.actor, p.id));
      },
    );
    app.get(
      "/taxii2/:root/collections/:id/objects/",
      {
        config,
        schema: {
          tags,
          summary:
            "TAXII 2.1 objects of a collection (added_after, match[id|type|version|spec_version], limit, next)",
          params: Coll,
          querystring: Query,
          response: ok,
        },
      },
      paged<z.infer<typeof Coll>>((ctx, p, q) => s.taxii.objects(p.root, ctx.actor, p.id, q)),
    );
    app.post(
      "/taxii2/:root/collections/:id/objects/",
      {
        config,
        schema: {
          tags,
          summary: "TAXII 2.1 add objects (an envelope): answers a status resource",
          params: Coll,
          response: { 202: Json },
        },
      },
      async (req, reply) => {
        const ctx = await caller(req);
        const p = req.params as z.infer<typeof Coll>;
        const type = String(req.headers["content-type"] ?? "").toLowerCase();
        const body = await s.taxii.addObjects(p.root, ctx, p.id, req.body, type);
        return send(reply, body, undefined, 202);
      },
    );
    app.get(
      "/taxii2/:root/collections/:id/objects/:objectId/",
      {
        config,
        schema: { tags, summary: "TAXII 2.1 one object", params: Obj, querystring: Query, response: ok },
      },
      paged<z.infer<typeof Obj>>((ctx, p, q) => s.taxii.object(p.root, ctx.actor, p.id, p.objectId, q)),
    );
    app.get(
      "/taxii2/:root/collections/:id/objects/:objectId/versions/",
      {
        config,
        schema: {
          tags,
          summary: "TAXII 2.1 versions of an object",
          params: Obj,
          querystring: Query,
          response: ok,
        },
      },
      paged<z.infer<typeof Obj>>((ctx, p, q) => s.taxii.versions(p.root, ctx.actor, p.id, p.objectId, q)),
    );
    app.get(
      "/taxii2/:root/collections/:id/manifest/",
      {
        config,
        schema: {
          tags,
          summary: "TAXII 2.1 manifest of a collection",
          params: Coll,
          querystring: Query,
          response: ok,
        },
      },
      paged<z.infer<typeof Coll>>((ctx, p, q) => s.taxii.manifest(p.root, ctx.actor, p.id, q)),
    );
    app.get(
      "/taxii2/:root/status/:statusId/",
      { config, schema: { tags, summary: "TAXII 2.1 status of an add", params: Status, response: ok } },
      async (req, reply) => {
        const ctx = await caller(req);
        const p = req.params as z.infer<typeof Status>;
        return send(reply, await s.taxii.status(p.root, ctx.actor, p.statusId));
      },
    );
  });
}
