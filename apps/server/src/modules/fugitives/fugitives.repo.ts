import { and, asc, desc, eq, gt, inArray, isNull, like, lt, max, type SQL, sql } from "drizzle-orm";
import { type DbOrTx, rowsOf, type Tx } from "../../db/client.js";
import { lockInIdOrder } from "../../db/lock-order.js";
import {
  fugitiveCopies,
  fugitiveListEntries,
  fugitiveLists,
  fugitiveNameKeys,
  fugitivePhotos,
  fugitiveReportEvidence,
  fugitiveReports,
  fugitives,
  fugitiveVersions,
} from "../../db/schema/index.js";
import { CANDIDATES, candidateWeight, DUPLICATE_SCORE, type NameKey } from "../../lib/name-keys.js";

/**
 * The fugitives module's data access: its own tables only. Every function takes the connection or
 * transaction to use (PGlite has one connection: inside a transaction, only the tx).
 */

export type FugitiveRow = typeof fugitives.$inferSelect;
export type FugitiveSet = Partial<typeof fugitives.$inferInsert>;
export type ListRow = typeof fugitiveLists.$inferSelect;
export type EntryRow = typeof fugitiveListEntries.$inferSelect;
export type CopyRow = typeof fugitiveCopies.$inferSelect;
export type ReportRow = typeof fugitiveReports.$inferSelect;
export type PhotoRow = typeof fugitivePhotos.$inferSelect;
export type EvidenceRow = typeof fugitiveReportEvidence.$inferSelect;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export const fugitivesRepo = {
  /** Replaces a fugitive's name keys (lib/name-keys.ts). */
  async setNameKeys(tx: Tx, fugitiveId: string, keys: NameKey[]): Promise<void> {
    await tx.delete(fugitiveNameKeys).where(eq(fugitiveNameKeys.fugitiveId, fugitiveId));
    await fugitivesRepo.addNameKeys(tx, fugitiveId, keys);
  },

  /** The name keys of a record just created in this transaction (no delete first: it has none). */
  async addNameKeys(tx: Tx, fugitiveId: string, keys: NameKey[]): Promise<void> {
    if (keys.length) await tx.insert(fugitiveNameKeys).values(keys.map((k) => ({ ...k, fugitiveId })));
  },

  /** Fugitives without name keys (recorded before they existed), by id from `afterId`. */
  async unindexed(dbx: DbOrTx, limit: number, afterId?: string): Promise<FugitiveRow[]> {
    return dbx
      .select()
      .from(fugitives)
      .where(
        and(
          sql`not exists (select 1 from ${fugitiveNameKeys} k where k.fugitive_id = ${fugitives.id})`,
          afterId ? gt(fugitives.id, afterId) : undefined,
        ),
      )
      .orderBy(fugitives.id)
      .limit(limit);
  },

  /**
   * A unit's fugitives sharing keys with a query, best first (the sum of the shared keys' weights, plus 15
   * when the date of birth agrees); one born on another day is left out, one without a date stays. Candidates
   * as for persons (lib/name-keys.ts CANDIDATES): strong keys bring every record, part keys a capped few (only
   * for a search), the best few of the unit's are scored on all their keys.
   */
  async searchByKeys(
    dbx: DbOrTx,
    q: { keys: NameKey[]; unitId: string; dateOfBirth?: string; minScore: number; limit: number },
  ): Promise<{ id: string; score: number }[]> {
    if (!q.keys.length) return [];
    const dob = q.dateOfBirth ?? null;
    const values = sql.join(
      q.keys.map((k) => sql`(${k.key}::text, ${k.weight}::int)`),
      sql`, `,
    );
    const rows = await dbx.execute(sql`
      with q(key, weight) as (values ${values}),
      c as (
        select x.fugitive_id as id, sum(x.weight)::int as s
          from q cross join lateral (
            select k.fugitive_id, q.weight from ${fugitiveNameKeys} k where k.key = q.key
             limit case when q.weight >= ${DUPLICATE_SCORE} then ${CANDIDATES.strong}::int else ${CANDIDATES.part}::int end
          ) x
         where q.weight >= ${candidateWeight(q.minScore)}
         group by x.fugitive_id
      ),
      f as (
        select c.id, d.bonus, c.s + d.bonus as pre
          from c join ${fugitives} r on r.id = c.id
          cross join lateral (
            select case when ${dob}::text is not null and r.fields->>'dateOfBirth' is not null then 15 else 0 end
                     as bonus
          ) d
         where r.unit_id = ${q.unitId}
           and (${dob}::text is null or r.fields->>'dateOfBirth' is null
                or left(r.fields->>'dateOfBirth', length(${dob}::text)) = ${dob}::text
                or left(${dob}::text, length(r.fields->>'dateOfBirth')) = r.fields->>'dateOfBirth')
         order by pre desc, c.id desc
         limit ${q.limit * CANDIDATES.prerank}::int
      )
      -- Exact scores by one primary-key probe per candidate and query key (a subquery per row, so the planner
      -- never reads the keys' whole lists again).
      select id::text as id, (exact + bonus)::int as score
        from (select f.id, f.bonus,
                     (select sum(q.weight) from q join ${fugitiveNameKeys} k on k.key = q.key and k.fugitive_id = f.id) as exact
                from f) e
       where exact >= ${q.minScore}
       order by score desc, id desc
       limit ${q.limit}`);
    return rowsOf<{ id: string; score: number }>(rows).map((r) => ({ id: r.id, score: Number(r.score) }));
  },

  /**
   * Returns dated within two days (YYYY-MM-DD, inclusive) that concern one peer: this node's fugitives on a
   * list published to it, and the peer's entries held here. One row per person, with the method: the
   * progress report before a round counts them.
   */
  async returnsWithPeer(
    dbx: DbOrTx,
    peer: string,
    fromDay: string,
    toDay: string,
  ): Promise<{ id: string; method: string }[]> {
    const own = await dbx.execute(sql`
      select distinct f.id::text as id, f.returned->>'method' as method
        from fugitives f
        join fugitive_list_entries e on e.fugitive_id = f.id and e.removed_at is null
        join fugitive_lists l on l.id = e.list_id
       where f.status = 'returned'
         and l.recipients @> ${JSON.stringify([peer])}::jsonb
         and (f.returned->>'date') between ${fromDay} and ${toDay}`);
    const held = await dbx.execute(sql`
      select c.entry_id as id, c.content->'returned'->>'method' as method
        from fugitive_copies c
       where c.owner_node = ${peer} and c.state = 'active' and c.content->>'status' = 'returned'
         and (c.content->'returned'->>'date') between ${fromDay} and ${toDay}`);
    return [...rowsOf<{ id: string; method: string }>(own), ...rowsOf<{ id: string; method: string }>(held)];
  },

  /**
   * The node's creations and renames of fugitive records take turns to their commit (a transaction-level
   * advisory lock): the likely duplicates each looks up after it include those the others committed.
   */
  async lockNames(tx: Tx): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('crossline.fugitives.seq'))`);
  },

  /** The next number of the node's per-year sequence (under lockNames: concurrent creations take turns). */
  async nextSeq(tx: Tx, year: number): Promise<number> {
    await fugitivesRepo.lockNames(tx);
    const [r] = await tx
      .select({ m: max(fugitives.seq) })
      .from(fugitives)
      .where(eq(fugitives.year, year));
    return (r?.m ?? 0) + 1;
  },

  async insert(tx: Tx, values: typeof fugitives.$inferInsert): Promise<FugitiveRow> {
    const [row] = await tx.insert(fugitives).values(values).returning();
    return row as FugitiveRow;
  },

  async insertVersion(tx: Tx, values: typeof fugitiveVersions.$inferInsert): Promise<void> {
    await tx.insert(fugitiveVersions).values(values);
  },

  async find(dbx: DbOrTx, id: string): Promise<FugitiveRow | undefined> {
    const [row] = await dbx.select().from(fugitives).where(eq(fugitives.id, id));
    return row;
  },

  async byIds(dbx: DbOrTx, ids: string[]): Promise<FugitiveRow[]> {
    if (!ids.length) return [];
    return dbx.select().from(fugitives).where(inArray(fugitives.id, ids));
  },

  /** These records locked to the commit, in id order (two transactions locking several cannot deadlock). */
  async lockMany(tx: Tx, ids: string[]): Promise<FugitiveRow[]> {
    return lockInIdOrder(tx, fugitives, ids);
  },

  async lock(tx: Tx, id: string): Promise<FugitiveRow | undefined> {
    const [row] = await tx.select().from(fugitives).where(eq(fugitives.id, id)).for("update");
    return row;
  },

  async update(tx: Tx, id: string, set: FugitiveSet): Promise<FugitiveRow> {
    const [row] = await tx.update(fugitives).set(set).where(eq(fugitives.id, id)).returning();
    return row as FugitiveRow;
  },

  /** A unit's fugitives, newest first, keyset by id. */
  async page(
    dbx: DbOrTx,
    q: { unitId: string; search?: string; status?: string; afterId?: string; limit: number },
  ): Promise<FugitiveRow[]> {
    const where: SQL[] = [eq(fugitives.unitId, q.unitId)];
    if (q.search) where.push(like(fugitives.nameSearch, `%${escapeLike(q.search)}%`));
    if (q.status) where.push(eq(fugitives.status, q.status as FugitiveRow["status"]));
    if (q.afterId) where.push(lt(fugitives.id, q.afterId));
    return dbx
      .select()
      .from(fugitives)
      .where(and(...where))
      .orderBy(desc(fugitives.id))
      .limit(q.limit);
  },

  async versions(dbx: DbOrTx, id: string) {
    return dbx
      .select()
      .from(fugitiveVersions)
      .where(eq(fugitiveVersions.fugitiveId, id))
      .orderBy(asc(fugitiveVersions.version));
  },

  // --- lists ---

  async insertList(tx: Tx, values: typeof fugitiveLists.$inferInsert): Promise<ListRow> {
    const [row] = await tx.insert(fugitiveLists).values(values).returning();
    return row as ListRow;
  },

  async findList(dbx: DbOrTx, id: string): Promise<ListRow | undefined> {
    const [row] = await dbx.select().from(fugitiveLists).where(eq(fugitiveLists.id, id));
    return row;
  },

  async lockList(tx: Tx, id: string): Promise<ListRow | undefined> {
    const [row] = await tx.select().from(fugitiveLists).where(eq(fugitiveLists.id, id)).for("update");
    return row;
  },

  async listsOfUnit(dbx: DbOrTx, unitId: string): Promise<ListRow[]> {
    return dbx
      .select()
      .from(fugitiveLists)
      .where(eq(fugitiveLists.unitId, unitId))
      .orderBy(asc(fugitiveLists.createdAt));
  },

  async updateList(tx: Tx, id: string, set: Partial<ListRow>): Promise<void> {
    await tx.update(fugitiveLists).set(set).where(eq(fugitiveLists.id, id));
  },

  /** The list's current entries (removed ones left out), by number. */
  async entries(dbx: DbOrTx, listId: string): Promise<EntryRow[]> {
    return dbx
      .select()
      .from(fugitiveListEntries)
      .where(and(eq(fugitiveListEntries.listId, listId), isNull(fugitiveListEntries.removedAt)))
      .orderBy(asc(fugitiveListEntries.number));
  },

  /**
   * A list's current entries in number order, each with what the list shows of its record (first name, status,
   * version), in one statement: the list's view used to read every listed record whole (its fields, name keys
   * and search text) to show three of its columns, after every entry added.
   */
  async listed(
    dbx: DbOrTx,
    listId: string,
  ): Promise<
    {
      number: number;
      fugitiveId: string;
      sharedObjectId: string | null;
      name: FugitiveRow["fields"]["names"][number] | null;
      status: FugitiveRow["status"];
      version: number;
    }[]
  > {
    return dbx
      .select({
        number: fugitiveListEntries.number,
        fugitiveId: fugitives.id,
        sharedObjectId: fugitiveListEntries.sharedObjectId,
        name: sql<FugitiveRow["fields"]["names"][number] | null>`${fugitives.fields}->'names'->0`,
        status: fugitives.status,
        version: fugitives.version,
      })
      .from(fugitiveListEntries)
      .innerJoin(fugitives, eq(fugitives.id, fugitiveListEntries.fugitiveId))
      .where(and(eq(fugitiveListEntries.listId, listId), isNull(fugitiveListEntries.removedAt)))
      .orderBy(asc(fugitiveListEntries.number));
  },

  /** Every entry of a fugitive, removed ones included (the timeline). */
  async entriesOf(dbx: DbOrTx, fugitiveId: string): Promise<EntryRow[]> {
    return dbx.select().from(fugitiveListEntries).where(eq(fugitiveListEntries.fugitiveId, fugitiveId));
  },

  async findEntry(dbx: DbOrTx, listId: string, fugitiveId: string): Promise<EntryRow | undefined> {
    const [row] = await dbx
      .select()
      .from(fugitiveListEntries)
      .where(and(eq(fugitiveListEntries.listId, listId), eq(fugitiveListEntries.fugitiveId, fugitiveId)));
    return row;
  },

  async entryBySharedObject(dbx: DbOrTx, sharedObjectId: string): Promise<EntryRow | undefined> {
    const [row] = await dbx
      .select()
      .from(fugitiveListEntries)
      .where(eq(fugitiveListEntries.sharedObjectId, sharedObjectId));
    return row;
  },

  async numberTaken(dbx: DbOrTx, listId: string, number: number): Promise<boolean> {
    const [row] = await dbx
      .select({ n: fugitiveListEntries.number })
      .from(fugitiveListEntries)
      .where(
        and(
          eq(fugitiveListEntries.listId, listId),
          eq(fugitiveListEntries.number, number),
          isNull(fugitiveListEntries.removedAt),
        ),
      );
    return !!row;
  },

  async insertEntry(tx: Tx, values: typeof fugitiveListEntries.$inferInsert): Promise<void> {
    await tx.insert(fugitiveListEntries).values(values);
  },

  async updateEntry(tx: Tx, listId: string, fugitiveId: string, set: Partial<EntryRow>): Promise<void> {
    await tx
      .update(fugitiveListEntries)
      .set(set)
      .where(and(eq(fugitiveListEntries.listId, listId), eq(fugitiveListEntries.fugitiveId, fugitiveId)));
  },

  /**
   * Statistics of a list in one grouped query: its current entries counted by whether they had returned by
   * `asOf` (YYYY-MM-DD) and, for those, by method and year. A few rows whatever the list's size (100,000
   * records: bench/fugitive-statistics.bench.ts), instead of every entry's return carried to the node.
   */
  async listFigures(
    dbx: DbOrTx,
    listId: string,
    asOf: string,
  ): Promise<{ done: boolean; method: string | null; year: number | null; n: number }[]> {
    const rows = await dbx.execute(sql`
      with x as (
        select case when f.status = 'returned' and (f.returned->>'date') <= ${asOf}
                    then f.returned end as r
          from ${fugitiveListEntries} e join ${fugitives} f on f.id = e.fugitive_id
         where e.list_id = ${listId} and e.removed_at is null
      )
      select r is not null as done, r->>'method' as method, left(r->>'date', 4)::int as year,
             count(*)::int as n
        from x group by 1, 2, 3`);
    return rowsOf<{ done: boolean; method: string | null; year: number | null; n: number }>(rows).map(
      (r) => ({ ...r, n: Number(r.n), year: r.year === null ? null : Number(r.year) }),
    );
  },

  // --- received copies ---

  async upsertCopy(tx: Tx, row: CopyRow): Promise<void> {
    await tx
      .insert(fugitiveCopies)
      .values(row)
      .onConflictDoUpdate({
        target: fugitiveCopies.entryId,
        set: {
          version: row.version,
          state: row.state,
          content: row.content,
          listName: row.listName,
          number: row.number,
          updatedAt: row.updatedAt,
        },
      });
  },

  async findCopy(dbx: DbOrTx, entryId: string): Promise<CopyRow | undefined> {
    const [row] = await dbx.select().from(fugitiveCopies).where(eq(fugitiveCopies.entryId, entryId));
    return row;
  },

  async copiesOfUnit(dbx: DbOrTx, unitId: string): Promise<CopyRow[]> {
    return dbx
      .select()
      .from(fugitiveCopies)
      .where(eq(fugitiveCopies.unitId, unitId))
      .orderBy(asc(fugitiveCopies.ownerNode), asc(fugitiveCopies.listId), asc(fugitiveCopies.number));
  },

  // --- reports ---

  /** Stores a report once (the reporter's id is the key): false when it was already there. */
  async insertReport(tx: Tx, values: ReportRow): Promise<boolean> {
    const rows = await tx
      .insert(fugitiveReports)
      .values(values)
      .onConflictDoNothing()
      .returning({ id: fugitiveReports.id });
    return rows.length > 0;
  },

  async reportsOfFugitive(dbx: DbOrTx, fugitiveId: string): Promise<ReportRow[]> {
    return dbx
      .select()
      .from(fugitiveReports)
      .where(eq(fugitiveReports.fugitiveId, fugitiveId))
      .orderBy(asc(fugitiveReports.createdAt));
  },

  async reportsOfEntries(dbx: DbOrTx, entryIds: string[]): Promise<ReportRow[]> {
    if (!entryIds.length) return [];
    return dbx
      .select()
      .from(fugitiveReports)
      .where(inArray(fugitiveReports.entryId, entryIds))
      .orderBy(asc(fugitiveReports.createdAt));
  },

  async insertPhoto(tx: Tx, row: PhotoRow): Promise<void> {
    await tx.insert(fugitivePhotos).values(row);
  },

  /** A fugitive's photos, oldest first. */
  async photosOf(dbx: DbOrTx, fugitiveId: string): Promise<PhotoRow[]> {
    return dbx
      .select()
      .from(fugitivePhotos)
      .where(eq(fugitivePhotos.fugitiveId, fugitiveId))
      .orderBy(asc(fugitivePhotos.uploadedAt), asc(fugitivePhotos.id));
  },

  /** Erasure: the record's photo rows go; returns their ids (the bytes are federation's to erase). */
  async deletePhotos(tx: Tx, fugitiveId: string): Promise<string[]> {
    const gone = await tx
      .delete(fugitivePhotos)
      .where(eq(fugitivePhotos.fugitiveId, fugitiveId))
      .returning({ id: fugitivePhotos.id });
    return gone.map((p) => p.id);
  },

  /**
   * Of these photo ids of `ownerNode`, those another received copy still holding content names (the same
   * fugitive on two of the owner's lists: one copy erased, the other still shows the photo).
   */
  async photosNamedByOtherCopies(
    dbx: DbOrTx,
    ownerNode: string,
    exceptEntryId: string,
    photoIds: string[],
  ): Promise<string[]> {
    if (!photoIds.length) return [];
    const rows = await dbx.execute(sql`
      select distinct p->>'id' as id
        from ${fugitiveCopies} c, jsonb_array_elements(coalesce(c.content->'photos', '[]'::jsonb)) p
       where c.owner_node = ${ownerNode} and c.entry_id <> ${exceptEntryId} and c.content is not null
         and p->>'id' in (${sql.join(
           photoIds.map((id) => sql`${id}`),
           sql`, `,
         )})`);
    return rowsOf<{ id: string }>(rows).map((r) => r.id);
  },

  /** Erasure: what the reports say (place, text) goes; kind, date and sender stay for the timeline's count. */
  async anonymiseReports(
    tx: Tx,
    where: { fugitiveId: string } | { entryId: string; direction: "out" },
    text: ReportRow["text"],
  ): Promise<number> {
    const rows = await tx
      .update(fugitiveReports)
      .set({ place: null, text })
      .where(
        "fugitiveId" in where
          ? eq(fugitiveReports.fugitiveId, where.fugitiveId)
          : and(eq(fugitiveReports.entryId, where.entryId), eq(fugitiveReports.direction, where.direction)),
      )
      .returning({ id: fugitiveReports.id });
    return rows.length;
  },

  // --- evidence of reports ---

  /** Stores evidence files; a row already there (a redelivered report) is left as it is. */
  async insertEvidence(tx: Tx, rows: EvidenceRow[]): Promise<void> {
    if (rows.length) await tx.insert(fugitiveReportEvidence).values(rows).onConflictDoNothing();
  },

  /** Evidence files by id, locked for the rest of `tx` (a report takes each once). */
  async lockEvidence(tx: Tx, ids: string[]): Promise<EvidenceRow[]> {
    if (!ids.length) return [];
    return tx
      .select()
      .from(fugitiveReportEvidence)
      .where(inArray(fugitiveReportEvidence.id, ids))
      .for("update");
  },

  /** The files join their report. */
  async attachEvidence(tx: Tx, ids: string[], reportId: string): Promise<void> {
    if (!ids.length) return;
    await tx
      .update(fugitiveReportEvidence)
      .set({ reportId })
      .where(and(inArray(fugitiveReportEvidence.id, ids), isNull(fugitiveReportEvidence.reportId)));
  },

  /** The evidence files of these reports, oldest first. */
  async evidenceOfReports(dbx: DbOrTx, reportIds: string[]): Promise<EvidenceRow[]> {
    if (!reportIds.length) return [];
    return dbx
      .select()
      .from(fugitiveReportEvidence)
      .where(inArray(fugitiveReportEvidence.reportId, reportIds))
      .orderBy(asc(fugitiveReportEvidence.uploadedAt), asc(fugitiveReportEvidence.id));
  },

  /**
   * Erasure: the evidence files received for a record (owner side), or uploaded for a peer's entry (the
   * reporter's side), with the origin of their bytes.
   */
  async evidenceFor(
    tx: Tx,
    where: { fugitiveId: string } | { entryId: string; direction: "out" },
  ): Promise<{ id: string; origin: string }[]> {
    return tx
      .select({ id: fugitiveReportEvidence.id, origin: fugitiveReportEvidence.origin })
      .from(fugitiveReportEvidence)
      .where(
        "fugitiveId" in where
          ? eq(fugitiveReportEvidence.fugitiveId, where.fugitiveId)
          : and(
              eq(fugitiveReportEvidence.entryId, where.entryId),
              eq(fugitiveReportEvidence.direction, where.direction),
            ),
      )
      .orderBy(asc(fugitiveReportEvidence.id));
  },

  async deleteEvidence(tx: Tx, ids: string[]): Promise<void> {
    if (ids.length) await tx.delete(fugitiveReportEvidence).where(inArray(fugitiveReportEvidence.id, ids));
  },

  /**
   * Files this node uploaded before `before` that no report has taken, oldest first, claimed for the rest of
   * `tx` (a report taking one of them waits, then finds it gone; another sweeping process skips them).
   */
  async claimUnsentEvidence(tx: Tx, before: Date, limit: number): Promise<EvidenceRow[]> {
    return tx
      .select()
      .from(fugitiveReportEvidence)
      .where(
        and(
          eq(fugitiveReportEvidence.direction, "out"),
          isNull(fugitiveReportEvidence.reportId),
          lt(fugitiveReportEvidence.uploadedAt, before),
        ),
      )
      .orderBy(asc(fugitiveReportEvidence.uploadedAt), asc(fugitiveReportEvidence.id))
      .limit(limit)
      .for("update", { skipLocked: true });
  },

  /** Evidence files no report took: their rows go (the caller removes the bytes). */
  async deleteUnsentEvidence(tx: Tx, ids: string[]): Promise<void> {
    if (!ids.length) return;
    await tx
      .delete(fugitiveReportEvidence)
      .where(and(inArray(fugitiveReportEvidence.id, ids), isNull(fugitiveReportEvidence.reportId)));
  },

  async findEvidence(dbx: DbOrTx, id: string): Promise<EvidenceRow | undefined> {
    const [row] = await dbx.select().from(fugitiveReportEvidence).where(eq(fugitiveReportEvidence.id, id));
    return row;
  },
};
