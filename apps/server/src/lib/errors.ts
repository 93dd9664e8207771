import { ERRORS, type ErrorCode, type ErrorDetail } from "@crossline/schemas";

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
  new AppError("NOT_FOUND", what ? [{ issue: `${what} not found` }] : []);

/** One-line guard: `assertThat(user, notFound("user"))`. */
export function assertThat(condition: unknown, error: AppError | (() => AppError)): asserts condition {
  if (!condition) throw typeof error === "function" ? error() : error;
}
