import type { MergePersonBody, PersonFields, PersonName, PersonView } from "@crossline/schemas";
import { issue } from "@crossline/schemas";
import type { Db, DbOrTx, Tx } from "../../db/client.js";
import { inTransaction } from "../../db/client.js";
import { uniqueConflicts } from "../../db/errors.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import { recordKeys } from "../../lib/name-keys.js";
import type { AuditService } from "../audit/audit.service.js";
import { erasedError } from "./persons.lawful.js";
import { matchKeyOf, sameName, searchTextOf } from "./persons.match.js";
import type { RecordDescriber } from "./persons.port.js";
import { fieldsOf, type PersonLinkRow, type PersonRow, personsRepo as repo } from "./persons.repo.js";

type KeyedIssue = ReturnType<typeof issue>;
const conflict = (field: string, issue: string | KeyedIssue) =>
  new AppError("CONFLICT", [{ field, ...(typeof issue === "string" ? { issue } : issue) }]);
const thirdHolds = () => conflict("body.otherId", "a third record has this main name and date of birth");

/** Name forms of both, the kept record's first, without repeating one (persons.match.ts sameName). */
function union(a: PersonName[], b: PersonName[], max: number): PersonName[] {
  const out = [...a];
  for (const n of b) if (!out.some((m) => sameName(m, n))) out.push(n);
  return out.slice(0, max);
}

/**
 * Merging two person records found to be the same person (issue 11): the record kept takes the other's name
 * forms (as aliases of its main name where they differ), nationalities, documents and, when it has none, the
 * date of birth, as its next version; every link of the removed record moves to it, and each module holding
 * its own reference to the removed person re-points it through its port (`RecordDescriber.relinked`); the
 * removed record is kept as it was in `person_merges` (its identifiers, fields, versions and the links that
 * moved) and deleted from `persons`; the access log keeps its rows, and the kept person's access view
 * includes those of the removed record. One transaction, audited `person.merge`.
 */
