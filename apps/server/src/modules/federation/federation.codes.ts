import { ENVELOPE_REJECT_CODES } from "../../crypto/envelope.js";

/**
 * Why a receiver refuses an envelope. Every rejection carries one of these in its signed receipt and in an
 * audit entry on the receiver, and changes nothing else. See docs/federation.md, "Reject codes".
 */
export const REJECT_REASONS = [
  ...ENVELOPE_REJECT_CODES,
  "UNKNOWN_SENDER",
  "PEER_PENDING",
  "PEER_SUSPENDED",
  "PEER_REVOKED",
  "REPLAYED",
  "UNKNOWN_TYPE",
  "SCHEMA_INVALID",
  "ATTACHMENT_MISSING",
  "SEQUENCE_CONFLICT",
  "HANDLER_REJECTED",
  /** An operator gave up on a held message (consumed, never applied): the sender's outbox row shows it. */
  "SKIPPED_BY_OPERATOR",
  "RATE_LIMITED",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/**
 * The reason the sender records for a `federation.rejected` message: the receiver's operator skipped it, or its
 * handler refused it (the code is the receiver's own; peers before this code was a reason sent the same code).
 */
export function rejectedByPeerReason(code: string): "SKIPPED_BY_OPERATOR" | "HANDLER_REJECTED" {
  return code === "SKIPPED_BY_OPERATOR" ? "SKIPPED_BY_OPERATOR" : "HANDLER_REJECTED";
}

/** Rejections that consume the envelope's sequence number on the receiver (recorded, never applied). */
export const SEQ_CONSUMING: ReadonlySet<string> = new Set(["UNKNOWN_TYPE", "SCHEMA_INVALID"]);

/** Rejections after which the sender seals the message anew with fresh keys before it tries again. */
export const RESEAL: ReadonlySet<string> = new Set(["UNKNOWN_KEY"]);

/** Rejections the sender takes as final (the message is marked rejected; an admin may cancel it). */
export const FINAL_FOR_SENDER: ReadonlySet<string> = new Set([
  "UNKNOWN_TYPE",
  "SCHEMA_INVALID",
  "WRONG_RECIPIENT",
  "OVERSIZE",
  "MALFORMED",
  "PEER_REVOKED",
]);

/**
 * The receiver already holds this sequence number from us under another message id (e.g. we were restored
 * from an older backup). Not final and not a delivery: the message stays queued, delivery to the peer stops
 * until an operator re-sequences (see federation.conflicts.ts).
 */
export const SEQUENCE_CONFLICT = "SEQUENCE_CONFLICT";
