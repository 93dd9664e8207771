import { issue } from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import type { PublicKeyJwk } from "../../crypto/keys.js";
import { afterCommit, type Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import { AppError, notFound } from "../../lib/errors.js";
import { type FedContext, MAX_TYPE_LEN, OUTBOX_CHANNEL, TYPE_RE } from "./federation.context.js";
import * as repo from "./federation.repo.js";
import type { EnqueuedMessage, MessageHandler, OutgoingMessage } from "./federation.types.js";

/**
 * The most payload bytes (UTF-8 JSON) a message may carry: half the largest envelope, as signing, encryption
 * and base64 grow it on the way.
 */
export const maxPayloadBytes = (maxEnvelopeBytes: number) => Math.floor(maxEnvelopeBytes / 2);

/** PAYLOAD_TOO_LARGE naming the payload's size and the limit, in bytes; null when it fits. */
export function payloadTooLarge(payload: unknown, maxEnvelopeBytes: number): AppError | null {
  const size = Buffer.byteLength(JSON.stringify(payload ?? null), "utf8");
  const limit = maxPayloadBytes(maxEnvelopeBytes);
  if (size <= limit) return null;
  return new AppError("PAYLOAD_TOO_LARGE", [
    { field: "payload", ...issue("federation.payloadTooLarge", { size, limit }) },
  ]);
}

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
   * Queues several envelopes in the caller's transaction with one statement per peer whatever their number
   * (sequence numbers reserved and rows inserted at once: repo.enqueueToPeer): what a producer with many
   * messages should use.
   */
  async function enqueueMany(tx: Tx, ctx: Ctx, msgs: OutgoingMessage[]): Promise<EnqueuedMessage[]> {
    void ctx;
    const byPeer = new Map<string, number[]>();
    msgs.forEach((msg, i) => {
      if (typeof msg.type !== "string" || msg.type.length > MAX_TYPE_LEN || !TYPE_RE.test(msg.type)) {
        throw new AppError("VALIDATION_FAILED", [
          { field: "type", issue: "a dotted lower-case message type" },
        ]);
      }
      const tooLarge = payloadTooLarge(msg.payload, config.fedMaxEnvelopeBytes);
      if (tooLarge) throw tooLarge;
      byPeer.set(msg.peerId, [...(byPeer.get(msg.peerId) ?? []), i]);
    });
    const now = clock.now();
    const out: EnqueuedMessage[] = new Array(msgs.length);
    for (const [peerId, indexes] of byPeer) {
      const rows = indexes.map((i) => {
        const msg = msgs[i];
        return {
          msgId: uuidv7(),
          type: msg.type,
          schemaVersion: msg.schemaVersion ?? 1,
          payload: msg.payload ?? null,
          conversation: msg.conversation ?? null,
          inReplyTo: msg.inReplyTo ?? null,
          attachments: msg.attachments ?? null,
          createdAt: now,
        };
      });
      // On PostgreSQL the same statement NOTIFYs the outbox channel: every process's workers wake at commit.
      const first = await repo.enqueueToPeer(tx, peerId, rows, c.notifyOutbox ? OUTBOX_CHANNEL : undefined);
      if (first === null) {
        const p = await repo.findPeer(tx, peerId);
        if (!p) throw notFound("peer");
        throw new AppError("CONFLICT", [issue("peer.cannotSend", { node: peerId, state: p.state })]);
      }
      indexes.forEach((i, k) => {
        out[i] = { msgId: rows[k].msgId, seq: first + k };
      });
    }
    if (msgs.length) {
      // Wake this process's workers as soon as the rows are visible: right after the commit when the
      // transaction came from `inTransaction`, else now (the worker then looks again a few times shortly).
      // Not needed while this process LISTENs to the NOTIFY above: that wakes it at the commit too.
      if (!c.outboxListenLive() && !afterCommit(tx, () => c.nudge(true))) c.nudge(false);
    }
    return out;
  }

  function registerHandler(handler: MessageHandler): void {
    if (handlers.has(handler.type)) throw new Error(`a handler for ${handler.type} is already registered`);
    handlers.set(handler.type, handler);
  }

  /** Cancels everything still waiting for the peer (it is revoked); returns how many. */
  async function cancelAllPending(tx: Tx, peerId: string, by: string): Promise<number> {
    return repo.cancelPendingTo(tx, peerId, by, clock.now());
  }

  /** Queues this node's live public keys to every active or suspended peer (key rotation); returns their ids. */
  async function announceKeys(
    tx: Tx,
    ctx: Ctx,
    publicKeys: (PublicKeyJwk & { status: "active" | "retiring" })[],
  ): Promise<string[]> {
    const targets = await repo.peerIdsIn(tx, ["active", "suspended"]);
    for (const peerId of targets)
      await enqueue(tx, ctx, { peerId, type: "federation.keys", payload: { publicKeys } });
    return targets;
  }

  /** The active peers a key announcement still waits for (one id per waiting message). */
  function keysAwaitingDelivery(tx: Tx): Promise<string[]> {
    return repo.activePeersAwaiting(tx, "federation.keys");
  }

  return { enqueue, enqueueMany, registerHandler, cancelAllPending, announceKeys, keysAwaitingDelivery };
}

export type Outbox = ReturnType<typeof createOutbox>;
