import { and, asc, desc, eq, inArray, lt, max, type SQL, sql } from "drizzle-orm";
import { type DbOrTx, rowsOf, type Tx } from "../../db/client.js";
import { assetCopies, assetStages, assets, assetVersions } from "../../db/schema/index.js";

/**
 * The assets module's data access: its own tables only. Every function takes the connection or transaction
 * to use (PGlite has one connection: inside a transaction, only the tx).
 */

export type AssetRow = typeof assets.$inferSelect;
export type AssetSet = Partial<typeof assets.$inferInsert>;
export type StageRow = typeof assetStages.$inferSelect;
export type AssetCopyRow = typeof assetCopies.$inferSelect;

/** Filters of the register and the totals. */
export interface AssetFilter {
  unitId: string;
  kind?: string;
  stage?: string;
  currency?: string;
  fugitiveId?: string;
  caseId?: string;
}

function whereOf(f: AssetFilter): SQL[] {
  const where: SQL[] = [eq(assets.unitId, f.unitId)];
  if (f.kind) where.push(eq(assets.kind, f.kind as AssetRow["kind"]));
  if (f.stage) where.push(eq(assets.stage, f.stage as AssetRow["stage"]));
  if (f.currency) where.push(eq(assets.currency, f.currency));
  if (f.fugitiveId) where.push(sql`${assets.fugitiveIds} @> ${JSON.stringify([f.fugitiveId])}::jsonb`);
  if (f.caseId) where.push(sql`${assets.caseIds} @> ${JSON.stringify([f.caseId])}::jsonb`);
  return where;
}

