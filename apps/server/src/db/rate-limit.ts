import { sql } from "drizzle-orm";
import type { DbOrTx } from "./client.js";
import { rateLimits } from "./schema/index.js";

/**
 * Counts one hit in a fixed window and returns the count so far. An upsert, so
 * every process of the node shares the same counter (sign-in, the public federation routes).
 */
export async function hitRateLimit(db: DbOrTx, key: string, now: Date, windowMs: number): Promise<number> {
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const [row] = await db
    .insert(rateLimits)
    .values({ key, windowStart, count: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`case when ${rateLimits.windowStart} = ${windowStart} then ${rateLimits.count} + 1 else 1 end`,
        windowStart,
      },
    })
    .returning({ count: rateLimits.count });
  return row.count;
}
