import { DrizzleQueryError } from "drizzle-orm";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { pgErrorOf, uniqueConflicts, uniqueViolationOf } from "../../src/db/errors.js";
import { databaseAnswer } from "../../src/http/errors.js";
import { AppError, taken } from "../../src/lib/errors.js";

/** A driver's error as node-postgres builds it from the server's message (PGlite's has the same fields). */
function driverError(code: string, constraint?: string): pg.DatabaseError {
  const e = new pg.DatabaseError("the server's message", 0, "error");
  e.code = code;
  e.severity = "ERROR";
  if (constraint) e.constraint = constraint;
  return e;
}

/** As a query through Drizzle 0.45 throws it: the driver's error is the cause. */
const wrapped = (cause: Error) => new DrizzleQueryError('insert into "users" …', [], cause);

describe("PostgreSQL errors under Drizzle's wrapper", () => {
  it("finds the SQLSTATE and the constraint through the causes", () => {
    expect(pgErrorOf(wrapped(driverError("23505", "users_username")))).toEqual({
      code: "23505",
      constraint: "users_username",
    });
    expect(pgErrorOf(driverError("40P01"))).toEqual({ code: "40P01" });
    expect(uniqueViolationOf(wrapped(driverError("23505", "units_name")))).toBe("units_name");
    expect(uniqueViolationOf(wrapped(driverError("23505")))).toBe("");
    expect(uniqueViolationOf(wrapped(driverError("23503", "users_unit_id_fk")))).toBeUndefined();
    // Fastify's and Node's own codes are not SQLSTATEs
    expect(
      pgErrorOf(Object.assign(new Error("x"), { code: "FST_ERR_CTP_INVALID_JSON_BODY" })),
    ).toBeUndefined();
    expect(pgErrorOf(new Error("plain"))).toBeUndefined();
  });

  it("uniqueConflicts turns the named index's violation into the service's error and rethrows the rest", () => {
    const map = uniqueConflicts({ users_username: () => taken("users_username") });
    const named = (() => {
      try {
        map(wrapped(driverError("23505", "users_username")));
      } catch (e) {
        return e;
      }
    })();
    expect(named).toBeInstanceOf(AppError);
    expect((named as AppError).details).toEqual([{ field: "username", issue: "this username is taken" }]);
    const other = wrapped(driverError("23505", "persons_match_key"));
    expect(() => map(other)).toThrow(other);
  });
});

describe("the HTTP layer's safety net (databaseAnswer)", () => {
  it("a unique violation of a known index is a 409 naming the field", () => {
    expect(databaseAnswer(wrapped(driverError("23505", "units_name")))).toEqual({
      code: "CONFLICT",
      details: [{ field: "name", issue: "a unit with this name exists" }],
      sqlState: "23505",
      constraint: "units_name",
    });
  });

  it("another unique violation is a 409 with the generic issue key", () => {
    const a = databaseAnswer(wrapped(driverError("23505", "cases_reference")));
    expect(a).toMatchObject({ code: "CONFLICT", constraint: "cases_reference" });
    expect(a?.details).toEqual([
      { issue: "a record with this value already exists", key: "record.exists", params: {} },
    ]);
    expect(databaseAnswer(driverError("23505"))?.details[0].key).toBe("record.exists");
  });

  it("a deadlock or a serialization failure is a 503 to retry", () => {
    for (const code of ["40P01", "40001"]) {
      const a = databaseAnswer(wrapped(driverError(code)));
      expect(a).toMatchObject({ code: "NODE_BUSY", sqlState: code, retryAfter: 1 });
      expect(a?.details[0].key).toBe("transaction.retry");
    }
  });

  it("a foreign key violation is a 409 with its own issue key", () => {
    const a = databaseAnswer(wrapped(driverError("23503", "person_links_person_id_persons_id_fk")));
    expect(a).toMatchObject({ code: "CONFLICT", sqlState: "23503" });
    expect(a?.details[0].key).toBe("record.related");
  });

  it("leaves every other error to the 500", () => {
    expect(databaseAnswer(wrapped(driverError("57014")))).toBeUndefined();
    expect(databaseAnswer(new TypeError("x is undefined"))).toBeUndefined();
  });
});
