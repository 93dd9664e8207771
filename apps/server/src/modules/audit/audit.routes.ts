import { AuditEntry, AuditQuery, AuditVerifyResult, pageOf } from "@crossline/schemas";
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
        summary: "Verify the hash chain of the whole audit trail",
        response: { 200: z.object({ result: AuditVerifyResult }), ...errorResponses },
      },
    },
    async (req) => ({ result: await s.audit.verify(req.ctx) }),
  );
}
