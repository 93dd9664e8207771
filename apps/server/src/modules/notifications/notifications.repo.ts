import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import { type DbOrTx, rowsOf, type Tx } from "../../db/client.js";
import { mailOutbox, notifications } from "../../db/schema/index.js";

export type NotificationRow = typeof notifications.$inferSelect;
export type NotificationInsert = typeof notifications.$inferInsert;
export type MailInsert = typeof mailOutbox.$inferInsert;
export type MailRow = typeof mailOutbox.$inferSelect;

export async function insertNotifications(tx: Tx, rows: NotificationInsert[]): Promise<void> {
  await tx.insert(notifications).values(rows);
}

/**
 * Marks read the unread notifications of these kinds about a request (or another record, `subjectId`);
 * returns the reader of each.
 */
export function settleNotifications(
  tx: Tx,
  about: ({ requestId: string } | { subjectId: string }) & { kinds: readonly string[] },
  at: Date,
): Promise<{ userId: string }[]> {
  return tx
    .update(notifications)
    .set({ readAt: at })
    .where(
      and(
        "requestId" in about
          ? eq(notifications.requestId, about.requestId)
          : eq(notifications.subjectId, about.subjectId),
        inArray(notifications.kind, [...about.kinds]),
        isNull(notifications.readAt),
      ),
    )
    .returning({ userId: notifications.userId });
}

/** NOTIFY on `channel`, delivered when `tx` commits (never for a rollback). */
export async function notifyAtCommit(tx: Tx, channel: string, payload: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${channel}, ${payload})`);
}

export async function countUnread(db: DbOrTx, userId: string): Promise<number> {
  const [{ n }] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
  return n;
}

export async function insertMail(tx: Tx, row: MailInsert): Promise<void> {
  await tx.insert(mailOutbox).values(row);
}

/** A user's notifications: newest first, or after `after` in id order; optionally only the unread. */
export function listNotifications(
  db: DbOrTx,
  q: { userId: string; unread: boolean; after?: string; limit: number },
): Promise<NotificationRow[]> {
  const where = [eq(notifications.userId, q.userId)];
  if (q.unread) where.push(isNull(notifications.readAt));
  if (q.after) where.push(gt(notifications.id, q.after));
  return db
    .select()
    .from(notifications)
    .where(and(...where))
    .orderBy(q.after ? asc(notifications.id) : desc(notifications.id))
    .limit(q.limit);
}

/** The current snapshot (`pg_current_snapshot()` as text). */
export async function currentSnapshot(db: DbOrTx): Promise<string> {
  const [r] = rowsOf<{ snap: string }>(await db.execute(sql`select pg_current_snapshot()::text as snap`));
  return String(r?.snap);
}

/** The xid of the transaction that wrote one of the user's notifications (none: not theirs, or gone). */
export async function notificationXid(db: DbOrTx, userId: string, id: string): Promise<string | null> {
  const [n] = await db
    .select({ xid: notifications.xid })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), eq(notifications.id, id)));
  return n?.xid ?? null;
}

/**
 * In one statement, the current snapshot and the user's notifications that became visible since `from` (written at or
 * after its xmin, not visible in it, visible in the current one, and past `cursor` in its transaction), the rest of the
 * cursor's transaction first, then by xid and id, at most `limit`. The snapshot comes once, on the first row (with no
 * notification when none is found).
 */
export function notificationsSince(
  db: DbOrTx,
  q: {
    userId: string;
    xmin: string;
    snapshot: string;
    cursor?: { xid: string; id: string };
    limit: number;
  },
): Promise<{ snap: string; n: NotificationRow | null }[]> {
  const { cursor } = q;
  const xid = notifications.xid;
  return db
    .select({ snap: sql<string>`s.snap::text`, n: notifications })
    .from(sql`(select pg_current_snapshot() as snap) s`)
    .leftJoin(
      notifications,
      and(
        eq(notifications.userId, q.userId),
        sql`${xid} >= ${q.xmin}::xid8`,
        sql`not pg_visible_in_snapshot(${xid}, ${q.snapshot}::pg_snapshot)`,
        sql`pg_visible_in_snapshot(${xid}, s.snap)`,
        cursor
          ? sql`not (${xid} = ${cursor.xid}::xid8 and ${notifications.id} <= ${cursor.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(...(cursor ? [sql`${xid} = ${cursor.xid}::xid8 desc`] : []), asc(xid), asc(notifications.id))
    .limit(q.limit);
}

/** Marks read the user's unread notifications (those among `ids`, or all); returns the ids marked. */
export function markNotificationsRead(
  db: DbOrTx,
  userId: string,
  ids: string[] | "all",
  at: Date,
): Promise<{ id: string }[]> {
  const where = [eq(notifications.userId, userId), isNull(notifications.readAt)];
  if (ids !== "all") where.push(inArray(notifications.id, ids));
  return db
    .update(notifications)
    .set({ readAt: at })
    .where(and(...where))
    .returning({ id: notifications.id });
}

/** Due pending mail not leased by another process, oldest due first, locked (SKIP LOCKED) in `tx`. */
export function dueMail(tx: Tx, now: Date, limit: number): Promise<{ id: string }[]> {
  return tx
    .select({ id: mailOutbox.id })
    .from(mailOutbox)
    .where(
      and(
        eq(mailOutbox.status, "pending"),
        lte(mailOutbox.nextAttemptAt, now),
        or(isNull(mailOutbox.leaseUntil), lt(mailOutbox.leaseUntil, now)),
      ),
    )
    .orderBy(asc(mailOutbox.nextAttemptAt))
    .limit(limit)
    .for("update", { skipLocked: true });
}

/** Leases the mail until `until`, counting one more attempt; returns the rows. */
export function leaseMail(tx: Tx, ids: string[], until: Date): Promise<MailRow[]> {
  return tx
    .update(mailOutbox)
    .set({ leaseUntil: until, attempts: sql`${mailOutbox.attempts} + 1` })
    .where(inArray(mailOutbox.id, ids))
    .returning();
}

export async function markMailSent(db: DbOrTx, id: string, at: Date): Promise<void> {
  await db
    .update(mailOutbox)
    .set({ status: "sent", sentAt: at, leaseUntil: null, lastError: null })
    .where(eq(mailOutbox.id, id));
}

/** A failed attempt: pending again from `nextAttemptAt`, or `failed` when given up; the lease released. */
export async function markMailFailed(
  db: DbOrTx,
  id: string,
  f: { giveUp: boolean; nextAttemptAt: Date; error: string },
): Promise<void> {
  await db
    .update(mailOutbox)
    .set({
      status: f.giveUp ? "failed" : "pending",
      leaseUntil: null,
      nextAttemptAt: f.nextAttemptAt,
      lastError: f.error,
    })
    .where(eq(mailOutbox.id, id));
}
