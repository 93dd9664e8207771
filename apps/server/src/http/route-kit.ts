import { ErrorBody } from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";

export type App = ReturnType<FastifyInstance["withTypeProvider"]> & FastifyInstance;

export function zodApp(app: FastifyInstance) {
  return app.withTypeProvider<ZodTypeProvider>();
}

/** The error responses every authenticated endpoint may give, for the OpenAPI document. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
};

export const IdParams = z.strictObject({ id: z.uuid() });
export const NoContent = z.null().describe("No content");
