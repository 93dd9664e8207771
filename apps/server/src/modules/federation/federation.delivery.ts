import { randomInt } from "node:crypto";
import { DeliveryAnswer } from "@crossline/schemas";
import {
  BATCH_RECEIPT_CAPABILITY,
  type EnvelopeHeader,
  envelopeSha256,
  peekEnvelope,
  sealEnvelope,
} from "../../crypto/envelope.js";
import { concurrentConnections, inTransaction, type Subscription } from "../../db/client.js";
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
  type PeerRow,
  sigKeys,
  WORKER_ID,
} from "./federation.context.js";
import type { EnvelopeTrace } from "./federation.inbox.js";
import type { Peers } from "./federation.peers.js";
import { evidenceOfAnswer, judgeReceipt } from "./federation.receipts.js";
import * as repo from "./federation.repo.js";

/** One outbox row's fate after a delivery attempt, written back in one statement per batch. */
type Outcome = repo.DeliveryOutcome;

/**
 * After how many rows this process finished the worker vacuums the outbox again (see maintainOutbox), given the
 * outbox's rows at the last vacuum. Two costs pull against each other:
 * - a vacuum reads the whole indexes of every message ever sent (kept as proof), so it costs in proportion to the
 *   outbox: on PostgreSQL 31 ms at 20,000 rows, 94 ms at 200,000, 156–213 ms at 1,000,000. Every 1,000 rows, as
 *   the worker did, that was 0.03, 0.09 and 0.16–0.21 ms of the database per message, growing without bound;
 * - until the next vacuum, each claim walks past the dead entries of the rows finished since (about +1 ms per
 *   claim of 200 with 11,000 of them on average, `npm run bench:federation-claim`).
 * Per message the first is c·N/I and the second d·I/200 (N rows, interval I), smallest at I = √(200·c·N/d) ≈
 * √(300·N) with the costs measured: 1,000 up to 3,300 rows, 17,000 at 1,000,000, 55,000 at 10,000,000 (each
 * cost then ≈ 0.01–0.03 ms per message).
 */
