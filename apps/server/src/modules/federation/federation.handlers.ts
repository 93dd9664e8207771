import {
  KeysPayload,
  NoticePayload,
  PingPayload,
  PongPayload,
  RejectedPayload,
  ResequencedPayload,
  VoidPayload,
} from "@crossline/schemas";
import type { Clock } from "../../lib/clock.js";
import { RELEASE } from "../../lib/release.js";
import type { AuditService } from "../audit/audit.service.js";
import { rejectedByPeerReason } from "./federation.codes.js";
import * as repo from "./federation.repo.js";
import { defineHandler, type FederationPort, type MessageHandler } from "./federation.types.js";

/**
 * The message types of the transport itself:
 * - federation.ping / federation.pong: the hotline test; a ping is answered automatically, the pong records the
 *   round-trip time.
 * - federation.keys: a peer announces its live public keys (key rotation).
 * - federation.void: a cancelled message's tombstone, so its sequence number is not a gap.
 * - federation.notice: a short operational notice between node administrators, optionally with an attachment.
 * - federation.rejected: the peer refused one of our messages for good after accepting it (audited here, and
 *   passed to the `rejected` hook of the handler of its type, so the domain that sent it learns it).
 * - federation.resequenced: the peer renumbered its pending messages after a sequence conflict (audited).
 */
export function registerTransportHandlers(
  fed: FederationPort & { handlerOf(type: string): MessageHandler | undefined },
  deps: { clock: Clock; audit: AuditService },
) {
  const { clock, audit } = deps;
  fed.registerHandler(
    defineHandler("federation.ping", PingPayload, async (tx, msg, ctx) => {
      if (msg.payload.release) await repo.updatePeer(tx, msg.peerId, { release: msg.payload.release });
      await fed.enqueue(tx, ctx, {
        peerId: msg.peerId,
        type: "federation.pong",
        payload: { pingId: msg.payload.pingId, pingSentAt: msg.payload.sentAt, release: RELEASE },
        inReplyTo: msg.msgId,
      });
    }),
  );
  fed.registerHandler(
    defineHandler("federation.pong", PongPayload, async (tx, msg) => {
      const rttMs = await repo.answerPing(tx, msg.peerId, msg.payload.pingId, clock.now());
      if (rttMs === null) return; // not ours, or answered already: nothing to record
      await repo.updatePeer(tx, msg.peerId, {
        pingRttMs: rttMs,
        ...(msg.payload.release ? { release: msg.payload.release } : {}),
      });
    }),
  );
  fed.registerHandler(
    defineHandler("federation.keys", KeysPayload, async (tx, msg, ctx) => {
      const p = await repo.findPeer(tx, msg.peerId);
      const before = p?.publicKeys.map((k) => k.kid) ?? [];
      await repo.updatePeer(tx, msg.peerId, { publicKeys: msg.payload.publicKeys });
      await audit.record(tx, ctx, {
        action: "federation.peer.keys",
        targetType: "peer",
        targetId: msg.peerId,
        details: { before, after: msg.payload.publicKeys.map((k) => `${k.kid} (${k.use}, ${k.status})`) },
      });
    }),
  );
  fed.registerHandler(
    defineHandler("federation.void", VoidPayload, async () => {
      // A tombstone: it only fills its sequence number.
    }),
  );
  fed.registerHandler(
    defineHandler("federation.notice", NoticePayload, async () => {
      // Kept in the inbox (listed on the Peers page); nothing else changes.
    }),
  );
  fed.registerHandler(
    defineHandler("federation.resequenced", ResequencedPayload, async (tx, msg, ctx) => {
      // The peer's operator renumbered its messages after a sequence conflict: audited here too.
      await audit.record(tx, ctx, {
        action: "federation.peer.resequenced",
        targetType: "peer",
        targetId: msg.peerId,
        details: { ...msg.payload, seq: msg.seq },
      });
    }),
  );
  fed.registerHandler(
    defineHandler("federation.rejected", RejectedPayload, async (tx, msg, ctx) => {
      // The peer refused for good a message of ours it had accepted (its handler, or its operator skipped it).
      const { msgId, seq, code, detail } = msg.payload;
      const reason = rejectedByPeerReason(code);
      const sent = await repo.markRejectedByPeer(
        tx,
        msg.peerId,
        msgId,
        reason,
        `${code}: ${detail}`.slice(0, 500),
      );
      await audit.record(tx, ctx, {
        action: "federation.outbox.rejected",
        targetType: "envelope",
        targetId: msgId,
        outcome: "rejected",
        details: { peer: msg.peerId, seq, reason, code, detail, found: sent !== undefined },
      });
      // The domain that sent it learns it too (a shared object's holder that never took the copy, …).
      const handler = sent && fed.handlerOf(sent.type);
      if (!sent || !handler?.rejected) return;
      const parsed = handler.schema.safeParse(sent.payload);
      if (!parsed.success) return;
      await handler.rejected(
        tx,
        { peerId: msg.peerId, msgId, type: sent.type, payload: parsed.data, reason, code, detail },
        ctx,
      );
    }),
  );
}
