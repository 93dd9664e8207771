import { and, eq, inArray, sql } from "drizzle-orm";
import { uuidv7 } from "../../crypto/ids.js";
import type { PublicKeyJwk } from "../../crypto/keys.js";
import { afterCommit, rowsOf, type Tx } from "../../db/client.js";
import { outbox, peers } from "../../db/schema/index.js";
import type { Ctx } from "../../lib/actor.js";
import { AppError, notFound } from "../../lib/errors.js";
import { type FedContext, MAX_TYPE_LEN, TYPE_RE } from "./federation.context.js";
import type { EnqueuedMessage, MessageHandler, OutgoingMessage } from "./federation.types.js";

/**
 * The sending half of the port other domains use: messages are queued in the caller's transaction (the
 * transactional outbox), each with the next per-peer sequence number; the delivery worker sends them.
 */
export function createOutbox(c: FedContext) {
  const { config, clock, handlers } = c;

  async function enqueue(tx: Tx, ctx: Ctx, msg: OutgoingMessage): Promise<EnqueuedMessage> {
    const [m] = await enqueueMany(tx, ctx, [msg]);
    return m;
  }

  /**
   * Queues several envelopes in the caller's transaction with three statements whatever their number (one
   * sequence-number reservation per peer, one insert): what a producer with many messages should use.
   */
  async function enqueueMany(tx: Tx, ctx: Ctx, msgs: OutgoingMessage[]): Promise<EnqueuedMessage[]> {
    void ctx;
    const byPeer = new Map<string, number>();
    for (const msg of msgs) {
      if (typeof msg.type !== "string" || msg.type.length > MAX_TYPE_LEN || !TYPE_RE.test(msg.type)) {
        throw new AppError("VALIDATION_FAILED", [
          { field: "type", issue: "a dotted lower-case message type" },
        ]);
      }
      if (JSON.stringify(msg.payload ?? null).length > config.fedMaxEnvelopeBytes / 2) {
        throw new AppError("PAYLOAD_TOO_LARGE", [
          { issue: "the message payload is too large for an envelope" },
        ]);
      }
      byPeer.set(msg.peerId, (byPeer.get(msg.peerId) ?? 0) + 1);
    }
    // Reserve seq numbers: the seq row lock orders enqueuers of one peer across every process until commit.
    const next = new Map<string, number>();
    for (const [peerId, n] of byPeer) {
      const rows = rowsOf<{ seq: string | number }>(
        await tx.execute(sql`update fed_out_seq s set seq = s.seq + ${n} from fed_peers p
          where s.peer_id = ${peerId} and p.id = s.peer_id and p.state in ('active', 'suspended')
          returning s.seq`),
      );
      if (!rows.length) {
        const [p] = await tx.select().from(peers).where(eq(peers.id, peerId));
        if (!p) throw notFound("peer");
        throw new AppError("CONFLICT", [
          { issue: `peer ${peerId} is ${p.state}: nothing can be sent to it` },
        ]);
      }
      next.set(peerId, Number(rows[0].seq) - n + 1);
    }
    const now = clock.now();
    const out: EnqueuedMessage[] = [];
    const values = msgs.map((msg) => {
      const seq = next.get(msg.peerId) as number;
      next.set(msg.peerId, seq + 1);
      const msgId = uuidv7();
      out.push({ msgId, seq });
      return {
        msgId,
        peerId: msg.peerId,
        seq,
        type: msg.type,
        schemaVersion: msg.schemaVersion ?? 1,
        payload: msg.payload ?? null,
        conversation: msg.conversation ?? null,
        inReplyTo: msg.inReplyTo ?? null,
        attachments: msg.attachments ?? null,
        createdAt: now,
      };
    });
    if (values.length) {
      await tx.insert(outbox).values(values);
      // Wake this process's workers as soon as the rows are visible: right after the commit when the
      // transaction came from `inTransaction`, else now (the worker then looks again a few times shortly).
      if (!afterCommit(tx, () => c.nudge(true))) c.nudge(false);
    }
    return out;
  }

  function registerHandler(handler: MessageHandler): void {
    if (handlers.has(handler.type)) throw new Error(`a handler for ${handler.type} is already registered`);
    handlers.set(handler.type, handler);
  }

  /** Cancels everything still waiting for the peer (it is revoked); returns how many. */
  async function cancelAllPending(tx: Tx, peerId: string, by: string): Promise<number> {
    const r = await tx
      .update(outbox)
      .set({ status: "cancelled", cancelledAt: clock.now(), cancelledBy: by, leaseUntil: null })
      .where(and(eq(outbox.peerId, peerId), eq(outbox.status, "pending")))
      .returning({ msgId: outbox.msgId });
    return r.length;
  }

  /** Queues this node's live public keys to every active or suspended peer (key rotation); returns their ids. */
  async function announceKeys(
    tx: Tx,
    ctx: Ctx,
    publicKeys: (PublicKeyJwk & { status: "active" | "retiring" })[],
  ): Promise<string[]> {
    const targets = await tx
      .select({ id: peers.id })
      .from(peers)
      .where(inArray(peers.state, ["active", "suspended"]));
    for (const t of targets)
      await enqueue(tx, ctx, { peerId: t.id, type: "federation.keys", payload: { publicKeys } });
    return targets.map((t) => t.id);
  }

  /** The active peers a key announcement still waits for (one id per waiting message). */
  async function keysAwaitingDelivery(tx: Tx): Promise<string[]> {
    const waiting = await tx
      .select({ peerId: outbox.peerId })
      .from(outbox)
      .innerJoin(peers, eq(peers.id, outbox.peerId))
      .where(
        and(eq(outbox.type, "federation.keys"), eq(outbox.status, "pending"), eq(peers.state, "active")),
      );
    return waiting.map((w) => w.peerId);
  }

  return { enqueue, enqueueMany, registerHandler, cancelAllPending, announceKeys, keysAwaitingDelivery };
}

export type Outbox = ReturnType<typeof createOutbox>;
