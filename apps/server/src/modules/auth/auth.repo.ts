import { and, eq, gt, isNull } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
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
