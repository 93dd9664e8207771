import type { Language } from "./common.js";
import { REJECT_REASONS, type RejectReason } from "./federation.js";
import { label } from "./labels.js";
import type { LinkProblem } from "./peers.js";

/** A link's last error as people read it: what went wrong (LINK_PROBLEMS) and the code that says so. */
export interface LinkProblemReading {
  kind: LinkProblem;
  /** The technical code behind it, when the text holds one: `ECONNREFUSED`, `HTTP 503`, `PEER_SUSPENDED`. */
  code: string | null;
  /** For a refusal by the peer: its reject reason, when it is one this version knows. */
  reason: RejectReason | null;
}

const REASONS: ReadonlySet<string> = new Set(REJECT_REASONS);

/** System and TLS error codes, by what they mean for the link (Node's `fetch`/undici and OpenSSL names). */
const CODE_KINDS: [RegExp, LinkProblem][] = [
  [/^ECONNREFUSED$/, "refused"],
  [/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME|EHOSTUNREACH|ENETUNREACH)$/, "notFound"],
  [/^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT)$/, "timeout"],
  [/^(ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED)$/, "cutOff"],
  [/^TLS_PIN_MISMATCH$/, "pinMismatch"],
  [/(CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_|ERR_SSL_)/, "certificate"],
];

/**
 * Reads the text a node recorded when it last failed to reach a peer (PeerHealth.lastError; written by the
 * delivery worker, the hotline test and the check after a restore) as what went wrong: the texts are this
 * code's own, `fetch failed: CODE: message` for a failed connection (federation.context.ts `peerFetch`),
 * `HTTP 503: {…}` for an error answer, `rejected: REASON` or `no receipt (REASON)` for a refusal,
 * `TLS_PIN_MISMATCH: …`, `RECONCILE: …`. A text it cannot place is "other", with the text itself beside it.
 */
export function linkProblemOf(text: string): LinkProblemReading {
  const none = { code: null, reason: null };
  const refused = (code: string): LinkProblemReading => ({
    kind: "peerRefused",
    code,
    reason: REASONS.has(code) ? (code as RejectReason) : null,
  });
  const rejected = /^(?:rejected: |no receipt \()([A-Z][A-Z_]*)/.exec(text);
  if (rejected) return refused(rejected[1]);
  if (text.startsWith("no receipt") || text.startsWith("receipt does not"))
    return { kind: "badAnswer", ...none };
  if (text.startsWith("RECONCILE:")) return { kind: "reconcile", ...none };
  const http = /^HTTP (\d{3})\b/.exec(text);
  if (http) {
    // the error body's code, when it is a reject reason (HTTP 429 with RATE_LIMITED)
    const said = /"code":"([A-Z_]+)"/.exec(text)?.[1] ?? "";
    return {
      kind: "httpError",
      code: `HTTP ${http[1]}`,
      reason: REASONS.has(said) ? (said as RejectReason) : null,
    };
  }
  if (/^(TimeoutError\b|The operation was aborted due to timeout)/.test(text))
    return { kind: "timeout", code: null, reason: null };
  // `fetch failed: CODE: message`, `TLS_PIN_MISMATCH: …`, or a code somewhere in an error's message
  for (const code of text.match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\bE[A-Z]{4,}\b/g) ?? []) {
    const hit = CODE_KINDS.find(([re]) => re.test(code));
    if (hit) return { kind: hit[1], code, reason: null };
  }
  if (/certificate/i.test(text)) return { kind: "certificate", ...none };
  return { kind: "other", ...none };
}

/**
 * A link's last error in a reader's language, as one line: what went wrong and its code, e.g. "Refused by the
 * peer: it has suspended the link with this node (PEER_SUSPENDED)" or "连接被拒绝（ECONNREFUSED）". The
 * technical text itself is for showing beside it (the console does), not in it.
 */
export function linkProblemText(text: string, lang: Language): string {
  const p = linkProblemOf(text);
  const what = label("linkProblem", p.kind, lang);
  const line = p.reason
    ? `${what}${lang === "en" ? ": " : "："}${label("rejectReason", p.reason, lang)}`
    : what;
  if (!p.code) return line;
  return lang === "en" ? `${line} (${p.code})` : `${line}（${p.code}）`;
}
