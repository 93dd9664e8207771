import { and, asc, desc, eq, inArray, isNotNull, lt, lte, type SQL } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import { sharedObjectHolders, sharedObjects } from "../../db/schema/index.js";

export type SharedObjectRow = typeof sharedObjects.$inferSelect;
export type HolderRow = typeof sharedObjectHolders.$inferSelect;

/** Data access of the shared-objects module: the only code that reads or writes its two tables. */
export const sharedObjectsRepo = {
  async find(dbx: DbOrTx, id: string): Promise<SharedObjectRow | undefined> {
    const [r] = await dbx.select().from(sharedObjects).where(eq(sharedObjects.id, id));
    return r;
  },

  /** The row, locked until the transaction ends: every change of an object goes through here first. */
  async lock(tx: Tx, id: string): Promise<SharedObjectRow | undefined> {
    const [r] = await tx.select().from(sharedObjects).where(eq(sharedObjects.id, id)).for("update");
    return r;
  },

  async insert(tx: Tx, row: typeof sharedObjects.$inferInsert): Promise<SharedObjectRow> {
    const [r] = await tx.insert(sharedObjects).values(row).returning();
    return r;
  },

  async update(
    tx: Tx,
    id: string,
    set: Partial<typeof sharedObjects.$inferInsert>,
  ): Promise<SharedObjectRow> {
    const [r] = await tx.update(sharedObjects).set(set).where(eq(sharedObjects.id, id)).returning();
    return r;
  },

  /** Newest first; `afterId` is the previous page's last id (ids are so_<uuidv7>, so they sort by creation). */
  async page(
    dbx: DbOrTx,
    q: {
      unitId: string;
      type?: string;
      direction?: "own" | "received";
      state?: "active" | "withdrawn";
      afterId?: string;
      limit: number;
    },
  ): Promise<SharedObjectRow[]> {
    const where: SQL[] = [eq(sharedObjects.unitId, q.unitId)];
    if (q.type) where.push(eq(sharedObjects.type, q.type));
    if (q.direction) where.push(eq(sharedObjects.direction, q.direction));
    if (q.state) where.push(eq(sharedObjects.state, q.state));
    if (q.afterId) where.push(lt(sharedObjects.id, q.afterId));
    return dbx
      .select()
      .from(sharedObjects)
      .where(and(...where))
      .orderBy(desc(sharedObjects.id))
      .limit(q.limit);
  },

  async findMany(dbx: DbOrTx, ids: string[]): Promise<SharedObjectRow[]> {
    if (!ids.length) return [];
    return dbx.select().from(sharedObjects).where(inArray(sharedObjects.id, ids));
  },

  /** Objects whose personal data is due for erasure by `at` (retain_until is indexed for this), oldest first. */
  /** Objects whose retention end is at or before `at` (`only`: that object alone, if it is). */
  async dueForRetention(dbx: DbOrTx, at: Date, limit: number, only?: string) {
    return dbx
      .select({ id: sharedObjects.id, retainUntil: sharedObjects.retainUntil })
      .from(sharedObjects)
      .where(
        and(
          isNotNull(sharedObjects.retainUntil),
          lte(sharedObjects.retainUntil, at),
          only ? eq(sharedObjects.id, only) : undefined,
        ),
      )
      .orderBy(asc(sharedObjects.retainUntil))
      .limit(limit);
  },

  async holders(dbx: DbOrTx, objectIds: string[]): Promise<HolderRow[]> {
    if (!objectIds.length) return [];
    return dbx.select().from(sharedObjectHolders).where(inArray(sharedObjectHolders.objectId, objectIds));
  },

  async addHolder(tx: Tx, row: typeof sharedObjectHolders.$inferInsert): Promise<void> {
    await tx.insert(sharedObjectHolders).values(row);
  },

  async setHolder(
    tx: Tx,
    objectId: string,
    peerId: string,
    set: Partial<typeof sharedObjectHolders.$inferInsert>,
  ): Promise<void> {
    await tx
      .update(sharedObjectHolders)
      .set(set)
      .where(and(eq(sharedObjectHolders.objectId, objectId), eq(sharedObjectHolders.peerId, peerId)));
  },
};
