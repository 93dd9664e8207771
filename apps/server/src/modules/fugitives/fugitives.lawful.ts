import type { Tx } from "../../db/client.js";
import { can } from "../../lib/actor.js";
import { recordKeys } from "../../lib/name-keys.js";
import type { LawfulKindDef } from "../lawful/lawful.types.js";
import { ERASED, type FilesErased } from "./fugitives.erasure.js";
import { fugitivesRepo as repo } from "./fugitives.repo.js";

/**
 * Fugitive records as a kind of record holding personal data (the lawful module): the retention runs from the
 * return or the closing; at its end the record is anonymised — names, documents, places and texts go, what the
 * statistics count (status, the return's method and date, nationalities) stays; the photos and the evidence
 * files of the peers' reports go, bytes included, and the reports' place and text (`eraseFiles`: the fugitives
 * service's, through federation's blob port).
 */
export function fugitiveLawfulKind(
  eraseFiles: (tx: Tx, fugitiveId: string) => Promise<FilesErased>,
): LawfulKindDef {
  return {
    kind: "fugitive_entry",
    personRecordType: "fugitive",
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
        fields: {
          names: [{ original: ERASED }],
          aliases: [],
          nationalities: r.fields.nationalities,
          documents: [],
          whereabouts: [],
          charges: r.fields.charges.map((ch) => ({ law: ch.law, article: ch.article })),
          warrants: [],
          notices: [],
          caseIds: [],
          requestIds: [],
        },
        nameSearch: "",
        returned: r.returned
          ? { ...r.returned, place: ERASED, escorts: [], documents: [], note: undefined }
          : null,
      });
      // The photos and the reports' evidence files go too, rows and bytes, and the reports' texts.
      const files = await eraseFiles(tx, id);
      // The old names' keys go with them (the keys of "[erased]" stay, as a start-up indexing would make them).
      await repo.setNameKeys(tx, id, recordKeys([{ original: ERASED }]));
      return { action, anonymised: true, files };
    },
  };
}
