import { TimelinessQuery, TimelinessReport } from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";
import { timelinessCsv, timelinessPdf } from "./reports.export.js";

export function reportsRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["reports"];

  app.get(
    "/api/v1/reports/timeliness",
    {
      schema: {
        tags,
        summary: "Timeliness and quality of responses per period, type, urgency and side (JSON, for charts)",
        querystring: TimelinessQuery,
        response: { 200: z.object({ report: TimelinessReport }), ...errorResponses },
      },
    },
    async (req) => ({ report: await s.reports.timeliness(req.ctx, req.query) }),
  );

  app.get(
    "/api/v1/reports/timeliness.csv",
    {
      schema: {
        tags,
        summary: "The timeliness report as CSV (headers in `lang`)",
        querystring: TimelinessQuery,
        response: { 200: z.string().describe("text/csv"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const report = await s.reports.timeliness(req.ctx, req.query);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="timeliness-${report.nodeId}.csv"`)
        .send(timelinessCsv(report, req.query.lang));
    },
  );

  app.get(
    "/api/v1/reports/timeliness.pdf",
    {
      schema: {
        tags,
        summary: "The periodic status report as PDF, in English or Chinese (`lang`)",
        querystring: TimelinessQuery,
        response: { 200: z.any().describe("application/pdf"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const report = await s.reports.timeliness(req.ctx, req.query);
      const pdf = await timelinessPdf(report, req.query.lang, await s.reports.readerZone(req.ctx));
      return reply
        .type("application/pdf")
        .header(
          "content-disposition",
          `attachment; filename="timeliness-${report.nodeId}-${req.query.lang}.pdf"`,
        )
        .send(pdf);
    },
  );
}