export function createPersonMerge(deps: {
  db: Db;
  clock: Clock;
  audit: AuditService;
  describers: Map<string, RecordDescriber>;
  visible: (dbx: DbOrTx, ctx: Ctx, r: PersonRow | undefined) => Promise<PersonRow>;
  view: (ctx: Ctx, r: PersonRow, links: PersonLinkRow[]) => PersonView;
}) {
  const { db, clock, audit, describers } = deps;

  /** The other record, or NOT_FOUND naming body.otherId (whether it exists elsewhere or not at all). */
  async function other(ctx: Ctx, id: string): Promise<PersonRow> {
    const r = await repo.find(db, id);
    const seen = r ? await deps.visible(db, ctx, r).catch(() => null) : null;
    assertThat(seen, new AppError("NOT_FOUND", [{ field: "body.otherId", issue: "no such person" }]));
    return seen;
  }

  return async function merge(ctx: Ctx, id: string, body: MergePersonBody): Promise<PersonView> {
    requirePermission(ctx.actor, "persons:rectify");
    await deps.visible(db, ctx, await repo.find(db, id));
    if (body.otherId === id)
      throw new AppError("VALIDATION_FAILED", [
        { field: "body.otherId", issue: "a record cannot be merged with itself" },
      ]);
    await other(ctx, body.otherId);
    const kept = await inTransaction(db, async (tx: Tx) => {
      // Both rows locked in id order, so two merges of the same pair cannot deadlock.
      const [a, b] = [id, body.otherId].sort();
      const locked = new Map<string, PersonRow | undefined>([
        [a as string, await repo.lock(tx, a as string)],
        [b as string, await repo.lock(tx, b as string)],
      ]);
      const keep = locked.get(id);
      const gone = locked.get(body.otherId);
      assertThat(keep, notFound("person"));
      assertThat(gone, new AppError("NOT_FOUND", [{ field: "body.otherId", issue: "no such person" }]));
      if (keep.erasedAt) throw erasedError("params.id");
      if (gone.erasedAt) throw erasedError("body.otherId");
      if (keep.version !== body.version)
        throw conflict("body.version", issue("record.changed", { version: keep.version }));
      if (gone.version !== body.otherVersion)
        throw conflict("body.otherVersion", issue("record.otherChanged", { version: gone.version }));
      for (const [r, field] of [
        [keep, "params.id"],
        [gone, "body.otherId"],
      ] as const) {
        if (r.restrictedAt)
          throw new AppError("PERSON_RESTRICTED", [
            { field, issue: "processing of this person is restricted while a dispute is open" },
          ]);
      }
      if (keep.dateOfBirth && gone.dateOfBirth && keep.dateOfBirth !== gone.dateOfBirth)
        throw conflict("body.otherId", "the two records give different dates of birth: rectify one first");

      // What the removed record was, kept before anything changes.
      const versions = await repo.versions(tx, gone.id);
      const moved = await repo.moveLinks(tx, gone.id, keep.id);
      if (moved.length) await repo.markLinked(tx, keep.id);
      await repo.insertMerge(tx, {
        removedId: gone.id,
        intoId: keep.id,
        removed: {
          ...fieldsOf(gone),
          id: gone.id,
          ownerUnitId: gone.ownerUnitId,
          version: gone.version,
          createdAt: gone.createdAt.toISOString(),
          updatedAt: gone.updatedAt.toISOString(),
          versions: versions.map((v) => ({ ...v, changedAt: v.changedAt.toISOString() })),
        },
        links: moved.map((l) => ({ recordType: l.recordType, recordId: l.recordId, ordinal: l.ordinal })),
        reason: body.reason,
        mergedBy: ctx.actor.label,
        mergedAt: clock.now(),
      });
      // The modules keeping their own reference to the person re-point it.
      const byType = new Map<string, string[]>();
      for (const l of moved) byType.set(l.recordType, [...(byType.get(l.recordType) ?? []), l.recordId]);
      for (const [type, ids] of byType)
        await describers.get(type)?.relinked?.(tx, ctx, ids, gone.id, keep.id);
      await repo.removeMerged(tx, gone.id);

      const fields: PersonFields = {
        names: keep.names,
        aliases: union(keep.aliases, [...gone.names, ...gone.aliases], 50).filter(
          (n) => !keep.names.some((m) => sameName(m, n)),
        ),
        ...(keep.dateOfBirth || gone.dateOfBirth
          ? { dateOfBirth: (keep.dateOfBirth ?? gone.dateOfBirth) as string }
          : {}),
        ...(keep.sex || gone.sex ? { sex: (keep.sex ?? gone.sex) as PersonFields["sex"] } : {}),
        nationalities: [...new Set([...keep.nationalities, ...gone.nationalities])].slice(0, 10),
        documents: [
          ...keep.documents,
          ...gone.documents.filter(
            (d) => !keep.documents.some((k) => JSON.stringify(k) === JSON.stringify(d)),
          ),
        ].slice(0, 20),
      };
      const key = matchKeyOf(fields);
      const holder = key ? await repo.findByKey(tx, key) : undefined;
      if (holder && holder.id !== keep.id) throw thirdHolds();
      const now = clock.now();
      const u = await repo.update(tx, keep.id, {
        aliases: fields.aliases,
        dateOfBirth: fields.dateOfBirth ?? null,
        sex: fields.sex ?? null,
        nationalities: fields.nationalities,
        documents: fields.documents,
        matchKey: key,
        search: searchTextOf(fields),
        version: keep.version + 1,
        updatedAt: now,
      });
      await repo.setNameKeys(tx, u.id, recordKeys([...u.names, ...u.aliases]));
      await repo.insertVersion(tx, {
        personId: u.id,
        version: u.version,
        fields: fieldsOf(u),
        changedAt: now,
        changedBy: ctx.actor.label,
        reason: `Merged with ${gone.id}: ${body.reason}`.slice(0, 2000),
      });
      await audit.record(tx, ctx, {
        action: "person.merge",
        targetType: "person",
        targetId: u.id,
        details: {
          version: u.version,
          removedId: gone.id,
          removedVersion: gone.version,
          removedOwnerUnitId: gone.ownerUnitId,
          links: moved.length,
          reason: body.reason,
        },
      });
      return u;
      // A third record taking the key since the check (rectified or recorded at once): the index says.
    }).catch(uniqueConflicts({ persons_match_key: thirdHolds }));
    return deps.view(ctx, kept, await repo.linksOf(db, kept.id));
  };
}
