import type { StoredFugitiveFields } from "@crossline/schemas";
import type { Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import { AppError } from "../../lib/errors.js";
import { recordKeys } from "../../lib/name-keys.js";
import type { Rectification } from "../persons/persons.port.js";
import type { FugitivesContext } from "./fugitives.context.js";
import type { createFugitiveLists } from "./fugitives.lists.js";
import { withRomanised } from "./fugitives.names.js";
import { fugitivesRepo as repo } from "./fugitives.repo.js";

/** The record's fields with the corrected ones of the person (only those the rectification changed). */
function corrected(before: StoredFugitiveFields, r: Rectification): StoredFugitiveFields {
  const has = (k: Rectification["changed"][number]) => r.changed.includes(k);
  const out: StoredFugitiveFields = { ...before };
  const issues: { field: string; issue: string }[] = [];
  if (has("names")) {
    const names = withRomanised(r.fields.names, "body.fields.names");
    issues.push(...names.issues);
    out.names = names.value;
  }
  if (has("aliases")) {
    const aliases = withRomanised(r.fields.aliases, "body.fields.aliases");
    issues.push(...aliases.issues);
    out.aliases = aliases.value;
  }
  if (issues.length) throw new AppError("VALIDATION_FAILED", issues);
  if (has("dateOfBirth")) {
    delete out.dateOfBirth;
    if (r.fields.dateOfBirth) out.dateOfBirth = r.fields.dateOfBirth;
  }
  if (has("sex")) {
    delete out.sex;
    if (r.fields.sex) out.sex = r.fields.sex;
  }
  if (has("nationalities")) out.nationalities = r.fields.nationalities;
  if (has("documents")) out.documents = r.fields.documents;
  return out;
}

/**
 * A rectified person reaches the fugitive records naming them (persons.port.ts `rectified`): the identity
 * fields of each record take the correction as its next version (the reason kept), and each published entry
 * of it goes to every peer holding it as the next version of the `fugitive.entry` shared object, in the
 * rectification's transaction. Whatever unit owns the record: the person's record is the one truth.
 */
export function createFugitiveRectification(
  c: FugitivesContext,
  lists: Pick<ReturnType<typeof createFugitiveLists>, "syncEntries">,
  searchText: (f: StoredFugitiveFields) => string,
) {
  const { clock, audit } = c.deps;

  return async function rectified(
    tx: Tx,
    ctx: Ctx,
    records: { recordId: string; ordinal: number }[],
    r: Rectification,
  ): Promise<number> {
    let changed = 0;
    for (const { recordId } of records) {
      const before = await repo.lock(tx, recordId);
      if (!before) continue;
      const fields = corrected(before.fields, r);
      if (JSON.stringify(fields) === JSON.stringify(before.fields)) continue;
      const now = clock.now();
      const after = await repo.update(tx, recordId, {
        fields,
        nameSearch: searchText(fields),
        version: before.version + 1,
        updatedAt: now,
      });
      await repo.setNameKeys(tx, recordId, recordKeys([...fields.names, ...fields.aliases]));
      const reason = `Rectification of the person record (version ${r.version}): ${r.reason}`.slice(0, 500);
      await repo.insertVersion(tx, {
        fugitiveId: recordId,
        version: after.version,
        fields,
        status: after.status,
        changedAt: now,
        changedBy: ctx.actor.label,
        reason,
      });
      await lists.syncEntries(tx, ctx, after);
      await audit.record(tx, ctx, {
        action: "fugitive.update",
        targetType: "fugitive",
        targetId: recordId,
        details: { version: after.version, fields: true, rectification: r.personId, reason },
      });
      changed++;
    }
    return changed;
  };
}

/** Two person records merged (persons.port.ts `relinked`): the fugitive records naming the removed one name the kept one. */
export async function relinkFugitives(
  tx: Tx,
  _ctx: Ctx,
  recordIds: string[],
  from: string,
  to: string,
): Promise<void> {
  for (const id of recordIds) {
    const r = await repo.lock(tx, id);
    if (r?.personId === from) await repo.update(tx, id, { personId: to });
  }
}
