import { and, desc, eq, inArray, or, sql } from "drizzle-orm";
import { type DbOrTx, rowsOf, type Tx } from "../../db/client.js";
import { repatriationCases } from "../../db/schema/index.js";

/** The repatriation module's data access: its own table only. Every function takes the connection or transaction. */

export type CaseRow = typeof repatriationCases.$inferSelect;
export type CaseInsert = typeof repatriationCases.$inferInsert;
export type CaseSet = Partial<CaseInsert>;

export const repatriationRepo = {
  async insert(tx: Tx, row: CaseInsert): Promise<CaseRow> {
    const [r] = await tx.insert(repatriationCases).values(row).returning();
    return r as CaseRow;
  },

  async find(dbx: DbOrTx, id: string): Promise<CaseRow | undefined> {
    const [r] = await dbx.select().from(repatriationCases).where(eq(repatriationCases.id, id));
    return r;
  },

  async lock(tx: Tx, id: string): Promise<CaseRow | undefined> {
    const [r] = await tx.select().from(repatriationCases).where(eq(repatriationCases.id, id)).for("update");
    return r;
  },

  async byIds(dbx: DbOrTx, ids: string[]): Promise<CaseRow[]> {
    if (!ids.length) return [];
    return dbx.select().from(repatriationCases).where(inArray(repatriationCases.id, ids));
  },

  async bySharedObject(dbx: DbOrTx, soId: string): Promise<CaseRow | undefined> {
    const [r] = await dbx.select().from(repatriationCases).where(eq(repatriationCases.sharedObjectId, soId));
    return r;
  },

  async update(tx: Tx, id: string, set: CaseSet): Promise<CaseRow> {
    const [r] = await tx.update(repatriationCases).set(set).where(eq(repatriationCases.id, id)).returning();
    return r as CaseRow;
  },

  async remove(tx: Tx, id: string): Promise<void> {
    await tx.delete(repatriationCases).where(eq(repatriationCases.id, id));
  },

  /** The next number of the node's per-year sequence (the advisory lock serialises concurrent creations). */
  async nextSeq(tx: Tx, prefix: string): Promise<number> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('crossline.repatriation.seq'))`);
    // The number after the prefix compared as a number: as text, "…-9999" sorts after "…-10000", and the
    // ten-thousandth case of a year would get the number of the one before it again.
    const suffix = sql`substring(${repatriationCases.reference} from ${prefix.length + 1}::int)`;
    const [r] = await tx
      .select({ n: sql<string | null>`max(${suffix}::bigint)` })
      .from(repatriationCases)
      .where(
        and(
          eq(repatriationCases.direction, "own"),
          sql`${repatriationCases.reference} like ${`${prefix}%`}`,
          sql`${suffix} ~ '^[0-9]{1,15}$'`,
        ),
      );
    return Number(r?.n ?? 0) + 1;
  },

  async ofUnit(dbx: DbOrTx, unitId: string, q: { status?: string; limit: number }): Promise<CaseRow[]> {
    return dbx
      .select()
      .from(repatriationCases)
      .where(
        and(
          eq(repatriationCases.unitId, unitId),
          q.status ? eq(repatriationCases.status, q.status as CaseRow["status"]) : undefined,
        ),
      )
      .orderBy(desc(repatriationCases.id))
      .limit(q.limit);
  },

  /** Cases of a unit waiting for a verification answer or a travel document (the board). */
  async pendingOfUnit(dbx: DbOrTx, unitId: string): Promise<CaseRow[]> {
    return dbx
      .select()
      .from(repatriationCases)
      .where(
        and(
          eq(repatriationCases.unitId, unitId),
          inArray(repatriationCases.status, ["awaiting_verification", "awaiting_document"]),
        ),
      );
  },

  /**
   * Cases past a deadline whose people have not been told yet, claimed FOR UPDATE SKIP LOCKED so that several
   * processes of one node may sweep at once.
   */
  async claimOverdue(tx: Tx, now: Date, limit: number): Promise<CaseRow[]> {
    return tx
      .select()
      .from(repatriationCases)
      .where(
        or(
          and(
            eq(repatriationCases.status, "awaiting_verification"),
            sql`${repatriationCases.verificationDueAt} < ${now.toISOString()}`,
            sql`not ('verification' = any(${repatriationCases.overdueTold}))`,
          ),
          and(
            eq(repatriationCases.status, "awaiting_document"),
            sql`${repatriationCases.documentDueAt} < ${now.toISOString()}`,
            sql`not ('document' = any(${repatriationCases.overdueTold}))`,
          ),
        ),
      )
      .limit(limit)
      .for("update", { skipLocked: true });
  },

  /** Every case of a unit that had a step in [from, to): the monthly figures read their content. */
  async touchedBetween(dbx: DbOrTx, unitId: string, from: Date, to: Date): Promise<CaseRow[]> {
    return dbx
      .select()
      .from(repatriationCases)
      .where(
        and(
          eq(repatriationCases.unitId, unitId),
          sql`${repatriationCases.updatedAt} >= ${from.toISOString()}`,
          sql`${repatriationCases.createdAt} < ${to.toISOString()}`,
        ),
      );
  },

  /** Arrivals with one peer between two days (either side's cases): the progress report before a round. */
  async arrivalsWithPeer(dbx: DbOrTx, peer: string, fromDay: string, toDay: string): Promise<string[]> {
    const r = await dbx.execute(sql`
      select c.reference as id from repatriation_cases c
       where c.status = 'arrived' and c.peer = ${peer}
         and exists (select 1 from jsonb_array_elements(c.content->'steps') s
                      where s->>'kind' = 'arrived' and substr(s->>'at', 1, 10) between ${fromDay} and ${toDay})`);
    return rowsOf<{ id: string }>(r).map((x) => x.id);
  },
};
