import {
  ERRORS,
  type ErrorBody,
  type ErrorCode,
  type ErrorDetail,
  type IssueRef,
  issueInChinese,
  issueRefOf,
  issueText,
} from "@crossline/schemas";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError, type RawZodIssue, rawIssueOf } from "../lib/errors.js";

export function languageOf(req: FastifyRequest): "en" | "zh" {
  const h = req.headers["accept-language"];
  return typeof h === "string" && /^\s*zh/i.test(h) ? "zh" : "en";
}

export function errorBody(req: FastifyRequest, code: ErrorCode, details: ErrorDetail[] = []): ErrorBody {
  const lang = languageOf(req);
  return {
    error: {
      code,
      message: ERRORS[code][lang],
      requestId: String(req.id),
      details: details.map((d) => (lang === "zh" ? detailInChinese(d) : withKey(d))),
    },
  };
}

// -------------------------------------------------------------------------------------------------
// Issues in Chinese: Zod's own messages through its bundled zh-CN locale, ours through the dictionary
// in @crossline/schemas (ISSUES_ZH). English output is never touched.

const zodEn = z.locales.en().localeError;
const zodZh = z.locales.zhCN().localeError;
const rawIssues = new WeakMap<ErrorDetail, RawZodIssue>();

function localeText(map: typeof zodEn, issue: RawZodIssue): string | undefined {
  try {
    const r = map(issue as unknown as Parameters<typeof zodEn>[0]);
    return typeof r === "string" ? r : (r?.message ?? undefined);
  } catch {
    return undefined;
  }
}

/**
 * Zod's Chinese for an issue whose message is Zod's own English one (the English locale words the same
 * issue the same way); undefined for a custom message, which the dictionary handles.
 */
function zodIssueInChinese(issue: RawZodIssue): string | undefined {
  if (localeText(zodEn, issue) !== issue.message) return undefined;
  return localeText(zodZh, issue);
}

/** The message key of a detail: set by the service, or carried by a Zod custom issue. */
function refOf(d: ErrorDetail): IssueRef | undefined {
  if (d.key) return issueRefOf({ key: d.key, params: d.params ?? {} });
  const raw = rawIssues.get(d) ?? rawIssueOf(d);
  return issueRefOf(raw?.params);
}

/** The detail with its key and parameters, so a client can word it in its own language. */
function withKey(d: ErrorDetail): ErrorDetail {
  const ref = refOf(d);
  return ref ? { ...d, key: ref.key, params: { ...ref.params } } : d;
}

function detailInChinese(d: ErrorDetail): ErrorDetail {
  const ref = refOf(d);
  if (ref) return { ...d, issue: issueText(ref, "zh-CN"), key: ref.key, params: { ...ref.params } };
  const raw = rawIssues.get(d) ?? rawIssueOf(d);
  const zh = (raw && zodIssueInChinese(raw)) ?? issueInChinese(d.issue);
  return zh === undefined ? d : { ...d, issue: zh };
}

/** The value at a Zod path in what the client sent (the route validator does not keep the input). */
function valueAt(root: unknown, path: string[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function sentPart(req: FastifyRequest, where: string): unknown {
  switch (where) {
    case "body":
      return req.body;
    case "querystring":
      return req.query;
    case "params":
      return req.params;
    case "headers":
      return req.headers;
  }
  return undefined;
}

function validationDetails(err: FastifyError, req: FastifyRequest): ErrorDetail[] {
  if (!hasZodFastifySchemaValidationErrors(err)) return [{ issue: err.message }];
  const where = (err as { validationContext?: string }).validationContext ?? "body";
  return err.validation.map((v) => {
    const segments = v.instancePath
      .replace(/^\//, "")
      .split("/")
      .filter((p) => p !== "");
    const path = segments.join(".");
    const keys = (v.params as { keys?: string[] }).keys;
    if (v.keyword === "unrecognized_keys" && keys) {
      const field = keys.map((k) => (path ? `${path}.${k}` : k)).join(", ");
      return { field: `${where}.${field}`, issue: "unknown field" };
    }
    const detail = { field: path ? `${where}.${path}` : where, issue: v.message ?? "is not valid" };
    rawIssues.set(detail, {
      ...(v.params as Record<string, unknown>),
      code: v.keyword,
      message: detail.issue,
      input: valueAt(sentPart(req, where), segments),
    });
    return detail;
  });
}

/** Maps every error to the one error body; never leaks SQL or stack traces. */
export function sendError(err: FastifyError | AppError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError) {
    return reply.status(err.status).send(errorBody(req, err.code, err.details));
  }
  const fe = err as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fe)) {
    return reply.status(400).send(errorBody(req, "VALIDATION_FAILED", validationDetails(fe, req)));
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
