import type { EnvelopeResult } from "@crossline/schemas";
import type { ReceiptClaims } from "../../crypto/envelope.js";
import { FINAL_FOR_SENDER, RESEAL } from "./federation.codes.js";

/** What the sender learnt from the receiver's answer to one envelope, its signatures already checked. */
export interface ReceiptEvidence {
  /** The envelope as sent. */
  sent: { msgId: string; seq: number; envelopeSha256: string };
  /** This node (the envelope's sender) and the peer it went to. */
  me: string;
  peerId: string;
  /** The receiver's answer; undefined when it answered fewer results than envelopes. */
  result: EnvelopeResult | undefined;
  /** The claims of `result.receipt` if it verified with the peer's keys, else why not (absent: no receipt). */
  receipt?: { claims: ReceiptClaims } | { error: string };
  /** The claims of `result.original` (the first receipt of a replayed message) if present and verified. */
  original?: ReceiptClaims;
}

/** What becomes of the outbox row: delivered or rejected for good, or pending for another attempt. */
export interface Verdict {
  status: "pending" | "delivered" | "rejected";
  /** The signed receipt to keep (for a final verdict, the proof). */
  receipt: string | null;
  reason: string | null;
  /** Why it is retried (null when final). */
  error: string | null;
  /** Whether the envelope as sent is kept beside the receipt. */
  keepEnvelope: boolean;
  /**
   * The next attempt seals the message anew, with the keys then current (a retry otherwise resends the bytes
   * sent before). Set when the receiver knew no key the envelope named: it was signed with a key that has just
   * been retired (another process of this node retired it while this one's keys were cached) or encrypted to a
   * key the peer has retired. The peer took nothing, so no receipt names these bytes.
   */
  reseal?: true;
}

const retry = (error: string, reason: string | null = null, receipt: string | null = null): Verdict => ({
  status: "pending",
  receipt,
  reason,
  error,
  keepEnvelope: false,
});

const done = (status: "delivered" | "rejected", receipt: string, reason: string | null): Verdict => ({
  status,
  receipt,
  reason,
  error: null,
  keepEnvelope: true,
});

/**
 * Judges the receiver's answer to one envelope. Pure: the signatures are checked before (`ReceiptEvidence`),
 * so this only decides. A receipt that does not verify or does not match the envelope sent is retried; an
 * acceptance delivers; REPLAYED keeps the first receipt when the receiver sent it (our record of the first
 * delivery was lost); a final rejection (FINAL_FOR_SENDER) rejects; any other rejection is retried with the
 * receipt and envelope kept.
 */
export function judgeReceipt(e: ReceiptEvidence): Verdict {
  const r = e.result;
  if (!r?.receipt || !e.receipt) return retry(`no receipt (${r?.reason ?? "no reason"})`, r?.reason ?? null);
  if ("error" in e.receipt) return retry(`receipt does not verify: ${e.receipt.error}`);
  const claims = e.receipt.claims;
  if (
    claims.msgId !== e.sent.msgId ||
    claims.seq !== e.sent.seq ||
    claims.sender !== e.peerId ||
    claims.recipient !== e.me ||
    claims.envelopeSha256 !== e.sent.envelopeSha256
  ) {
    return retry("receipt does not match the envelope sent");
  }
  if (claims.status === "accepted") return done("delivered", r.receipt, null);
  const reason = claims.reason ?? "UNKNOWN";
  if (reason === "REPLAYED") {
    // Received before (our record of it was lost, e.g. we died after sending): keep the first receipt.
    const o = e.original;
    if (r.original && o && o.msgId === e.sent.msgId && o.recipient === e.me) {
      const v = done(o.status === "accepted" ? "delivered" : "rejected", r.original, o.reason ?? null);
      // The proof is the first receipt: keep the envelope as sent only if it is the copy that receipt names.
      return { ...v, keepEnvelope: o.envelopeSha256 === e.sent.envelopeSha256 };
    }
    // else: the REPLAYED receipt still proves the peer holds the message id
    return done("delivered", r.receipt, "REPLAYED");
  }
  if (FINAL_FOR_SENDER.has(reason)) return done("rejected", r.receipt, reason);
  if (RESEAL.has(reason)) return { ...retry(`rejected: ${reason}`, reason, r.receipt), reseal: true };
  return { ...retry(`rejected: ${reason}`, reason, r.receipt), keepEnvelope: true };
}
