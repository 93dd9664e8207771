import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../lib/errors.js";
import { unstorableString } from "../lib/unicode.js";

/**
 * Refuses, on every route and before its schema runs, a string anywhere in the body, query or path that
 * PostgreSQL text cannot hold (NUL) or that is not valid Unicode (a lone surrogate, which UTF-8 cannot
 * encode): a 400 naming the field, where the database would otherwise fail the whole request with a 500.
 */
export function registerInputGuard(app: FastifyInstance) {
  app.addHook("preValidation", async (req: FastifyRequest) => {
    const parts: [string, unknown][] = [
      ["params", req.params],
      ["querystring", req.query],
      ["body", req.body],
    ];
    for (const [where, value] of parts) {
      const found = unstorableString(value, where);
      if (found) throw new AppError("VALIDATION_FAILED", [found]);
    }
  });
}
