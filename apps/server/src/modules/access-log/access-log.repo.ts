import { and, desc, eq, gt, inArray, lt, lte, or, type SQL, sql } from "drizzle-orm";
import { type DbOrTx, rowsOf, type Tx } from "../../db/client.js";
import { accessLog, accessLogPolicy, accessLogSeals } from "../../db/schema/index.js";

/**
 * The log's write lock (an advisory lock key): every write holds it shared, from before its ids are drawn to its
 * commit; the seal takes it exclusively to read where it ends. Identity values commit out of order: a write that
 * drew a lower id and committed after a seal had read past it would sit inside a sealed range without being in
 * its hash (verify: a row slipped in, a false alarm) and be sealed never. With the lock, every id up to the seal's
 * end is committed when it is read, and every id drawn after is higher.
 */
const WRITE_LOCK = sql`hashtext('crossline.access_log.write')`;

export type AccessLogRow = typeof accessLog.$inferSelect;
export type AccessLogInsert = Omit<typeof accessLog.$inferInsert, "id">;
export type SealRow = typeof accessLogSeals.$inferSelect;

/**
 * The day of a read on a zone's calendar. The zone (the node's, an IANA name the settings check) is
 * written into the statement as a quoted literal, not a parameter: the same expression is selected and grouped
 * by, and PostgreSQL would not know two parameters to be the same value.
 */
const dayIn = (timeZone: string) =>
  sql<string>`to_char(${accessLog.at} at time zone ${sql.raw(`'${timeZone.replaceAll("'", "''")}'`)}, 'YYYY-MM-DD')`;

