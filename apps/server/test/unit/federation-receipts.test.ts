import type { EnvelopeResult } from "@crossline/schemas";
import { describe, expect, it } from "vitest";
import type { ReceiptClaims } from "../../src/crypto/envelope.js";
import { judgeReceipt, type ReceiptEvidence } from "../../src/modules/federation/federation.receipts.js";

const sent = { msgId: "0190a0b0-0000-7000-8000-000000000001", seq: 7, envelopeSha256: "a".repeat(64) };
const claims = (over: Partial<ReceiptClaims> = {}): ReceiptClaims => ({
  msgId: sent.msgId,
  sender: "US-DOJ",
  recipient: "CN-MPS",
  seq: sent.seq,
  status: "accepted",
  receivedAt: "2026-12-01T10:00:00.000Z",
  envelopeSha256: sent.envelopeSha256,
  ...over,
});
const evidence = (
  result: EnvelopeResult | undefined,
  receipt?: ReceiptEvidence["receipt"],
  original?: ReceiptClaims,
): ReceiptEvidence => ({
  sent,
  me: "CN-MPS",
  peerId: "US-DOJ",
  result,
  ...(receipt ? { receipt } : {}),
  ...(original ? { original } : {}),
});

describe("judgeReceipt: what the sender makes of a receiver's answer", () => {
  it("delivers on a matching, verified acceptance and keeps the envelope beside the receipt", () => {
    expect(judgeReceipt(evidence({ status: "accepted", receipt: "R" }, { claims: claims() }))).toEqual({
      status: "delivered",
      receipt: "R",
      reason: null,
      error: null,
      keepEnvelope: true,
    });
  });

  it("delivers an acceptance the receiver keeps for a later release, noting DEFERRED; no other reason", () => {
    const deferred = claims({ reason: "DEFERRED" });
    expect(
      judgeReceipt(evidence({ status: "accepted", reason: "DEFERRED", receipt: "R" }, { claims: deferred })),
    ).toEqual({ status: "delivered", receipt: "R", reason: "DEFERRED", error: null, keepEnvelope: true });
    // only the signed claims count, and only that reason: anything else an acceptance says is not kept
    expect(
      judgeReceipt(evidence({ status: "accepted", reason: "DEFERRED", receipt: "R" }, { claims: claims() })),
    ).toMatchObject({ status: "delivered", reason: null });
    expect(
      judgeReceipt(evidence({ status: "accepted", receipt: "R" }, { claims: claims({ reason: "ODD" }) })),
    ).toMatchObject({ status: "delivered", reason: null });
  });

  it("retries when there is no answer, or no receipt, naming the receiver's reason", () => {
    expect(judgeReceipt(evidence(undefined))).toMatchObject({
      status: "pending",
      error: "no receipt (no reason)",
      reason: null,
      keepEnvelope: false,
    });
    expect(judgeReceipt(evidence({ status: "rejected", reason: "MALFORMED" }))).toMatchObject({
      status: "pending",
      error: "no receipt (MALFORMED)",
      reason: "MALFORMED",
      receipt: null,
    });
  });

  it("retries when the receipt does not verify", () => {
    const v = judgeReceipt(evidence({ status: "accepted", receipt: "R" }, { error: "bad signature" }));
    expect(v).toMatchObject({
      status: "pending",
      error: "receipt does not verify: bad signature",
      receipt: null,
    });
  });

  it("retries a verified receipt that is about another envelope, peer or node", () => {
    for (const over of [
      { msgId: "0190a0b0-0000-7000-8000-000000000002" },
      { seq: 8 },
      { sender: "GB-NCA" },
      { recipient: "GB-NCA" },
      { envelopeSha256: "b".repeat(64) },
    ]) {
      expect(judgeReceipt(evidence({ status: "accepted", receipt: "R" }, { claims: claims(over) }))).toEqual({
        status: "pending",
        receipt: null,
        reason: null,
        error: "receipt does not match the envelope sent",
        keepEnvelope: false,
      });
    }
  });

  it("rejects for good on a final reason, with the receipt as proof", () => {
    for (const reason of ["UNKNOWN_TYPE", "SCHEMA_INVALID", "PEER_REVOKED", "OVERSIZE"]) {
      const v = judgeReceipt(
        evidence(
          { status: "rejected", reason, receipt: "R" },
          { claims: claims({ status: "rejected", reason }) },
        ),
      );
      expect(v).toEqual({ status: "rejected", receipt: "R", reason, error: null, keepEnvelope: true });
    }
  });

  it("retries a passing rejection, keeping its receipt and the envelope", () => {
    const v = judgeReceipt(
      evidence(
        { status: "rejected", reason: "PEER_SUSPENDED", receipt: "R" },
        { claims: claims({ status: "rejected", reason: "PEER_SUSPENDED" }) },
      ),
    );
    expect(v).toEqual({
      status: "pending",
      receipt: "R",
      reason: "PEER_SUSPENDED",
      error: "rejected: PEER_SUSPENDED",
      keepEnvelope: true,
    });
  });

  it("retries an envelope naming a key the receiver does not know sealed anew, not as the same bytes", () => {
    const v = judgeReceipt(
      evidence(
        { status: "rejected", reason: "UNKNOWN_KEY", receipt: "R" },
        { claims: claims({ status: "rejected", reason: "UNKNOWN_KEY" }) },
      ),
    );
    expect(v).toMatchObject({ status: "pending", reason: "UNKNOWN_KEY", keepEnvelope: false, reseal: true });
    // any other passing rejection resends the bytes sent before
    const other = judgeReceipt(
      evidence(
        { status: "rejected", reason: "RATE_LIMITED", receipt: "R" },
        { claims: claims({ status: "rejected", reason: "RATE_LIMITED" }) },
      ),
    );
    expect(other.reseal).toBeUndefined();
  });

  it("on REPLAYED keeps the first receipt when it verifies and is about this message", () => {
    const replayed = claims({ status: "rejected", reason: "REPLAYED" });
    const result = { status: "rejected" as const, reason: "REPLAYED", receipt: "R2", original: "R1" };
    expect(judgeReceipt(evidence(result, { claims: replayed }, claims()))).toEqual({
      status: "delivered",
      receipt: "R1",
      reason: null,
      error: null,
      keepEnvelope: true,
    });
    // the first copy had been rejected: so is this one
    const firstRejected = claims({ status: "rejected", reason: "SCHEMA_INVALID" });
    expect(judgeReceipt(evidence(result, { claims: replayed }, firstRejected))).toMatchObject({
      status: "rejected",
      receipt: "R1",
      reason: "SCHEMA_INVALID",
    });
  });

  it("on REPLAYED without a usable first receipt counts the message delivered on the REPLAYED receipt", () => {
    const replayed = claims({ status: "rejected", reason: "REPLAYED" });
    const noOriginal = { status: "rejected" as const, reason: "REPLAYED", receipt: "R2" };
    const expected = {
      status: "delivered",
      receipt: "R2",
      reason: "REPLAYED",
      error: null,
      keepEnvelope: true,
    };
    expect(judgeReceipt(evidence(noOriginal, { claims: replayed }))).toEqual(expected);
    // an original that did not verify (absent from the evidence) or is about another message is ignored
    const withOriginal = { ...noOriginal, original: "R1" };
    expect(judgeReceipt(evidence(withOriginal, { claims: replayed }))).toEqual(expected);
    expect(
      judgeReceipt(
        evidence(
          withOriginal,
          { claims: replayed },
          claims({ msgId: "0190a0b0-0000-7000-8000-000000000009" }),
        ),
      ),
    ).toEqual(expected);
  });
});
