import type { ErrorBody, ErrorCode, ErrorDetail } from "@crossline/schemas";
import { ERRORS } from "@crossline/schemas";
import { currentLanguage } from "../i18n";

/** Codes the console adds for failures that never reached the API's error handler. */
export type ClientErrorCode = "NETWORK" | "UNEXPECTED_RESPONSE";

export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;
  readonly requestId: string | null;
  readonly details: ErrorDetail[];

  constructor(
    status: number,
    code: ErrorCode | ClientErrorCode,
    message: string,
    requestId: string | null,
    details: ErrorDetail[],
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
  }
}

export function isApiError(err: unknown, code?: ErrorCode | ClientErrorCode): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

export const API_BASE = "/api/v1";

let csrfToken: string | null = null;

/** Set from every session response; sent on every mutating request. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

type Listener = (err: ApiError) => void;
const listeners = new Set<Listener>();

/** Observe every API error (the session layer uses it to notice expiry and forced steps). */
export function onApiError(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const e = (value as { error: unknown }).error;
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string";
}

function toApiError(status: number, body: unknown): ApiError {
  if (isErrorBody(body)) {
    const { code, message, requestId, details } = body.error;
    const known = Object.hasOwn(ERRORS, code);
    return new ApiError(
      status,
      known ? code : "UNEXPECTED_RESPONSE",
      message,
      requestId ?? null,
      Array.isArray(details) ? details : [],
    );
  }
  return new ApiError(status, "UNEXPECTED_RESPONSE", `HTTP ${status}`, null, []);
}

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * Calls the node's API on the same origin. The session cookie travels by itself;
 * mutating requests carry the CSRF token and a JSON body (an empty object when the
 * operation takes none, so the server's JSON parser never sees an empty body).
 */
export async function api<T>(
  method: Method,
  path: string,
  body?: unknown,
  /** A file sent as it is (an import), with its own media type, instead of a JSON body. */
  raw?: { body: Blob; contentType: string },
  /**
   * keepalive: the request completes even if the page is closed or left meanwhile (a small body only: browsers
   * cap such bodies at 64 kB in all).
   */
  options: { keepalive?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    "Accept-Language": currentLanguage(),
  };
  const mutating = method !== "GET";
  if (mutating) {
    headers["Content-Type"] = raw?.contentType ?? "application/json";
    if (csrfToken) headers["X-CSRF-Token"] = csrfToken;
  }
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: raw ? raw.body : mutating ? JSON.stringify(body ?? {}) : undefined,
      ...(options.keepalive ? { keepalive: true } : {}),
    });
  } catch (cause) {
    const err = new ApiError(0, "NETWORK", cause instanceof Error ? cause.message : "network", null, []);
    for (const l of listeners) l(err);
    throw err;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) {
    const err = toApiError(response.status, parsed);
    for (const l of listeners) l(err);
    throw err;
  }
  if (parsed === null && text) {
    throw new ApiError(response.status, "UNEXPECTED_RESPONSE", "not JSON", null, []);
  }
  return parsed as T;
}

/** Downloads a file from the API as a Blob; an error answer becomes an ApiError like any other call's. */
export async function apiFile(path: string): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      headers: { "Accept-Language": currentLanguage() },
      credentials: "same-origin",
    });
  } catch (cause) {
    throw new ApiError(0, "NETWORK", cause instanceof Error ? cause.message : "network", null, []);
  }
  if (!response.ok) {
    let parsed: unknown = null;
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    }
    const err = toApiError(response.status, parsed);
    for (const l of listeners) l(err);
    throw err;
  }
  return response.blob();
}
