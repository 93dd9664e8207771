import { can } from "../../lib/actor.js";
import type { LawfulKindDef } from "../lawful/lawful.types.js";
import { sharedObjectsRepo as repo } from "./shared-objects.repo.js";
import type { SharedObjectsService } from "./shared-objects.service.js";

/**
 * Shared objects as a kind of record holding personal data (the lawful module). Their retention end is set by
 * the personal-data hook `retentionEnd` and kept in shared_objects.retain_until; when it passes, the object is
 * due for deletion: this node's own object is withdrawn (the tombstone deletes the copies at the peers), a
 * received copy loses its content here. Owners may flag their objects before sharing them further; a copy
 * received can be refused on lawful grounds, back to the peer it came from.
 */
export function sharedObjectLawfulKind(
  service: Pick<SharedObjectsService, "eraseForRetention">,
): LawfulKindDef {
  return {
    kind: "shared_object",
    permissions: { read: "sharing:read", flag: "sharing:write", refuse: "sharing:write" },
    async describe(dbx, ids) {
      const rows = await repo.findMany(dbx, ids);
      return new Map(
        rows.map((r) => [r.id, { title: `${r.type} ${r.id} (${r.ownerNode})`, ownerUnitId: r.unitId }]),
      );
    },
    async visible(dbx, ctx, id) {
      if (!can(ctx.actor, "sharing:read")) return false;
      const [r] = await repo.findMany(dbx, [id]);
      return !!r && ctx.actor.unitId !== null && r.unitId === ctx.actor.unitId;
    },
    async listDue(dbx, at, limit, _policy, only) {
      const rows = await repo.dueForRetention(dbx, at, limit, only);
      return rows.map((r) => ({ recordId: r.id, dueAt: r.retainUntil as Date }));
    },
    // Taken before the lawful module checks that the object is due: a change of its retention end committed
    // meanwhile is seen by that check, one started meanwhile waits for the erasure.
    async lock(tx, id) {
      await repo.lock(tx, id);
    },
    erase: (tx, ctx, id) => service.eraseForRetention(tx, ctx, id),
    async senderOf(dbx, id) {
      const [r] = await repo.findMany(dbx, [id]);
      return r?.direction === "received" ? r.sourceNode : null;
    },
    async sentTo(dbx, id, peerId) {
      const holders = await repo.holders(dbx, [id]);
      return holders.some((h) => h.peerId === peerId);
    },
  };
}
