import { issue } from "@crossline/schemas";
import { inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, notFound } from "../../lib/errors.js";
import type { FedContext } from "./federation.context.js";
import type { Outbox } from "./federation.outbox.js";
import * as repo from "./federation.repo.js";

/** Who is alerted of a sequence conflict: it needs an administrator's decision. */
const ALERT_ROLES = ["admin"];

/**
 * Sequence conflicts (issue 9 point 8): the receiver holds one of our sequence numbers under another message
 * id, typically because this node was restored from an older backup and numbers messages again from where the
 * backup stood. Nothing is lost silently: the receiver refuses with SEQUENCE_CONFLICT and alerts its
 * administrators; the sender stops delivery to the peer (messages stay queued) and alerts its own; an
 * administrator of the sender re-sequences the pending messages after the peer's highest number, audited on
 * both sides (the peer learns it by a `federation.resequenced` message).
 */
export function createConflicts(c: FedContext, parts: { outbox: Outbox }) {
  const { db, clock, audit } = c;

  async function alert(
    tx: Tx,
    ctx: Ctx,
    peerId: string,
    side: "sender" | "receiver",
    details: Record<string, unknown>,
  ): Promise<void> {
    await audit.record(tx, ctx, {
      action: "federation.sequence.conflict",
      targetType: "peer",
      targetId: peerId,
      outcome: "failure",
      details: { side, ...details, notify: ALERT_ROLES },
    });
    if (!c.notify || !c.recipientsFor) return;
    const userIds = await c.recipientsFor(tx, ALERT_ROLES);
    await c.notify(tx, {
      userIds,
      kind: "federation.sequence_conflict",
      severity: "urgent",
      key: side === "sender" ? "sequence_conflict_sender" : "sequence_conflict_receiver",
      params: { peer: peerId },
      email: true,
    });
  }

  /** Sender side: the peer answered SEQUENCE_CONFLICT; stop delivery to it (once) and alert. */
  async function stopLink(
    tx: Tx,
    ctx: Ctx,
    peerId: string,
    conflict: { msgId: string; seq: number; peerHighestSeq: number | null },
  ): Promise<void> {
    const p = await repo.lockPeer(tx, peerId);
    if (!p || p.linkStop) return;
    await repo.updatePeer(tx, peerId, {
      linkStop: { reason: "SEQUENCE_CONFLICT", at: clock.now().toISOString(), ...conflict },
    });
    await alert(tx, ctx, peerId, "sender", conflict);
  }

  /**
   * The operator's way out: renumbers the peer's pending messages, in order, after the highest sequence
   * number the peer holds from us (or after `afterSeq` if higher), and resumes delivery.
   */
  async function resequence(ctx: Ctx, peerId: string, input: { afterSeq?: number }) {
    requirePermission(ctx.actor, "peers:manage");
    const out = await inTransaction(db, async (tx) => {
      const p = await repo.lockPeer(tx, peerId);
      if (!p) throw notFound("peer");
      if (p.linkStop?.reason !== "SEQUENCE_CONFLICT") {
        throw new AppError("INVALID_TRANSITION", [
          issue("federation.notStoppedByConflict", { node: peerId }),
        ]);
      }
      const after = Math.max(input.afterSeq ?? 0, p.linkStop.peerHighestSeq ?? 0);
      const moves = await repo.resequencePending(tx, peerId, after + 1);
      await repo.updatePeer(tx, peerId, { linkStop: null });
      const firstSeq = moves[0]?.to ?? after + 1;
      await audit.record(tx, ctx, {
        action: "federation.outbox.resequence",
        targetType: "peer",
        targetId: peerId,
        details: {
          conflict: p.linkStop,
          afterSeq: after,
          moved: moves.slice(0, 200),
          count: moves.length,
        },
      });
      // Queued after the renumbered messages: the peer audits it when it applies it.
      await parts.outbox.enqueue(tx, ctx, {
        peerId,
        type: "federation.resequenced",
        payload: { firstSeq, count: moves.length, conflictSeq: p.linkStop.seq },
      });
      return { peerId, firstSeq, count: moves.length };
    });
    c.nudge();
    return out;
  }

  return { alert, stopLink, resequence };
}

export type Conflicts = ReturnType<typeof createConflicts>;
