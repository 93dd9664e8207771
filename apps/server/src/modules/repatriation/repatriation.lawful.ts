import { can } from "../../lib/actor.js";
import type { LawfulKindDef } from "../lawful/lawful.types.js";
import { repatriationRepo as repo } from "./repatriation.repo.js";

const ERASED = "[erased]";

/**
 * Repatriation cases as a kind of record holding personal data (the lawful module): the retention runs from
 * the arrival or the unverified answer; at its end the case is anonymised — the person's names, birth date and
 * whereabouts, the grounds, places and escorts go; what the monthly figures count (outcomes, dates, deadlines)
 * stays. A shared case's copy at the peer follows the shared object's own retention.
 */
export function repatriationLawfulKind(): LawfulKindDef {
  return {
    kind: "repatriation_case",
    personRecordType: "repatriation",
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
        content: {
          ...r.content,
          person: { names: [{ original: ERASED }], nationality: r.content.person.nationality },
          steps: r.content.steps.map((s) => ({
            ...s,
            note: null,
            grounds: s.grounds ? { lang: "en", text: ERASED } : null,
            ...(s.document ? { document: { ...s.document, number: ERASED } } : {}),
            ...(s.from ? { from: ERASED } : {}),
            ...(s.to ? { to: ERASED } : {}),
            ...(s.escorts ? { escorts: [] } : {}),
            ...(s.place ? { place: ERASED } : {}),
            ...(s.receivedBy ? { receivedBy: ERASED } : {}),
          })),
        },
      });
      return { action, anonymised: true };
    },
  };
}
