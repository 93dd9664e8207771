import type { Readable } from "node:stream";
import {
  ImportQuery,
  ImportReport,
  IndicatorId,
  IndicatorPage,
  IndicatorQuery,
  IndicatorView,
  ShareIndicatorsBody,
  ShareIndicatorsResult,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, zodApp } from "../../http/route-kit.js";
import { AppError } from "../../lib/errors.js";
import type { Services } from "../../services.js";
import { CreateCollectionBody } from "./taxii.service.js";

/** The media types an import is uploaded as: the body is handed over as a stream, never buffered whole. */
const UPLOAD_TYPES = { "text/csv": "csv", "application/stix+json": "stix" } as const;

const Params = z.strictObject({ id: IndicatorId });
const ImportParams = z.strictObject({ id: z.string().regex(/^imp_[0-9a-f-]{36}$/, "an import id (imp_…)") });

const CollectionView = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  ownerNode: z.string().nullable(),
  tlp: z.array(z.string()),
  canWrite: z.boolean(),
  url: z.string(),
});

export function indicatorsRoutes(fastify: FastifyInstance, s: Services) {
  const tags = ["indicators"];

  fastify.register(async (child) => {
    // Uploads stream through: a 1 GB file is parsed as it arrives (no body limit applies to a stream).
    // Any other type too (the caller then names the format): the service refuses it after authorization.
    child.addContentTypeParser("*", (_req, payload, done) => done(null, payload));
    const app = zodApp(child);
    app.post(
      "/api/v1/indicators/imports",
      {
        schema: {
          tags,
          summary: "Import indicators from a CSV file or a STIX 2.1 bundle (the body, streamed)",
          description:
            "Content-Type text/csv (header: kind,value and any of qualifier,first_seen,last_seen,confidence,valid_until,description,source,tlp) or application/stix+json (a bundle). Rows are checked one by one: bad ones are reported with their line or object id and reason, good ones kept; the same file twice adds nothing. A file refused as a whole (no header, unknown column, not a bundle) is a 400 and keeps nothing.",
          querystring: ImportQuery,
          response: { 201: z.object({ import: ImportReport }), 415: errorResponses[400], ...errorResponses },
        },
      },
      async (req, reply) => {
        const type = String(req.headers["content-type"] ?? "")
          .split(";")[0]
          .trim()
          .toLowerCase();
        const format = req.query.format ?? UPLOAD_TYPES[type as keyof typeof UPLOAD_TYPES];
        const source = req.body as Readable;
        const report = await s.indicators.importFile(
          req.ctx,
          { format, fileName: req.query.fileName, tlp: req.query.tlp },
          source,
        );
        return reply.status(201).send({ import: report });
      },
    );
  });

  const app = zodApp(fastify);

  app.get(
    "/api/v1/indicators",
    {
      schema: {
        tags,
        summary: "Indicators of the caller's unit, own and received, newest first",
        description: "Filter by kind, origin (own / received), state, or a part of the value (`q`).",
        querystring: IndicatorQuery,
        response: { 200: IndicatorPage, ...errorResponses },
      },
    },
    async (req) => s.indicators.list(req.ctx, req.query),
  );

  app.get(
    "/api/v1/indicators/imports/:id",
    {
      schema: {
        tags,
        summary: "An import's report (while it runs: its progress)",
        params: ImportParams,
        response: { 200: z.object({ import: ImportReport }), ...errorResponses },
      },
    },
    async (req) => ({ import: await s.indicators.getImport(req.ctx, req.params.id) }),
  );

  app.post(
    "/api/v1/indicators/share",
    {
      schema: {
        tags,
        summary: "Share own indicators not shared yet with peers, in batches (one shared object per 2,000)",
        description:
          "`ids` or `importId` choose them (none: all the unit's unshared active indicators). The marking decides who may receive them (TLP:RED only the nodes it names).",
        body: ShareIndicatorsBody,
        response: { 201: ShareIndicatorsResult, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await s.indicators.share(req.ctx, req.body)),
  );

  app.get(
    "/api/v1/indicators/export",
    {
      schema: {
        tags,
        summary:
          "A STIX 2.1 bundle of the unit's active indicators (and the STIX objects imported with them)",
        querystring: z.strictObject({ ids: z.string().max(100_000).optional() }),
        response: { 200: z.record(z.string(), z.unknown()), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ids = req.query.ids?.split(",").filter(Boolean);
      if (ids?.some((i) => !IndicatorId.safeParse(i).success))
        throw new AppError("VALIDATION_FAILED", [
          { field: "querystring.ids", issue: "comma-separated indicator ids" },
        ]);
      reply.header("content-type", "application/stix+json;version=2.1");
      return s.indicators.exportBundle(req.ctx, { ids });
    },
  );

  app.get(
    "/api/v1/indicators/:id",
    {
      schema: {
        tags,
        summary: "One indicator",
        params: Params,
        response: { 200: z.object({ indicator: IndicatorView }), ...errorResponses },
      },
    },
    async (req) => ({ indicator: await s.indicators.get(req.ctx, req.params.id) }),
  );

  app.post(
    "/api/v1/indicators/:id/withdraw",
    {
      schema: {
        tags,
        summary:
          "Withdraw an own indicator: it leaves every peer's store and searches; TAXII feeds serve its revoked version",
        params: Params,
        body: z.strictObject({}).optional(),
        response: { 200: z.object({ indicator: IndicatorView }), ...errorResponses },
      },
    },
    async (req) => ({ indicator: await s.indicators.withdraw(req.ctx, req.params.id) }),
  );

  app.get(
    "/api/v1/taxii/collections",
    {
      schema: {
        tags: ["taxii"],
        summary: "The TAXII collections of this node (administrator)",
        response: { 200: z.object({ items: z.array(CollectionView) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await s.taxii.listCollections(req.ctx) }),
  );

  app.post(
    "/api/v1/taxii/collections",
    {
      schema: {
        tags: ["taxii"],
        summary:
          "Add a TAXII collection: a feed of one owner (this node or a peer) and/or of some TLP levels",
        body: CreateCollectionBody,
        response: { 201: z.object({ collection: CollectionView }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ collection: await s.taxii.createCollection(req.ctx, req.body) }),
  );
}
