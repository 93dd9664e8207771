import type { FastifyInstance } from "fastify";
import { serverPath } from "../lib/paths.js";

/** The committed OpenAPI document: reviewers see every API change as a diff of this file. */
export const OPENAPI_FILE = serverPath("openapi.json");

/** The command that rewrites OPENAPI_FILE from the code (run from the repository root). */
export const OPENAPI_COMMAND = "npm run openapi";

/** The app's OpenAPI document as committed: stable key order as generated, two-space indent, final newline. */
export function renderOpenApi(app: FastifyInstance): string {
  return `${JSON.stringify(app.swagger(), null, 2)}\n`;
}
