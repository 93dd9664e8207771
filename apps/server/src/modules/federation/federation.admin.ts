import type { InboxItem, OutboxItem, PingItem } from "@crossline/schemas";
import { issue } from "@crossline/schemas";
import { sha256Hex } from "../../crypto/hash.js";
import { uuidv7 } from "../../crypto/ids.js";
import { inTransaction } from "../../db/client.js";
import type { InboxStatus, OutboxStatus } from "../../db/schema/index.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, notFound } from "../../lib/errors.js";
import { RELEASE } from "../../lib/release.js";
import type { Attachments } from "./federation.attachments.js";
import type { FedContext } from "./federation.context.js";
import type { Outbox } from "./federation.outbox.js";
import * as repo from "./federation.repo.js";

/**
 * Transport administration: the outbox and inbox of a peer as lists, cancelling an undelivered message, the
 * hotline test (ping) and operational notices between administrators.
 */
export function createTransportAdmin(c: FedContext, parts: { outbox: Outbox; attachments: Attachments }) {
  const { db, clock, audit, node } = c;
  const { outbox, attachments } = parts;

  /** The caller may read peers, and the peer exists (else 404). */
  async function requireReadablePeer(ctx: Ctx, peerId: string): Promise<void> {
    requirePermission(ctx.actor, "peers:read");
    if (!(await repo.findPeer(db, peerId))) throw notFound("peer");
  }

  async function listOutbox(
    ctx: Ctx,
    peerId: string,
    q: { status?: OutboxStatus; limit: number; afterSeq?: number },
  ): Promise<OutboxItem[]> {
    await requireReadablePeer(ctx, peerId);
    const rows = await repo.outboxPage(db, peerId, q);
    return rows.map((r) => ({
      msgId: r.msgId,
      seq: r.seq,
      type: r.type,
      originalType: r.originalType,
      status: r.status,
      attempts: r.attempts,
      createdAt: r.createdAt.toISOString(),
      nextAttemptAt: r.nextAttemptAt.toISOString(),
      deliveredAt: r.deliveredAt?.toISOString() ?? null,
      cancelledAt: r.cancelledAt?.toISOString() ?? null,
      lastError: r.lastError,
      receiptReason: r.receiptReason,
      receipt: r.receipt,
      inReplyTo: r.inReplyTo,
    }));
  }

  async function listInbox(
    ctx: Ctx,
    peerId: string,
    q: { type?: string; status?: InboxStatus; limit: number; afterSeq?: number },
  ): Promise<InboxItem[]> {
    await requireReadablePeer(ctx, peerId);
    const rows = await repo.inboxPage(db, peerId, q);
    return rows.map((r) => ({
      msgId: r.msgId,
      seq: r.seq,
      type: r.type,
      status: r.status,
      reason: r.reason,
      // A transport view: never what the message said (that is reached through the owning domain).
      size: Buffer.byteLength(r.jws),
      receivedAt: r.receivedAt.toISOString(),
      appliedAt: r.appliedAt?.toISOString() ?? null,
      attempts: r.attempts,
      lastError: r.lastError,
      schemaVersion: r.header.schemaVersion,
      readsUpTo: c.handlers.has(r.type) ? (c.handlers.get(r.type)?.schemaVersion ?? 1) : null,
    }));
  }

  /**
   * Cancels an undelivered message. Its sequence number still travels, as a "federation.void" tombstone, so
   * the peer's later messages are not held back behind a gap.
   */
  async function cancel(ctx: Ctx, peerId: string, msgId: string) {
    requirePermission(ctx.actor, "peers:manage");
    await inTransaction(db, async (tx) => {
      const r = await repo.lockOutboxRow(tx, peerId, msgId);
      if (!r) throw notFound("message");
      if (r.status === "delivered" || r.status === "cancelled" || r.type === "federation.void") {
        throw new AppError("INVALID_TRANSITION", [issue("federation.messageInStatus", { status: r.status })]);
      }
      if (r.leaseUntil && r.leaseUntil.getTime() > Date.now()) {
        throw new AppError("CONFLICT", [
          { issue: "the message is being delivered right now; try again in a moment" },
        ]);
      }
      await repo.updateOutboxRow(tx, msgId, {
        type: "federation.void",
        originalType: r.type,
        payload: { cancelledType: r.type, reason: `cancelled by ${ctx.actor.label}`.slice(0, 500) },
        attachments: null,
        // the envelope kept for a resend is the cancelled message's: the tombstone is sealed anew
        envelope: null,
        status: "pending",
        cancelledAt: clock.now(),
        cancelledBy: ctx.actor.label,
        nextAttemptAt: clock.now(),
        attempts: 0,
      });
      await audit.record(tx, ctx, {
        action: "federation.outbox.cancel",
        targetType: "envelope",
        targetId: msgId,
        details: {
          peer: peerId,
          seq: r.seq,
          type: r.type,
          payloadSha256: sha256Hex(JSON.stringify(r.payload)),
        },
      });
      await c.claimableAgain(tx, peerId);
    });
    c.nudge();
    return { msgId, cancelled: true };
  }

  // -------------------------------------------------------------------------------------------------------
  // Hotline test

  async function ping(ctx: Ctx, peerId: string, count: number) {
    requirePermission(ctx.actor, "peers:ping");
    const out: { pingId: string; msgId: string; seq: number }[] = [];
    await inTransaction(db, async (tx) => {
      const p = await repo.findPeer(tx, peerId);
      if (!p) throw notFound("peer");
      if (p.state !== "active")
        throw new AppError("CONFLICT", [issue("peer.inState", { node: peerId, state: p.state })]);
      const sentAt = clock.now();
      const ids = Array.from({ length: count }, () => uuidv7());
      const ms = await outbox.enqueueMany(
        tx,
        ctx,
        ids.map((pingId) => ({
          peerId,
          type: "federation.ping",
          payload: { pingId, sentAt: sentAt.toISOString(), release: RELEASE },
        })),
      );
      await repo.insertPings(
        tx,
        ids.map((id, i) => ({ id, peerId, msgId: ms[i].msgId, sentAt, requestedBy: ctx.actor.label })),
      );
      ids.forEach((pingId, i) => {
        out.push({ pingId, ...ms[i] });
      });
      await audit.record(tx, ctx, {
        action: "federation.ping",
        targetType: "peer",
        targetId: peerId,
        details: { count, pingIds: out.map((o) => o.pingId).slice(0, 50) },
      });
    });
    return out;
  }

  async function listPings(
    ctx: Ctx,
    peerId: string,
    q: { ids?: string[]; limit: number },
  ): Promise<PingItem[]> {
    await requireReadablePeer(ctx, peerId);
    const rows = await repo.listPingRows(db, peerId, q);
    return rows.map((r) => ({
      pingId: r.id,
      msgId: r.msgId,
      sentAt: r.sentAt.toISOString(),
      answeredAt: r.answeredAt?.toISOString() ?? null,
      rttMs: r.rttMs,
      requestedBy: r.requestedBy,
    }));
  }

  async function sendNotice(
    ctx: Ctx,
    peerId: string,
    input: { text: string; language: "en" | "zh-CN"; attachment?: { name: string; contentBase64: string } },
  ) {
    requirePermission(ctx.actor, "peers:manage");
    const bytes = input.attachment ? Buffer.from(input.attachment.contentBase64, "base64") : null;
    // Read before the transaction (putAttachment needs it; on PGlite `db` cannot be used inside one).
    await node.summary();
    return inTransaction(db, async (tx) => {
      const att = bytes ? await attachments.putAttachment(tx, bytes, input.attachment?.name) : null;
      const m = await outbox.enqueue(tx, ctx, {
        peerId,
        type: "federation.notice",
        payload: { text: input.text, language: input.language },
        ...(att ? { attachments: [att] } : {}),
      });
      await audit.record(tx, ctx, {
        action: "federation.notice.send",
        targetType: "peer",
        targetId: peerId,
        details: { msgId: m.msgId, attachment: att },
      });
      return { ...m, attachment: att };
    });
  }

  return { listOutbox, listInbox, cancel, ping, listPings, sendNotice };
}

export type TransportAdmin = ReturnType<typeof createTransportAdmin>;
