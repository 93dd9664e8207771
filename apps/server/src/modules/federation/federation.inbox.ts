import type { DeliveryAnswer, EnvelopeResult } from "@crossline/schemas";
import { issue } from "@crossline/schemas";
import {
  BATCH_RECEIPT_CAPABILITY,
  EnvelopeError,
  type EnvelopeRouting,
  envelopeSha256,
  type OpenedEnvelope,
  openEnvelope,
  peekEnvelope,
  type ReceiptClaims,
  signBatchReceipt,
  signReceipt,
} from "../../crypto/envelope.js";
import { inTransaction, type Tx } from "../../db/client.js";
import { countInWindow, peekRateLimits } from "../../db/rate-limit.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, notFound } from "../../lib/errors.js";
import { parseReceived } from "../../lib/received.js";
import type { NodeKeys } from "../node/node.service.js";
import type { Attachments } from "./federation.attachments.js";
import { DEFERRED, SEQ_CONSUMING, SEQUENCE_CONFLICT } from "./federation.codes.js";
import type { Conflicts } from "./federation.conflicts.js";
import { errText, type FedContext, type PeerRow, peerActor, sigKeys } from "./federation.context.js";
import { createInboxApplier, NeedsSavepoints, WAITING_PAGE } from "./federation.inbox-apply.js";
import type { Outbox } from "./federation.outbox.js";
import * as repo from "./federation.repo.js";

/** What anyone can make a node refuse (garbage, replays of a captured envelope) is audited once per window. */
const AUDIT_WINDOW_MS = 60_000;

/**
 * One envelope's fate, for the log line that lets an operator follow a message id across both nodes' logs (the
 * sender logs the same fields after the receipt comes back). Unauthenticated values are only logged, never used.
 */
export interface EnvelopeTrace {
  msgId: string | null;
  peer: string | null;
  seq: number | null;
  type: string | null;
  status: string;
  reason: string | null;
  /** Payload fields a newer release of the sender added, which this one ignored. */
  ignoredFields?: string[];
}

/**
 * The inbox: verify, de-duplicate, apply in per-peer order, exactly once; answer with signed receipts. A
 * message whose turn has not come (a gap before it) or whose handler failed is held and retried.
 */
