import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ImportReport } from "@crossline/schemas";
import type { Agent } from "./node.js";

export const STIX_EXAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../fixtures/stix2-examples",
);

/** Uploads a file body as an import (CSV or a STIX bundle) and returns the status and report or error. */
export async function upload(
  a: Agent,
  body: string | Buffer,
  type: "text/csv" | "application/stix+json" = "text/csv",
  query = "",
) {
  return a.req<{
    import: ImportReport;
    error?: { code: string; details: { field?: string; issue: string }[] };
  }>("POST", `/api/v1/indicators/imports${query}`, body, { "content-type": type });
}

export const example = (name: string) => readFileSync(path.join(STIX_EXAMPLES, name), "utf8");
