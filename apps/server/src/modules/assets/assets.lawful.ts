import { can } from "../../lib/actor.js";
import type { LawfulKindDef } from "../lawful/lawful.types.js";
import { assetsRepo as repo } from "./assets.repo.js";

const ERASED = "[erased]";

/**
 * Assets as a kind of record holding personal data (the lawful module): the retention runs from the return or
 * the release; at its end the record is anonymised — the holder, the location and the description go; what the
 * totals count (kind, jurisdiction, currency, amounts, stages) stays.
 */
export function assetLawfulKind(): LawfulKindDef {
  return {
    kind: "asset",
    permissions: { read: "fugitives:read", flag: "fugitives:write" },
    async describe(dbx, ids) {
      const rows = await repo.byIds(dbx, ids);
      return new Map(rows.map((r) => [r.id, { title: r.reference, ownerUnitId: r.unitId }]));
    },
    async visible(dbx, ctx, id) {
      if (!can(ctx.actor, "fugitives:read")) return false;
      const [r] = await repo.byIds(dbx, [id]);
      return !!r && ctx.actor.unitId !== null && r.unitId === ctx.actor.unitId;
    },
    async retentionStart(dbx, ids) {
      const rows = await repo.byIds(dbx, ids);
      return new Map(rows.map((r) => [r.id, r.closedAt ?? null]));
    },
    async erase(tx, _ctx, id, action) {
      const r = await repo.lock(tx, id);
      if (!r) return { action, missing: true };
      await repo.update(tx, id, {
        holder: null,
        location: null,
        description: { lang: r.description.lang, text: ERASED },
      });
      return { action, anonymised: true };
    },
  };
}
