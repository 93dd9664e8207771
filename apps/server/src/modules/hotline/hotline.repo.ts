import { and, asc, desc, eq, gt, lt, lte, ne, or, type SQL } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import { dutyShifts, hotlineLog, requests } from "../../db/schema/index.js";

export type ShiftRow = typeof dutyShifts.$inferSelect;
export type LogRow = typeof hotlineLog.$inferSelect;
export type RequestRow = typeof requests.$inferSelect;

/** A unit's shifts overlapping [from, to), by start, at most `limit`. */
export function shiftsBetween(
  db: DbOrTx,
  unitId: string,
  from: Date,
  to: Date,
  limit: number,
): Promise<ShiftRow[]> {
  return db
    .select()
    .from(dutyShifts)
    .where(and(eq(dutyShifts.unitId, unitId), lt(dutyShifts.startsAt, to), gt(dutyShifts.endsAt, from)))
    .orderBy(asc(dutyShifts.startsAt))
    .limit(limit);
}

/** A unit's shifts running at `at`: primary before backup, then by start. */
export function shiftsAt(db: DbOrTx, unitId: string, at: Date): Promise<ShiftRow[]> {
  return db
    .select()
    .from(dutyShifts)
    .where(and(eq(dutyShifts.unitId, unitId), lte(dutyShifts.startsAt, at), gt(dutyShifts.endsAt, at)))
    .orderBy(asc(dutyShifts.role), asc(dutyShifts.startsAt));
}

export async function insertShifts(tx: Tx, rows: (typeof dutyShifts.$inferInsert)[]): Promise<void> {
  await tx.insert(dutyShifts).values(rows);
}

export async function findShift(db: DbOrTx, id: string): Promise<ShiftRow | undefined> {
  const [row] = await db.select().from(dutyShifts).where(eq(dutyShifts.id, id));
  return row;
}

export async function deleteShift(tx: Tx, id: string): Promise<void> {
  await tx.delete(dutyShifts).where(eq(dutyShifts.id, id));
}

export async function insertLogLine(tx: Tx, row: typeof hotlineLog.$inferInsert): Promise<void> {
  await tx.insert(hotlineLog).values(row);
}

/**
 * A page of the hotline log, newest first by time then id, each line with its request (a read-only join
 * across the boundary: the line shows its request). The scope is the unit's lines, and for the intake unit
 * also every line but "assigned" about an emergency request; `before` is the position after which the page
 * starts.
 */
export function logPage(
  db: DbOrTx,
  q: {
    unitId: string;
    withEmergencies: boolean;
    requestId?: string;
    before?: { at: Date; id: string } | null;
    limit: number;
  },
): Promise<{ log: LogRow; request: RequestRow | null }[]> {
  const scope = q.withEmergencies
    ? or(
        eq(hotlineLog.unitId, q.unitId),
        and(eq(requests.urgency, "emergency"), ne(hotlineLog.kind, "assigned")),
      )
    : eq(hotlineLog.unitId, q.unitId);
  const where: SQL[] = [scope as SQL];
  if (q.requestId) where.push(eq(hotlineLog.requestId, q.requestId));
  const cursor = q.before;
  if (cursor)
    where.push(
      or(
        lt(hotlineLog.at, cursor.at),
        and(eq(hotlineLog.at, cursor.at), lt(hotlineLog.id, cursor.id)),
      ) as SQL,
    );
  return db
    .select({ log: hotlineLog, request: requests })
    .from(hotlineLog)
    .leftJoin(requests, eq(requests.id, hotlineLog.requestId))
    .where(and(...where))
    .orderBy(desc(hotlineLog.at), desc(hotlineLog.id))
    .limit(q.limit);
}
