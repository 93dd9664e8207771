import { and, desc, eq, gt, isNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import { apiTokens, sessions, units, users } from "../../db/schema/index.js";

export async function findSessionWithUser(db: DbOrTx, tokenHash: string, now: Date) {
  const [row] = await db
    .select({
      session: sessions,
      user: users,
      agencyId: units.agencyId,
      unitName: units.name,
      unitNameZh: units.nameZh,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(units, eq(units.id, users.unitId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)));
  return row;
}

export async function findTokenWithUser(db: DbOrTx, secretHash: string, now: Date) {
  const [row] = await db
    .select({ token: apiTokens, user: users, agencyId: units.agencyId })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .innerJoin(units, eq(units.id, users.unitId))
    .where(
      and(eq(apiTokens.secretHash, secretHash), isNull(apiTokens.revokedAt), gt(apiTokens.expiresAt, now)),
    );
  return row;
}

export { hitRateLimit } from "../../db/rate-limit.js";

export type TokenRow = typeof apiTokens.$inferSelect;
export type SessionInsert = typeof sessions.$inferInsert;

// The credential half of a user's row (users module's table, written here: see module-tables.test.ts).

/**
 * Counts a failed sign-in in the statement (not from the row read before the password check): failures in
 * parallel each count, and the one that reaches `maxFailures` locks the account until `until` (the count
 * starts again). Returns the lock the row has after it.
 */
export async function countSignInFailure(
  tx: Tx,
  userId: string,
  maxFailures: number,
  until: Date,
): Promise<Date | null | undefined> {
  const reaches = sql`${users.failedAttempts} + 1 >= ${maxFailures}`;
  const [row] = await tx
    .update(users)
    .set({
      failedAttempts: sql`case when ${reaches} then 0 else ${users.failedAttempts} + 1 end`,
      lockedUntil: sql`case when ${reaches} then ${until.toISOString()}::timestamptz else ${users.lockedUntil} end`,
    })
    .where(eq(users.id, userId))
    .returning({ lockedUntil: users.lockedUntil });
  return row?.lockedUntil;
}

/**
 * Records a sign-in on the row as it is now: only if the account is not locked at `now` and, with `mfaStep`,
 * that one-time code step was not taken yet. Returns whether it was recorded.
 */
export async function recordSignIn(
  tx: Tx,
  userId: string,
  now: Date,
  mfa: { step: number | null; checkStep: boolean },
): Promise<boolean> {
  const still: SQL[] = [
    eq(users.id, userId),
    or(isNull(users.lockedUntil), lte(users.lockedUntil, now)) as SQL,
  ];
  if (mfa.checkStep && mfa.step !== null)
    still.push(or(isNull(users.mfaLastStep), lt(users.mfaLastStep, mfa.step)) as SQL);
  const updated = await tx
    .update(users)
    .set({ failedAttempts: 0, lockedUntil: null, lastSignInAt: now, mfaLastStep: mfa.step })
    .where(and(...still))
    .returning({ id: users.id });
  return updated.length > 0;
}

/** Sets the credential fields of a user's row (password, MFA secrets, preferences). */
export async function updateUserCredential(
  tx: Tx,
  userId: string,
  set: Partial<
    Pick<
      typeof users.$inferInsert,
      | "passwordHash"
      | "mustChangePassword"
      | "mfaPendingSealed"
      | "mfaSecretSealed"
      | "mfaLastStep"
      | "language"
      | "timeZone"
      | "updatedAt"
    >
  >,
): Promise<void> {
  await tx.update(users).set(set).where(eq(users.id, userId));
}

export async function insertSession(tx: Tx, row: SessionInsert): Promise<void> {
  await tx.insert(sessions).values(row);
}

export async function deleteSession(tx: Tx, tokenHash: string): Promise<void> {
  await tx.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

/** Ends every session of a user; returns how many there were. */
export async function deleteUserSessions(tx: Tx, userId: string): Promise<number> {
  const gone = await tx
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, new Date(0))))
    .returning({ h: sessions.tokenHash });
  return gone.length;
}

export async function sessionHashesOf(db: DbOrTx, userId: string): Promise<string[]> {
  const rows = await db.select({ h: sessions.tokenHash }).from(sessions).where(eq(sessions.userId, userId));
  return rows.map((r) => r.h);
}

export async function insertToken(tx: Tx, row: TokenRow): Promise<void> {
  await tx.insert(apiTokens).values(row);
}

/** Tokens, newest first: a user's, or every user's. */
export function listTokens(db: DbOrTx, userId: string | null): Promise<TokenRow[]> {
  return db
    .select()
    .from(apiTokens)
    .where(userId === null ? undefined : eq(apiTokens.userId, userId))
    .orderBy(desc(apiTokens.createdAt));
}

export async function findToken(db: DbOrTx, id: string): Promise<TokenRow | undefined> {
  const [t] = await db.select().from(apiTokens).where(eq(apiTokens.id, id));
  return t;
}

export async function revokeToken(tx: Tx, id: string, at: Date): Promise<void> {
  await tx
    .update(apiTokens)
    .set({ revokedAt: at })
    .where(and(eq(apiTokens.id, id)));
}

export async function touchToken(db: DbOrTx, id: string, at: Date): Promise<void> {
  await db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
}
