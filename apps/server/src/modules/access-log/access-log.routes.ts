import {
  AccessLogPolicy,
  AccessLogVerifyResult,
  UnusualAccessQuery,
  UnusualAccessReport,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";

export function accessLogRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["access log"];

  app.get(
    "/api/v1/access-log/unusual",
    {
      schema: {
        tags,
        summary:
          "Unusual access to personal data (auditors): reads per user per day above the threshold, reads outside one's unit",
        description:
          "Days are UTC; `from`/`to` default to the last 7 days, `threshold` to the node's policy.",
        querystring: UnusualAccessQuery,
        response: { 200: UnusualAccessReport, ...errorResponses },
      },
    },
    async (req) => s.accessLog.unusual(req.ctx, req.query),
  );

  app.post(
    "/api/v1/access-log/verify",
    {
      schema: {
        tags,
        summary:
          "Check the access log against its seals and the seals against the audit chain (audit:verify: auditors, administrators)",
        body: z.strictObject({}).optional(),
        response: { 200: AccessLogVerifyResult, ...errorResponses },
      },
    },
    async (req) => s.accessLog.verify(req.ctx),
  );

  app.get(
    "/api/v1/policy/access-log",
    {
      schema: {
        tags,
        summary: "The access-log policy: reads per user per day above which a day is unusual",
        response: { 200: AccessLogPolicy, ...errorResponses },
      },
    },
    async (req) => s.accessLog.policy(req.ctx),
  );

  app.put(
    "/api/v1/policy/access-log",
    {
      schema: {
        tags,
        summary: "Change the access-log policy (administrators); audited",
        body: AccessLogPolicy,
        response: { 200: AccessLogPolicy, ...errorResponses },
      },
    },
    async (req) => s.accessLog.putPolicy(req.ctx, req.body),
  );
}
