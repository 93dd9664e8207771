import {
  AuditCheckpoint,
  AuditEntry,
  AuditQuery,
  AuditVerifyAnchoredResult,
  AuditVerifyBody,
  pageOf,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";

export function auditRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["audit"];
  app.get(
    "/api/v1/audit",
    {
      schema: {
        tags,
        summary: "Audit entries, newest first",
        querystring: AuditQuery,
        response: { 200: pageOf(AuditEntry), ...errorResponses },
      },
    },
    async (req) => s.audit.list(req.ctx, req.query),
  );
  app.get(
    "/api/v1/audit/verify",
    {
      schema: {
        tags,
        summary:
          "Verify the hash chain, and compare it with the own checkpoints and the peers' latest answers",
        response: { 200: z.object({ result: AuditVerifyAnchoredResult }), ...errorResponses },
      },
    },
    async (req) => ({ result: await s.auditAnchors.verify(req.ctx, { waitSeconds: 0 }) }),
  );
  app.post(
    "/api/v1/audit/verify",
    {
      schema: {
        tags,
        summary: "Ask the peers for the checkpoints they hold for this node, then verify against them",
        body: AuditVerifyBody,
        response: { 200: z.object({ result: AuditVerifyAnchoredResult }), ...errorResponses },
      },
    },
    async (req) => ({ result: await s.auditAnchors.verify(req.ctx, req.body) }),
  );
  app.get(
    "/api/v1/audit/checkpoints",
    {
      schema: {
        tags,
        summary:
          "The node's signed checkpoints of its audit trail, newest first, with the peers holding each",
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(10) }),
        response: { 200: z.object({ items: z.array(AuditCheckpoint) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await s.auditAnchors.listCheckpoints(req.ctx, req.query.limit) }),
  );
  app.post(
    "/api/v1/audit/checkpoints",
    {
      schema: {
        tags,
        summary: "Sign a checkpoint of the audit head now and send it to every active peer",
        response: { 201: z.object({ checkpoint: AuditCheckpoint }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const checkpoint = await s.auditAnchors.checkpoint(req.ctx);
      return reply.code(201).send({ checkpoint });
    },
  );
}
