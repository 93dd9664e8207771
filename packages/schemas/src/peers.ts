import { z } from "zod";

/** Paired nodes (peers) as the API shows them: state, keys and link health. */

export const PEER_STATES = ["pending", "active", "suspended", "revoked"] as const;
export const PeerState = z.enum(PEER_STATES);
export type PeerState = z.infer<typeof PeerState>;
/** What an administrator does to a peer (POST /peers/:id/suspend | resume | revoke). */
export const PEER_ACTIONS = ["suspend", "resume", "revoke"] as const;
export type PeerAction = (typeof PEER_ACTIONS)[number];

/** Why delivery to a peer is stopped until it is resolved (PeerHealth.linkStop.reason). */
export const LINK_STOP_REASONS = ["SEQUENCE_CONFLICT", "RESTORED"] as const;
export type LinkStopReason = (typeof LINK_STOP_REASONS)[number];

/**
 * What went wrong when this node last tried to reach a peer, read from the technical text it recorded
 * (`linkProblemOf` in link-problems.ts): refused, address not found, no answer in time, cut off, an untrusted
 * certificate or not the one pinned at pairing, an HTTP error, a refusal by the peer (with its reject
 * reason), an answer that proves nothing, the check after a restore, or anything else.
 */
export const LINK_PROBLEMS = [
  "refused",
  "notFound",
  "timeout",
  "cutOff",
  "certificate",
  "pinMismatch",
  "httpError",
  "peerRefused",
  "badAnswer",
  "reconcile",
  "other",
] as const;
export type LinkProblem = (typeof LINK_PROBLEMS)[number];

/** Link health of a peer: the outbox waiting for it, counters, last exchange, round-trip times. */
export const PeerHealth = z.object({
  outboxDepth: z.number(),
  oldestUndeliveredAt: z.string().nullable(),
  oldestUndeliveredAgeSeconds: z.number().nullable(),
  sent: z.number(),
  delivered: z.number(),
  received: z.number(),
  rejected: z.number(),
  /** Harmless resends of messages already received, counted apart from rejections. */
  duplicates: z.number(),
  lastSuccessAt: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  lastError: z.string().nullable(),
  rttMs: z.number().nullable(),
  pingRttMs: z.number().nullable(),
  linkDown: z.boolean(),
  linkAlertAt: z.string().nullable(),
  /**
   * Set when delivery to the peer is stopped until an operator re-sequences (the peer holds one of our
   * sequence numbers under another message id): the message, its number and the peer's highest.
   */
  linkStop: z
    .object({
      reason: z.string(),
      at: z.string(),
      msgId: z.string().optional(),
      seq: z.number().optional(),
      peerHighestSeq: z.number().nullable().optional(),
      /** RESTORED: this node was restored from the backup made then; it reconciles with the peer first. */
      backupAt: z.string().optional(),
    })
    .nullable(),
});
export type PeerHealth = z.infer<typeof PeerHealth>;

/**
 * A pin of a peer's TLS certificate: `sha256/` and the base64 SHA-256 of the certificate's SubjectPublicKeyInfo
 * (DER), as RFC 7469's pin-sha256 and OkHttp's CertificatePinner write it. The key, not the whole certificate: a
 * certificate renewed with the same key keeps its pin. Given as that, or as 64 hexadecimal digits (colons and
 * spaces allowed, as `openssl dgst` prints them); the node stores the `sha256/` form.
 */
export const TlsPin = z
  .string()
  .trim()
  .max(200)
  .regex(/^(sha256\/[A-Za-z0-9+/]{43}=|(?:[0-9A-Fa-f]{2}[:\s]?){31}[0-9A-Fa-f]{2})$/, {
    error: "a pin is sha256/ and 44 base64 characters, or 64 hexadecimal digits",
  });

/** The `sha256/<base64>` form of a pin given in either form TlsPin accepts. */
export function canonicalTlsPin(pin: string): string {
  const t = pin.trim();
  if (t.startsWith("sha256/")) return t;
  return `sha256/${hexToBase64(t.replace(/[:\s]/g, ""))}`;
}

/** Hex to base64 without Node's Buffer: this package runs in the browser too. */
function hexToBase64(hex: string): string {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export const PeerView = z.object({
  id: z.string(),
  name: z.string(),
  nameZh: z.string().nullable(),
  baseUrl: z.string(),
  state: PeerState,
  fingerprint: z.string(),
  /** The pin of the peer's TLS certificate this node requires (set at pairing or later), or null: not pinned. */
  tlsPin: z.string().nullable(),
  /** The software release the peer last told (in a hotline test, ping or pong); null before its first one. */
  release: z.string().nullable(),
  keys: z.array(z.object({ kid: z.string(), use: z.string(), status: z.string() })),
  stateChangedAt: z.string(),
  createdAt: z.string(),
  health: PeerHealth,
});
export type PeerView = z.infer<typeof PeerView>;

/** A single-use pairing invitation, for the other node's administrator to accept. */
export const PeerInvitation = z.object({
  invitation: z.string(),
  expiresAt: z.string(),
  nodeFingerprint: z.string(),
  /** The pin of this node's own TLS certificate when it serves HTTPS itself, to be read out with the fingerprint. */
  tlsPin: z.string().nullable(),
});
export type PeerInvitation = z.infer<typeof PeerInvitation>;

/** The answer to accepting an invitation: the new peer and the fingerprint to compare by phone. */
export const PeerAccepted = z.object({ peer: PeerView, fingerprint: z.string() });
export type PeerAccepted = z.infer<typeof PeerAccepted>;

/** Accepting an invitation; `tlsPin`, when given, pins the inviting node's certificate from the first request. */
export const AcceptInvitationBody = z.strictObject({
  invitation: z.string().min(1).max(20_000),
  tlsPin: TlsPin.optional(),
});

/** Setting (or, with null, removing) the pin of a peer's TLS certificate. */
export const TlsPinBody = z.strictObject({ tlsPin: TlsPin.nullable() });
