import type { RepatriationCaseContent } from "@crossline/schemas";
import type { Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import type { Rectification } from "../persons/persons.port.js";
import { type RepatriationDeps, sendNextVersion } from "./repatriation.context.js";
import { repatriationRepo as repo } from "./repatriation.repo.js";

/** A repatriation case shows at most this many names of its person (RepatriationPerson). */
const MAX_NAMES = 10;

/**
 * A rectified person reaches the repatriation cases naming them (persons.port.ts `rectified`): the case's
 * person (names, sex, date of birth; the nationality stays the one claimed, which the case verifies) takes
 * the correction (the fields it changed) as the case's next version, and a shared case goes to the peer as the next version of its
 * `repatriation.case` object, in the rectification's transaction. Received copies are their owner's to correct.
 */
export function createRepatriationRectification(
  deps: Pick<RepatriationDeps, "clock" | "audit" | "sharedObjects">,
) {
  const { clock, audit } = deps;
  const so = deps.sharedObjects.domainPort;

  return async function rectified(
    tx: Tx,
    ctx: Ctx,
    records: { recordId: string; ordinal: number }[],
    r: Rectification,
  ): Promise<number> {
    let changed = 0;
    for (const { recordId } of records) {
      const before = await repo.lock(tx, recordId);
      if (before?.direction !== "own") continue;
      // Only what the rectification changed: the case may know the person otherwise than the record does.
      const person: RepatriationCaseContent["person"] = { ...before.content.person };
      if (r.changed.includes("names")) person.names = r.fields.names.slice(0, MAX_NAMES);
      if (r.changed.includes("sex")) {
        delete person.sex;
        if (r.fields.sex) person.sex = r.fields.sex;
      }
      if (r.changed.includes("dateOfBirth")) {
        delete person.dateOfBirth;
        if (r.fields.dateOfBirth) person.dateOfBirth = r.fields.dateOfBirth;
      }
      if (JSON.stringify(person) === JSON.stringify(before.content.person)) continue;
      const content: RepatriationCaseContent = { ...before.content, person };
      const after = await repo.update(tx, recordId, {
        content,
        version: before.version + 1,
        updatedAt: clock.now(),
      });
      await sendNextVersion(so, tx, ctx, after.sharedObjectId, { content });
      await audit.record(tx, ctx, {
        action: "repatriation.rectify",
        targetType: "repatriation_case",
        targetId: recordId,
        details: { version: after.version, person: r.personId, personVersion: r.version, reason: r.reason },
      });
      changed++;
    }
    return changed;
  };
}

/** Two person records merged (persons.port.ts `relinked`): the cases naming the removed one name the kept one. */
export async function relinkRepatriation(
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
