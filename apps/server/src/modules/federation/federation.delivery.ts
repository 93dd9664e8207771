import { randomInt } from "node:crypto";
import { DeliveryAnswer } from "@crossline/schemas";
import {
  BATCH_RECEIPT_CAPABILITY,
  type EnvelopeHeader,
  envelopeSha256,
  peekEnvelope,
  sealEnvelope,
} from "../../crypto/envelope.js";
import { inTransaction, type Subscription } from "../../db/client.js";
import { systemCtx } from "../../lib/actor.js";
import { backoffMs } from "../../lib/backoff.js";
import type { Attachments } from "./federation.attachments.js";
import { SEQUENCE_CONFLICT } from "./federation.codes.js";
import type { Conflicts } from "./federation.conflicts.js";
import {
  encKeyOf,
  errText,
  type FedContext,
  type OutboxRow,
  sigKeys,
  WORKER_ID,
} from "./federation.context.js";
import type { EnvelopeTrace } from "./federation.inbox.js";
import type { Peers } from "./federation.peers.js";
import { evidenceOfAnswer, judgeReceipt } from "./federation.receipts.js";
import * as repo from "./federation.repo.js";

/** One outbox row's fate after a delivery attempt, written back in one statement per batch. */
type Outcome = repo.DeliveryOutcome;

/** Every VACUUM_EVERY rows this process finished, the worker vacuums the outbox (see maintainOutbox). */
const VACUUM_EVERY = 1000;

/** The kid of the key a stored JWE was encrypted to (its protected header), or null if unreadable. */
function sealedTo(jwe: string): string | null {
  try {
    return peekEnvelope(jwe, { maxBytes: Number.MAX_SAFE_INTEGER }).kid;
  } catch {
    return null;
  }
}

/**
 * Outbox delivery: claims due envelopes (SKIP LOCKED + a lease, so several processes share the work), seals
 * them after the claim, POSTs one batch per peer, judges each receipt and records the outcomes.
 */
