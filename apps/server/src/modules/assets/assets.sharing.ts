import type { AssetContent, AssetDetail, Marking, ReceivedAssetView } from "@crossline/schemas";
import { inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError } from "../../lib/errors.js";
import type { ReceivedCopy } from "../shared-objects/shared-objects.types.js";
import type { AssetsContext } from "./assets.context.js";
import { type AssetRow, assetsRepo as repo } from "./assets.repo.js";
import { ASSET_TYPE } from "./assets.shared.js";

/**
 * Assets shared with peers like fugitive list entries: one shared object of type `asset` per asset (the one
 * mechanism: versions, markings, exactly-once updates, tombstones). Every change to a shared asset (its record,
 * a new stage) is the object's next version in the change's transaction; withdrawing the sharing sends the
 * tombstone. The receiver projects each copy into asset_copies (read-only, the owner's version).
 */
export function createAssetSharing(c: AssetsContext) {
  const { deps, db } = c;
  const { clock, audit } = deps;
  const so = deps.sharedObjects.domainPort;

  /** What a peer learns of an asset: no case links, the fugitives by their references. */
  async function contentOf(tx: Tx, r: AssetRow): Promise<AssetContent> {
    const stages = await repo.stages(tx, r.id);
    return {
      reference: r.reference,
      kind: r.kind,
      description: r.description,
      ...(r.location ? { location: r.location } : {}),
      jurisdiction: r.jurisdiction,
      ...(r.holder ? { holder: r.holder } : {}),
      currency: r.currency,
      ...(r.valueMinor !== null ? { valueMinor: r.valueMinor } : {}),
      stage: r.stage,
      stages: stages.map((s) => ({
        stage: s.stage,
        date: s.date,
        authority: s.authority,
        ...(s.orderReference ? { orderReference: s.orderReference } : {}),
        ...(s.amountMinor !== null ? { amountMinor: s.amountMinor } : {}),
      })),
      fugitiveReferences: await deps.fugitiveReferences(tx, r.fugitiveIds),
    };
  }

  /** After a change to an asset: the next version of its shared object, to every holder (same transaction). */
  async function sync(tx: Tx, ctx: Ctx, r: AssetRow) {
    if (!r.sharedObjectId || r.sharingWithdrawn) return;
    // The object's own state, read under its lock: one withdrawn without the asset knowing (through the
    // shared-objects API, or erased by the lawful module at the end of its retention) takes no next version,
    // and the asset's change is saved (it was refused: 409 "the object is withdrawn", for every later change).
    if ((await so.lockIn(tx, r.sharedObjectId)).state !== "active") return;
    await so.updateIn(tx, ctx, r.sharedObjectId, { content: await contentOf(tx, r) });
  }

  /** Whether the asset's shared object (if any) is still active, read under the object's lock (held to commit). */
  async function objectActive(tx: Tx, a: AssetRow) {
    return !a.sharedObjectId || (await so.lockIn(tx, a.sharedObjectId)).state === "active";
  }

  async function share(
    ctx: Ctx,
    id: string,
    body: { recipients: string[]; marking: Marking },
  ): Promise<AssetDetail> {
    requirePermission(ctx.actor, "fugitives:write");
    const row = await inTransaction(db, async (tx) => {
      const a = await c.lock(tx, ctx, id);
      // The object's own state, read under its lock (after the asset's, the order sync takes): withdrawn
      // through the shared-objects API or erased at the end of its retention, the asset does not know it, and
      // the share got the generic 409 "the object is withdrawn" instead of the asset's own answer.
      if (a.sharingWithdrawn || !(await objectActive(tx, a)))
        throw new AppError("CONFLICT", [{ issue: "the sharing of this asset was withdrawn: it is final" }]);
      const fresh = body.recipients.filter((p) => !a.recipients.includes(p));
      if (!fresh.length)
        throw new AppError("CONFLICT", [
          { field: "body.recipients", issue: "already shared with these peers" },
        ]);
      if (a.sharedObjectId && JSON.stringify(a.marking) !== JSON.stringify(body.marking))
        throw new AppError("CONFLICT", [
          { field: "body.marking", issue: "a shared asset keeps the marking it was shared under" },
        ]);
      // An asset flagged for legal review goes to no peer until a legal reviewer clears it.
      await deps.lawful.assertReleasable(tx, "asset", a.id);
      let sharedObjectId = a.sharedObjectId;
      if (sharedObjectId) await so.shareIn(tx, ctx, sharedObjectId, fresh);
      else
        sharedObjectId = await so.publishIn(tx, ctx, {
          type: ASSET_TYPE,
          unitId: a.unitId,
          marking: body.marking,
          content: await contentOf(tx, a),
          recipients: fresh,
        });
      const after = await repo.update(tx, a.id, {
        sharedObjectId,
        recipients: [...a.recipients, ...fresh],
        marking: body.marking,
      });
      await audit.record(tx, ctx, {
        action: "asset.share",
        targetType: "asset",
        targetId: a.id,
        details: { recipients: fresh, sharedObjectId, tlp: body.marking.tlp },
      });
      return after;
    });
    return c.detailOf(db, row);
  }

  /** Stops the sharing: the tombstone erases every peer's copy, once. Final (the object's id is spent). */
  async function withdraw(ctx: Ctx, id: string): Promise<AssetDetail> {
    requirePermission(ctx.actor, "fugitives:write");
    const row = await inTransaction(db, async (tx) => {
      const a = await c.lock(tx, ctx, id);
      if (!a.sharedObjectId || a.sharingWithdrawn || !(await objectActive(tx, a)))
        throw new AppError("CONFLICT", [{ issue: "the asset is not shared" }]);
      await so.withdrawIn(tx, ctx, a.sharedObjectId);
      const after = await repo.update(tx, a.id, { sharingWithdrawn: true });
      await audit.record(tx, ctx, {
        action: "asset.withdraw",
        targetType: "asset",
        targetId: a.id,
        details: { sharedObjectId: a.sharedObjectId, recipients: a.recipients },
      });
      return after;
    });
    return c.detailOf(db, row);
  }

  /** Projects a received `asset` into asset_copies (the shared-objects inbox calls this, in its transaction). */
  async function onReceived(tx: Tx, copy: ReceivedCopy) {
    const prev = await repo.findCopy(tx, copy.id);
    if (!copy.content && !prev) return; // a tombstone overtaking the copy: nothing to show
    await repo.upsertCopy(tx, {
      sharedObjectId: copy.id,
      ownerNode: copy.ownerNode,
      unitId: copy.unitId,
      version: copy.version,
      state: copy.state,
      content: copy.content,
      updatedAt: clock.now(),
    });
  }

  async function received(ctx: Ctx): Promise<{ items: ReceivedAssetView[] }> {
    requirePermission(ctx.actor, "fugitives:read");
    if (!ctx.actor.unitId) return { items: [] };
    const copies = await repo.copiesOfUnit(db, ctx.actor.unitId);
    await deps.accessLog.record(
      db,
      ctx,
      copies
        .filter((x) => x.content)
        .map((x) => ({
          action: "list" as const,
          recordType: "shared_object",
          recordId: x.sharedObjectId,
          recordUnitId: x.unitId,
        })),
    );
    return {
      items: copies.map((x) => ({
        sharedObjectId: x.sharedObjectId,
        ownerNode: x.ownerNode,
        version: x.version,
        state: x.state,
        content: (x.content as AssetContent | null) ?? null,
        updatedAt: x.updatedAt.toISOString(),
      })),
    };
  }

  /**
   * Assets returned in a period that concern a peer (the progress report before a round): this node's own shared
   * with it while their shared object is active (a sharing withdrawn from the asset's page, through the
   * shared-objects API or by the erasure at the end of its retention: the peer holds it no more), and the peer's
   * held here.
   */
  async function returnedWithPeer(peer: string, fromDay: string, toDay: string): Promise<string[]> {
    const { own, held } = await repo.returnedWithPeer(db, peer, fromDay, toDay);
    const active = await Promise.all(
      own.map(async (a) => (await so.stateOf(db, a.sharedObjectId)) === "active"),
    );
    return [...own.filter((_, i) => active[i]).map((a) => a.id), ...held].sort();
  }

  return { sync, share, withdraw, onReceived, received, returnedWithPeer };
}