export function createInbox(
  c: FedContext,
  parts: { attachments: Attachments; conflicts: Conflicts; outbox: Outbox },
) {
  const { db, config, clock, audit, handlers, timing } = c;
  const { attachments } = parts;
  const { notYetReadable, applyReady, applyDeferredIn, applyDeferred, rejectHeld } = createInboxApplier(
    c,
    parts,
  );

  interface Received {
    jwe: string;
    sha: string;
    routing?: EnvelopeRouting;
    peer?: PeerRow;
    opened?: OpenedEnvelope;
    status: "accepted" | "rejected";
    reason?: string;
    detail?: string;
    original?: { receivedAt: Date; sha: string; status: string; reason: string | null };
    /** The sequence number the receiver waits for from this peer (told to the sender, issue 9 point 7). */
    waitingFor?: number;
    /** On SEQUENCE_CONFLICT: the highest sequence number held from the sender. */
    highestSeq?: number;
    /** Fields of the payload this release does not know (a newer sender's), ignored (lib/received.ts). */
    ignored?: string[];
    /** A message this release cannot read yet (a newer sender's type or version): kept, applied after an upgrade. */
    deferred?: string;
  }
  /** An envelope opened and verified from a known peer: stored in the inbox, even if then rejected. */
  type Trusted = Received & { peer: PeerRow; opened: OpenedEnvelope };
  const isTrusted = (i: Received): i is Trusted => i.opened !== undefined && i.peer !== undefined;

  function rejectionFor(p: PeerRow): string | null {
    if (p.state === "active") return null;
    return p.state === "suspended"
      ? "PEER_SUSPENDED"
      : p.state === "revoked"
        ? "PEER_REVOKED"
        : "PEER_PENDING";
  }

  /** The reason an answer and its receipt carry: the rejection's, or DEFERRED for an acceptance kept for later. */
  const answerReason = (i: Received): string | undefined => i.reason ?? (i.deferred ? DEFERRED : undefined);

  async function receiveEnvelopes(
    envelopes: string[],
    ip: string | null,
    trace?: (entry: EnvelopeTrace) => void,
    /** The sender asked for one receipt over the whole request (docs/federation.md §3.1). */
    opts: { batchReceipt?: boolean } = {},
  ): Promise<DeliveryAnswer> {
    const me = await c.me();
    const keys = await c.currentKeys();
    const receivedAt = clock.now();
    const items: Received[] = [];
    // Envelopes that fail to open (bad signature, wrong key) per claimed sender this minute, counted in the
    // database (every process): past the budget, more claiming that sender are refused before any decryption
    // or signature work. A genuine envelope refused so is retried by its sender (RATE_LIMITED is not final).
    // The address the peer's genuine envelopes last came from has a budget of its own: forgers elsewhere,
    // however many, cannot hold the real peer's link shut (only one sending from its very address could).
    const failedOpens = new Map<string, { before: number; now: number }>();
    const budgetKeys = (id: string) => [`fed:forged:${id}`, `fed:forged:${id}:known`];
    const budgetKey = (p: PeerRow) => budgetKeys(p.id)[ip !== null && ip === p.lastInboundIp ? 1 : 0];
    // Each sender's row is read once per request, and its budgets' counts of this minute beside it (two
    // statements at once: on PostgreSQL one round trip's wait instead of two in a row).
    const peerCache = new Map<string, PeerRow | undefined>();
    const lookup = async (id: string) => {
      if (!peerCache.has(id)) {
        const [p, counts] = await Promise.all([
          repo.findPeer(db, id),
          peekRateLimits(db, budgetKeys(id), receivedAt, 60_000),
        ]);
        peerCache.set(id, p);
        if (p) for (const [key, before] of counts) failedOpens.set(key, { before, now: 0 });
      }
      return peerCache.get(id);
    };
    const forgedBudget = config.fedForgedPerPeerPerMinute;
    const tOpen = performance.now();
    for (const jwe of envelopes) {
      const it: Received = { jwe, sha: envelopeSha256(jwe), status: "rejected" };
      items.push(it);
      // The size bound comes first (docs/federation.md §2.4): nothing of an oversize envelope is parsed.
      if (jwe.length > config.fedMaxEnvelopeBytes) {
        it.reason = "OVERSIZE";
        it.detail = `${jwe.length} bytes, maximum ${config.fedMaxEnvelopeBytes}`;
        continue;
      }
      try {
        it.routing = peekEnvelope(jwe, { maxBytes: config.fedMaxEnvelopeBytes });
      } catch (e) {
        it.reason = e instanceof EnvelopeError ? e.code : "MALFORMED";
        it.detail = errText(e);
        continue;
      }
      if (it.routing.recipient !== me) {
        it.reason = "WRONG_RECIPIENT";
        it.detail = `addressed to ${it.routing.recipient.slice(0, 64)}`;
        continue;
      }
      const p = await lookup(it.routing.sender);
      if (!p) {
        it.reason = "UNKNOWN_SENDER";
        continue;
      }
      it.peer = p;
      const stateReason = rejectionFor(p);
      if (stateReason) {
        it.reason = stateReason;
        continue;
      }
      const key = budgetKey(p);
      // (its count of this minute was read with the peer, in `lookup`)
      const failed = failedOpens.get(key) ?? { before: 0, now: 0 };
      failedOpens.set(key, failed);
      if (failed.before + failed.now >= forgedBudget) {
        it.reason = "RATE_LIMITED";
        it.detail = `over ${forgedBudget} envelopes claiming ${p.id} failed to open this minute`;
        continue;
      }
      try {
        it.opened = await openEnvelope(jwe, {
          decryptionKeys: keys.decryption,
          senderSigningKeys: sigKeys(p),
          expectedRecipient: me,
          maxBytes: config.fedMaxEnvelopeBytes,
        });
      } catch (e) {
        it.reason = e instanceof EnvelopeError ? e.code : "MALFORMED";
        it.detail = errText(e);
        failed.now++;
        continue;
      }
      const h = it.opened.header;
      const handler = handlers.get(h.type);
      const unreadable = notYetReadable(h);
      if (unreadable || !handler) {
        // Kept, not refused: applied once this node runs a release that reads it (applyDeferred).
        it.deferred = unreadable ?? h.type;
      } else {
        const parsed = parseReceived(handler.schema, it.opened.payload);
        if (parsed.success && parsed.ignored.length) {
          it.ignored = parsed.ignored;
          c.fieldsIgnored.set(h.type, (c.fieldsIgnored.get(h.type) ?? 0) + 1);
        }
        if (!parsed.success) {
          it.reason = "SCHEMA_INVALID";
          it.detail = parsed.error.issues
            .slice(0, 5)
            .map((i) => `${i.path.join(".")}: ${i.message}`)
            .join("; ")
            .slice(0, 500);
        }
      }
      // The files a message names are here before it is stored, deferred or not (its sender sends them again).
      if (
        !it.reason &&
        h.attachments?.length &&
        !(await attachments.attachmentsPresent(p.id, h.attachments))
      ) {
        it.reason = "ATTACHMENT_MISSING";
        it.opened = undefined;
        it.deferred = undefined;
        continue;
      }
      it.status = it.reason ? "rejected" : "accepted";
    }

    for (const [key, f] of failedOpens) if (f.now) await countInWindow(db, key, receivedAt, 60_000, f.now);
    const tStore = performance.now();
    timing.openMs += tStore - tOpen;
    timing.envelopesIn += envelopes.length;
    // Envelopes refused before they could be trusted: anyone can send them, so they are audited once per
    // source and reason per minute (the first batch of the minute, with a count, the first few fingerprints
    // and the previous minute's total), not one row each, whatever claimed sender they carry; the route counts
    // every one in metrics and limits calls per source.
    const early = items.filter((i) => !i.opened);
    if (early.length) {
      const groups = new Map<string, Received[]>();
      for (const i of early) {
        const k = `${i.routing?.sender.slice(0, 64) ?? ""}\n${i.reason}`;
        groups.set(k, [...(groups.get(k) ?? []), i]);
      }
      await inTransaction(db, async (tx) => {
        for (const group of groups.values()) {
          const [first] = group;
          if (first.peer) await repo.countOnPeer(tx, first.peer.id, { rejected: group.length });
          const claimedSender = first.routing?.sender.slice(0, 64) ?? null;
          const window = await countInWindow(
            tx,
            `audit:fed:rejected:${ip ?? "unknown"}:${first.reason}`,
            clock.now(),
            AUDIT_WINDOW_MS,
            group.length,
          );
          if (!window.first) continue;
          await audit.record(
            tx,
            { actor: peerActor(claimedSender ?? "unknown"), ip, requestId: null },
            {
              action: "federation.envelope.rejected",
              targetType: "envelope",
              targetId: group.length === 1 ? (first.routing?.msgId ?? null) : null,
              outcome: "rejected",
              details: {
                reason: first.reason,
                count: group.length,
                ...(first.detail ? { detail: first.detail } : {}),
                claimedSender,
                seq: first.routing?.seq ?? null,
                envelopeSha256: first.sha,
                ...(group.length > 1 ? { sampleSha256: group.slice(0, 5).map((i) => i.sha) } : {}),
                window: "1 min: later ones this minute are counted, not audited",
                ...(window.previous
                  ? { previousWindow: { from: window.previous.windowStart, count: window.previous.count } }
                  : {}),
              },
            },
          );
        }
      });
    }

    // Trusted envelopes, per peer: store, de-duplicate, apply in order, in one transaction.
    const byPeer = new Map<string, Trusted[]>();
    for (const i of items) {
      if (!isTrusted(i)) continue;
      const list = byPeer.get(i.peer.id) ?? [];
      list.push(i);
      byPeer.set(i.peer.id, list);
    }
    // (a handler that queues a reply wakes the workers itself, after the inbox transaction commits)
    for (const [peerId, list] of byPeer) await storeAndApply(peerId, list, receivedAt, ip);

    // Receipts, signed after the commit: one per envelope, or one for the request (its items in a Merkle tree)
    // when the sender asked for it and every addressable envelope names the same sender.
    const tSign = performance.now();
    timing.inboxCommitMs += tSign - tStore;
    const addressed = items.filter(
      (i): i is Received & { routing: EnvelopeRouting } => i.routing !== undefined,
    );
    const batchFor = addressed[0]?.routing.sender;
    const batch =
      opts.batchReceipt &&
      config.fedBatchReceipts &&
      batchFor !== undefined &&
      addressed.every((i) => i.routing.sender === batchFor)
        ? await signBatchReceipt(
            { sender: me, recipient: batchFor, receivedAt: receivedAt.toISOString() },
            addressed.map((i) => ({
              msgId: i.routing.msgId,
              seq: i.routing.seq,
              status: i.status,
              ...(answerReason(i) ? { reason: answerReason(i) } : {}),
              envelopeSha256: i.sha,
            })),
            keys.signing,
          )
        : undefined;
    const leafOf = new Map<Received, number>(addressed.map((i, k) => [i, k]));
    const results = await Promise.all(
      items.map(async (i): Promise<EnvelopeResult> => {
        const reason = answerReason(i);
        const res: EnvelopeResult = {
          status: i.status,
          ...(reason ? { reason } : {}),
          ...(i.waitingFor !== undefined ? { waitingFor: i.waitingFor } : {}),
          ...(i.highestSeq !== undefined ? { highestSeq: i.highestSeq } : {}),
        };
        if (!i.routing) return res;
        const base = { msgId: i.routing.msgId, sender: me, recipient: i.routing.sender, seq: i.routing.seq };
        const index = leafOf.get(i);
        if (batch && index !== undefined) {
          res.proof = { index, path: batch.paths[index] };
        } else {
          const claims: ReceiptClaims = {
            ...base,
            status: i.status,
            receivedAt: receivedAt.toISOString(),
            envelopeSha256: i.sha,
            ...(reason ? { reason } : {}),
          };
          res.receipt = await signReceipt(claims, keys.signing);
        }
        if (i.original) res.original = await originalReceipt(base, i.original, keys);
        return res;
      }),
    );
    timing.signReceiptsMs += performance.now() - tSign;
    if (trace) {
      for (const i of items) {
        trace({
          msgId: i.routing?.msgId ?? null,
          peer: i.routing?.sender.slice(0, 64) ?? null,
          seq: i.routing?.seq ?? null,
          type: i.opened?.header.type ?? null,
          status: i.status,
          reason: answerReason(i) ?? null,
          ...(i.ignored ? { ignoredFields: i.ignored } : {}),
        });
      }
    }
    return {
      results,
      ...(batch ? { batchReceipt: batch.jws } : {}),
      ...(config.fedBatchReceipts ? { capabilities: [BATCH_RECEIPT_CAPABILITY] } : {}),
    };
  }

  function originalReceipt(
    base: { msgId: string; sender: string; recipient: string; seq: number },
    o: { receivedAt: Date; sha: string; status: string; reason: string | null },
    keys: NodeKeys,
  ): Promise<string> {
    const rejected = o.status === "rejected";
    return signReceipt(
      {
        ...base,
        status: rejected ? "rejected" : "accepted",
        receivedAt: o.receivedAt.toISOString(),
        envelopeSha256: o.sha,
        // (a deferred message's row keeps DEFERRED after it is applied: the first receipt is re-issued as it was)
        ...((rejected || o.reason === DEFERRED) && o.reason ? { reason: o.reason } : {}),
      },
      keys.signing,
    );
  }

  async function storeAndApply(
    peerId: string,
    list: Trusted[],
    receivedAt: Date,
    ip: string | null,
  ): Promise<void> {
    const ctx: Ctx = { actor: peerActor(peerId), ip, requestId: null };
    // Handlers run without a savepoint each (two round trips per message fewer); should one fail, the whole
    // transaction is rolled back and done again with savepoints, so the failure is held alone (applyReady).
    const before = list.map((i) => ({ ...i }));
    try {
      await storeAndApplyIn(peerId, list, receivedAt, ctx, false);
    } catch (e) {
      if (!(e instanceof NeedsSavepoints)) throw e;
      // what the rolled-back attempt noted on the envelopes (replays, the seq waited for) is noted again
      list.forEach((i, k) => {
        for (const key of Object.keys(i)) if (!(key in before[k])) delete i[key as keyof Trusted];
        Object.assign(i, before[k]);
      });
      await storeAndApplyIn(peerId, list, receivedAt, ctx, true);
    }
  }

  async function storeAndApplyIn(
    peerId: string,
    list: Trusted[],
    receivedAt: Date,
    ctx: Ctx,
    savepoints: boolean,
  ): Promise<void> {
    const ip = ctx.ip;
    await inTransaction(db, async (tx) => {
      // The peer row lock orders inbox writers of one peer across every process of the node.
      const p = await repo.lockPeer(tx, peerId);
      if (!p) throw new Error(`peer ${peerId} is gone`);
      const stateReason = rejectionFor(p);
      if (stateReason) {
        for (const i of list) {
          i.status = "rejected";
          i.reason = stateReason;
        }
        return;
      }
      const rows = list.map((i) => {
        const h = i.opened.header;
        return {
          peerId,
          msgId: h.msgId,
          seq: h.seq,
          type: h.type,
          header: h,
          payload: i.opened.payload ?? null,
          jws: i.opened.jws,
          envelopeSha256: i.sha,
          status: i.deferred
            ? ("deferred" as const)
            : i.reason && SEQ_CONSUMING.has(i.reason)
              ? ("rejected" as const)
              : ("held" as const),
          reason: i.deferred ? DEFERRED : (i.reason ?? null),
          lastError: i.deferred ?? null,
          receivedAt,
        };
      });
      const { inserted, waiting, more } = await repo.insertInboxReadingWaiting(
        tx,
        peerId,
        rows,
        p.inSeq,
        WAITING_PAGE,
      );
      const dupes = list.filter((i) => !inserted.has(i.opened.header.msgId));
      const conflicts: Trusted[] = [];
      if (dupes.length) {
        const ids = dupes.map((i) => i.opened.header.msgId);
        const existing = await repo.inboxByIds(tx, peerId, ids);
        for (const i of dupes) {
          const e = existing.find((x) => x.msgId === i.opened.header.msgId);
          i.status = "rejected";
          if (e) {
            i.reason = "REPLAYED";
            i.detail = "message id already received";
            i.original = { receivedAt: e.receivedAt, sha: e.sha, status: e.status, reason: e.reason };
          } else {
            // The same sequence number under another message id: the sender lost its own record of what it
            // sent (restored from a backup). Never REPLAYED, which the sender would take as delivered.
            i.reason = SEQUENCE_CONFLICT;
            i.detail = "sequence number already used by another message";
            conflicts.push(i);
          }
        }
      }
      const { inSeq, applied, appliedIds, deferred } = await applyReady(tx, peerId, p.inSeq, ctx, {
        savepoints,
        mark: false,
        firstPage: { rows: waiting, more },
      });
      // (audited by applyReady; their receipts say DEFERRED like those deferred on arrival)
      const deferredByHandler = list.filter((i) => deferred.has(i.opened.header.msgId));
      for (const i of deferredByHandler) i.deferred = deferred.get(i.opened.header.msgId);
      const highestSeq = conflicts.length ? await repo.inboxHighestSeq(tx, peerId) : null;
      for (const i of list) {
        i.waitingFor = inSeq + 1;
        if (highestSeq !== null) i.highestSeq = highestSeq;
      }
      const newlyRejected = list.filter((i) => i.reason);
      const duplicates = newlyRejected.filter((i) => i.reason === "REPLAYED").length;
      await repo.countOnPeer(
        tx,
        peerId,
        { received: inserted.size, rejected: newlyRejected.length - duplicates, duplicates },
        {
          inSeq,
          lastSuccessAt: receivedAt,
          // Only a message new to us moves the peer's known address: a captured one replayed from elsewhere
          // is answered REPLAYED and teaches nothing.
          ...(inserted.size && ip !== null && ip !== p.lastInboundIp ? { lastInboundIp: ip } : {}),
        },
        {
          // The link is healthy again: what we had backed off sending to this peer goes now (issue 9 point 7).
          resetBackoff: inserted.size > 0,
          applied: { msgIds: appliedIds, seqs: applied, at: clock.now() },
        },
      );
      if (conflicts.length) {
        await parts.conflicts.alert(tx, ctx, peerId, "receiver", {
          seqs: conflicts.map((i) => i.opened.header.seq),
          msgIds: conflicts.map((i) => i.opened.header.msgId),
          highestSeq,
        });
      }
      // A replay of an envelope already held is harmless and anyone who captured one can repeat it: one entry
      // per peer per minute with a count (the first replays of the minute), not one row per copy.
      const replays = newlyRejected.filter((i) => i.reason === "REPLAYED");
      if (replays.length) {
        const window = await countInWindow(
          tx,
          `audit:fed:replayed:${peerId}`,
          clock.now(),
          AUDIT_WINDOW_MS,
          replays.length,
        );
        if (window.first) {
          await audit.record(tx, ctx, {
            action: "federation.envelope.rejected",
            targetType: "envelope",
            targetId: replays[0].opened.header.msgId,
            outcome: "rejected",
            details: {
              reason: "REPLAYED",
              count: replays.length,
              seqs: replays.slice(0, 5).map((i) => i.opened.header.seq),
              window: "1 min: later ones this minute are counted, not audited",
              ...(window.previous
                ? { previousWindow: { from: window.previous.windowStart, count: window.previous.count } }
                : {}),
            },
          });
        }
      }
      for (const i of newlyRejected.filter((r) => r.reason !== "REPLAYED")) {
        await audit.record(tx, ctx, {
          action: "federation.envelope.rejected",
          targetType: "envelope",
          targetId: i.opened.header.msgId,
          outcome: "rejected",
          details: {
            reason: i.reason,
            ...(i.detail ? { detail: i.detail } : {}),
            seq: i.opened.header.seq,
            type: i.opened.header.type,
            envelopeSha256: i.sha,
          },
        });
      }
      // A message kept for a later release is audited on its own: an operator sees the sender runs a newer one.
      for (const i of list.filter((r) => r.deferred && !r.reason && !deferredByHandler.includes(r))) {
        await audit.record(tx, ctx, {
          action: "federation.inbox.deferred",
          targetType: "envelope",
          targetId: i.opened.header.msgId,
          details: {
            peer: peerId,
            seq: i.opened.header.seq,
            type: i.opened.header.type,
            schemaVersion: i.opened.header.schemaVersion,
            detail: i.deferred,
            envelopeSha256: i.sha,
          },
        });
      }
      const stored = list.filter((i) => !i.reason);
      if (stored.length || applied.length) {
        await audit.record(tx, ctx, {
          action: "federation.inbox.received",
          targetType: "peer",
          targetId: peerId,
          details: {
            received: stored.map((i) => i.opened.header.seq),
            applied: applied.length ? [applied[0], applied[applied.length - 1]] : [],
            appliedCount: applied.length,
            inSeq,
          },
        });
      }
    });
  }

  /**
   * A held or deferred message of the peer, locked with the peer; NOT_FOUND if there is none, INVALID_TRANSITION
   * when it is applied or rejected already.
   */
  async function lockHeld(tx: Tx, peerId: string, msgId: string) {
    const p = await repo.lockPeer(tx, peerId);
    if (!p) throw notFound("peer");
    const [r] = await repo.inboxByIdFull(tx, peerId, msgId);
    if (!r) throw notFound("message");
    if (r.status !== "held" && r.status !== "deferred")
      throw new AppError("INVALID_TRANSITION", [issue("federation.messageInStatus", { status: r.status })]);
    return { p, r };
  }

  /** Administrator: applies the peer's held messages whose turn has come now (after fixing the cause). */
  async function retryHeldMessage(ctx: Ctx, peerId: string, msgId: string) {
    requirePermission(ctx.actor, "peers:manage");
    return inTransaction(db, async (tx) => {
      const { p, r } = await lockHeld(tx, peerId, msgId);
      const peer = peerCtx(peerId, ctx);
      // A deferred message is applied only if this release reads it now (else it stays deferred, and says so);
      // a held one with what waits behind it.
      const res =
        r.status === "deferred"
          ? { ...(await applyDeferredIn(tx, peerId, peer, msgId)), inSeq: p.inSeq }
          : await applyReady(tx, peerId, p.inSeq, peer);
      if (res.inSeq !== p.inSeq) await repo.updatePeer(tx, peerId, { inSeq: res.inSeq });
      const applied = res.applied.includes(r.seq);
      await audit.record(tx, ctx, {
        action: "federation.inbox.retry",
        targetType: "envelope",
        targetId: msgId,
        outcome: applied ? "success" : "failure",
        details: {
          peer: peerId,
          seq: r.seq,
          type: r.type,
          ...(r.status === "deferred" ? { deferred: true } : { appliedCount: res.applied.length }),
        },
      });
      return { msgId, applied, inSeq: res.inSeq };
    });
  }

  /** Administrator: gives up on a held message (rejected for good, the sender told), and applies what follows. */
  async function skipHeldMessage(ctx: Ctx, peerId: string, msgId: string, note: string) {
    requirePermission(ctx.actor, "peers:manage");
    return inTransaction(db, async (tx) => {
      const { p, r } = await lockHeld(tx, peerId, msgId);
      await audit.record(tx, ctx, {
        action: "federation.inbox.skip",
        targetType: "envelope",
        targetId: msgId,
        details: { peer: peerId, seq: r.seq, type: r.type, lastError: r.lastError, note },
      });
      await rejectHeld(
        tx,
        ctx,
        peerId,
        r,
        "SKIPPED_BY_OPERATOR",
        "SKIPPED_BY_OPERATOR",
        note || (r.lastError ?? ""),
      );
      const res = await applyReady(tx, peerId, p.inSeq, peerCtx(peerId, ctx));
      if (res.inSeq !== p.inSeq) await repo.updatePeer(tx, peerId, { inSeq: res.inSeq });
      return { msgId, skipped: true, inSeq: res.inSeq };
    });
  }

  /** Messages applied on an operator's action are still the peer's doing (its actor), under the request's id. */
  const peerCtx = (peerId: string, ctx: Ctx): Ctx => ({ ...ctx, actor: peerActor(peerId) });

  /** Worker duty: retries held messages whose turn has come (a handler failed earlier). */
  async function retryHeld(): Promise<number> {
    const due = await repo.peersWithReadyHeld(db);
    let n = 0;
    for (const peer_id of due) {
      await inTransaction(db, async (tx) => {
        const p = await repo.lockPeer(tx, peer_id);
        if (!p) return;
        const ctx: Ctx = { actor: peerActor(peer_id), ip: null, requestId: null };
        const r = await applyReady(tx, peer_id, p.inSeq, ctx);
        if (r.inSeq !== p.inSeq) {
          await repo.updatePeer(tx, peer_id, { inSeq: r.inSeq });
          await audit.record(tx, ctx, {
            action: "federation.inbox.applied",
            targetType: "peer",
            targetId: peer_id,
            details: {
              applied: [r.applied[0], r.applied[r.applied.length - 1]],
              appliedCount: r.applied.length,
            },
          });
        }
        n += r.applied.length;
      });
    }
    return n;
  }

  return { receiveEnvelopes, retryHeld, applyDeferred, retryHeldMessage, skipHeldMessage };
}

export type Inbox = ReturnType<typeof createInbox>;
