import type { PersonFields } from "@crossline/schemas";
import {
  and,
  desc,
  eq,
  exists,
  gt,
  ilike,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { type DbOrTx, rowsOf, type Tx } from "../../db/client.js";
import { lockInIdOrder } from "../../db/lock-order.js";
import { personLinks, personMerges, personNameKeys, persons, personVersions } from "../../db/schema/index.js";
import { CANDIDATES, candidateWeight, DUPLICATE_SCORE, type NameKey } from "../../lib/name-keys.js";

export type PersonRow = typeof persons.$inferSelect;
export type PersonLinkRow = typeof personLinks.$inferSelect;
export type PersonVersionRow = typeof personVersions.$inferSelect;

/** Data access of the persons module: the only code on persons, person_versions, person_links and person_merges. */
export const personsRepo = {
  /** Replaces a person's name keys (lib/name-keys.ts). */
  async setNameKeys(tx: Tx, personId: string, keys: NameKey[]): Promise<void> {
    await tx.delete(personNameKeys).where(eq(personNameKeys.personId, personId));
    await personsRepo.addNameKeys(tx, personId, keys);
  },

  /** The name keys of a record just created in this transaction (no delete first: it has none). */
  async addNameKeys(tx: Tx, personId: string, keys: NameKey[]): Promise<void> {
    if (keys.length) await tx.insert(personNameKeys).values(keys.map((k) => ({ ...k, personId })));
  },

  /** Persons with names and no name keys yet (recorded before the keys existed): to index them. */
  async unindexed(dbx: DbOrTx, limit: number, afterId?: string): Promise<PersonRow[]> {
    return dbx
      .select()
      .from(persons)
      .where(
        and(
          sql`not exists (select 1 from ${personNameKeys} k where k.person_id = ${persons.id})`,
          afterId ? gt(persons.id, afterId) : undefined,
        ),
      )
      .orderBy(persons.id)
      .limit(limit);
  },

  /**
   * The persons a unit sees sharing keys with a query, best first: the sum of the shared keys' weights, plus
   * 15 when the date of birth agrees; a person born on another day is left out, one without a date stays.
   * Candidates come from the keys of weight ≥ `candidateWeight` (lib/name-keys.ts CANDIDATES: every record of
   * a strong key, a capped few of a part key), are filtered and pre-ranked, and only the best few are scored
   * on all their keys: the cost does not grow with how many records share a common part of the name. A key's
   * weight follows from its kind, so the query's weight is the record's: every key lookup reads only the
   * primary key (key, person), an index-only scan.
   */
  async searchByKeys(
    dbx: DbOrTx,
    q: {
      keys: NameKey[];
      unitId: string | null;
      all: boolean;
      dateOfBirth?: string;
      minScore: number;
      limit: number;
    },
  ): Promise<{ id: string; score: number }[]> {
    if (!q.keys.length) return [];
    const unit = q.unitId ?? "00000000-0000-0000-0000-000000000000";
    const dob = q.dateOfBirth ?? null;
    const seen = q.all
      ? sql`true`
      : sql`(p.owner_unit_id = ${unit} or exists (select 1 from ${personLinks} l
               where l.person_id = p.id and l.record_unit_id = ${unit}))`;
    const values = sql.join(
      q.keys.map((k) => sql`(${k.key}::text, ${k.weight}::int)`),
      sql`, `,
    );
    const rows = await dbx.execute(sql`
      with q(key, weight) as (values ${values}),
      c as (
        select x.person_id as id, sum(x.weight)::int as s
          from q cross join lateral (
            select k.person_id, q.weight from ${personNameKeys} k where k.key = q.key
             limit case when q.weight >= ${DUPLICATE_SCORE} then ${CANDIDATES.strong}::int else ${CANDIDATES.part}::int end
          ) x
         where q.weight >= ${candidateWeight(q.minScore)}
         group by x.person_id
      ),
      f as (
        select c.id, d.bonus, c.s + d.bonus as pre
          from c join ${persons} p on p.id = c.id
          cross join lateral (
            select case when ${dob}::text is not null and p.date_of_birth is not null then 15 else 0 end as bonus
          ) d
         where ${seen}
           and (${dob}::text is null or p.date_of_birth is null
                or left(p.date_of_birth, length(${dob}::text)) = ${dob}::text
                or left(${dob}::text, length(p.date_of_birth)) = p.date_of_birth)
         order by pre desc, c.id desc
         limit ${q.limit * CANDIDATES.prerank}::int
      )
      -- Exact scores by one primary-key probe per candidate and query key (a subquery per row, so the planner
      -- never reads the keys' whole lists again).
      select id::text as id, (exact + bonus)::int as score
        from (select f.id, f.bonus,
                     (select sum(q.weight) from q join ${personNameKeys} k on k.key = q.key and k.person_id = f.id) as exact
                from f) e
       where exact >= ${q.minScore}
       order by score desc, id desc
       limit ${q.limit}`);
    return rowsOf<{ id: string; score: number }>(rows).map((r) => ({ id: r.id, score: Number(r.score) }));
  },

  async find(dbx: DbOrTx, id: string): Promise<PersonRow | undefined> {
    const [r] = await dbx.select().from(persons).where(eq(persons.id, id));
    return r;
  },

  async lock(tx: Tx, id: string): Promise<PersonRow | undefined> {
    const [r] = await tx.select().from(persons).where(eq(persons.id, id)).for("update");
    return r;
  },

  /**
   * Locks these persons (those that exist) to the commit, in id order: every transaction taking several takes
   * them in this one order (merge sorts its pair the same way), so two that name the same people cannot each
   * hold one and wait for the other.
   */
  async lockInOrder(tx: Tx, ids: string[]): Promise<void> {
    await lockInIdOrder(tx, persons, ids);
  },

  /** The ids of the persons holding these match keys, read without a lock. */
  async idsByKeys(dbx: DbOrTx, keys: string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows = await dbx.select({ id: persons.id }).from(persons).where(inArray(persons.matchKey, keys));
    return rows.map((r) => r.id);
  },

  async findByKey(tx: Tx, key: string): Promise<PersonRow | undefined> {
    const [r] = await tx.select().from(persons).where(eq(persons.matchKey, key)).for("update");
    return r;
  },

  /**
   * Inserts a person unless another record holds its match key: undefined then. A record another transaction
   * is inserting with the key makes this wait for it (the unique index), and its commit makes this one give way.
   */
  async insert(tx: Tx, row: typeof persons.$inferInsert): Promise<PersonRow | undefined> {
    const [r] = await tx
      .insert(persons)
      .values(row)
      .onConflictDoNothing({ target: persons.matchKey, where: sql`match_key is not null` })
      .returning();
    return r;
  },

  async update(tx: Tx, id: string, set: Partial<typeof persons.$inferInsert>): Promise<PersonRow> {
    const [r] = await tx.update(persons).set(set).where(eq(persons.id, id)).returning();
    return r;
  },

  async insertVersion(tx: Tx, row: typeof personVersions.$inferInsert): Promise<void> {
    await tx.insert(personVersions).values(row);
  },

  async versions(dbx: DbOrTx, personId: string): Promise<PersonVersionRow[]> {
    return dbx
      .select()
      .from(personVersions)
      .where(eq(personVersions.personId, personId))
      .orderBy(personVersions.version);
  },

  /** Persons a unit sees (its own, or named by one of its records), newest first, optionally by name. */
  async page(
    dbx: DbOrTx,
    q: { unitId: string | null; all: boolean; search?: string; afterId?: string; limit: number },
  ): Promise<PersonRow[]> {
    const where: SQL[] = [];
    if (!q.all) {
      const unitId = q.unitId ?? "00000000-0000-0000-0000-000000000000";
      const byUnit = or(
        eq(persons.ownerUnitId, unitId),
        exists(
          dbx
            .select({ one: sql`1` })
            .from(personLinks)
            .where(and(eq(personLinks.personId, persons.id), eq(personLinks.recordUnitId, unitId))),
        ),
      );
      if (byUnit) where.push(byUnit);
    }
    if (q.search) {
      const pattern = `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(ilike(persons.search, pattern));
    }
    if (q.afterId) where.push(lt(persons.id, q.afterId));
    return dbx
      .select()
      .from(persons)
      .where(and(...where))
      .orderBy(desc(persons.id))
      .limit(q.limit);
  },

  async linksOf(dbx: DbOrTx, personId: string): Promise<PersonLinkRow[]> {
    return dbx
      .select()
      .from(personLinks)
      .where(eq(personLinks.personId, personId))
      .orderBy(personLinks.createdAt, personLinks.recordId, personLinks.ordinal);
  },

  async linksOfRecord(dbx: DbOrTx, recordType: string, recordId: string): Promise<PersonLinkRow[]> {
    return dbx
      .select()
      .from(personLinks)
      .where(and(eq(personLinks.recordType, recordType), eq(personLinks.recordId, recordId)))
      .orderBy(personLinks.ordinal);
  },

  async linksOfRecords(dbx: DbOrTx, recordType: string, recordIds: string[]): Promise<PersonLinkRow[]> {
    if (recordIds.length === 0) return [];
    return dbx
      .select()
      .from(personLinks)
      .where(and(eq(personLinks.recordType, recordType), inArray(personLinks.recordId, recordIds)));
  },

  async findMany(dbx: DbOrTx, ids: string[]): Promise<PersonRow[]> {
    if (ids.length === 0) return [];
    return dbx.select().from(persons).where(inArray(persons.id, ids));
  },

  async insertLink(tx: Tx, row: typeof personLinks.$inferInsert): Promise<void> {
    await tx
      .insert(personLinks)
      .values(row)
      .onConflictDoUpdate({
        target: [personLinks.recordType, personLinks.recordId, personLinks.ordinal],
        set: { personId: row.personId, role: row.role, notes: row.notes, recordUnitId: row.recordUnitId },
      });
  },

  /** Drops a record's links from `fromOrdinal` on (a draft that now names fewer subjects). */
  async deleteLinksFrom(tx: Tx, recordType: string, recordId: string, fromOrdinal: number): Promise<void> {
    await tx
      .delete(personLinks)
      .where(
        and(
          eq(personLinks.recordType, recordType),
          eq(personLinks.recordId, recordId),
          sql`${personLinks.ordinal} >= ${fromOrdinal}`,
        ),
      );
  },

  /** Moves every link of `fromId` to `toId` (a merge); returns the links moved. */
  async moveLinks(tx: Tx, fromId: string, toId: string): Promise<PersonLinkRow[]> {
    return tx.update(personLinks).set({ personId: toId }).where(eq(personLinks.personId, fromId)).returning();
  },

  /** Removes a person merged into another: its name keys, versions and row (kept in person_merges). */
  async removeMerged(tx: Tx, id: string): Promise<void> {
    await tx.delete(personNameKeys).where(eq(personNameKeys.personId, id));
    await tx.delete(personVersions).where(eq(personVersions.personId, id));
    await tx.delete(persons).where(eq(persons.id, id));
  },

  async insertMerge(tx: Tx, row: typeof personMerges.$inferInsert): Promise<void> {
    await tx.insert(personMerges).values(row);
  },

  /** The ids of the records merged into a person (directly or through an earlier merge). */
  async mergedInto(dbx: DbOrTx, id: string): Promise<string[]> {
    const out: string[] = [];
    let frontier = [id];
    while (frontier.length) {
      const rows = await dbx
        .select({ removedId: personMerges.removedId })
        .from(personMerges)
        .where(inArray(personMerges.intoId, frontier));
      frontier = rows.map((r) => r.removedId).filter((x) => !out.includes(x));
      out.push(...frontier);
    }
    return out;
  },

  /** Drops every link of a record (it was erased); returns the persons it named. */
  async deleteLinksOf(tx: Tx, recordType: string, recordId: string): Promise<string[]> {
    const rows = await tx
      .delete(personLinks)
      .where(and(eq(personLinks.recordType, recordType), eq(personLinks.recordId, recordId)))
      .returning({ personId: personLinks.personId });
    return [...new Set(rows.map((r) => r.personId))];
  },

  /** Of these persons, those no record names any more are unlinked from `at` (if not already). */
  async markUnlinked(tx: Tx, personIds: string[], at: Date): Promise<void> {
    if (!personIds.length) return;
    await tx
      .update(persons)
      .set({ unlinkedAt: at })
      .where(
        and(
          inArray(persons.id, personIds),
          isNull(persons.unlinkedAt),
          sql`not exists (select 1 from ${personLinks} l where l.person_id = ${persons.id})`,
        ),
      );
  },

  /** A record names the person again. */
  async markLinked(tx: Tx, personId: string): Promise<void> {
    await tx
      .update(persons)
      .set({ unlinkedAt: null })
      .where(and(eq(persons.id, personId), isNotNull(persons.unlinkedAt)));
  },

  /** Persons no record has named since `before` or earlier, oldest first (their retention ended). */
  /** Persons no record has named since `before`, not erased (`only`: that person alone, if so). */
  async unlinkedBefore(dbx: DbOrTx, before: Date, limit: number, only?: string): Promise<PersonRow[]> {
    return dbx
      .select()
      .from(persons)
      .where(
        and(
          isNotNull(persons.unlinkedAt),
          lte(persons.unlinkedAt, before),
          isNull(persons.erasedAt),
          only ? eq(persons.id, only) : undefined,
        ),
      )
      .orderBy(persons.unlinkedAt, persons.id)
      .limit(limit);
  },

  /**
   * Erases a person's personal data (retention, persons.lawful.ts): the earlier versions, the name keys, and
   * the rows of the records merged into it go; the row itself goes (`delete`) or keeps only what statistics
   * count, its nationalities and sex, under an erased name (`anonymise`). Returns how many merged records went.
   */
  async erase(
    tx: Tx,
    id: string,
    action: "delete" | "anonymise",
    erasedName: string,
    at: Date,
  ): Promise<number> {
    const merged = await personsRepo.mergedInto(tx, id);
    if (merged.length) await tx.delete(personMerges).where(inArray(personMerges.removedId, merged));
    await tx.delete(personNameKeys).where(eq(personNameKeys.personId, id));
    await tx.delete(personVersions).where(eq(personVersions.personId, id));
    if (action === "delete") await tx.delete(persons).where(eq(persons.id, id));
    else {
      await tx
        .update(persons)
        .set({
          names: [{ original: erasedName }],
          aliases: [],
          dateOfBirth: null,
          documents: [],
          matchKey: null,
          search: "",
          restrictedBy: null,
          restrictionReason: null,
          erasedAt: at,
          updatedAt: at,
        })
        .where(eq(persons.id, id));
    }
    return merged.length;
  },

  async deleteLink(tx: Tx, recordType: string, recordId: string, ordinal: number): Promise<void> {
    await tx
      .delete(personLinks)
      .where(
        and(
          eq(personLinks.recordType, recordType),
          eq(personLinks.recordId, recordId),
          eq(personLinks.ordinal, ordinal),
        ),
      );
  },
};

/** The fields of a row, as a rectification body and a version snapshot hold them. */
export function fieldsOf(r: PersonRow): PersonFields {
  return {
    names: r.names,
    aliases: r.aliases,
    ...(r.dateOfBirth ? { dateOfBirth: r.dateOfBirth } : {}),
    ...(r.sex ? { sex: r.sex as PersonFields["sex"] } : {}),
    nationalities: r.nationalities,
    documents: r.documents,
  };
}
