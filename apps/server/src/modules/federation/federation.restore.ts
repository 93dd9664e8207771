import { issue } from "@crossline/schemas";
import { z } from "zod";
import { uuidv7 } from "../../crypto/ids.js";
import { inTransaction, type Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import { systemCtx } from "../../lib/actor.js";
import { AppError } from "../../lib/errors.js";
import { parseReceived } from "../../lib/received.js";
import { errText, type FedContext, peerActor, sigKeys } from "./federation.context.js";
import * as repo from "./federation.repo.js";
import { peekStatement, signStatement, verifyStatement } from "./federation.signing.js";

export const RECONCILE_TYP = "crossline-reconcile+jws";
export const RECONCILED_TYP = "crossline-reconciled+jws";
/** A reconcile statement older than this is refused (a replay of an old one would only re-send harmlessly). */
const FRESH_MS = 10 * 60_000;

const Seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** The restored node to its peer: what it holds of their exchange after the restore. */
export const ReconcileClaims = z.strictObject({
  action: z.literal("reconcile"),
  sender: z.string().max(64),
  recipient: z.string().max(64),
  at: z.string().max(40),
  nonce: z.string().max(100),
  /** The highest sequence number from the peer the restored node has applied. */
  inSeq: Seq,
  /** The last sequence number the restored node gave a message to the peer. */
  outSeq: Seq,
  /** The restored audit head: the peer's copies of checkpoints after it describe a trail that was lost. */
  auditBase: z.strictObject({ seq: Seq, hash: z.string().max(64) }),
  backupAt: z.string().max(40),
});
export type ReconcileClaims = z.infer<typeof ReconcileClaims>;

/** The peer's answer: what it holds from the restored node, and what it will send again. */
export const ReconciledClaims = z.strictObject({
  action: z.literal("reconciled"),
  sender: z.string().max(64),
  recipient: z.string().max(64),
  nonce: z.string().max(100),
  /** The highest sequence number from the restored node the peer holds: the restored node continues after it. */
  highestFromYou: Seq,
  /** The peer sends again every message after the restored node's `inSeq`, up to its own last number. */
  resendFrom: Seq,
  resent: Seq,
  peerOutSeq: Seq,
});
export type ReconciledClaims = z.infer<typeof ReconciledClaims>;

/** What another module does when a peer says it was restored (audit anchoring: set its checkpoints aside). */
export type PeerRestoredListener = (
  tx: Tx,
  ctx: Ctx,
  peerId: string,
  restore: { auditBase: { seq: number; hash: string }; at: Date },
) => Promise<Record<string, unknown> | undefined>;

/**
 * Restore without loss (issue 16 point 3). A node restored from a backup has forgotten what it sent and received
 * after the backup; its peers have not. Before it sends anything, it tells each peer what it holds (`reconcile`,
 * signed); the peer sends again from its outbox everything after that (envelopes and receipts are kept for
 * good), and answers with the highest number it holds from the restored node, after which the restored node
 * continues its own numbering. Nothing is lost, nothing is applied twice (message ids), no number is used twice.
 */
export function createRestore(c: FedContext) {
  const { db, clock, audit } = c;
  const listeners: PeerRestoredListener[] = [];

  /** Right after a restore, in the restored database: stop delivery to every peer until reconciled, audited. */
  async function markRestored(
    ctx: Ctx,
    info: {
      backupAt: string;
      auditBase: { seq: number; hash: string };
      archiveSha256: string;
      details: object;
    },
  ) {
    return inTransaction(db, async (tx) => {
      const ids = await repo.peerIdsIn(tx, ["active", "suspended"]);
      for (const id of ids) {
        await repo.updatePeer(tx, id, {
          linkStop: {
            reason: "RESTORED",
            at: clock.now().toISOString(),
            backupAt: info.backupAt,
            auditBase: info.auditBase,
            outSeq: await repo.lastOutSeq(tx, id),
          },
        });
      }
      await audit.record(tx, ctx, {
        action: "node.restored",
        targetType: "node",
        details: { ...info.details, archiveSha256: info.archiveSha256, peersToReconcile: ids },
      });
      return ids;
    });
  }

  /** The restored node's side, for each peer still waiting: ask, then continue after the peer's numbers. */
  async function reconcilePending(
    log?: (msg: string, data: Record<string, unknown>) => void,
  ): Promise<number> {
    const waiting = (await repo.listPeerRows(db)).filter(
      (p) => p.linkStop?.reason === "RESTORED" && p.state === "active",
    );
    let done = 0;
    for (const p of waiting) {
      try {
        await reconcileWith(p.id);
        done++;
      } catch (e) {
        const reason = errText(e);
        await inTransaction(db, (tx) =>
          repo.updatePeer(tx, p.id, { lastErrorAt: clock.now(), lastError: `RECONCILE: ${reason}` }),
        );
        log?.("reconciliation with a peer after a restore failed; retrying", { peer: p.id, reason });
      }
    }
    return done;
  }

  async function reconcileWith(peerId: string): Promise<void> {
    const p = await repo.findPeer(db, peerId);
    if (p?.linkStop?.reason !== "RESTORED") return;
    const me = await c.me();
    const keys = await c.currentKeys();
    const outSeq = await repo.outSeqOf(db, peerId);
    const stop = p.linkStop;
    const nonce = uuidv7();
    const claims: ReconcileClaims = {
      action: "reconcile",
      sender: me,
      recipient: peerId,
      at: clock.now().toISOString(),
      nonce,
      inSeq: p.inSeq,
      outSeq,
      auditBase: stop.auditBase,
      backupAt: stop.backupAt,
    };
    const statement = await signStatement(RECONCILE_TYP, claims, keys.signing);
    const res = await c.peerFetch(
      `${p.baseUrl}/federation/v1/reconcile`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ statement }),
        signal: AbortSignal.timeout(c.config.fedRequestTimeoutMs),
      },
      p.tlsPin,
    );
    const body = (await res.json().catch(() => null)) as { reply?: string } | null;
    if (!res.ok || typeof body?.reply !== "string") throw new Error(`the peer answered HTTP ${res.status}`);
    const verified = await verifyStatement(RECONCILED_TYP, body.reply, sigKeys(p));
    const answer = parseReceived(ReconciledClaims, verified);
    if (!answer.success || answer.data.nonce !== nonce || answer.data.recipient !== me) {
      throw new Error("the peer's answer is not a valid signed reconciliation");
    }
    const a = answer.data;
    await inTransaction(db, async (tx) => {
      const cur = await repo.lockPeer(tx, peerId);
      if (cur?.linkStop?.reason !== "RESTORED") return;
      const before = await repo.continueOutSeqAfter(tx, peerId, a.highestFromYou);
      // The peer sends again what this node lost as soon as it has answered, so replies to it may already be
      // queued, numbered after the backup's counter: numbers the peer holds for other messages. They were never
      // sent (the link is stopped): they go after the peer's highest instead (the CI failure on PGlite, where
      // the resent messages arrived before this transaction).
      const renumbered =
        stop.outSeq !== undefined && a.highestFromYou > stop.outSeq
          ? await repo.resequencePending(tx, peerId, a.highestFromYou + 1, stop.outSeq)
          : [];
      await repo.updatePeer(tx, peerId, { linkStop: null, lastError: null });
      await c.claimableAgain(tx, peerId);
      await audit.record(tx, systemCtx(), {
        action: "federation.peer.reconciled",
        targetType: "peer",
        targetId: peerId,
        details: {
          outSeqBefore: before,
          continuesAfter: Math.max(before, a.highestFromYou),
          renumbered: renumbered.length,
          peerHolds: a.highestFromYou,
          inSeq: cur.inSeq,
          peerResendsFrom: a.resendFrom,
          peerResent: a.resent,
          peerOutSeq: a.peerOutSeq,
          auditBase: stop.auditBase,
          answer: body.reply,
        },
      });
    });
    c.nudge();
  }

  /** The peer's side: verify, send again what the restored node lost, answer signed. */
  async function answerReconcile(statement: string, ip: string | null): Promise<{ reply: string }> {
    const peeked = peekStatement(statement);
    const sender = typeof peeked?.claims.sender === "string" ? peeked.claims.sender.slice(0, 64) : "";
    const p = sender ? await repo.findPeer(db, sender) : undefined;
    const me = await c.me();
    const verified = p ? await verifyStatement(RECONCILE_TYP, statement, sigKeys(p)) : null;
    const parsed = parseReceived(ReconcileClaims, verified);
    const ctx: Ctx = { actor: peerActor(sender || "unknown"), ip, requestId: null };
    const age = parsed.success ? Math.abs(clock.now().getTime() - Date.parse(parsed.data.at)) : 0;
    const reason = !p
      ? "UNKNOWN_SENDER"
      : !verified
        ? "BAD_SIGNATURE"
        : !parsed.success
          ? "MALFORMED"
          : parsed.data.recipient !== me
            ? "WRONG_RECIPIENT"
            : p.state !== "active"
              ? `PEER_${p.state.toUpperCase()}`
              : !(age <= FRESH_MS)
                ? "STALE"
                : null;
    if (reason || !p || !parsed.success) {
      await audit.recordAlone(ctx, {
        action: "federation.reconcile.rejected",
        targetType: "peer",
        targetId: sender || null,
        outcome: "rejected",
        details: { reason },
      });
      throw new AppError("FORBIDDEN", [issue("restore.statementInvalid", { reason: String(reason) })]);
    }
    const claims = parsed.data;
    const keys = await c.currentKeys();
    const out = await inTransaction(db, async (tx) => {
      await repo.lockPeer(tx, p.id);
      const highestFromYou = await repo.inboxHighestSeq(tx, p.id);
      const resent = await repo.resendAfter(tx, p.id, claims.inSeq);
      await c.claimableAgain(tx, p.id);
      const peerOutSeq = await repo.outSeqOf(tx, p.id);
      const extra: Record<string, unknown> = {};
      for (const l of listeners) {
        Object.assign(extra, await l(tx, ctx, p.id, { auditBase: claims.auditBase, at: clock.now() }));
      }
      await audit.record(tx, ctx, {
        action: "federation.peer.restored",
        targetType: "peer",
        targetId: p.id,
        details: {
          backupAt: claims.backupAt,
          theirInSeq: claims.inSeq,
          theirOutSeq: claims.outSeq,
          highestFromThem: highestFromYou,
          resendFrom: claims.inSeq + 1,
          resent,
          auditBase: claims.auditBase,
          ...extra,
          statement,
        },
      });
      return { highestFromYou, resent, peerOutSeq };
    });
    c.nudge();
    const reply = await signStatement(
      RECONCILED_TYP,
      {
        action: "reconciled",
        sender: me,
        recipient: p.id,
        nonce: claims.nonce,
        highestFromYou: out.highestFromYou,
        resendFrom: claims.inSeq + 1,
        resent: out.resent,
        peerOutSeq: out.peerOutSeq,
      } satisfies ReconciledClaims,
      keys.signing,
    );
    return { reply };
  }

  return {
    markRestored,
    reconcilePending,
    answerReconcile,
    onPeerRestored: (l: PeerRestoredListener) => {
      listeners.push(l);
    },
  };
}

export type Restore = ReturnType<typeof createRestore>;
