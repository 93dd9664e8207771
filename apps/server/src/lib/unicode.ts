import type { ErrorDetail } from "@crossline/schemas";

export const NUL_ISSUE = "must not contain the NUL character (U+0000)";
export const SURROGATE_ISSUE = "must be valid Unicode (an unpaired surrogate was sent)";

/**
 * `String.prototype.isWellFormed` (ES2024, in Node 20's V8; not in the ES2023 library this project compiles
 * against): true when the string has no lone surrogate. Native, so much cheaper than a look-around regular
 * expression over every string of a body (an envelope batch is 200 strings of 1–2 kB each).
 */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** What is wrong with a string PostgreSQL cannot store, or null. */
function stringIssue(s: string): string | null {
  if (s.includes("\u0000")) return NUL_ISSUE;
  if (!isWellFormed(s)) return SURROGATE_ISSUE;
  return null;
}

/** Deeper than any body the API accepts; a deeper one is refused by its schema anyway. */
const MAX_DEPTH = 64;

/**
 * Parsed input is plain data: arrays and objects whose prototype is Object's, null, or an empty null-rooted one. Anything else (a streamed
 * upload's IncomingMessage, a Buffer) is not walked: an IncomingMessage reaches its socket, server and parser,
 * a cyclic graph that a walk 64 levels deep never finishes (it blocked the event loop on every streamed import
 * over real HTTP; light-my-request's smaller request object hid it from the inject-based tests).
 */
function isPlainData(v: object): boolean {
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return true;
  // Fastify's query-string parser (fast-querystring) makes its objects from an empty, null-rooted prototype.
  return Object.getPrototypeOf(proto) === null && Object.getOwnPropertyNames(proto).length === 0;
}

/**
 * The first string (value or key) in `v` that PostgreSQL cannot store, with its path: text and jsonb refuse
 * NUL, and a lone surrogate has no UTF-8 encoding. JSON escapes (`\u0000`, `\ud800`) produce both from
 * input that is otherwise valid UTF-8, so every parsed input is checked before it reaches the database.
 */
export function unstorableString(v: unknown, field: string, depth = 0): ErrorDetail | null {
  if (typeof v === "string") {
    const issue = stringIssue(v);
    return issue ? { field, issue } : null;
  }
  if (v === null || typeof v !== "object" || depth > MAX_DEPTH || !isPlainData(v)) return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      // strings, the common case, are checked here without building their path unless they are refused
      const found =
        typeof x === "string" ? strIssue(x, field, i) : unstorableString(x, `${field}.${i}`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const k of Object.keys(v)) {
    const keyIssue = stringIssue(k);
    // The key is named with its unstorable characters replaced, so the error body itself stays storable.
    if (keyIssue)
      return {
        field: `${field}.${k.replaceAll("\u0000", "?").replace(/[\ud800-\udfff]/g, "?")}`,
        issue: keyIssue,
      };
    const x: unknown = (v as Record<string, unknown>)[k];
    const found =
      typeof x === "string" ? strIssue(x, field, k) : unstorableString(x, `${field}.${k}`, depth + 1);
    if (found) return found;
  }
  return null;
}

function strIssue(s: string, field: string, k: string | number): ErrorDetail | null {
  const issue = stringIssue(s);
  return issue ? { field: `${field}.${k}`, issue } : null;
}
