import {
  AddStageBody,
  AssetDetail,
  AssetPage,
  AssetQuery,
  AssetRef,
  AssetTotals,
  AssetTotalsQuery,
  AssetVersionView,
  CreateAssetBody,
  CreateRequestBody,
  ReceivedAssetView,
  RequestDetail,
  ShareAssetBody,
  UpdateAssetBody,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";
import { keepRawForm, rawForms } from "../requests/requests.routes.js";
import { ASSET_REQUEST_TYPES } from "./assets.requests.js";

const IdParams = z.strictObject({ id: z.uuid() });
const One = { 200: z.object({ asset: AssetDetail }), ...errorResponses };

/** `/api/v1/assets`: thin routes, one service call each (authorization and need to know in the service). */
export function assetsRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["assets"];

  app.get(
    "/api/v1/assets",
    {
      schema: {
        tags,
        summary: "Assets of the caller's unit, newest first, by kind, stage, currency, fugitive or case",
        querystring: AssetQuery,
        response: { 200: AssetPage, ...errorResponses },
      },
    },
    async (req) => s.assets.list(req.ctx, req.query),
  );

  app.post(
    "/api/v1/assets",
    {
      schema: {
        tags,
        summary: "Record an asset linked to fugitives or cases (its first stage: identified)",
        description:
          "Amounts are decimal strings in major units with at most the currency's ISO 4217 decimal places " +
          "(crypto-assets: the chain's precision, e.g. BTC 8, ETH 18); stored exactly in minor units.",
        body: CreateAssetBody,
        response: { 201: z.object({ asset: AssetDetail }), ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send({ asset: await s.assets.create(req.ctx, req.body) }),
  );

  app.get(
    "/api/v1/assets/totals",
    {
      schema: {
        tags,
        summary: "Totals per currency and stage (never summed across currencies) and values per currency",
        querystring: AssetTotalsQuery,
        response: { 200: AssetTotals, ...errorResponses },
      },
    },
    async (req) => s.assets.totals(req.ctx, req.query),
  );

  app.get(
    "/api/v1/assets/received",
    {
      schema: {
        tags,
        summary: "Peers' assets held by the caller's unit (read-only, the owner's version)",
        response: { 200: z.object({ items: z.array(ReceivedAssetView) }), ...errorResponses },
      },
    },
    async (req) => s.assets.received(req.ctx),
  );

  app.get(
    "/api/v1/assets/:id",
    {
      schema: {
        tags,
        summary: "One asset with its stage history and sharing (logged in the access log)",
        params: IdParams,
        response: One,
      },
    },
    async (req) => ({ asset: await s.assets.get(req.ctx, req.params.id) }),
  );

  app.patch(
    "/api/v1/assets/:id",
    {
      schema: {
        tags,
        summary: "Change an asset's record (the next version; a stale version is 409)",
        params: IdParams,
        body: UpdateAssetBody,
        response: One,
      },
    },
    async (req) => ({ asset: await s.assets.update(req.ctx, req.params.id, req.body) }),
  );

  app.get(
    "/api/v1/assets/:id/history",
    {
      schema: {
        tags,
        summary: "Every version of an asset's record",
        params: IdParams,
        response: { 200: z.object({ items: z.array(AssetVersionView) }), ...errorResponses },
      },
    },
    async (req) => s.assets.history(req.ctx, req.params.id),
  );

  app.post(
    "/api/v1/assets/:id/stages",
    {
      schema: {
        tags,
        summary: "Record a stage (traced, frozen, seized, confiscated, returned, released): never backwards",
        description:
          "Date not before the previous entry; an order reference for frozen, seized, confiscated and " +
          "released; the amount (a part is fine) in the asset's currency and precision.",
        params: IdParams,
        body: AddStageBody,
        response: { 201: z.object({ asset: AssetDetail }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ asset: await s.assets.addStage(req.ctx, req.params.id, req.body) }),
  );

  app.get(
    "/api/v1/assets/:id/request-prefill",
    {
      schema: {
        tags,
        summary: "What an asset tracing / freezing / confiscation / return request starts with: the asset",
        params: IdParams,
        querystring: z.strictObject({ type: z.enum(ASSET_REQUEST_TYPES) }),
        response: {
          200: z.object({
            prefill: z.object({
              assetId: z.uuid(),
              type: z.enum(ASSET_REQUEST_TYPES),
              details: z.object({ assets: z.array(AssetRef) }),
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => ({ prefill: await s.assets.requestPrefill(req.ctx, req.params.id, req.query.type) }),
  );

  app.post(
    "/api/v1/assets/:id/requests",
    {
      preValidation: keepRawForm,
      schema: {
        tags,
        summary: "Draft an asset tracing, freezing, confiscation or return request from this asset",
        description:
          "The body is the requests' draft body (POST /api/v1/requests) naming this asset in " +
          "`form.details.assets[].assetId`; the asset then lists the request. request-prefill gives its start.",
        params: IdParams,
        body: CreateRequestBody,
        response: { 201: z.object({ request: RequestDetail }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({
        request: await s.assets.draftRequest(req.ctx, req.params.id, {
          peerId: req.body.peerId,
          peerTimeZone: req.body.peerTimeZone,
          form: rawForms.get(req) as typeof req.body.form,
        }),
      }),
  );

  app.post(
    "/api/v1/assets/:id/share",
    {
      schema: {
        tags,
        summary: "Share the asset with peers under a marking (a shared object of type `asset`)",
        params: IdParams,
        body: ShareAssetBody,
        response: One,
      },
    },
    async (req) => ({ asset: await s.assets.share(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/assets/:id/withdraw",
    {
      schema: {
        tags,
        summary: "Stop sharing the asset: the peers' copies are erased (final)",
        params: IdParams,
        response: One,
      },
    },
    async (req) => ({ asset: await s.assets.withdrawSharing(req.ctx, req.params.id) }),
  );
}
