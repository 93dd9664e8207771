import type { AppError } from "../lib/errors.js";

/** What a PostgreSQL error tells: its SQLSTATE and, for a constraint's violation, the constraint's name. */
export interface PgError {
  code: string;
  constraint?: string;
}

/**
 * The PostgreSQL error in `e`, or undefined. PGlite's and node-postgres's errors both carry `code` (the
 * SQLSTATE) and `constraint`; Drizzle 0.45 wraps them in a DrizzleQueryError (the driver's error is its
 * `cause`), and a transaction may wrap once more, so the causes are looked through.
 */
export function pgErrorOf(e: unknown): PgError | undefined {
  for (let x = e, i = 0; x instanceof Object && i < 5; x = (x as { cause?: unknown }).cause, i++) {
    const { code, constraint } = x as { code?: unknown; constraint?: unknown };
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code))
      return { code, ...(typeof constraint === "string" ? { constraint } : {}) };
  }
  return undefined;
}

export const UNIQUE_VIOLATION = "23505";
export const FOREIGN_KEY_VIOLATION = "23503";

/** The unique index (or constraint) `e` violates: its name, "" when the driver did not say; undefined: not one. */
export function uniqueViolationOf(e: unknown): string | undefined {
  const pg = pgErrorOf(e);
  return pg?.code === UNIQUE_VIOLATION ? (pg.constraint ?? "") : undefined;
}

/**
 * For `.catch(…)` after a write: a violation of one of the unique indexes named in `conflicts` becomes its
 * AppError, anything else is thrown as it was. For a check made before the write ("is the name taken?") that
 * another transaction can overtake on PostgreSQL: the index has the last word, and the client gets the same
 * 409 as when the check saw the row.
 */
export function uniqueConflicts(conflicts: Readonly<Record<string, () => AppError>>): (e: unknown) => never {
  return (e) => {
    const constraint = uniqueViolationOf(e);
    if (constraint && Object.hasOwn(conflicts, constraint)) throw conflicts[constraint]();
    throw e;
  };
}
