import { uuidv7 } from "../../src/crypto/ids.js";
import { afterCommit, type Db, inTransaction } from "../../src/db/client.js";
import { makeActor } from "../../src/lib/actor.js";
import { maxPayloadBytes, payloadTooLarge } from "../../src/modules/federation/federation.outbox.js";
import {
  type FederationPort,
  type IncomingMessage,
  type MessageHandler,
  NotYetReadable,
  PermanentRejection,
} from "../../src/modules/federation/federation.types.js";

interface Queued {
  to: string;
  msg: IncomingMessage;
}

/**
 * In-process stand-in for the federation transport, for tests of the domains riding on it: each node
 * gets a port; `flush()` delivers queued messages in per-peer order, validating payloads with the
 * handler's schema and applying them in a transaction of the receiving node, as the real inbox does. As the
 * real inbox does too, a message of a type the receiver has no handler for, or one its handler finds it cannot
 * read yet (`NotYetReadable`), is kept (`deferred`) until `applyDeferred()` after the "upgrade"; a
 * `PermanentRejection` is recorded in `rejected` with its code.
 */

/** The default fedMaxEnvelopeBytes (config.ts). */
const HUB_MAX_ENVELOPE_BYTES = 256 * 1024;
export class FederationHub {
  private nodes = new Map<string, { db: Db | null; handlers: Map<string, MessageHandler> }>();
  private queue: Queued[] = [];
  private seqs = new Map<string, number>();
  /** Every message delivered, for assertions. */
  readonly delivered: {
    from: string;
    to: string;
    type: string;
    payload: unknown;
    attachments?: IncomingMessage["attachments"];
  }[] = [];
  readonly rejected: { from: string; to: string; type: string; reason: string }[] = [];
  /** The largest payload (UTF-8 JSON bytes) a message may carry, as the outbox allows with default settings. */
  readonly maxPayloadBytes = maxPayloadBytes(HUB_MAX_ENVELOPE_BYTES);
  /** Messages kept unread, as the real inbox keeps them (docs/decisions/0006), with why. */
  readonly deferred: (Queued & { cause: string })[] = [];
  /** Links that are down: messages wait in the queue (store and forward). */
  readonly down = new Set<string>();

  port(nodeId: string): FederationPort {
    const entry = { db: null as Db | null, handlers: new Map<string, MessageHandler>() };
    this.nodes.set(nodeId, entry);
    return {
      enqueue: async (tx, _ctx, m) => {
        // The real outbox's rule with the default fedMaxEnvelopeBytes, so a domain cannot rely on more.
        const tooLarge = payloadTooLarge(m.payload, HUB_MAX_ENVELOPE_BYTES);
        if (tooLarge) throw tooLarge;
        const key = `${nodeId}>${m.peerId}`;
        const seq = (this.seqs.get(key) ?? 0) + 1;
        this.seqs.set(key, seq);
        const msgId = uuidv7();
        const queued: Queued = {
          to: m.peerId,
          msg: {
            msgId,
            peerId: nodeId,
            seq,
            type: m.type,
            schemaVersion: m.schemaVersion ?? 1,
            created: new Date().toISOString(),
            conversation: m.conversation,
            inReplyTo: m.inReplyTo,
            attachments: m.attachments,
            // What crosses the wire is JSON.
            payload: JSON.parse(JSON.stringify(m.payload)),
          },
        };
        // Like the real outbox row, the message exists only if the enqueuing transaction commits: a rolled-back
        // one must never be delivered. A transaction not opened by inTransaction has no hook: queue at once.
        if (!afterCommit(tx, () => this.queue.push(queued))) this.queue.push(queued);
        return { msgId, seq };
      },
      registerHandler: (h) => {
        entry.handlers.set(h.type, h);
      },
    };
  }

  attach(nodeId: string, db: Db) {
    const entry = this.nodes.get(nodeId);
    if (!entry) throw new Error(`no port for ${nodeId}`);
    entry.db = db;
  }

  pending(): number {
    return this.queue.length;
  }

  /** Delivers until nothing is left to deliver (messages caused by deliveries included). */
  async flush(): Promise<number> {
    let n = 0;
    for (;;) {
      const i = this.queue.findIndex((q) => !this.down.has(`${q.msg.peerId}>${q.to}`));
      if (i < 0) return n;
      const [q] = this.queue.splice(i, 1);
      const target = this.nodes.get(q.to);
      const handler = target?.handlers.get(q.msg.type);
      if (!target?.db) {
        this.rejected.push({ from: q.msg.peerId, to: q.to, type: q.msg.type, reason: "UNKNOWN_RECIPIENT" });
        continue;
      }
      if (!handler) {
        this.deferred.push({ ...q, cause: "UNKNOWN_TYPE" });
        continue;
      }
      const parsed = handler.schema.safeParse(q.msg.payload);
      if (!parsed.success) {
        this.rejected.push({ from: q.msg.peerId, to: q.to, type: q.msg.type, reason: parsed.error.message });
        continue;
      }
      const ctx = {
        actor: makeActor({
          type: "peer",
          id: q.msg.peerId,
          label: `peer:${q.msg.peerId}`,
          userId: null,
          unitId: null,
          agencyId: null,
          roles: [],
        }),
        ip: null,
        requestId: q.msg.msgId,
      };
      const db = target.db;
      try {
        await inTransaction(db, (tx) => handler.apply(tx, { ...q.msg, payload: parsed.data }, ctx));
      } catch (e) {
        if (e instanceof NotYetReadable) {
          this.deferred.push({ ...q, cause: e.message });
          continue;
        }
        if (!(e instanceof PermanentRejection)) throw e;
        this.rejected.push({ from: q.msg.peerId, to: q.to, type: q.msg.type, reason: e.code });
        continue;
      }
      this.delivered.push({
        from: q.msg.peerId,
        to: q.to,
        type: q.msg.type,
        payload: q.msg.payload,
        attachments: q.msg.attachments,
      });
      n++;
    }
  }

  /** After an "upgrade" (a handler or a shared type registered): delivers again what was kept; how many. */
  async applyDeferred(): Promise<number> {
    this.queue.unshift(...this.deferred.splice(0).map(({ cause: _, ...q }) => q));
    return this.flush();
  }
}

/** A clock tests move by hand. */
export class TestClock {
  constructor(public t: number) {}
  now = () => new Date(this.t);
  advance(ms: number) {
    this.t += ms;
  }
  set(iso: string) {
    this.t = Date.parse(iso);
  }
}
