import { CorrelationSearchQuery, CorrelationSearchResult, HitPage, HitQuery } from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { errorResponses, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";

export function correlationRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["correlation"];

  app.get(
    "/api/v1/correlation/search",
    {
      schema: {
        tags,
        summary: "Find an identifier wherever the caller may look (exact after normalisation)",
        description:
          "An address also finds the networks holding it and a network the addresses inside it; a domain also finds its URLs and e-mail addresses (and its subdomains'). Other units' records are not shown: only that a unit holds it, to ask.",
        querystring: CorrelationSearchQuery,
        response: { 200: CorrelationSearchResult, ...errorResponses },
      },
    },
    async (req) => s.correlation.search(req.ctx, req.query.q),
  );

  app.get(
    "/api/v1/correlation/hits",
    {
      schema: {
        tags,
        summary: "The hits inbox: identifiers of the caller's unit's records also held by another record",
        querystring: HitQuery,
        response: { 200: HitPage, ...errorResponses },
      },
    },
    async (req) => s.correlation.hits(req.ctx, req.query),
  );
}
