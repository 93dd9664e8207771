import { ERRORS, type ErrorBody, type ErrorCode, type ErrorDetail } from "@crossline/schemas";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { AppError } from "../lib/errors.js";

export function languageOf(req: FastifyRequest): "en" | "zh" {
  const h = req.headers["accept-language"];
  return typeof h === "string" && /^\s*zh/i.test(h) ? "zh" : "en";
}

export function errorBody(req: FastifyRequest, code: ErrorCode, details: ErrorDetail[] = []): ErrorBody {
  return {
    error: { code, message: ERRORS[code][languageOf(req)], requestId: String(req.id), details },
  };
}

function validationDetails(err: FastifyError): ErrorDetail[] {
  if (!hasZodFastifySchemaValidationErrors(err)) return [{ issue: err.message }];
  const where = (err as { validationContext?: string }).validationContext ?? "body";
  return err.validation.map((v) => {
    const path = v.instancePath.replace(/^\//, "").replace(/\//g, ".");
    const keys = (v.params as { keys?: string[] }).keys;
    if (v.keyword === "unrecognized_keys" && keys) {
      const field = keys.map((k) => (path ? `${path}.${k}` : k)).join(", ");
      return { field: `${where}.${field}`, issue: "unknown field" };
    }
    return { field: path ? `${where}.${path}` : where, issue: v.message ?? "is not valid" };
  });
}

/** Maps every error to the one error body; never leaks SQL or stack traces. */
export function sendError(err: FastifyError | AppError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError) {
    return reply.status(err.status).send(errorBody(req, err.code, err.details));
  }
  const fe = err as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fe)) {
    return reply.status(400).send(errorBody(req, "VALIDATION_FAILED", validationDetails(fe)));
  }
  switch (fe.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return reply
        .status(413)
        .send(errorBody(req, "PAYLOAD_TOO_LARGE", [{ issue: "body exceeds the limit" }]));
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return reply
        .status(415)
        .send(errorBody(req, "UNSUPPORTED_MEDIA_TYPE", [{ issue: "send Content-Type: application/json" }]));
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return reply.status(400).send(errorBody(req, "MALFORMED_JSON", [{ field: "body", issue: fe.message }]));
  }
  if (fe.statusCode === 400 && err instanceof SyntaxError) {
    return reply.status(400).send(errorBody(req, "MALFORMED_JSON", [{ field: "body", issue: err.message }]));
  }
  if (fe.statusCode === 429) return reply.status(429).send(errorBody(req, "RATE_LIMITED"));
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return reply.status(400).send(errorBody(req, "VALIDATION_FAILED", [{ issue: fe.message }]));
  }
  req.log.error({ err }, "unhandled error");
  return reply.status(500).send(errorBody(req, "INTERNAL"));
}
