import {
  and,
  asc,
  desc,
  eq,
  exists,
  ilike,
  inArray,
  isNotNull,
  lt,
  max,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import {
  caseCustody,
  caseEvidence,
  caseIdentifiers,
  caseMembers,
  caseNotes,
  caseShares,
  caseSubjects,
  cases,
  caseTasks,
} from "../../db/schema/index.js";

/**
 * The cases module's data access: its own tables only (cases and what hangs off them). Every function takes
 * the connection or transaction to use (PGlite has one connection: inside a transaction, only the tx).
 */

export type CaseRow = typeof cases.$inferSelect;
export type CaseSet = Partial<typeof cases.$inferInsert>;
export type EvidenceRow = typeof caseEvidence.$inferSelect;
export type CustodyRow = typeof caseCustody.$inferSelect;
export type TaskRow = typeof caseTasks.$inferSelect;
export type ShareRow = typeof caseShares.$inferSelect;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export const casesRepo = {
  /**
   * The next number of the node's per-year sequence. Two officers creating cases at once on PostgreSQL
   * would read the same maximum: the transaction-scoped advisory lock serialises them (held until commit).
   */
  async nextSeq(tx: Tx, year: number): Promise<number> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('crossline.cases.seq'))`);
    const [r] = await tx
      .select({ m: max(cases.seq) })
      .from(cases)
      .where(eq(cases.year, year));
    return (r?.m ?? 0) + 1;
  },

  async insert(tx: Tx, values: typeof cases.$inferInsert): Promise<CaseRow> {
    const [row] = await tx.insert(cases).values(values).returning();
    return row as CaseRow;
  },

  async find(dbx: DbOrTx, id: string): Promise<CaseRow | undefined> {
    const [row] = await dbx.select().from(cases).where(eq(cases.id, id));
    return row;
  },

  async lock(tx: Tx, id: string): Promise<CaseRow | undefined> {
    const [row] = await tx.select().from(cases).where(eq(cases.id, id)).for("update");
    return row;
  },

  async update(tx: Tx, id: string, set: CaseSet): Promise<CaseRow> {
    const [row] = await tx.update(cases).set(set).where(eq(cases.id, id)).returning();
    return row as CaseRow;
  },

  async bySharedObject(dbx: DbOrTx, ids: string[]): Promise<CaseRow[]> {
    if (!ids.length) return [];
    return dbx.select().from(cases).where(inArray(cases.sharedObjectId, ids));
  },

  /** The cases a unit owns or a user was added to, newest first, filtered; `afterId` pages. */
  page(
    dbx: DbOrTx,
    q: {
      unitId: string | null;
      userId: string | null;
      status?: string;
      category?: string;
      priority?: boolean;
      search?: string;
      afterId?: string;
      limit: number;
    },
  ): Promise<CaseRow[]> {
    const access: SQL[] = [];
    if (q.unitId) access.push(eq(cases.unitId, q.unitId));
    if (q.userId) {
      access.push(
        exists(
          dbx
            .select({ one: sql`1` })
            .from(caseMembers)
            .where(and(eq(caseMembers.caseId, cases.id), eq(caseMembers.userId, q.userId))),
        ),
      );
    }
    if (!access.length) return Promise.resolve([]);
    const where: (SQL | undefined)[] = [or(...access)];
    if (q.status) where.push(eq(cases.status, q.status as CaseRow["status"]));
    if (q.category) where.push(eq(cases.category, q.category as CaseRow["category"]));
    if (q.priority !== undefined) where.push(eq(cases.priority, q.priority));
    if (q.search) {
      const like = `%${escapeLike(q.search.toLowerCase())}%`;
      where.push(or(ilike(cases.reference, like), sql`${cases.titleSearch} like ${like}`));
    }
    if (q.afterId) where.push(lt(cases.id, q.afterId));
    return dbx
      .select()
      .from(cases)
      .where(and(...where))
      .orderBy(desc(cases.id))
      .limit(q.limit);
  },

  /** Own cases of a unit (or its members') that carry a shared summary: the priority list's own side. */
  withSummary(dbx: DbOrTx, unitId: string): Promise<CaseRow[]> {
    return dbx
      .select()
      .from(cases)
      .where(and(eq(cases.unitId, unitId), isNotNull(cases.sharedObjectId)))
      .orderBy(desc(cases.id));
  },

  async isMember(dbx: DbOrTx, caseId: string, userId: string): Promise<boolean> {
    const [r] = await dbx
      .select({ userId: caseMembers.userId })
      .from(caseMembers)
      .where(and(eq(caseMembers.caseId, caseId), eq(caseMembers.userId, userId)));
    return !!r;
  },

  members: (dbx: DbOrTx, caseId: string) =>
    dbx.select().from(caseMembers).where(eq(caseMembers.caseId, caseId)).orderBy(asc(caseMembers.addedAt)),
  addMember: (tx: Tx, values: typeof caseMembers.$inferInsert) =>
    tx.insert(caseMembers).values(values).onConflictDoNothing(),
  removeMember: (tx: Tx, caseId: string, userId: string) =>
    tx
      .delete(caseMembers)
      .where(and(eq(caseMembers.caseId, caseId), eq(caseMembers.userId, userId)))
      .returning(),

  subjects: (dbx: DbOrTx, caseId: string) =>
    dbx.select().from(caseSubjects).where(eq(caseSubjects.caseId, caseId)).orderBy(asc(caseSubjects.id)),
  /** A merge of two person records: the subjects of these cases naming `from` name `to`. */
  repointSubjects: (tx: Tx, caseIds: string[], from: string, to: string) =>
    caseIds.length
      ? tx
          .update(caseSubjects)
          .set({ personId: to })
          .where(and(inArray(caseSubjects.caseId, caseIds), eq(caseSubjects.personId, from)))
      : Promise.resolve(),
  insertSubject: (tx: Tx, values: typeof caseSubjects.$inferInsert) =>
    tx.insert(caseSubjects).values(values).returning(),

  identifiers: (dbx: DbOrTx, caseId: string) =>
    dbx
      .select()
      .from(caseIdentifiers)
      .where(eq(caseIdentifiers.caseId, caseId))
      .orderBy(asc(caseIdentifiers.id)),
  /** Inserts an identifier unless the case holds it already (same type and canonical value): rows added. */
  insertIdentifier: (tx: Tx, values: typeof caseIdentifiers.$inferInsert) =>
    tx.insert(caseIdentifiers).values(values).onConflictDoNothing().returning(),

  evidence: (dbx: DbOrTx, caseId: string) =>
    dbx.select().from(caseEvidence).where(eq(caseEvidence.caseId, caseId)).orderBy(asc(caseEvidence.id)),
  async findEvidence(dbx: DbOrTx, caseId: string, id: string): Promise<EvidenceRow | undefined> {
    const [row] = await dbx
      .select()
      .from(caseEvidence)
      .where(and(eq(caseEvidence.caseId, caseId), eq(caseEvidence.id, id)));
    return row;
  },
  insertEvidence: (tx: Tx, values: typeof caseEvidence.$inferInsert) =>
    tx.insert(caseEvidence).values(values).returning(),
  custodyOf: (dbx: DbOrTx, evidenceIds: string[]) =>
    evidenceIds.length
      ? dbx
          .select()
          .from(caseCustody)
          .where(inArray(caseCustody.evidenceId, evidenceIds))
          .orderBy(asc(caseCustody.at), asc(caseCustody.id))
      : Promise.resolve([] as CustodyRow[]),
  /** The chain of custody only grows: there is no update or delete here (and the database refuses them). */
  appendCustody: (tx: Tx, values: typeof caseCustody.$inferInsert) => tx.insert(caseCustody).values(values),

  tasks: (dbx: DbOrTx, caseId: string) =>
    dbx.select().from(caseTasks).where(eq(caseTasks.caseId, caseId)).orderBy(asc(caseTasks.id)),
  async lockTask(tx: Tx, caseId: string, id: string): Promise<TaskRow | undefined> {
    const [row] = await tx
      .select()
      .from(caseTasks)
      .where(and(eq(caseTasks.caseId, caseId), eq(caseTasks.id, id)))
      .for("update");
    return row;
  },
  insertTask: (tx: Tx, values: typeof caseTasks.$inferInsert) => tx.insert(caseTasks).values(values),
  updateTask: (tx: Tx, id: string, set: Partial<typeof caseTasks.$inferInsert>) =>
    tx.update(caseTasks).set(set).where(eq(caseTasks.id, id)),

  notes: (dbx: DbOrTx, caseId: string) =>
    dbx.select().from(caseNotes).where(eq(caseNotes.caseId, caseId)).orderBy(asc(caseNotes.id)),
  insertNote: (tx: Tx, values: typeof caseNotes.$inferInsert) => tx.insert(caseNotes).values(values),

  shares: (dbx: DbOrTx, caseId: string) =>
    dbx.select().from(caseShares).where(eq(caseShares.caseId, caseId)).orderBy(asc(caseShares.id)),
  async lockShare(tx: Tx, caseId: string, id: string): Promise<ShareRow | undefined> {
    const [row] = await tx
      .select()
      .from(caseShares)
      .where(and(eq(caseShares.caseId, caseId), eq(caseShares.id, id)))
      .for("update");
    return row;
  },
  insertShare: (tx: Tx, values: typeof caseShares.$inferInsert) => tx.insert(caseShares).values(values),
  updateShare: (tx: Tx, id: string, set: Partial<typeof caseShares.$inferInsert>) =>
    tx.update(caseShares).set(set).where(eq(caseShares.id, id)),
};
