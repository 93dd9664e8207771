import { inArray, sql } from "drizzle-orm";
import { type DbOrTx, rowsOf } from "./client.js";
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

/**
 * Adds `n` events to a fixed window and says whether they are the first of it, with the count of the window
 * before when this one starts it. What anyone can trigger unauthenticated (garbage envelopes, replays) is
 * audited once per window this way, with the previous window's total, instead of a row per event; every
 * process of the node shares the counter.
 */
export async function countInWindow(
  db: DbOrTx,
  key: string,
  now: Date,
  windowMs: number,
  n = 1,
): Promise<{ first: boolean; previous: { windowStart: Date; count: number } | null }> {
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const ws = windowStart.toISOString();
  // The window's first events are those that leave the count at `n` (the upsert's row lock orders concurrent
  // callers, so exactly one sees it). `old` is the row as the statement's snapshot saw it (a FOR UPDATE there
  // would skip the row this very statement updates). Timestamps are converted in SQL: drivers differ.
  const rows = rowsOf<{ first: boolean; old_ms: string | number | null; old_count: number | null }>(
    await db.execute(sql`with old as (select window_start, count from rate_limits where key = ${key})
      insert into rate_limits (key, window_start, count) values (${key}, ${ws}::timestamptz, ${n})
      on conflict (key) do update set
        count = case when rate_limits.window_start = excluded.window_start then rate_limits.count + ${n}
          else ${n} end,
        window_start = excluded.window_start
      returning count = ${n} as first,
        (select extract(epoch from window_start) * 1000 from old) as old_ms,
        (select count from old) as old_count`),
  );
  const r = rows[0];
  const first = r?.first !== false;
  return {
    first,
    previous:
      first && r?.old_ms !== null && r?.old_ms !== undefined && r.old_count !== null
        ? { windowStart: new Date(Number(r.old_ms)), count: Number(r.old_count) }
        : null,
  };
}

/** The count so far in the current window of `key`, without counting a hit (0 when none). */
export async function peekRateLimit(db: DbOrTx, key: string, now: Date, windowMs: number): Promise<number> {
  return (await peekRateLimits(db, [key], now, windowMs)).get(key) ?? 0;
}

/** The counts so far in the current window of `keys`, in one statement, without counting a hit (0 when none). */
export async function peekRateLimits(
  db: DbOrTx,
  keys: string[],
  now: Date,
  windowMs: number,
): Promise<Map<string, number>> {
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const rows = keys.length
    ? await db
        .select({ key: rateLimits.key, count: rateLimits.count, windowStart: rateLimits.windowStart })
        .from(rateLimits)
        .where(inArray(rateLimits.key, keys))
    : [];
  const counts = new Map(keys.map((k) => [k, 0]));
  for (const r of rows) if (r.windowStart.getTime() === windowStart.getTime()) counts.set(r.key, r.count);
  return counts;
}
