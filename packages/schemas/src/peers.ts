import { z } from "zod";

/** Paired nodes (peers) as the API shows them: state, keys and link health. */

export const PEER_STATES = ["pending", "active", "suspended", "revoked"] as const;
export const PeerState = z.enum(PEER_STATES);
export type PeerState = z.infer<typeof PeerState>;

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

export const PeerView = z.object({
  id: z.string(),
  name: z.string(),
  nameZh: z.string().nullable(),
  baseUrl: z.string(),
  state: PeerState,
  fingerprint: z.string(),
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
});
export type PeerInvitation = z.infer<typeof PeerInvitation>;

/** The answer to accepting an invitation: the new peer and the fingerprint to compare by phone. */
export const PeerAccepted = z.object({ peer: PeerView, fingerprint: z.string() });
export type PeerAccepted = z.infer<typeof PeerAccepted>;
