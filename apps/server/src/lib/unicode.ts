import type { ErrorDetail } from "@crossline/schemas";

export const NUL_ISSUE = "must not contain the NUL character (U+0000)";
export const SURROGATE_ISSUE = "must be valid Unicode (an unpaired surrogate was sent)";

/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

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
    if (v.includes("\u0000")) return { field, issue: NUL_ISSUE };
    if (LONE_SURROGATE.test(v)) return { field, issue: SURROGATE_ISSUE };
    return null;
  }
  if (v === null || typeof v !== "object" || depth > MAX_DEPTH || !isPlainData(v)) return null;
  const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
  for (const [k, x] of entries) {
    // The key is named with its unstorable characters replaced, so the error body itself stays storable.
    const key = unstorableString(
      k,
      `${field}.${k.replaceAll("\u0000", "?").replace(/[\ud800-\udfff]/g, "?")}`,
      depth + 1,
    );
    if (key) return key;
    const found = unstorableString(x, `${field}.${k}`, depth + 1);
    if (found) return found;
  }
  return null;
}
