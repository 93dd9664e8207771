import type { z } from "zod";

/**
 * What a peer sends is parsed with the schemas of this release, and the peer may run a newer one. Agencies
 * upgrade at their own pace, so a release may add optional fields to a payload or to a shared object's
 * content without changing its version, and an older receiver ignores them instead of refusing the message
 * (docs/decisions/0004-fields-from-newer-releases.md):
 *
 * - only unknown keys are ignored: a known field of the wrong type, a missing required field or a bad value
 *   still fails, with every issue of the first parse;
 * - nothing about a marking is ever ignored: an unknown key inside a `marking`, or an unknown key named
 *   `marking`, fails, because a restriction this release does not understand cannot be honoured;
 * - what was ignored is returned as dotted paths (`history.3.note`), for the receiver's log, metrics and audit.
 *
 * A change that older receivers must not ignore is a new schema version instead (the envelope's
 * `schemaVersion`, a shared type's `version`), which they refuse.
 */
export type ReceivedParse<T> =
  | { success: true; data: T; ignored: string[] }
  | { success: false; error: z.ZodError };

/** Unknown keys are looked for this many times: a union may pick another option once keys are gone. */
const ROUNDS = 3;

export function parseReceived<S extends z.ZodType>(schema: S, value: unknown): ReceivedParse<z.output<S>> {
  let r = schema.safeParse(value);
  if (r.success) return { success: true, data: r.data, ignored: [] };
  const first = r.error;
  const failed = { success: false as const, error: first };
  const ignored: string[] = [];
  const current: unknown = structuredClone(value);
  for (let round = 0; round < ROUNDS && !r.success; round++) {
    const issues = r.error.issues;
    if (!issues.every(ignorable)) return failed;
    for (const i of issues) {
      if (i.code !== "unrecognized_keys") return failed;
      const target = objectAt(current, i.path);
      if (!target) return failed;
      for (const k of i.keys) {
        delete target[k];
        ignored.push([...i.path, k].map(String).join("."));
      }
    }
    r = schema.safeParse(current);
  }
  return r.success ? { success: true, data: r.data, ignored } : failed;
}

function ignorable(i: z.core.$ZodIssue): boolean {
  return i.code === "unrecognized_keys" && !i.path.includes("marking") && !i.keys.includes("marking");
}

function objectAt(value: unknown, path: PropertyKey[]): Record<string, unknown> | undefined {
  let cur = value;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur !== null && typeof cur === "object" && !Array.isArray(cur)
    ? (cur as Record<string, unknown>)
    : undefined;
}
