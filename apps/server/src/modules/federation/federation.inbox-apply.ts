import { inSavepoint, inTransaction, type Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import { parseReceived } from "../../lib/received.js";
import { errText, type FedContext, type InboxRow, peerActor } from "./federation.context.js";
import type { Outbox } from "./federation.outbox.js";
import * as repo from "./federation.repo.js";
import { type IncomingMessage, NotYetReadable, PermanentRejection } from "./federation.types.js";

/**
 * Applying what the inbox stored: held messages in per-peer order once their turn comes (each in a savepoint, or
 * straight in the receiving transaction), deferred messages once a release reads them (docs/decisions/0006), and
 * the rejection for good of a message that can never be applied (the sender told). The inbox (receiving, the
 * administrator's retry and skip, the worker's duties) calls these.
 */

/** Held messages read at a time when their turn may have come (applyReady). */
export const WAITING_PAGE = 500;
export type WaitingPage = { rows: InboxRow[]; more: boolean };
const pageOf = (rows: InboxRow[]): WaitingPage => ({ rows, more: rows.length === WAITING_PAGE });

/** A handler failed in a transaction without savepoints: it is rolled back and done again with them. */
export class NeedsSavepoints extends Error {
  constructor(cause: unknown) {
    super("a handler failed: applying again with a savepoint per message", { cause });
  }
}

export function createInboxApplier(c: FedContext, parts: { outbox: Outbox }) {
  const { db, clock, audit, handlers } = c;

  /**
   * Why this release cannot read a message yet, or null when it can: no handler for its type, or a later
   * `schemaVersion` than its handler reads. Both are what a sender on a newer release sends; the message is
   * deferred (docs/decisions/0006).
   */
  function notYetReadable(h: { type: string; schemaVersion: number }): string | null {
    const handler = handlers.get(h.type);
    if (!handler) return `${h.type}: a message type this node's release does not know`;
    const reads = handler.schemaVersion ?? 1;
    if (h.schemaVersion > reads)
      return `schemaVersion ${h.schemaVersion} of ${h.type}: this node reads up to ${reads} (the sender runs a newer release)`;
    return null;
  }

  /**
   * Applies held messages of a peer whose turn has come (seq = inSeq + 1, …), each in a savepoint so a handler
   * that throws rolls back alone; it stays held (later ones wait behind it) and is retried by the worker.
   * With `savepoints: false` the handlers run straight in `tx` and the first failure throws NeedsSavepoints
   * (the caller rolls back and applies again with savepoints). With `mark: false` the caller marks the
   * messages applied (`appliedIds`) later in the transaction. `firstPage` is the first page when the caller has
   * read it already (the receiving transaction reads it with its insert).
   */
  async function applyReady(
    tx: Tx,
    peerId: string,
    fromSeq: number,
    ctx: Ctx,
    {
      savepoints = true,
      mark = true,
      firstPage,
    }: { savepoints?: boolean; mark?: boolean; firstPage?: WaitingPage } = {},
  ): Promise<{ inSeq: number; applied: number[]; appliedIds: string[]; deferred: Map<string, string> }> {
    let cur = fromSeq;
    const applied: number[] = [];
    const appliedIds: string[] = [];
    /** Messages whose handler found them not yet readable (NotYetReadable), by id, with why. */
    const deferred = new Map<string, string>();
    let given = firstPage;
    outer: for (;;) {
      const page: WaitingPage = given ?? pageOf(await repo.inboxWaiting(tx, peerId, cur, WAITING_PAGE));
      given = undefined;
      const rows = page.rows;
      for (const r of rows) {
        const seq = r.seq;
        if (seq !== cur + 1) break outer;
        if (r.status === "rejected" || r.status === "deferred") {
          cur = seq;
          continue;
        }
        try {
          const parsed = parseStored(r);
          if (!parsed.success) throw parsed.error;
          await runHandler(tx, peerId, r, parsed.data, ctx, savepoints);
        } catch (e) {
          if (!savepoints) throw new NeedsSavepoints(e);
          if (e instanceof NotYetReadable) {
            await deferByHandler(tx, ctx, peerId, r, errText(e));
            deferred.set(r.msgId, errText(e));
            cur = seq;
            continue;
          }
          if (e instanceof PermanentRejection) {
            await rejectHeld(tx, ctx, peerId, r, "HANDLER_REJECTED", e.code, errText(e));
            cur = seq;
            continue;
          }
          await repo.inboxFailed(tx, peerId, r.msgId, errText(e));
          break outer;
        }
        cur = seq;
        applied.push(seq);
        appliedIds.push(r.msgId);
      }
      if (!page.more) break;
    }
    if (mark && appliedIds.length) {
      await repo.inboxApplied(tx, peerId, appliedIds, applied, clock.now());
    }
    return { inSeq: cur, applied, appliedIds, deferred };
  }

  /** A message its handler found not yet readable (NotYetReadable): deferred and audited, like one on arrival. */
  async function deferByHandler(tx: Tx, ctx: Ctx, peerId: string, r: InboxRow, detail: string) {
    await repo.inboxDeferredByHandler(tx, peerId, r.msgId, detail.slice(0, 500));
    await audit.record(tx, ctx, {
      action: "federation.inbox.deferred",
      targetType: "envelope",
      targetId: r.msgId,
      details: {
        peer: peerId,
        seq: r.seq,
        type: r.type,
        schemaVersion: r.header.schemaVersion,
        detail: detail.slice(0, 500),
        byHandler: true,
      },
    });
  }

  /** A stored message's payload parsed with its handler's schema (a missing handler fails like a bad payload). */
  function parseStored(r: InboxRow): { success: true; data: unknown } | { success: false; error: Error } {
    const handler = handlers.get(r.type);
    if (!handler) return { success: false, error: new Error(`no handler for ${r.type}`) };
    const parsed = parseReceived(handler.schema, r.payload);
    return parsed.success ? { success: true, data: parsed.data } : { success: false, error: parsed.error };
  }

  /** Runs the handler of stored message `r` with its parsed payload, in a savepoint or straight in `tx`. */
  async function runHandler(
    tx: Tx,
    peerId: string,
    r: InboxRow,
    payload: unknown,
    ctx: Ctx,
    savepoint: boolean,
  ): Promise<void> {
    const handler = handlers.get(r.type);
    if (!handler) throw new Error(`no handler for ${r.type}`);
    const h = r.header;
    const msg: IncomingMessage = {
      msgId: r.msgId,
      peerId,
      seq: r.seq,
      type: r.type,
      schemaVersion: h.schemaVersion,
      created: h.created,
      ...(h.conversation ? { conversation: h.conversation } : {}),
      ...(h.inReplyTo ? { inReplyTo: h.inReplyTo } : {}),
      ...(h.attachments ? { attachments: h.attachments } : {}),
      payload,
    };
    if (savepoint) await inSavepoint(tx, (sp) => handler.apply(sp, msg, ctx));
    else await handler.apply(tx, msg, ctx);
  }

  /**
   * Applies the peer's deferred messages that this release reads now (an upgrade brought their type or version),
   * in the peer's order, each in a savepoint; `onlyMsgId` limits it to one. The sequence moved past them when
   * they arrived, so each is applied on its own, after messages that came later: a message type new to this node
   * had no earlier reader to keep order with. A payload this release's schema refuses, or a handler's
   * PermanentRejection, rejects it for good (the sender is told by `federation.rejected`); another failure leaves
   * it deferred with the error, for the next start or the administrator's retry. The caller holds the peer lock.
   */
  async function applyDeferredIn(
    tx: Tx,
    peerId: string,
    ctx: Ctx,
    onlyMsgId?: string,
  ): Promise<{ applied: number[]; rejected: number[]; failed: number[] }> {
    const out = { applied: [] as number[], rejected: [] as number[], failed: [] as number[] };
    const appliedIds: string[] = [];
    let after = 0;
    for (;;) {
      const rows = await repo.inboxDeferred(tx, peerId, after, WAITING_PAGE);
      for (const r of rows) {
        after = r.seq;
        if (onlyMsgId !== undefined && r.msgId !== onlyMsgId) continue;
        if (notYetReadable({ type: r.type, schemaVersion: r.header.schemaVersion })) continue;
        const parsed = parseStored(r);
        if (!parsed.success) {
          await rejectHeld(tx, ctx, peerId, r, "HANDLER_REJECTED", "SCHEMA_INVALID", errText(parsed.error));
          out.rejected.push(r.seq);
          continue;
        }
        try {
          await runHandler(tx, peerId, r, parsed.data, ctx, true);
          out.applied.push(r.seq);
          appliedIds.push(r.msgId);
        } catch (e) {
          if (e instanceof NotYetReadable) {
            // still beyond this release (what it carries, not its type): kept, saying why now
            await repo.inboxDeferredByHandler(tx, peerId, r.msgId, errText(e).slice(0, 500));
          } else if (e instanceof PermanentRejection) {
            await rejectHeld(tx, ctx, peerId, r, "HANDLER_REJECTED", e.code, errText(e));
            out.rejected.push(r.seq);
          } else {
            await repo.inboxFailed(tx, peerId, r.msgId, errText(e));
            out.failed.push(r.seq);
          }
        }
      }
      if (rows.length < WAITING_PAGE) break;
    }
    if (appliedIds.length) await repo.inboxApplied(tx, peerId, appliedIds, out.applied, clock.now());
    if (out.applied.length || out.rejected.length || out.failed.length) {
      await audit.record(tx, ctx, {
        action: "federation.inbox.deferredApplied",
        targetType: "peer",
        targetId: peerId,
        outcome: out.failed.length || out.rejected.length ? "failure" : "success",
        details: { applied: out.applied, rejected: out.rejected, failed: out.failed },
      });
    }
    return out;
  }

  /**
   * Worker duty once a process has started (a new release registers its handlers at start): applies every
   * peer's deferred messages that this release reads. Each peer in its own transaction under its row lock, so
   * processes starting together apply each message once. Returns how many were applied.
   */
  async function applyDeferred(): Promise<number> {
    let n = 0;
    for (const peerId of await repo.peersWithDeferred(db)) {
      await inTransaction(db, async (tx) => {
        if (!(await repo.lockPeer(tx, peerId))) return;
        const ctx: Ctx = { actor: peerActor(peerId), ip: null, requestId: null };
        n += (await applyDeferredIn(tx, peerId, ctx)).applied.length;
      });
    }
    return n;
  }

  /**
   * Rejects a held message for good: its sequence number is consumed (the link behind it moves on), the reason
   * is kept on the row and audited, and the sender is told by a `federation.rejected` message.
   */
  async function rejectHeld(
    tx: Tx,
    ctx: Ctx,
    peerId: string,
    r: InboxRow,
    reason: "HANDLER_REJECTED" | "SKIPPED_BY_OPERATOR",
    code: string,
    detail: string,
  ): Promise<void> {
    await repo.inboxRejected(tx, peerId, r.msgId, reason, `${code}: ${detail}`.slice(0, 500));
    await audit.record(tx, ctx, {
      action: "federation.inbox.rejected",
      targetType: "envelope",
      targetId: r.msgId,
      outcome: "rejected",
      details: { peer: peerId, seq: r.seq, type: r.type, reason, code, detail },
    });
    await parts.outbox.enqueue(tx, ctx, {
      peerId,
      type: "federation.rejected",
      payload: { msgId: r.msgId, seq: r.seq, code, detail: detail.slice(0, 500) },
    });
  }

  return { notYetReadable, applyReady, applyDeferredIn, applyDeferred, rejectHeld };
}

export type InboxApplier = ReturnType<typeof createInboxApplier>;
