import type { DeliveryAnswer, EnvelopeResult } from "@crossline/schemas";
import {
  type BatchItem,
  type BatchReceiptClaims,
  type BatchReceiptProof,
  itemReceipt,
  type ReceiptClaims,
  verifyBatchReceipt,
  verifyReceipt,
} from "../../crypto/envelope.js";
import type { PublicKeyJwk } from "../../crypto/keys.js";
import { DEFERRED, FINAL_FOR_SENDER, RESEAL } from "./federation.codes.js";
import { errText } from "./federation.context.js";

/** What the sender learnt from the receiver's answer to one envelope, its signatures already checked. */
export interface ReceiptEvidence {
  /** The envelope as sent. */
  sent: { msgId: string; seq: number; envelopeSha256: string };
  /** This node (the envelope's sender) and the peer it went to. */
  me: string;
  peerId: string;
  /** The receiver's answer; undefined when it answered fewer results than envelopes. */
  result: EnvelopeResult | undefined;
  /**
   * The claims of the receipt if it verified with the peer's keys, else why not (absent: no receipt). `kept` is
   * what proves them, stored with the row: `result.receipt`, or for an item of a batch receipt the JSON of its
   * `BatchReceiptProof` (docs/federation.md §3.1).
   */
  receipt?: { claims: ReceiptClaims; kept?: string } | { error: string };
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
  if (!r || !e.receipt) return retry(`no receipt (${r?.reason ?? "no reason"})`, r?.reason ?? null);
  if ("error" in e.receipt) return retry(`receipt does not verify: ${e.receipt.error}`);
  const claims = e.receipt.claims;
  const kept = e.receipt.kept ?? r.receipt;
  if (!kept) return retry(`no receipt (${r.reason ?? "no reason"})`, r.reason ?? null);
  if (
    claims.msgId !== e.sent.msgId ||
    claims.seq !== e.sent.seq ||
    claims.sender !== e.peerId ||
    claims.recipient !== e.me ||
    claims.envelopeSha256 !== e.sent.envelopeSha256
  ) {
    return retry("receipt does not match the envelope sent");
  }
  // An acceptance may say the peer keeps the message until it runs a release that reads it (DEFERRED).
  if (claims.status === "accepted")
    return done("delivered", kept, claims.reason === DEFERRED ? DEFERRED : null);
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
    return done("delivered", kept, "REPLAYED");
  }
  if (FINAL_FOR_SENDER.has(reason)) return done("rejected", kept, reason);
  if (RESEAL.has(reason)) return { ...retry(`rejected: ${reason}`, reason, kept), reseal: true };
  return { ...retry(`rejected: ${reason}`, reason, kept), keepEnvelope: true };
}

/**
 * Checks the signatures of a receiver's answer to a batch, for judgeReceipt to decide on each envelope: a receipt
 * per envelope, or one batch receipt whose signature is checked once and in whose tree each envelope's item
 * (built from what was sent and the status and reason answered) must sit at the index the answer gives. A batch
 * receipt that does not verify leaves every envelope unproven (all retried); an item not in the tree, only its own.
 */
export async function evidenceOfAnswer(
  sent: ReceiptEvidence["sent"][],
  me: string,
  peerId: string,
  answer: DeliveryAnswer,
  peerSig: PublicKeyJwk[],
): Promise<ReceiptEvidence[]> {
  let batch: { claims: BatchReceiptClaims } | { error: string } | undefined;
  if (answer.batchReceipt !== undefined) {
    try {
      batch = { claims: await verifyBatchReceipt(answer.batchReceipt, peerSig) };
    } catch (err) {
      batch = { error: errText(err) };
    }
  }
  return Promise.all(
    sent.map(async (s, i) => {
      const result = answer.results[i];
      const e: ReceiptEvidence = { sent: s, me, peerId, result };
      if (result?.receipt) {
        try {
          e.receipt = { claims: await verifyReceipt(result.receipt, peerSig) };
        } catch (err) {
          e.receipt = { error: errText(err) };
          return e;
        }
      } else if (result?.proof && batch) {
        if ("error" in batch) {
          e.receipt = { error: batch.error };
          return e;
        }
        const item: BatchItem = {
          msgId: s.msgId,
          seq: s.seq,
          status: result.status,
          ...(result.reason !== undefined ? { reason: result.reason } : {}),
          envelopeSha256: s.envelopeSha256,
        };
        try {
          const claims = itemReceipt(batch.claims, item, result.proof.index, result.proof.path);
          const proof: BatchReceiptProof = {
            batchReceipt: answer.batchReceipt ?? "",
            index: result.proof.index,
            path: result.proof.path,
            item,
          };
          e.receipt = { claims, kept: JSON.stringify(proof) };
        } catch (err) {
          e.receipt = { error: errText(err) };
          return e;
        }
      } else {
        return e;
      }
      if (result.original) {
        const original = await verifyReceipt(result.original, peerSig).catch(() => undefined);
        if (original) e.original = original;
      }
      return e;
    }),
  );
}
