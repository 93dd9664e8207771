import {
  and,
  asc,
  desc,
  eq,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  notInArray,
  type SQL,
  sql,
} from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import {
  noticeEvents,
  noticeFiles,
  noticeMessages,
  notices,
  providers,
  providerUsers,
} from "../../db/schema/index.js";

/**
 * The providers module's data access: its six tables (providers, provider_users, notices, notice_events,
 * notice_messages, notice_files) and nothing else. Every function takes the connection or transaction.
 */

export type ProviderRow = typeof providers.$inferSelect;
export type ProviderUserRow = typeof providerUsers.$inferSelect;
export type NoticeRow = typeof notices.$inferSelect;
export type NoticeInsert = typeof notices.$inferInsert;
export type NoticeSet = Partial<NoticeInsert>;
export type NoticeEventRow = typeof noticeEvents.$inferSelect;
export type NoticeMessageRow = typeof noticeMessages.$inferSelect;
export type NoticeFileMeta = Omit<typeof noticeFiles.$inferSelect, "data">;

// Providers ------------------------------------------------------------------------------------------

export async function listProviders(dbx: DbOrTx): Promise<ProviderRow[]> {
  return dbx.select().from(providers).orderBy(asc(providers.name), asc(providers.id));
}

export async function findProvider(dbx: DbOrTx, id: string): Promise<ProviderRow | undefined> {
  const [p] = await dbx.select().from(providers).where(eq(providers.id, id));
  return p;
}

export async function findProviders(dbx: DbOrTx, ids: string[]): Promise<Map<string, ProviderRow>> {
  if (ids.length === 0) return new Map();
  const rows = await dbx
    .select()
    .from(providers)
    .where(inArray(providers.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r]));
}

export async function insertProvider(tx: Tx, values: typeof providers.$inferInsert): Promise<ProviderRow> {
  const [p] = await tx.insert(providers).values(values).returning();
  return p;
}

export async function updateProvider(
  tx: Tx,
  id: string,
  set: Partial<typeof providers.$inferInsert>,
): Promise<ProviderRow> {
  const [p] = await tx.update(providers).set(set).where(eq(providers.id, id)).returning();
  return p;
}

export async function bindProviderUser(tx: Tx, values: typeof providerUsers.$inferInsert): Promise<void> {
  await tx.insert(providerUsers).values(values);
}

export async function providerUsersOf(dbx: DbOrTx, providerId: string): Promise<ProviderUserRow[]> {
  return dbx
    .select()
    .from(providerUsers)
    .where(eq(providerUsers.providerId, providerId))
    .orderBy(asc(providerUsers.username));
}

/** The provider an outside user belongs to, or undefined (not a provider user). */
export async function providerOfUser(dbx: DbOrTx, userId: string): Promise<string | undefined> {
  const [r] = await dbx
    .select({ providerId: providerUsers.providerId })
    .from(providerUsers)
    .where(eq(providerUsers.userId, userId));
  return r?.providerId;
}

// Notices --------------------------------------------------------------------------------------------

export async function findNotice(dbx: DbOrTx, id: string): Promise<NoticeRow | undefined> {
  const [n] = await dbx.select().from(notices).where(eq(notices.id, id));
  return n;
}

export async function lockNotice(tx: Tx, id: string): Promise<NoticeRow | undefined> {
  const [n] = await tx.select().from(notices).where(eq(notices.id, id)).for("update");
  return n;
}

export async function findNoticeByCode(dbx: DbOrTx, code: string): Promise<NoticeRow | undefined> {
  const [n] = await dbx.select().from(notices).where(eq(notices.verificationCode, code));
  return n;
}

/**
 * The notice made of an incoming request: the live one (at most one, notices_in_request_live), else the latest
 * withdrawn one.
 */
export async function findNoticeByInRequest(dbx: DbOrTx, requestId: string): Promise<NoticeRow | undefined> {
  const [n] = await dbx
    .select()
    .from(notices)
    .where(eq(notices.inRequestId, requestId))
    .orderBy(sql`${notices.status} = 'withdrawn'`, desc(notices.createdAt), desc(notices.id))
    .limit(1);
  return n;
}

export async function findNoticeByOutRequest(dbx: DbOrTx, requestId: string): Promise<NoticeRow | undefined> {
  const [n] = await dbx.select().from(notices).where(eq(notices.outRequestId, requestId));
  return n;
}

/**
 * Inserts a notice; one made of an incoming request that has a live notice already is not inserted
 * (notices_in_request_live: PostgreSQL waits for a concurrent insert of one to commit or roll back), and the
 * result is undefined.
 */
export async function insertNotice(tx: Tx, values: NoticeInsert): Promise<NoticeRow | undefined> {
  const [n] = await tx
    .insert(notices)
    .values(values)
    .onConflictDoNothing({ target: notices.inRequestId, where: sql`status <> 'withdrawn'` })
    .returning();
  return n;
}

