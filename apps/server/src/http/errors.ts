import {
  ERRORS,
  type ErrorBody,
  type ErrorCode,
  type ErrorDetail,
  type IssueRef,
  issue,
  issueInChinese,
  issueRefOf,
  issueText,
} from "@crossline/schemas";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { z } from "zod";
import { FOREIGN_KEY_VIOLATION, pgErrorOf, UNIQUE_VIOLATION } from "../db/errors.js";
import { AppError, type RawZodIssue, rawIssueOf, takenDetail } from "../lib/errors.js";

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

/** The answer to a database error a service left as it was (see databaseAnswer). */
export interface DatabaseAnswer {
  code: ErrorCode;
  details: ErrorDetail[];
  /** The SQLSTATE and, for a unique violation, the index: for the log, never for the client. */
  sqlState: string;
  constraint?: string;
  /** Seconds, for Retry-After. */
  retryAfter?: number;
}

/**
 * PostgreSQL's errors that are the client's answer and not a fault of the server, whichever service let one
 * through (a safety net: the services check first and name the field themselves where they can):
 * - a unique violation (23505) is 409 CONFLICT: what the request would add is there already, because a check
 *   before the write lost a race to another transaction (several processes serve one PostgreSQL) or there was
 *   none. The detail names the field for the indexes of lib/errors.ts (TAKEN), else "already exists".
 * - a foreign key violation (23503) is 409 CONFLICT too: a record the write refers to was removed meanwhile (a
 *   link to a person being merged away), or a removal found a record still referring to it. Nothing was saved;
 *   after a reload the client sees the state that got in the way.
 * - a deadlock (40P01) or a serialization failure (40001) is 503 NODE_BUSY with Retry-After: PostgreSQL rolled
 *   the whole transaction back, so nothing of the request was saved and sending it again as it is will most
 *   likely succeed. The client did nothing wrong and has nothing to change, which a 409 would tell it to do
 *   (reload, reconsider); 503 with Retry-After is what HTTP clients and proxies already know to retry.
 */
export function databaseAnswer(err: unknown): DatabaseAnswer | undefined {
  const pg = pgErrorOf(err);
  if (!pg) return undefined;
  if (pg.code === UNIQUE_VIOLATION) {
    const detail = (pg.constraint && takenDetail(pg.constraint)) || issue("record.exists");
    return { code: "CONFLICT", details: [detail], sqlState: pg.code, constraint: pg.constraint };
  }
  if (pg.code === FOREIGN_KEY_VIOLATION) {
    return {
      code: "CONFLICT",
      details: [issue("record.related")],
      sqlState: pg.code,
      constraint: pg.constraint,
    };
  }
  if (pg.code === "40P01" || pg.code === "40001") {
    return { code: "NODE_BUSY", details: [issue("transaction.retry")], sqlState: pg.code, retryAfter: 1 };
  }
  return undefined;
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
    case "FST_ERR_MAX_PARAM_LENGTH":
      return reply
        .status(400)
        .send(
          errorBody(req, "VALIDATION_FAILED", [
            { field: "params", ...issue("http.pathSegmentTooLong", { limit: 100 }) },
          ]),
        );
    case "FST_ERR_BAD_URL":
      return reply
        .status(400)
        .send(errorBody(req, "VALIDATION_FAILED", [{ field: "params", ...issue("http.badUrl") }]));
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
  const db = databaseAnswer(err);
  if (db) {
    req.log.warn({ sqlState: db.sqlState, constraint: db.constraint }, `database error answered ${db.code}`);
    if (db.retryAfter) reply.header("retry-after", String(db.retryAfter));
    return reply.status(ERRORS[db.code].status).send(errorBody(req, db.code, db.details));
  }
  req.log.error({ err }, "unhandled error");
  return reply.status(500).send(errorBody(req, "INTERNAL"));
}
