import type { FlagState, LawfulKind } from "@crossline/schemas";
import { and, asc, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import { lawfulFlags, lawfulRecords, lawfulRefusals, lawfulSettings } from "../../db/schema/index.js";

export type LawfulRecordRow = typeof lawfulRecords.$inferSelect;
export type FlagRow = typeof lawfulFlags.$inferSelect;
export type RefusalRow = typeof lawfulRefusals.$inferSelect;
export type SettingsRow = typeof lawfulSettings.$inferSelect;

const key = (kind: LawfulKind, recordId: string) =>
  and(eq(lawfulRecords.kind, kind), eq(lawfulRecords.recordId, recordId));

/** Data access of the lawful module: the only code on its four tables. */
export const lawfulRepo = {
  async find(dbx: DbOrTx, kind: LawfulKind, recordId: string): Promise<LawfulRecordRow | undefined> {
    const [r] = await dbx.select().from(lawfulRecords).where(key(kind, recordId));
    return r;
  },

  async lock(tx: Tx, kind: LawfulKind, recordId: string): Promise<LawfulRecordRow | undefined> {
    const [r] = await tx.select().from(lawfulRecords).where(key(kind, recordId)).for("update");
    return r;
  },

  /** Creates the record's row or restates its basis (a draft edited): a stated basis is no longer pending review. */
  async upsert(tx: Tx, row: typeof lawfulRecords.$inferInsert): Promise<LawfulRecordRow> {
    const [r] = await tx
      .insert(lawfulRecords)
      .values(row)
      .onConflictDoUpdate({
        target: [lawfulRecords.kind, lawfulRecords.recordId],
        set: {
          instrument: row.instrument,
          article: row.article ?? null,
          reference: row.reference ?? null,
          purpose: row.purpose,
          ownerUnitId: row.ownerUnitId,
          pendingReview: false,
          updatedAt: row.updatedAt,
        },
      })
      .returning();
    return r;
  },

  async update(
    tx: Tx,
    kind: LawfulKind,
    recordId: string,
    set: Partial<typeof lawfulRecords.$inferInsert>,
  ): Promise<LawfulRecordRow> {
    const [r] = await tx.update(lawfulRecords).set(set).where(key(kind, recordId)).returning();
    return r;
  },

  /** Open records of a kind whose retention start is not known yet (keyset by record id). */
  async withoutStart(dbx: DbOrTx, kind: LawfulKind, afterId: string, limit: number) {
    return dbx
      .select({ recordId: lawfulRecords.recordId })
      .from(lawfulRecords)
      .where(
        and(
          eq(lawfulRecords.kind, kind),
          isNull(lawfulRecords.retentionStart),
          isNull(lawfulRecords.erasedAt),
          sql`${lawfulRecords.recordId} > ${afterId}`,
        ),
      )
      .orderBy(asc(lawfulRecords.recordId))
      .limit(limit);
  },

  /** Records due for review or erasure by `at`, not erased, oldest due first. */
  async due(dbx: DbOrTx, at: Date, limit: number): Promise<LawfulRecordRow[]> {
    return dbx
      .select()
      .from(lawfulRecords)
      .where(
        and(
          isNull(lawfulRecords.erasedAt),
          or(lte(lawfulRecords.retainUntil, at), lte(lawfulRecords.reviewAt, at)),
        ),
      )
      .orderBy(asc(sql`least(${lawfulRecords.retainUntil}, ${lawfulRecords.reviewAt})`))
      .limit(limit);
  },

  /** Re-derives the retention end of a kind's records after the policy changed. */
  async recomputeRetention(tx: Tx, kind: LawfulKind, years: number): Promise<void> {
    await tx
      .update(lawfulRecords)
      .set({ retainUntil: sql`${lawfulRecords.retentionStart} + make_interval(years => ${years}::int)` })
      .where(and(eq(lawfulRecords.kind, kind), isNull(lawfulRecords.erasedAt)));
  },

  async settings(dbx: DbOrTx): Promise<SettingsRow | undefined> {
    const [r] = await dbx.select().from(lawfulSettings).where(eq(lawfulSettings.id, 1));
    return r;
  },

  /** The settings row locked, or undefined when another process holds it (it is running the job now). */
  async claimSettings(tx: Tx, now: Date): Promise<SettingsRow | undefined> {
    await tx.insert(lawfulSettings).values({ id: 1, updatedAt: now }).onConflictDoNothing();
    const [r] = await tx
      .select()
      .from(lawfulSettings)
      .where(eq(lawfulSettings.id, 1))
      .for("update", { skipLocked: true });
    return r;
  },

  async setSettings(tx: Tx, set: Partial<typeof lawfulSettings.$inferInsert>, now: Date): Promise<void> {
    await tx
      .insert(lawfulSettings)
      .values({ id: 1, updatedAt: now, ...set })
      .onConflictDoUpdate({ target: lawfulSettings.id, set: { ...set, updatedAt: now } });
  },

  // ---- screening

  /**
   * Makes the flags and refusals of one item take turns to their commit (a transaction-level advisory lock on
   * the item: there is no row of the item in this module to lock). The partial unique indexes
   * lawful_flags_one_open and lawful_refusals_one_sent hold the same rule in the database.
   */
  async lockScreening(tx: Tx, kind: LawfulKind, recordId: string): Promise<void> {
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtext('crossline.lawful.screening'), hashtext(${`${kind}:${recordId}`}))`,
    );
  },

  async insertFlag(tx: Tx, row: typeof lawfulFlags.$inferInsert): Promise<FlagRow> {
    const [r] = await tx.insert(lawfulFlags).values(row).returning();
    return r;
  },

  async lockFlag(tx: Tx, id: string): Promise<FlagRow | undefined> {
    const [r] = await tx.select().from(lawfulFlags).where(eq(lawfulFlags.id, id)).for("update");
    return r;
  },

  async updateFlag(tx: Tx, id: string, set: Partial<typeof lawfulFlags.$inferInsert>): Promise<FlagRow> {
    const [r] = await tx.update(lawfulFlags).set(set).where(eq(lawfulFlags.id, id)).returning();
    return r;
  },

  async flagsOf(dbx: DbOrTx, kind: LawfulKind, recordId: string): Promise<FlagRow[]> {
    return dbx
      .select()
      .from(lawfulFlags)
      .where(and(eq(lawfulFlags.kind, kind), eq(lawfulFlags.recordId, recordId)))
      .orderBy(asc(lawfulFlags.flaggedAt), asc(lawfulFlags.id));
  },

  async flags(dbx: DbOrTx, q: { states: FlagState[]; limit: number }): Promise<FlagRow[]> {
    return dbx
      .select()
      .from(lawfulFlags)
      .where(inArray(lawfulFlags.state, q.states))
      .orderBy(asc(lawfulFlags.flaggedAt), asc(lawfulFlags.id))
      .limit(q.limit);
  },

  async insertRefusal(tx: Tx, row: typeof lawfulRefusals.$inferInsert): Promise<RefusalRow> {
    const [r] = await tx.insert(lawfulRefusals).values(row).returning();
    return r;
  },

  /**
   * Stores a refusal received from a peer, unless that peer's refusal of the item is stored already (the unique
   * index lawful_refusals_one_received, whoever inserted it): undefined then.
   */
  async insertReceivedRefusal(
    tx: Tx,
    row: typeof lawfulRefusals.$inferInsert & { direction: "received" },
  ): Promise<RefusalRow | undefined> {
    const [r] = await tx
      .insert(lawfulRefusals)
      .values(row)
      .onConflictDoNothing({
        target: [lawfulRefusals.kind, lawfulRefusals.recordId, lawfulRefusals.peerId],
        where: sql`direction = 'received'`,
      })
      .returning();
    return r;
  },

  async refusalsOf(dbx: DbOrTx, kind: LawfulKind, recordId: string): Promise<RefusalRow[]> {
    return dbx
      .select()
      .from(lawfulRefusals)
      .where(and(eq(lawfulRefusals.kind, kind), eq(lawfulRefusals.recordId, recordId)))
      .orderBy(asc(lawfulRefusals.at));
  },

  /** Decided flags and refusals per ground in [from, to): the reports' screening figures. */
  async groundCounts(dbx: DbOrTx, from: Date | null, to: Date | null) {
    const range = (col: typeof lawfulFlags.decidedAt | typeof lawfulRefusals.at) =>
      sql`${from ? sql`${col} >= ${from}` : sql`true`} and ${to ? sql`${col} < ${to}` : sql`true`}`;
    const flags = await dbx
      .select({ ground: lawfulFlags.ground, state: lawfulFlags.state, n: sql<number>`count(*)::int` })
      .from(lawfulFlags)
      .where(and(inArray(lawfulFlags.state, ["cleared", "blocked"]), range(lawfulFlags.decidedAt)))
      .groupBy(lawfulFlags.ground, lawfulFlags.state);
    const refusals = await dbx
      .select({
        ground: lawfulRefusals.ground,
        direction: lawfulRefusals.direction,
        n: sql<number>`count(*)::int`,
      })
      .from(lawfulRefusals)
      .where(range(lawfulRefusals.at))
      .groupBy(lawfulRefusals.ground, lawfulRefusals.direction);
    const [open] = await dbx
      .select({ n: sql<number>`count(*)::int` })
      .from(lawfulFlags)
      .where(eq(lawfulFlags.state, "flagged"));
    return { flags, refusals, open: Number(open?.n ?? 0) };
  },
};