export const assetsRepo = {
  /**
   * Assets returned in a period (a `returned` stage entry dated then) that concern a peer: this node's own shared
   * with it, with their shared object (the caller keeps those whose object is still active), and the ids of the
   * peer's held here (the progress report before a dialogue round).
   */
  async returnedWithPeer(
    dbx: DbOrTx,
    peer: string,
    fromDay: string,
    toDay: string,
  ): Promise<{ own: { id: string; sharedObjectId: string }[]; held: string[] }> {
    const own = await dbx.execute(sql`
      select distinct a.id::text as id, a.shared_object_id as "sharedObjectId"
        from assets a
        join asset_stages s on s.asset_id = a.id
       where s.stage = 'returned' and s.date between ${fromDay} and ${toDay}
         and a.shared_object_id is not null and a.recipients @> ${JSON.stringify([peer])}::jsonb`);
    const held = await dbx.execute(sql`
      select c.shared_object_id as id
        from asset_copies c
       where c.owner_node = ${peer} and c.state = 'active'
         and exists (select 1 from jsonb_array_elements(c.content->'stages') s
                      where s->>'stage' = 'returned' and (s->>'date') between ${fromDay} and ${toDay})`);
    return {
      own: rowsOf<{ id: string; sharedObjectId: string }>(own),
      held: rowsOf<{ id: string }>(held).map((r) => r.id),
    };
  },

  /** The next number of the node's per-year sequence (the advisory lock serialises concurrent creations). */
  async nextSeq(tx: Tx, year: number): Promise<number> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('crossline.assets.seq'))`);
    const [r] = await tx
      .select({ m: max(assets.seq) })
      .from(assets)
      .where(eq(assets.year, year));
    return (r?.m ?? 0) + 1;
  },

  async insert(tx: Tx, values: typeof assets.$inferInsert): Promise<AssetRow> {
    const [row] = await tx.insert(assets).values(values).returning();
    return row as AssetRow;
  },

  async find(dbx: DbOrTx, id: string): Promise<AssetRow | undefined> {
    const [row] = await dbx.select().from(assets).where(eq(assets.id, id));
    return row;
  },

  async lock(tx: Tx, id: string): Promise<AssetRow | undefined> {
    const [row] = await tx.select().from(assets).where(eq(assets.id, id)).for("update");
    return row;
  },

  async byIds(dbx: DbOrTx, ids: string[]): Promise<AssetRow[]> {
    if (!ids.length) return [];
    return dbx.select().from(assets).where(inArray(assets.id, ids));
  },

  async update(tx: Tx, id: string, set: AssetSet): Promise<AssetRow> {
    const [row] = await tx.update(assets).set(set).where(eq(assets.id, id)).returning();
    return row as AssetRow;
  },

  /** A unit's assets, newest first, keyset by id. */
  async page(dbx: DbOrTx, f: AssetFilter & { afterId?: string; limit: number }): Promise<AssetRow[]> {
    const where = whereOf(f);
    if (f.afterId) where.push(lt(assets.id, f.afterId));
    return dbx
      .select()
      .from(assets)
      .where(and(...where))
      .orderBy(desc(assets.id))
      .limit(f.limit);
  },

  async insertStage(tx: Tx, values: typeof assetStages.$inferInsert): Promise<void> {
    await tx.insert(assetStages).values(values);
  },

  async stages(dbx: DbOrTx, assetId: string): Promise<StageRow[]> {
    return dbx
      .select()
      .from(assetStages)
      .where(eq(assetStages.assetId, assetId))
      .orderBy(asc(assetStages.seq));
  },

  async insertVersion(tx: Tx, values: typeof assetVersions.$inferInsert): Promise<void> {
    await tx.insert(assetVersions).values(values);
  },

  async versions(dbx: DbOrTx, assetId: string) {
    return dbx
      .select()
      .from(assetVersions)
      .where(eq(assetVersions.assetId, assetId))
      .orderBy(asc(assetVersions.version));
  },

  /**
   * Per currency and stage: the assets with an entry at that stage and the sum of those entries' amounts
   * (exact: numeric, returned as digits). Grouped by currency first, so no sum ever crosses currencies.
   */
  async stageTotals(dbx: DbOrTx, f: AssetFilter) {
    const where = and(...whereOf(f));
    const r = await dbx.execute(sql`
      select ${assets.currency} as currency, ${assetStages.stage} as stage,
             count(distinct ${assets.id})::int as assets,
             coalesce(sum(${assetStages.amountMinor}), 0)::text as minor
        from ${assets}
        join ${assetStages} on ${assetStages.assetId} = ${assets.id}
       where ${where}
       group by ${assets.currency}, ${assetStages.stage}
       order by ${assets.currency}, ${assetStages.stage}`);
    return rowsOf<{ currency: string; stage: AssetRow["stage"]; assets: number; minor: string }>(r);
  },

  /** Per currency: the assets and their estimated values summed. */
  async valueTotals(dbx: DbOrTx, f: AssetFilter) {
    const where = and(...whereOf(f));
    const r = await dbx.execute(sql`
      select ${assets.currency} as currency, count(*)::int as assets,
             coalesce(sum(${assets.valueMinor}), 0)::text as minor
        from ${assets}
       where ${where}
       group by ${assets.currency}
       order by ${assets.currency}`);
    return rowsOf<{ currency: string; assets: number; minor: string }>(r);
  },

  // --- received copies ---

  async upsertCopy(tx: Tx, row: AssetCopyRow): Promise<void> {
    await tx
      .insert(assetCopies)
      .values(row)
      .onConflictDoUpdate({
        target: assetCopies.sharedObjectId,
        set: { version: row.version, state: row.state, content: row.content, updatedAt: row.updatedAt },
      });
  },

  async findCopy(dbx: DbOrTx, id: string): Promise<AssetCopyRow | undefined> {
    const [row] = await dbx.select().from(assetCopies).where(eq(assetCopies.sharedObjectId, id));
    return row;
  },

  async copiesOfUnit(dbx: DbOrTx, unitId: string): Promise<AssetCopyRow[]> {
    return dbx
      .select()
      .from(assetCopies)
      .where(eq(assetCopies.unitId, unitId))
      .orderBy(desc(assetCopies.updatedAt));
  },
};
