import { ERRORS, type ErrorCode, type ErrorDetail, issue } from "@crossline/schemas";

/** The one error type services throw; the HTTP layer maps `code` to status and localised text. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly details: ErrorDetail[] = [],
    message?: string,
  ) {
    super(message ?? ERRORS[code].en);
    this.status = ERRORS[code].status;
  }
}

export const notFound = (what?: string) =>
  new AppError("NOT_FOUND", what ? [issue("record.notFound", { what })] : []);

/**
 * The unique indexes whose violation means that a value the client sent is taken: the field and the issue of
 * the 409. One place for the service's own check (and the race that check can lose to another transaction,
 * db/errors.ts onUniqueViolation) and for the HTTP layer's safety net (http/errors.ts), so both answer alike.
 */
const TAKEN = {
  users_username: { field: "username", issue: "this username is taken" },
  units_name: { field: "name", issue: "a unit with this name exists" },
} as const satisfies Record<string, ErrorDetail>;

/** CONFLICT naming the field whose value a unique index already holds. */
export const taken = (constraint: keyof typeof TAKEN) => new AppError("CONFLICT", [{ ...TAKEN[constraint] }]);

/** The detail of a unique index of TAKEN, by the name a database error gives. */
export const takenDetail = (constraint: string): ErrorDetail | undefined =>
  Object.hasOwn(TAKEN, constraint) ? { ...TAKEN[constraint as keyof typeof TAKEN] } : undefined;

/** One-line guard: `assertThat(user, notFound("user"))`. */
export function assertThat(condition: unknown, error: AppError | (() => AppError)): asserts condition {
  if (!condition) throw typeof error === "function" ? error() : error;
}

/** A Zod issue as the locales read it: its code and parameters, and the offending input when known. */
export type RawZodIssue = { code: string; message: string; input?: unknown } & Record<string, unknown>;

const rawIssues = new WeakMap<ErrorDetail, RawZodIssue>();

/** Error details as one English line, "field: issue; …": for logs, CLI messages and stored reasons. */
export const detailsText = (details: readonly { field?: string; issue: string }[]): string =>
  details.map((d) => (d.field ? `${d.field}: ${d.issue}` : d.issue)).join("; ");

/**
 * A detail for a Zod issue raised in a service (parse with `reportInput: true` so the locale can name
 * the type received). The issue is remembered beside the detail, so the HTTP layer can word Zod's own
 * messages in the caller's language.
 */
export function zodIssueDetail(field: string, issue: { message: string; code: string }): ErrorDetail {
  const detail: ErrorDetail = { field, issue: issue.message };
  rawIssues.set(detail, issue as unknown as RawZodIssue);
  return detail;
}

export function rawIssueOf(detail: ErrorDetail): RawZodIssue | undefined {
  return rawIssues.get(detail);
}