export function vacuumInterval(outboxRows: number | null): number {
  return Math.max(1000, Math.ceil(Math.sqrt(300 * (outboxRows ?? 0))));
}

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
  let vacuumEvery = vacuumInterval(null);
  /**
   * Whether each peer signs batch receipts, as its last answer to this process said (learnt per process from
   * the answers themselves: nothing to store, and a peer that stops saying so is asked per envelope again).
   */
  const batchPeers = new Map<string, boolean>();

  /**
   * Pipelining (`deliverPeer`), on both stores. (It once ran on PostgreSQL only: pipelined PGlite runs of the
   * benchmark stopped for good now and then. The cause was a deadlock in Node's JWK export of a fresh ephemeral
   * key while sealing, not PGlite nor pipelining; crypto/okp-generate.ts.)
   */
  const pipelining = () => config.fedPipeline;
  /** Whether two statements can run at once (PostgreSQL's pool), not one after the other (PGlite). */
  const overlapping = concurrentConnections(db);

  /**
   * Claims a batch and delivers it, then the peer's next batches (pipelined, see `deliverPeer`); the
   * transaction that records the last outcomes claims the next batch (for the peer whose message has waited
   * longest, as a claim of its own would), which is delivered in turn, until nothing is due. Returns how many
   * envelopes it sent.
   */
  async function deliverDue(
    limit = config.fedBatchSize,
    onClaimed?: (n: number) => void,
    trace?: (entry: EnvelopeTrace) => void,
    /** The peer whose batch this call delivers now, and null when it returns (it then sent nothing more). */
    onPeer?: (peerId: string | null) => void,
  ): Promise<number> {
    // One peer per claim (see repo.claimDueWithPeer): a hanging peer holds this loop only.
    const c0 = performance.now();
    const first = await repo.claimDueWithPeer(db, limit, config.fedLeaseSeconds, leaseHolder());
    let claimed = first.rows;
    /** The peer's row, read with the claim (a batch claimed in a transaction recording outcomes reads it). */
    let peer = first.peer;
    if (claimed.length) timing.claimMs += performance.now() - c0;
    let sent = 0;
    // While a batch is claimed (in flight, or sealed and waiting to go) its lease is renewed, so a slow peer or a
    // large attachment never lets another process claim and send the same messages meanwhile.
    const leased = new Set<string>();
    const keeper = setInterval(
      () => {
        if (!leased.size) return;
        repo.extendLease(db, [...leased], config.fedLeaseSeconds).catch(() => {
          // A failed renewal only risks a duplicate send, which the receiver answers as REPLAYED.
        });
      },
      Math.max(250, (config.fedLeaseSeconds * 1000) / 3),
    );
    try {
      while (claimed.length) {
        const peerId = claimed[0].peerId;
        onPeer?.(peerId);
        onClaimed?.(claimed.length);
        const r = await deliverPeer(peerId, claimed, peer, limit, leased, onClaimed, trace);
        sent += r.sent;
        claimed = r.next;
        peer = null;
      }
    } finally {
      clearInterval(keeper);
      if (sent) onPeer?.(null);
    }
    return sent;
  }

  /**
   * Delivers a claimed batch of one peer and, pipelined, the peer's batches after it (docs/federation.md §10):
   * while a full batch is in flight (a backlog), the next one is claimed and sealed, and POSTed as soon as the
   * batch in flight is answered cleanly (every envelope delivered and nothing held), while that batch's outcomes
   * are recorded. Still one POST at a time per peer, in sequence order. A batch that did not get through cleanly
   * ends the pipeline: the next one is given back unsent, and the transaction recording the outcomes claims
   * again as without pipelining. A batch that is not full is followed once it is answered cleanly: what was
   * queued while it travelled is claimed then (claiming as soon as something is queued made batches of one or
   * two at 100/s, and the 99th percentile worse), sealed and POSTed while its outcomes are recorded, rather than
   * claimed by the transaction recording them, which those messages used to wait for (docs/federation.md §10,
   * "Claimed at the answer"). Returns how many envelopes it sent and the batch that transaction claimed (any
   * peer's), if it claimed.
   */
  async function deliverPeer(
    peerId: string,
    first: OutboxRow[],
    peer: PeerRow | null,
    limit: number,
    leased: Set<string>,
    onClaimed?: (n: number) => void,
    trace?: (entry: EnvelopeTrace) => void,
  ): Promise<{ sent: number; next: OutboxRow[] }> {
    const lease = (rows: OutboxRow[]) => {
      for (const r of rows) leased.add(r.msgId);
    };
    const unlease = (rows: OutboxRow[]) => {
      for (const r of rows) leased.delete(r.msgId);
    };
    lease(first);
    let sent = first.length;
    let cur = await prepare(peerId, first, peer);
    if (!cur) {
      unlease(first);
      return { sent, next: [] };
    }
    let flight = post(cur);
    for (;;) {
      let next: Prepared | null = null;
      if (pipelining() && cur.rows.length >= limit)
        next = await claimAhead(peerId, cur, limit, lease, unlease);
      if (next) onClaimed?.(next.rows.length);
      const judged = await judge(cur, await flight);
      if (!next && pipelining() && judged.clean) {
        const answered = await claimAtAnswer(peerId, cur, judged, limit, lease, unlease, trace);
        if (answered.next) {
          flight = post(answered.next);
          sent += answered.next.rows.length;
          timing.batchesAtAnswer++;
          onClaimed?.(answered.next.rows.length);
        }
        // (a failure here ends the loop as one recording a pipelined batch's predecessor does: the batch in
        // flight keeps its lease until it expires, then goes again and is answered REPLAYED)
        await answered.recording;
        unlease(cur.rows);
        if (!answered.next) return { sent, next: [] };
        cur = answered.next;
        continue;
      }
      const go = next !== null && judged.clean;
      if (next && go) {
        flight = post(next);
        sent += next.rows.length;
        timing.batchesPipelined++;
      }
      const given = next && !go ? next.rows : [];
      const chained = await record(cur, judged, { claimNext: !go, release: given }, limit, trace);
      unlease(cur.rows);
      unlease(given);
      if (!next || !go) return { sent, next: chained };
      cur = next;
    }
  }

  /**
   * A batch answered cleanly with none claimed behind it: claims the peer's next batch now and starts
   * recording the outcomes meanwhile; returns that batch sealed (the caller POSTs it at once), or null when
   * nothing was due, and the recording. The next batch's lease is committed before the answered batch's lease
   * goes (the recording transaction waits for the claim before its commit): no claim elsewhere ever sees the
   * peer without a batch in flight in between and takes the messages after the next batch ahead of it. On
   * PGlite (one connection, which a transaction holds to its end) the claim comes first, the recording after.
   */
  async function claimAtAnswer(
    peerId: string,
    cur: Prepared,
    judged: Awaited<ReturnType<typeof judge>>,
    limit: number,
    lease: (rows: OutboxRow[]) => void,
    unlease: (rows: OutboxRow[]) => void,
    trace?: (entry: EnvelopeTrace) => void,
  ): Promise<{ next: Prepared | null; recording: Promise<unknown> }> {
    // The claim reads the peer's row again when it takes something (its address or keys may have changed since
    // `cur` was sealed).
    const claim = repo
      .claimFollowing(db, peerId, cur.rows, limit, config.fedLeaseSeconds, leaseHolder())
      .catch(() => ({ rows: [] as OutboxRow[], peer: null }));
    if (!overlapping) await claim;
    const recording = record(cur, judged, { claimNext: false, release: [], after: claim }, limit, trace);
    // awaited by the caller; this only keeps a failure meanwhile from counting as unhandled
    recording.catch(() => {});
    const next = await claimAhead(peerId, cur, limit, lease, unlease, claim);
    return { next, recording };
  }

  /**
   * Claims and seals the peer's batch after `cur` while `cur` is in flight (null when nothing is due). An
   * optimisation only: if it fails (the database, the peer row), what it claimed is given back and `cur` is
   * delivered and recorded as without pipelining.
   */
  async function claimAhead(
    peerId: string,
    cur: Prepared,
    limit: number,
    lease: (rows: OutboxRow[]) => void,
    unlease: (rows: OutboxRow[]) => void,
    /** The claim, already made (`claimAtAnswer`), with the peer's row it read. */
    claimed?: Promise<{ rows: OutboxRow[]; peer: PeerRow | null }>,
  ): Promise<Prepared | null> {
    const c0 = performance.now();
    let rows: OutboxRow[] = [];
    try {
      const taken = await (claimed ??
        repo.claimFollowing(db, peerId, cur.rows, limit, config.fedLeaseSeconds, leaseHolder()));
      rows = taken.rows;
      if (!rows.length) return null;
      timing.claimMs += performance.now() - c0;
      lease(rows);
      const next = await prepare(peerId, rows, taken.peer);
      if (next) return next;
    } catch {
      // given back below; the batch in flight goes on as without pipelining
    }
    unlease(rows);
    await repo
      .releaseClaim(
        db,
        rows.map((r) => r.msgId),
      )
      .catch(() => {
        // its lease runs out instead (fedLeaseSeconds)
      });
    return null;
  }

  /** A claimed batch of one peer, sealed (those that could not be are already outcomes) and ready to POST. */
  interface Prepared {
    peerId: string;
    p: PeerRow;
    me: string;
    /** In sequence order. */
    rows: OutboxRow[];
    sealed: { row: OutboxRow; jwe: string }[];
    outcomes: Outcome[];
  }
  /** The peer's answer to a POST, or why there is none. */
  interface Posted {
    answer: DeliveryAnswer | null;
    failure: string;
    /** When the POST started, and how long it took. */
    startedAt: Date;
    httpMs: number;
  }

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

  /**
   * Seals a claimed batch (uploading its attachments first); null when the peer is gone. `peer`: its row when
   * the claim read it, else it is read here.
   */
  async function prepare(
    peerId: string,
    claimed: OutboxRow[],
    peer: PeerRow | null = null,
  ): Promise<Prepared | null> {
    const t0 = performance.now();
    const rows = claimed.sort((a, b) => a.seq - b.seq);
    const [p, me, keys] = await Promise.all([peer ?? repo.findPeer(db, peerId), c.me(), c.currentKeys()]);
    if (!p) return null;
    const recipientEncKey = encKeyOf(p);
    const outcomes: Outcome[] = [];
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
    timing.sealMs += performance.now() - t0;
    return { peerId, p, me, rows, sealed, outcomes };
  }

  /** POSTs a sealed batch; never throws (a failure is the answer's absence, with its reason). */
  async function post(b: Prepared): Promise<Posted> {
    const startedAt = clock.now();
    if (!b.sealed.length) return { answer: null, failure: "", startedAt, httpMs: 0 };
    const { p } = b;
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
            envelopes: b.sealed.map((s) => s.jwe),
            ...(askBatch ? { receipt: "batch" } : {}),
          }),
          signal: AbortSignal.timeout(config.fedRequestTimeoutMs),
        },
        p.tlsPin,
      );
      const body: unknown = await res.json().catch(() => null);
      const parsed = res.ok ? DeliveryAnswer.safeParse(body) : undefined;
      if (parsed?.success && parsed.data.results.length === b.sealed.length) {
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
    const httpMs = performance.now() - h0;
    timing.postMs += httpMs;
    return { answer, failure, startedAt, httpMs };
  }

  /** Each envelope's outcome from the peer's answer (its receipts judged), and what the answer says of the link. */
  async function judge(b: Prepared, posted: Posted) {
    const t0 = performance.now();
    const { p, me, sealed } = b;
    const outcomes = [...b.outcomes];
    /** The sequence number the peer said it waits for, and a sequence conflict it reported. */
    let waitingFor: number | undefined;
    let conflict: { msgId: string; seq: number; peerHighestSeq: number | null } | undefined;
    const { answer } = posted;
    if (sealed.length && !answer) {
      // keep what was sent: the peer may have taken it and only its answer was lost
      for (const s of sealed) outcomes.push({ ...retry(s.row, posted.failure), envelope: s.jwe });
    } else if (answer) {
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
    const delivered = outcomes.filter((o) => o.status === "delivered").length;
    const lastSeq = b.rows[b.rows.length - 1].seq;
    timing.verifyReceiptsMs += performance.now() - t0;
    return {
      outcomes,
      waitingFor,
      conflict,
      delivered,
      httpMs: posted.httpMs,
      startedAt: posted.startedAt,
      /** Every envelope delivered and applied: the batch after it may follow without waiting for the record. */
      clean: delivered === b.rows.length && !conflict && (waitingFor === undefined || waitingFor > lastSeq),
    };
  }

  /**
   * Records a batch's outcomes in one transaction, with its audit entries and what they mean for the link;
   * `release` gives back a batch claimed after it and not sent; unless a batch of the peer is in flight
   * (`claimNext` false), the same transaction claims the next batch and returns it.
   */
  async function record(
    b: Prepared,
    judged: Awaited<ReturnType<typeof judge>>,
    opts: {
      claimNext: boolean;
      release: OutboxRow[];
      /** Awaited before the commit (the lease of the batch claimed behind this one). */
      after?: Promise<unknown>;
    },
    limit: number,
    trace?: (entry: EnvelopeTrace) => void,
  ): Promise<OutboxRow[]> {
    const t0 = performance.now();
    const { peerId, rows } = b;
    const { outcomes, delivered, waitingFor, conflict } = judged;
    const finalRejected = outcomes.filter((o) => o.status === "rejected");
    const revoked = finalRejected.some((o) => o.reason === "PEER_REVOKED");
    const firstError = outcomes.find((o) => o.error)?.error ?? null;
    const stats: repo.PeerUpdate = {};
    if (delivered || finalRejected.length) {
      stats.lastSuccessAt = clock.now();
      stats.rttMs = Math.round(judged.httpMs);
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
      if (seen && seen.getTime() >= judged.startedAt.getTime()) {
        for (const o of outcomes) if (o.status === "pending") o.next_at = clock.now().toISOString();
      }
      await repo.recordOutcomes(tx, outcomes, reset);
      await repo.releaseClaim(
        tx,
        opts.release.map((r) => r.msgId),
      );
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
      if (opts.after) await opts.after;
      return opts.claimNext ? repo.claimDueIn(tx, limit, config.fedLeaseSeconds, leaseHolder()) : [];
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
    timing.outboxCommitMs += performance.now() - t0;
    timing.envelopesOut += rows.length;
    timing.batchesOut++;
    finishedSinceVacuum += rows.length;
    return next;
  }
  /**
   * Every row that leaves `pending` leaves a dead entry in the outbox's due index, which each claim reads until
   * the table is vacuumed. PGlite has no autovacuum at all (claims grew from 0.7 to 3.5 ms over 12,000
   * messages, and on without bound), and PostgreSQL's waits for a fifth of the table to change; so the worker
   * vacuums the outbox itself after as many rows this process finished as `vacuumInterval` says for the outbox's
   * size at the last vacuum. SKIP_LOCKED: a vacuum already running in another process is enough. A failure (e.g.
   * not the table owner) is ignored.
   */
  async function maintainOutbox(): Promise<boolean> {
    if (finishedSinceVacuum < vacuumEvery) return false;
    finishedSinceVacuum = 0;
    vacuumEvery = vacuumInterval(await repo.vacuumOutbox(db));
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

  /** When a claim could next find something: see repo.nextClaimableInMs. */
  function nextClaimableInMs(): Promise<number | null> {
    return repo.nextClaimableInMs(db);
  }

  return { deliverDue, maintainOutbox, startPresence, releaseDeadLeases, nextClaimableInMs };
}

export type Delivery = ReturnType<typeof createDelivery>;