export async function updateNotice(tx: Tx, id: string, set: NoticeSet): Promise<NoticeRow> {
  const [n] = await tx.update(notices).set(set).where(eq(notices.id, id)).returning();
  return n;
}

/** Statuses a provider never sees: the notice has not left the authority yet. */
export const UNSENT = ["draft", "pending_approval"];

/** One page of notices, newest first: of a unit (officers) or addressed to a provider (its staff). */
export async function listNotices(
  dbx: DbOrTx,
  scope: { unitId: string } | { providerId: string },
  q: { status?: string; providerId?: string; limit: number; cursor?: string },
): Promise<NoticeRow[]> {
  const where: SQL[] = [];
  if ("unitId" in scope) where.push(eq(notices.ownerUnitId, scope.unitId));
  else {
    where.push(eq(notices.providerId, scope.providerId));
    where.push(notInArray(notices.status, UNSENT));
  }
  if (q.status) where.push(eq(notices.status, q.status));
  if (q.providerId) where.push(eq(notices.providerId, q.providerId));
  if (q.cursor) where.push(lt(notices.id, q.cursor));
  return dbx
    .select()
    .from(notices)
    .where(and(...where))
    .orderBy(desc(notices.id))
    .limit(q.limit + 1);
}

/** Notices sent in [from, to) (for the figures), of the unit. */
export async function sentBetween(dbx: DbOrTx, unitId: string, from: Date, to: Date): Promise<NoticeRow[]> {
  return dbx
    .select()
    .from(notices)
    .where(
      and(
        eq(notices.ownerUnitId, unitId),
        isNotNull(notices.sentAt),
        gte(notices.sentAt, from),
        lt(notices.sentAt, to),
      ),
    );
}

const overdueWhere = (now: Date) =>
  and(
    inArray(notices.status, ["sent", "received", "in_progress"]),
    lte(notices.actBy, now),
    isNull(notices.overdueNotifiedAt),
  );

/**
 * Open notices past their act-by whose people have not been told yet, claimed for the overdue sweep: row locks held to the end of the sweep's transaction, rows another
 * process holds skipped (it is telling their people), so several processes may serve one node.
 */
export async function claimOverdue(tx: Tx, now: Date, limit: number): Promise<NoticeRow[]> {
  return tx
    .select()
    .from(notices)
    .where(overdueWhere(now))
    .orderBy(asc(notices.actBy))
    .limit(limit)
    .for("update", { skipLocked: true });
}

/** Marks a claimed notice told, once: undefined when it was already (the conditional update found nothing). */
export async function markOverdue(tx: Tx, id: string, at: Date): Promise<NoticeRow | undefined> {
  const [n] = await tx
    .update(notices)
    .set({ overdueNotifiedAt: at })
    .where(and(eq(notices.id, id), isNull(notices.overdueNotifiedAt)))
    .returning();
  return n;
}

// Timeline, messages, files --------------------------------------------------------------------------

export async function insertEvent(tx: Tx, values: typeof noticeEvents.$inferInsert): Promise<void> {
  await tx.insert(noticeEvents).values(values);
}

export async function eventsOf(dbx: DbOrTx, noticeId: string): Promise<NoticeEventRow[]> {
  return dbx
    .select()
    .from(noticeEvents)
    .where(eq(noticeEvents.noticeId, noticeId))
    .orderBy(asc(noticeEvents.at), asc(noticeEvents.id));
}

export async function insertMessage(tx: Tx, values: typeof noticeMessages.$inferInsert): Promise<void> {
  await tx.insert(noticeMessages).values(values);
}

export async function messagesOf(dbx: DbOrTx, noticeId: string): Promise<NoticeMessageRow[]> {
  return dbx
    .select()
    .from(noticeMessages)
    .where(eq(noticeMessages.noticeId, noticeId))
    .orderBy(asc(noticeMessages.at), asc(noticeMessages.id));
}

export async function insertFile(tx: Tx, values: typeof noticeFiles.$inferInsert): Promise<void> {
  await tx.insert(noticeFiles).values(values);
}

export async function filesOf(dbx: DbOrTx, noticeId: string): Promise<NoticeFileMeta[]> {
  return dbx
    .select({
      id: noticeFiles.id,
      noticeId: noticeFiles.noticeId,
      name: noticeFiles.name,
      sha256: noticeFiles.sha256,
      size: noticeFiles.size,
      uploadedBy: noticeFiles.uploadedBy,
      uploadedAt: noticeFiles.uploadedAt,
    })
    .from(noticeFiles)
    .where(eq(noticeFiles.noticeId, noticeId))
    .orderBy(asc(noticeFiles.uploadedAt), asc(noticeFiles.id));
}

export async function readFile(
  dbx: DbOrTx,
  noticeId: string,
  fileId: string,
): Promise<typeof noticeFiles.$inferSelect | undefined> {
  const [f] = await dbx
    .select()
    .from(noticeFiles)
    .where(and(eq(noticeFiles.noticeId, noticeId), eq(noticeFiles.id, fileId)));
  return f;
}
