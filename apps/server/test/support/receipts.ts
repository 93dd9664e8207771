import {
  type BatchReceiptProof,
  itemReceipt,
  type ReceiptClaims,
  verifyBatchReceipt,
  verifyReceipt,
} from "../../src/crypto/envelope.js";
import type { PublicKeyJwk } from "../../src/crypto/keys.js";

/**
 * Checks a receipt as a sender keeps it with an outbox row, the way a third party would: a receipt (JWS compact),
 * or the JSON of a batch receipt proof (docs/federation.md §3.1: the batch receipt's signature, then the item's
 * place in its tree). Returns the receipt claims it proves; throws EnvelopeError.
 */
export async function verifyKeptReceipt(kept: string, issuerKeys: PublicKeyJwk[]): Promise<ReceiptClaims> {
  if (!kept.startsWith("{")) return verifyReceipt(kept, issuerKeys);
  const proof = JSON.parse(kept) as BatchReceiptProof;
  const batch = await verifyBatchReceipt(proof.batchReceipt, issuerKeys);
  return itemReceipt(batch, proof.item, proof.index, proof.path);
}
