import type { RejectReason } from "@crossline/schemas";

// Why a receiver refuses an envelope is one of REJECT_REASONS (the schemas package, with their labels in both
// languages): every rejection carries one in its signed receipt and in an audit entry on the receiver, and
// changes nothing else. See docs/federation.md, "Reject codes".

/**
 * The reason the sender records for a `federation.rejected` message: the receiver's operator skipped it, or its
 * handler refused it (the code is the receiver's own; peers before this code was a reason sent the same code).
 */
export function rejectedByPeerReason(code: string): "SKIPPED_BY_OPERATOR" | "HANDLER_REJECTED" {
  return code === "SKIPPED_BY_OPERATOR" ? "SKIPPED_BY_OPERATOR" : "HANDLER_REJECTED";
}

/**
 * The reason an acceptance carries (in its signed receipt and on the inbox row) when the receiver keeps a message
 * its release cannot read yet, to apply it once upgraded (docs/decisions/0006). A sender takes it as delivered.
 */
export const DEFERRED = "DEFERRED";

/** Rejections that consume the envelope's sequence number on the receiver (recorded, never applied). */
export const SEQ_CONSUMING: ReadonlySet<string> = new Set<RejectReason>(["UNKNOWN_TYPE", "SCHEMA_INVALID"]);

/** Rejections after which the sender seals the message anew with fresh keys before it tries again. */
export const RESEAL: ReadonlySet<string> = new Set<RejectReason>(["UNKNOWN_KEY"]);

/** Rejections the sender takes as final (the message is marked rejected; an admin may cancel it). */
export const FINAL_FOR_SENDER: ReadonlySet<string> = new Set<RejectReason>([
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
