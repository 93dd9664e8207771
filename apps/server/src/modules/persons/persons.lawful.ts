import type { DbOrTx } from "../../db/client.js";
import { type Ctx, can } from "../../lib/actor.js";
import { AppError } from "../../lib/errors.js";
import { recordKeys } from "../../lib/name-keys.js";
import { addYears } from "../lawful/lawful.service.js";
import type { LawfulKindDef } from "../lawful/lawful.types.js";
import { type PersonRow, personsRepo as repo } from "./persons.repo.js";

/** What replaces the names of an anonymised person record. */
export const ERASED = "[erased]";

export const ERASED_ISSUE = "the person's record is erased: it cannot be linked or changed";

/** A person whose data was erased at the end of its retention (anonymised: the row stays for statistics). */
export const erasedError = (field?: string) =>
  new AppError("CONFLICT", [{ ...(field ? { field } : {}), issue: ERASED_ISSUE }]);

const mainName = (p: PersonRow) =>
  [p.names[0]?.original, p.names[0]?.romanised].filter(Boolean).join(" · ") || p.id;

/**
 * Person records as a kind of record holding personal data (the lawful module). A person is kept as long as a
 * record names them: when the last record naming them is erased (its kind declares `personRecordType`, and the
 * lawful module drops its links) or stops naming them, the person's own retention starts (`unlinked_at`), and
 * at its end — the node's policy for `person`, by default one year — the person is due for erasure on the
 * retention dashboard. Erasure deletes the row (or, with `anonymise`, keeps only what statistics count: the
 * nationalities and sex, under an erased name), with the earlier versions, the name keys and the records merged
 * into it; the access log keeps its rows, which hold only ids.
 */
export function personLawfulKind(deps: {
  visible: (dbx: DbOrTx, ctx: Ctx, r: PersonRow | undefined) => Promise<PersonRow>;
  now: () => Date;
}): LawfulKindDef {
  return {
    kind: "person",
    permissions: { read: "persons:read", flag: "persons:rectify" },
    async describe(dbx, ids) {
      const rows = await repo.findMany(dbx, ids);
      return new Map(rows.map((p) => [p.id, { title: mainName(p), ownerUnitId: p.ownerUnitId }]));
    },
    async visible(dbx, ctx, id) {
      if (!can(ctx.actor, "persons:read")) return false;
      return deps
        .visible(dbx, ctx, await repo.find(dbx, id))
        .then(() => true)
        .catch(() => false);
    },
    async listDue(dbx, at, limit, policy, only) {
      // Unlinked on or before `at` less the retention years: addYears(unlinkedAt, years) <= at.
      const before = addYears(at, -policy.retentionYears);
      const rows = await repo.unlinkedBefore(dbx, before, limit, only);
      return rows.map((p) => ({
        recordId: p.id,
        dueAt: addYears(p.unlinkedAt as Date, policy.retentionYears),
      }));
    },
    // Taken before the lawful module checks that the person is due: a link committed meanwhile (it clears
    // unlinked_at) is seen by that check, and a link or a change started meanwhile waits for this lock and
    // then finds the person erased (service.link, rectify, restrict, merge).
    async lock(tx, id) {
      await repo.lock(tx, id);
    },
    async erase(tx, _ctx, id, action) {
      const p = await repo.lock(tx, id);
      if (!p) return { action, missing: true };
      // Never a person a record names or one already erased, whoever asks (the lawful module's check under the
      // lock above says the same through unlinked_at; this is the persons module's own rule).
      if (p.erasedAt) throw erasedError();
      if ((await repo.linksOf(tx, id)).length)
        throw new AppError("CONFLICT", [{ issue: "a record names the person: not due for erasure" }]);
      const merged = await repo.erase(tx, id, action, ERASED, deps.now());
      // An anonymised record keeps the keys of its erased name, as a start-up indexing would make them.
      if (action === "anonymise") await repo.setNameKeys(tx, id, recordKeys([{ original: ERASED }]));
      return { action, ...(action === "delete" ? { deleted: true } : { anonymised: true }), merged };
    },
  };
}
