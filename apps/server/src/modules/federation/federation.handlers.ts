import { KeysPayload, NoticePayload, PingPayload, PongPayload, VoidPayload } from "@crossline/schemas";
import { and, eq, isNull } from "drizzle-orm";
import { peers, pings } from "../../db/schema/index.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import { defineHandler, type FederationPort } from "./federation.types.js";

/**
 * The message types of the transport itself:
 * - federation.ping / federation.pong: the hotline test; a ping is answered automatically, the pong records the
 *   round-trip time.
 * - federation.keys: a peer announces its live public keys (key rotation).
 * - federation.void: a cancelled message's tombstone, so its sequence number is not a gap.
 * - federation.notice: a short operational notice between node administrators, optionally with an attachment.
 */
export function registerTransportHandlers(fed: FederationPort, deps: { clock: Clock; audit: AuditService }) {
  const { clock, audit } = deps;
  fed.registerHandler(
    defineHandler("federation.ping", PingPayload, async (tx, msg, ctx) => {
      await fed.enqueue(tx, ctx, {
        peerId: msg.peerId,
        type: "federation.pong",
        payload: { pingId: msg.payload.pingId, pingSentAt: msg.payload.sentAt },
        inReplyTo: msg.msgId,
      });
    }),
  );
  fed.registerHandler(
    defineHandler("federation.pong", PongPayload, async (tx, msg) => {
      const now = clock.now();
      const [p] = await tx
        .select()
        .from(pings)
        .where(and(eq(pings.id, msg.payload.pingId), eq(pings.peerId, msg.peerId), isNull(pings.answeredAt)));
      if (!p) return; // not ours, or answered already: nothing to record
      const rttMs = Math.max(0, now.getTime() - p.sentAt.getTime());
      await tx.update(pings).set({ answeredAt: now, rttMs }).where(eq(pings.id, p.id));
      await tx.update(peers).set({ pingRttMs: rttMs }).where(eq(peers.id, msg.peerId));
    }),
  );
  fed.registerHandler(
    defineHandler("federation.keys", KeysPayload, async (tx, msg, ctx) => {
      const [p] = await tx.select().from(peers).where(eq(peers.id, msg.peerId));
      const before = p.publicKeys.map((k) => k.kid);
      await tx.update(peers).set({ publicKeys: msg.payload.publicKeys }).where(eq(peers.id, msg.peerId));
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
}
