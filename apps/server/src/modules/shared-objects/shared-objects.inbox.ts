import {
  markingRefusal,
  SHARED_MSG,
  SharedPutPayload,
  SharedRefusedPayload,
  SharedWithdrawPayload,
  type ShareRefusal,
} from "@crossline/schemas";
import type { Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import { parseReceived } from "../../lib/received.js";
import {
  defineHandler as handler,
  type IncomingMessage,
  NotYetReadable,
  type RejectedByPeer,
} from "../federation/federation.types.js";
import { sharedObjectsRepo as repo } from "./shared-objects.repo.js";
import type { SharedObjectsDeps, SharedObjectsService } from "./shared-objects.service.js";

/**
 * The receiver's rules. Each message is applied exactly once, in per-peer order, in the inbox transaction.
 * A copy this node must not hold is not an error of the transport: the handler consumes the message, audits
 * the refusal and answers the sender with a signed `shared.object.refused` carrying the typed reason, so the
 * link never stalls behind it and the sender stops sending that object there.
 *
 * Versions, never clocks, decide: a version at or below the one held is ignored (idempotent), a higher one
 * replaces it, and nothing comes after a tombstone.
 */
export function registerSharedObjectHandlers(deps: SharedObjectsDeps, service: SharedObjectsService) {
  const { clock, audit, federation, nodeId, intakeUnitId, types } = deps;
  const { fanout, retainUntil } = service;

  async function refuse(
    tx: Tx,
    ctx: Ctx,
    msg: IncomingMessage<{ ownerNode: string; id: string; version: number }>,
    reason: ShareRefusal,
  ) {
    const p = msg.payload;
    await audit.record(tx, ctx, {
      action: "shared_object.refused",
      targetType: "shared_object",
      targetId: p.id,
      outcome: "rejected",
      details: { from: msg.peerId, ownerNode: p.ownerNode, version: p.version, type: msg.type, reason },
    });
    await fanout.send(tx, ctx, msg.peerId, SHARED_MSG.refused, {
      ownerNode: p.ownerNode,
      id: p.id,
      version: p.version,
      reason,
    });
  }

  /** The path must end with the sender and start with the owner, and must not pass through this node. */
  function pathRefusal(
    self: string,
    from: string,
    p: { ownerNode: string; path: string[] },
  ): ShareRefusal | null {
    if (p.path[0] !== p.ownerNode || p.path[p.path.length - 1] !== from) return "WRONG_SOURCE";
    if (p.ownerNode === self || p.path.includes(self) || new Set(p.path).size !== p.path.length)
      return "LOOP";
    return null;
  }

  async function applyPut(tx: Tx, msg: IncomingMessage<SharedPutPayload>, ctx: Ctx) {
    const p = msg.payload;
    const self = await nodeId(tx);
    const no = (reason: ShareRefusal) => refuse(tx, ctx, msg, reason);
    const pathIssue = pathRefusal(self, msg.peerId, p);
    if (pathIssue) return no(pathIssue);
    const def = types.get(p.type);
    // A type, or a version of one, that only a newer release declares: kept until this node runs one (the
    // inbox defers the message, docs/decisions/0006). An older version than this release's is refused.
    if (!def || p.typeVersion > def.version)
      throw new NotYetReadable(
        def
          ? `shared object type ${p.type} version ${p.typeVersion}: this node reads up to version ${def.version}`
          : `shared object type ${p.type}: not a type this node's release declares`,
      );
    if (def.version !== p.typeVersion) return no("UNKNOWN_OBJECT_TYPE");
    const onward = msg.peerId !== p.ownerNode;
    const markingIssue = markingRefusal(p.marking, { nodeId: self, onward });
    if (markingIssue) return no(markingIssue);
    // Fields a newer release of the owner added are left out of the copy and named in the audit (lib/received.ts).
    const parsed = parseReceived(def.schema, p.content);
    if (!parsed.success) return no("CONTENT_INVALID");
    const content = parsed.data;
    const ignored = parsed.ignored.length ? { ignoredFields: parsed.ignored } : {};
    const now = clock.now();
    const ownerUpdatedAt = new Date(p.ownerUpdatedAt);
    const row = await repo.lock(tx, p.id);
    if (!row) {
      const base = {
        id: p.id,
        ownerNode: p.ownerNode,
        type: p.type,
        typeVersion: p.typeVersion,
        direction: "received" as const,
        unitId: await intakeUnitId(tx),
        sourceNode: msg.peerId,
        path: [...p.path, self],
        version: p.version,
        state: "active" as const,
        marking: p.marking,
        content,
        ownerUpdatedAt,
        createdAt: now,
        updatedAt: now,
        withdrawnAt: null,
        createdBy: null,
      };
      await repo.insert(tx, { ...base, retainUntil: retainUntil(base, now) });
      await def.onReceived?.(tx, base, ctx);
      await audit.record(tx, ctx, {
        action: "shared_object.received",
        targetType: "shared_object",
        targetId: p.id,
        details: {
          from: msg.peerId,
          ownerNode: p.ownerNode,
          type: p.type,
          version: p.version,
          tlp: p.marking.tlp,
          ...ignored,
        },
      });
      return;
    }
    if (row.ownerNode !== p.ownerNode) return no("ID_CONFLICT");
    if (row.state === "withdrawn") {
      // An older version overtaken by the tombstone (it came another way) is simply late; a newer one is refused.
      if (p.version >= row.version) return no("AFTER_WITHDRAWAL");
      return;
    }
    // Updates come from where the copy came from, or from the owner itself; another node's copy is a duplicate.
    if (msg.peerId !== row.sourceNode && msg.peerId !== p.ownerNode) return no("ALREADY_HELD");
    if (p.version <= row.version) return; // seen already, or overtaken: idempotent
    const fromOwner = msg.peerId === p.ownerNode;
    const next = {
      ...row,
      typeVersion: p.typeVersion,
      version: p.version,
      marking: p.marking,
      content,
      ownerUpdatedAt,
      updatedAt: now,
      ...(fromOwner ? { sourceNode: p.ownerNode, path: [p.ownerNode, self] } : {}),
    };
    const updated = await repo.update(tx, p.id, {
      typeVersion: next.typeVersion,
      version: next.version,
      marking: next.marking,
      content,
      ownerUpdatedAt,
      updatedAt: now,
      sourceNode: next.sourceNode,
      path: next.path,
      retainUntil: retainUntil(next, now),
    });
    await def.onReceived?.(tx, updated, ctx);
    // Pass the new version on to the peers this node shared its copy with (each exactly once: only here).
    const unreachable = await fanout.sendVersion(tx, ctx, updated);
    await audit.record(tx, ctx, {
      action: "shared_object.received_version",
      targetType: "shared_object",
      targetId: p.id,
      details: {
        from: msg.peerId,
        version: p.version,
        previous: row.version,
        tlp: p.marking.tlp,
        ...(unreachable.length ? { unreachable } : {}),
        ...ignored,
      },
    });
  }
  const put = handler(SHARED_MSG.put, SharedPutPayload, applyPut, { rejected: putRejected });

  const withdraw = handler(SHARED_MSG.withdraw, SharedWithdrawPayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const self = await nodeId(tx);
    const pathIssue = pathRefusal(self, msg.peerId, p);
    if (pathIssue) return refuse(tx, ctx, msg, pathIssue);
    const now = clock.now();
    const row = await repo.lock(tx, p.id);
    if (!row) {
      // The tombstone overtook the copy (it came another way, or the copy was refused): keep the tombstone so
      // the copy, if it ever arrives, is recognised as withdrawn.
      await repo.insert(tx, {
        id: p.id,
        ownerNode: p.ownerNode,
        type: p.type,
        typeVersion: 1,
        direction: "received",
        unitId: await intakeUnitId(tx),
        sourceNode: msg.peerId,
        path: [...p.path, self],
        version: p.version,
        state: "withdrawn",
        marking: p.marking,
        content: null,
        ownerUpdatedAt: new Date(p.ownerWithdrawnAt),
        createdAt: now,
        updatedAt: now,
        withdrawnAt: now,
        retainUntil: null,
        createdBy: null,
      });
      await audit.record(tx, ctx, {
        action: "shared_object.received_withdrawal",
        targetType: "shared_object",
        targetId: p.id,
        details: {
          from: msg.peerId,
          ownerNode: p.ownerNode,
          version: p.version,
          cause: p.cause,
          held: false,
        },
      });
      return;
    }
    if (row.ownerNode !== p.ownerNode) return refuse(tx, ctx, msg, "ID_CONFLICT");
    if (msg.peerId !== row.sourceNode && msg.peerId !== p.ownerNode)
      return refuse(tx, ctx, msg, "WRONG_SOURCE");
    if (row.state === "withdrawn" || p.version <= row.version) return; // already gone, or a stale tombstone
    const tomb = await repo.update(tx, p.id, {
      version: p.version,
      state: "withdrawn",
      content: null,
      withdrawnAt: now,
      ownerUpdatedAt: new Date(p.ownerWithdrawnAt),
      updatedAt: now,
      retainUntil: null,
    });
    await types.get(tomb.type)?.onReceived?.(tx, tomb, ctx);
    // A tombstone travels on to wherever this node passed its copy: a deletion is never lost on the way.
    const unreachable = await fanout.sendTombstone(tx, ctx, tomb, p.cause);
    await audit.record(tx, ctx, {
      action: "shared_object.received_withdrawal",
      targetType: "shared_object",
      targetId: p.id,
      details: {
        from: msg.peerId,
        version: p.version,
        cause: p.cause,
        held: true,
        ...(unreachable.length ? { unreachable } : {}),
      },
    });
  });

  /**
   * A peer refused the copy this node sent it: no later version goes there (its tombstone still does, as the
   * peer may hold an earlier version). A refusal of a version older than the last one sent there changes
   * nothing (the later one may be taken), nor does one after the tombstone. Never answered, so refusals cannot
   * ping-pong.
   */
  async function refusedBy(
    tx: Tx,
    ctx: Ctx,
    peerId: string,
    p: { ownerNode: string; id: string; version: number },
    reason: ShareRefusal,
  ) {
    const row = await repo.lock(tx, p.id);
    const holder = row && (await repo.holders(tx, [p.id])).find((h) => h.peerId === peerId);
    // Nothing of ours (or not sent there): nothing to stop.
    if (!row || row.ownerNode !== p.ownerNode || !holder) return;
    const stops = holder.state === "active" && p.version >= holder.version;
    if (stops)
      await repo.setHolder(tx, p.id, peerId, { state: "refused", refusal: reason, updatedAt: clock.now() });
    await audit.record(tx, ctx, {
      action: "shared_object.refused_by_peer",
      targetType: "shared_object",
      targetId: p.id,
      outcome: "rejected",
      details: { peer: peerId, version: p.version, reason, ...(stops ? {} : { holder: holder.state }) },
    });
  }

  const refused = handler(SHARED_MSG.refused, SharedRefusedPayload, (tx, msg, ctx) =>
    refusedBy(tx, ctx, msg.peerId, msg.payload, msg.payload.reason),
  );

  /**
   * A copy the peer accepted, then rejected for good: its operator set aside a copy its release could not read
   * (docs/decisions/0006), or it failed there after an upgrade. The holder is marked as refusing it, as if the
   * peer had answered with `shared.object.refused`.
   */
  function putRejected(tx: Tx, r: RejectedByPeer<SharedPutPayload>, ctx: Ctx) {
    return refusedBy(
      tx,
      ctx,
      r.peerId,
      r.payload,
      r.reason === "SKIPPED_BY_OPERATOR" ? "SKIPPED_BY_OPERATOR" : "REJECTED_BY_PEER",
    );
  }

  for (const h of [put, withdraw, refused, ...service.proposalHandlers]) federation.registerHandler(h);
}
