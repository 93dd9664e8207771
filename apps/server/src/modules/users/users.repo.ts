import { and, arrayOverlaps, asc, eq, gt, inArray, type SQL } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import { sessions, units, users } from "../../db/schema/index.js";

export type UserRow = typeof users.$inferSelect;

export async function findUserById(db: DbOrTx, id: string): Promise<UserRow | undefined> {
  const [u] = await db.select().from(users).where(eq(users.id, id));
  return u;
}

export async function findUserByUsername(db: DbOrTx, username: string): Promise<UserRow | undefined> {
  const [u] = await db.select().from(users).where(eq(users.username, username));
  return u;
}

export async function findUnit(db: DbOrTx, id: string) {
  const [u] = await db.select().from(units).where(eq(units.id, id));
  return u;
}

/** Users ordered by id (UUIDv7: creation order), optionally limited to one unit. */
export function listUsers(
  db: DbOrTx,
  q: { unitId?: string; after?: string; limit: number },
): Promise<UserRow[]> {
  const where: SQL[] = [];
  if (q.unitId) where.push(eq(users.unitId, q.unitId));
  if (q.after) where.push(gt(users.id, q.after));
  return db
    .select()
    .from(users)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(users.id))
    .limit(q.limit);
}

/** The ids of the enabled users holding any of `roles`. */
export async function enabledUserIdsWithRole(db: DbOrTx, roles: readonly string[]): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(arrayOverlaps(users.roles, [...roles]), eq(users.disabled, false)));
  return rows.map((r) => r.id);
}

/** The ids of the enabled users of one unit holding any of `roles`. */
export async function enabledUnitUserIdsWithRole(
  db: DbOrTx,
  unitId: string,
  roles: readonly string[],
): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.unitId, unitId), arrayOverlaps(users.roles, [...roles]), eq(users.disabled, false)));
  return rows.map((r) => r.id);
}

/** The enabled users among `ids` with what a message to them needs: address, language and time zone. */
export function enabledContacts(db: DbOrTx, ids: readonly string[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .select({ id: users.id, email: users.email, language: users.language, timeZone: users.timeZone })
    .from(users)
    .where(and(inArray(users.id, [...ids]), eq(users.disabled, false)));
}

/** Display names of the users among `ids` (a roster shows who is on it). */
export function displayNames(db: DbOrTx, ids: readonly string[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .select({ id: users.id, name: users.displayName })
    .from(users)
    .where(inArray(users.id, [...ids]));
}

export async function insertUser(tx: Tx, row: typeof users.$inferInsert): Promise<UserRow> {
  const [u] = await tx.insert(users).values(row).returning();
  return u;
}

/** Sets fields of a user's row; returns the row after. */
export async function updateUser(
  tx: Tx,
  id: string,
  set: Partial<Omit<typeof users.$inferInsert, "id">>,
): Promise<UserRow> {
  const [u] = await tx.update(users).set(set).where(eq(users.id, id)).returning();
  return u;
}

/** Ends every session of a user (auth's table: disabling a user or resetting a credential ends them with it). */
export async function endSessionsOf(tx: Tx, userId: string): Promise<void> {
  await tx.delete(sessions).where(eq(sessions.userId, userId));
}

/** A user's profile time zone; undefined: no such user. */
export async function timeZoneOf(db: DbOrTx, userId: string): Promise<string | undefined> {
  const [u] = await db.select({ tz: users.timeZone }).from(users).where(eq(users.id, userId));
  return u?.tz;
}