export function createDelivery(
  c: FedContext,
  parts: { attachments: Attachments; peers: Peers; conflicts: Conflicts },
) {
  const { db, config, clock, audit, timing } = c;
  const { attachments } = parts;
  let finishedSinceVacuum = 0;
  /**
   * Whether each peer signs batch receipts, as its last answer to this process said (learnt per process from
   * the answers themselves: nothing to store, and a peer that stops saying so is asked per envelope again).
   */
  const batchPeers = new Map<string, boolean>();

  /**
   * Claims a batch and delivers it; the transaction that records its outcomes claims the next batch (for the
   * peer whose message has waited longest, as a claim of its own would), which is delivered in turn, until
   * nothing is due. Returns how many envelopes it sent.
   */
  async function deliverDue(
    limit = config.fedBatchSize,
    onClaimed?: (n: number) => void,
    trace?: (entry: EnvelopeTrace) => void,
    /** The peer whose batch this call delivers now, and null when it returns (it then sent nothing more). */
    onPeer?: (peerId: string | null) => void,
  ): Promise<number> {
    // One peer per claim (see repo.claimDue): a hanging peer holds this loop only.
    const c0 = performance.now();
    let claimed = await repo.claimDue(db, limit, config.fedLeaseSeconds, leaseHolder());
    if (claimed.length) timing.claimMs += performance.now() - c0;
    let sent = 0;
    try {
      while (claimed.length) {
        onPeer?.(claimed[0].peerId);
        onClaimed?.(claimed.length);
        sent += claimed.length;
        // While the batch is in flight its lease is renewed, so a slow peer or a large attachment never lets
        // another process claim and send the same messages meanwhile.
        const ids = claimed.map((r) => r.msgId);
        const keeper = setInterval(
          () => {
            repo.extendLease(db, ids, config.fedLeaseSeconds).catch(() => {
              // A failed renewal only risks a duplicate send, which the receiver answers as REPLAYED.
            });
          },
          Math.max(250, (config.fedLeaseSeconds * 1000) / 3),
        );
        try {
          claimed = await deliverToPeer(
            claimed[0].peerId,
            claimed.sort((a, b) => a.seq - b.seq),
            limit,
            trace,
          );
        } finally {
          clearInterval(keeper);
        }
      }
    } finally {
      if (sent) onPeer?.(null);
    }
    return sent;
  }

  /** Delivers one claimed batch; returns the next batch, claimed in the transaction recording the outcomes. */
  async function deliverToPeer(
    peerId: string,
    rows: OutboxRow[],
    limit: number,
    trace?: (entry: EnvelopeTrace) => void,
  ): Promise<OutboxRow[]> {
    const [p, me, keys] = await Promise.all([repo.findPeer(db, peerId), c.me(), c.currentKeys()]);
    if (!p) return [];
    const recipientEncKey = encKeyOf(p);
    const t0 = performance.now();
    const batchStart = clock.now();
    const outcomes: Outcome[] = [];
    const nextAt = (r: OutboxRow) =>
      new Date(
        clock.now().getTime() + backoffMs(r.attempts, config.fedBackoffBaseMs, config.fedBackoffMaxMs),
      ).toISOString();
    const retry = (r: OutboxRow, error: string): Outcome => ({
      msg_id: r.msgId,
      status: "pending",
      envelope: null,
      receipt: null,
      reason: null,
      next_at: nextAt(r),
      error,
    });
    const sealed: { row: OutboxRow; jwe: string }[] = [];
    for (const r of rows) {
      const header: EnvelopeHeader = {
        msgId: r.msgId,
        sender: me,
        recipient: p.id,
        seq: r.seq,
        created: r.createdAt.toISOString(),
        type: r.type,
        schemaVersion: r.schemaVersion,
        ...(r.conversation ? { conversation: r.conversation } : {}),
        ...(r.inReplyTo ? { inReplyTo: r.inReplyTo } : {}),
        ...(r.attachments ? { attachments: r.attachments } : {}),
      };
      try {
        if (header.attachments?.length) await attachments.uploadAttachments(p, me, keys, header.attachments);
        // A resend sends the very envelope sent before (kept with the row), so a receipt of the first copy names
        // the bytes we keep; sealed anew only when there is none or the peer's encryption key changed.
        if (r.envelope && sealedTo(r.envelope) === recipientEncKey.kid) {
          sealed.push({ row: r, jwe: r.envelope });
          continue;
        }
        const jwe = await sealEnvelope({
          header,
          payload: r.payload,
          signingKey: keys.signing,
          recipientEncKey,
          maxBytes: config.fedMaxEnvelopeBytes,
        });
        sealed.push({ row: r, jwe });
      } catch (e) {
        outcomes.push(retry(r, errText(e)));
      }
    }
    const tSealed = performance.now();
    let httpMs = 0;
    /** The sequence number the peer said it waits for, and a sequence conflict it reported. */
    let waitingFor: number | undefined;
    let conflict: { msgId: string; seq: number; peerHighestSeq: number | null } | undefined;
    if (sealed.length) {
      let answer: DeliveryAnswer | null = null;
      let failure = "";
      // A batch receipt is asked for when the peer said, in its last answer to this process, that it signs them.
      const askBatch = config.fedBatchReceipts && batchPeers.get(p.id) === true;
      const h0 = performance.now();
      try {
        const res = await c.peerFetch(
          `${p.baseUrl}/federation/v1/envelopes`,
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              envelopes: sealed.map((s) => s.jwe),
              ...(askBatch ? { receipt: "batch" } : {}),
            }),
            signal: AbortSignal.timeout(config.fedRequestTimeoutMs),
          },
          p.tlsPin,
        );
        const body: unknown = await res.json().catch(() => null);
        const parsed = res.ok ? DeliveryAnswer.safeParse(body) : undefined;
        if (parsed?.success && parsed.data.results.length === sealed.length) {
          answer = parsed.data;
          batchPeers.set(p.id, answer.capabilities?.includes(BATCH_RECEIPT_CAPABILITY) ?? false);
        } else {
          failure = `HTTP ${res.status}${body ? `: ${JSON.stringify(body).slice(0, 300)}` : ""}`;
          // e.g. the peer went back to a version that refuses the member: ask it again only once it says so
          if (askBatch && res.status === 400) batchPeers.delete(p.id);
        }
      } catch (e) {
        failure = errText(e);
      }
      httpMs = performance.now() - h0;
      if (!answer) {
        // keep what was sent: the peer may have taken it and only its answer was lost
        for (const s of sealed) outcomes.push({ ...retry(s.row, failure), envelope: s.jwe });
      } else {
        const results = answer.results;
        const evidence = await evidenceOfAnswer(
          sealed.map(({ row, jwe }) => ({
            msgId: row.msgId,
            seq: row.seq,
            envelopeSha256: envelopeSha256(jwe),
          })),
          me,
          p.id,
          answer,
          sigKeys(p),
        );
        for (let i = 0; i < sealed.length; i++) {
          const { row, jwe } = sealed[i];
          const v = judgeReceipt(evidence[i]);
          const res = results[i];
          if (res?.waitingFor !== undefined) waitingFor = res.waitingFor;
          // our keys may have changed in another process since this one cached them: read them again
          if (v.reseal) c.forgetKeys();
          if (v.reason === SEQUENCE_CONFLICT && v.receipt && !conflict) {
            conflict = { msgId: row.msgId, seq: row.seq, peerHighestSeq: res?.highestSeq ?? null };
          }
          outcomes.push({
            msg_id: row.msgId,
            status: v.status,
            // pending: kept too, so the resend is the same envelope (see above), unless it is to be sealed anew
            envelope: v.keepEnvelope || (v.status === "pending" && !v.reseal) ? jwe : null,
            receipt: v.receipt,
            reason: v.reason,
            next_at: v.status === "pending" ? nextAt(row) : null,
            error: v.error,
          });
        }
      }
    }
    const tDone = performance.now();
    const delivered = outcomes.filter((o) => o.status === "delivered").length;
    const finalRejected = outcomes.filter((o) => o.status === "rejected");
    const revoked = finalRejected.some((o) => o.reason === "PEER_REVOKED");
    const firstError = outcomes.find((o) => o.error)?.error ?? null;
    const stats: repo.PeerUpdate = {};
    if (delivered || finalRejected.length) {
      stats.lastSuccessAt = clock.now();
      stats.rttMs = Math.round(httpMs);
      stats.linkAlertAt = null;
    }
    if (firstError) {
      stats.lastErrorAt = clock.now();
      stats.lastError = firstError;
    }
    const next = await inTransaction(db, async (tx) => {
      // The peer row first, as the inbox and a revocation take it (then the peer's outbox rows): taken last,
      // after this transaction had written outbox rows, two of them waited for each other (a deadlock). The
      // batch is counted on it in the same statement, which returns when the peer was last seen healthy.
      const locked = await repo.countOnLockedPeer(tx, peerId, { delivered }, stats);
      // The peer answered and took messages: what was backing off goes now, and the message it waits for
      // (the gap) is due at once (issue 9 point 7); done by recordOutcomes below, which keeps this batch's own
      // times. (The message the peer waits for is among all those made due when some were delivered.)
      const reset = delivered
        ? { peerId }
        : waitingFor !== undefined
          ? { peerId, seq: waitingFor }
          : undefined;
      // The peer was seen healthy while this batch travelled (it sent us something, or another batch got
      // through): a failed answer here is no reason for a long back-off.
      const seen = locked?.lastSuccessAt;
      if (seen && seen.getTime() >= batchStart.getTime()) {
        for (const o of outcomes) if (o.status === "pending") o.next_at = clock.now().toISOString();
      }
      await repo.recordOutcomes(tx, outcomes, reset);
      const ctx = systemCtx();
      if (delivered) {
        await audit.record(tx, ctx, {
          action: "federation.outbox.delivered",
          targetType: "peer",
          targetId: peerId,
          details: { count: delivered, seqs: [rows[0].seq, rows[rows.length - 1].seq], by: WORKER_ID },
        });
      }
      for (const o of finalRejected) {
        await audit.record(tx, ctx, {
          action: "federation.outbox.rejected",
          targetType: "envelope",
          targetId: o.msg_id,
          outcome: "rejected",
          details: { peer: peerId, reason: o.reason },
        });
      }
      if (revoked) await parts.peers.revokedByPeer(tx, ctx, peerId, { via: "receipt" });
      if (conflict) await parts.conflicts.stopLink(tx, ctx, peerId, conflict);
      // The next batch, in this transaction: a claim of its own cost a commit and four round trips per batch,
      // which the messages queued behind this batch waited for. Last, after every lock above is taken (the
      // claim itself waits for none: SKIP LOCKED, a try-lock).
      return repo.claimDueIn(tx, limit, config.fedLeaseSeconds, leaseHolder());
    });
    if (trace) {
      const byId = new Map(rows.map((r) => [r.msgId, r]));
      for (const o of outcomes) {
        const r = byId.get(o.msg_id);
        trace({
          msgId: o.msg_id,
          peer: peerId,
          seq: r?.seq ?? null,
          type: r?.type ?? null,
          status: o.status,
          reason: o.reason ?? o.error,
        });
      }
    }
    timing.sealMs += tSealed - t0;
    timing.postMs += httpMs;
    timing.verifyReceiptsMs += tDone - tSealed - httpMs;
    timing.outboxCommitMs += performance.now() - tDone;
    timing.envelopesOut += rows.length;
    timing.batchesOut++;
    finishedSinceVacuum += rows.length;
    return next;
  }

  /**
   * Every row that leaves `pending` leaves a dead entry in the outbox's due index, which each claim reads until
   * the table is vacuumed. PGlite has no autovacuum at all (claims grew from 0.7 to 3.5 ms over 12,000
   * messages, and on without bound), and PostgreSQL's waits for a fifth of the table to change; so the worker
   * vacuums the outbox itself after every VACUUM_EVERY rows this process finished. SKIP_LOCKED: a vacuum already
   * running in another process is enough. A failure (e.g. not the table owner) is ignored.
   */
  async function maintainOutbox(): Promise<boolean> {
    if (finishedSinceVacuum < VACUUM_EVERY) return false;
    finishedSinceVacuum = 0;
    await repo.vacuumOutbox(db);
    return true;
  }

  /**
   * This process's presence (PostgreSQL: a session advisory lock on a connection of its own, `holdPresence`):
   * its claims carry the key while the lock is held, so the other processes can tell its leases from a dead
   * process's. On PGlite there is one process: at its start every lease is a dead process's and is released.
   */
  let presence: Subscription | null = null;
  const presenceKey = randomInt(1, 2 ** 31 - 1);
  const leaseHolder = () => (presence?.live() ? presenceKey : null);

  async function startPresence(): Promise<Subscription | null> {
    if (!c.holdPresence) return null;
    const sub = c.holdPresence(presenceKey);
    if (!sub) {
      await repo.releaseAllLeases(db);
      return null;
    }
    presence = await sub;
    return presence;
  }

  /** PostgreSQL: the leases of processes that are gone go now, not when they expire (the housekeeping loop). */
  async function releaseDeadLeases(): Promise<number> {
    return presence ? repo.releaseDeadLeases(db) : 0;
  }

  return { deliverDue, maintainOutbox, startPresence, releaseDeadLeases };
}

export type Delivery = ReturnType<typeof createDelivery>;
