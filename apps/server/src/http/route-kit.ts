import { ErrorBody } from "@crossline/schemas";
import type { FastifyInstance, FastifyReply } from "fastify";
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

/** A stored file as a download: its bytes, their SHA-256, and no caching anywhere (evidence, personal data). */
export function sendStoredFile(
  reply: FastifyReply,
  f: { name?: string | null; contentType?: string; sha256: string; data: Buffer },
  disposition: "attachment" | "inline" = "attachment",
) {
  reply.header("content-type", f.contentType ?? "application/octet-stream");
  reply.header("x-content-sha256", f.sha256);
  reply.header("cache-control", "private, no-store");
  if (f.name)
    reply.header("content-disposition", `${disposition}; filename*=UTF-8''${encodeURIComponent(f.name)}`);
  return reply.send(f.data);
}