/** Data access of the access-log module: the only code on access_log, its seals and its policy. */
export const accessLogRepo = {
  /**
   * One INSERT for the whole batch (a list page's rows): the cost a read pays for being logged. Outside a
   * transaction, the statement commits asynchronously (`synchronous_commit` off for its own transaction
   * only, set inside the statement): the read waits for no disk flush; see docs/persons.md for what that
   * trades. Inside the caller's transaction it is a plain insert (the caller's commit must stay synchronous).
   * Either way under the write lock, shared (WRITE_LOCK).
   */
  async insert(dbx: DbOrTx, rows: AccessLogInsert[]): Promise<void> {
    if (rows.length === 0) return;
    if ("rollback" in dbx) {
      await dbx.execute(sql`select pg_advisory_xact_lock_shared(${WRITE_LOCK})`);
      await dbx.insert(accessLog).values(rows);
      return;
    }
    const values = rows.map(
      (r) =>
        sql`(${r.at}::timestamptz, ${r.actorId ?? null}::text, ${r.actorLabel}::text, ${r.actorUnitId ?? null}::uuid,
             ${r.action}::text, ${r.recordType}::text, ${r.recordId}::text, ${r.recordUnitId ?? null}::uuid,
             ${r.personId ?? null}::uuid, ${r.reason ?? null}::text, ${r.requestId ?? null}::text)`,
    );
    // The write lock (shared) before any id is drawn: the CTE's row joins every row inserted.
    await dbx.execute(sql`
      with w as materialized (select pg_advisory_xact_lock_shared(${WRITE_LOCK}))
      insert into access_log (at, actor_id, actor_label, actor_unit_id, action, record_type, record_id,
                              record_unit_id, person_id, reason, request_id)
      select v.* from (values ${sql.join(values, sql`, `)}) as v, w
       where set_config('synchronous_commit', 'off', true) is not null`);
  },

  /** Rows about a person: read as the person, or through one of the records that name them. Newest first. */
  async forPerson(
    dbx: DbOrTx,
    q: { personId: string; recordIds: string[]; beforeId?: number; limit: number },
  ): Promise<AccessLogRow[]> {
    const about: SQL[] = [eq(accessLog.personId, q.personId)];
    if (q.recordIds.length) about.push(inArray(accessLog.recordId, q.recordIds));
    const where: (SQL | undefined)[] = [or(...about)];
    if (q.beforeId !== undefined) where.push(lt(accessLog.id, q.beforeId));
    return dbx
      .select()
      .from(accessLog)
      .where(and(...where))
      .orderBy(desc(accessLog.id))
      .limit(q.limit);
  },

  /** Reads per user per day (on `timeZone`'s calendar) in [from, to) above `threshold`. */
  async volumeAbove(dbx: DbOrTx, from: Date, to: Date, threshold: number, timeZone: string) {
    const day = dayIn(timeZone);
    return dbx
      .select({
        actorId: accessLog.actorId,
        actorLabel: sql<string>`max(${accessLog.actorLabel})`,
        day,
        count: sql<number>`count(*)::int`,
      })
      .from(accessLog)
      .where(and(sql`${accessLog.at} >= ${from}`, lt(accessLog.at, to)))
      .groupBy(accessLog.actorId, day)
      .having(sql`count(*) > ${threshold}`)
      .orderBy(day, accessLog.actorId);
  },

  /**
   * Reads of records owned by a unit other than the reader's, per user per day (on `timeZone`'s calendar), in
   * [from, to).
   */
  async outsideUnit(dbx: DbOrTx, from: Date, to: Date, timeZone: string) {
    const day = dayIn(timeZone);
    return dbx
      .select({
        actorId: accessLog.actorId,
        actorLabel: sql<string>`max(${accessLog.actorLabel})`,
        day,
        count: sql<number>`count(*)::int`,
      })
      .from(accessLog)
      .where(
        and(
          sql`${accessLog.at} >= ${from}`,
          lt(accessLog.at, to),
          sql`${accessLog.recordUnitId} is not null`,
          sql`${accessLog.actorUnitId} is distinct from ${accessLog.recordUnitId}`,
        ),
      )
      .groupBy(accessLog.actorId, day)
      .orderBy(day, accessLog.actorId);
  },

  async lastSeal(dbx: DbOrTx): Promise<SealRow | undefined> {
    const [r] = await dbx.select().from(accessLogSeals).orderBy(desc(accessLogSeals.seq)).limit(1);
    return r;
  },

  async seals(dbx: DbOrTx, afterSeq: number, limit: number): Promise<SealRow[]> {
    return dbx
      .select()
      .from(accessLogSeals)
      .where(gt(accessLogSeals.seq, afterSeq))
      .orderBy(accessLogSeals.seq)
      .limit(limit);
  },

  async insertSeal(tx: Tx, row: SealRow): Promise<void> {
    await tx.insert(accessLogSeals).values(row);
  },

  /**
   * The write lock taken exclusively for the caller's transaction, if no write of the log is in flight (every
   * write holds it shared from before its ids are drawn to its commit); false, without waiting, if one is.
   */
  async tryLockWrites(tx: Tx): Promise<boolean> {
    const [r] = rowsOf<{ ok: boolean }>(
      await tx.execute(sql`select pg_try_advisory_xact_lock(${WRITE_LOCK}) as ok`),
    );
    return r?.ok === true;
  },

  /** The highest id written before `before` (the end of the next seal), or null. */
  async maxIdBefore(dbx: DbOrTx, afterId: number, before: Date): Promise<number | null> {
    const [r] = await dbx
      .select({ id: sql<string | null>`max(${accessLog.id})` })
      .from(accessLog)
      .where(and(gt(accessLog.id, afterId), lt(accessLog.at, before)));
    return r?.id == null ? null : Number(r.id);
  },

  /** Rows with fromId < id ≤ toId, in id order, a page at a time. */
  async rowsBetween(dbx: DbOrTx, fromId: number, toId: number, limit: number): Promise<AccessLogRow[]> {
    const where: SQL[] = [gt(accessLog.id, fromId), lte(accessLog.id, toId)];
    return dbx
      .select()
      .from(accessLog)
      .where(and(...where))
      .orderBy(accessLog.id)
      .limit(limit);
  },

  async countAfter(dbx: DbOrTx, afterId: number): Promise<number> {
    const [r] = await dbx
      .select({ n: sql<number>`count(*)::int` })
      .from(accessLog)
      .where(gt(accessLog.id, afterId));
    return r?.n ?? 0;
  },

  async policy(dbx: DbOrTx): Promise<{ dailyReadThreshold: number } | undefined> {
    const [r] = await dbx.select().from(accessLogPolicy).where(eq(accessLogPolicy.id, 1));
    return r;
  },

  async putPolicy(tx: Tx, dailyReadThreshold: number): Promise<void> {
    await tx
      .insert(accessLogPolicy)
      .values({ id: 1, dailyReadThreshold })
      .onConflictDoUpdate({ target: accessLogPolicy.id, set: { dailyReadThreshold } });
  },
};
