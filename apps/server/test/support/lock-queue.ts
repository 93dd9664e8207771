import { type SQL, sql } from "drizzle-orm";
import { type Db, inTransaction, rowsOf } from "../../src/db/client.js";
import { DB_KIND } from "./node.js";

/** Backends of this database waiting for a lock (a row, an advisory lock), PostgreSQL only. */
async function waitingForLocks(db: Db): Promise<number> {
  const r = await db.execute(
    sql`select count(*)::int as n from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock'`,
  );
  return Number(rowsOf<{ n: number }>(r)[0]?.n ?? 0);
}

/**
 * Runs `calls` at once, forcing on PostgreSQL the interleaving a race needs: another transaction takes the lock
 * `hold` takes (a row FOR UPDATE, an advisory lock) and keeps it while each call is started in turn and reaches
 * that lock, so every call has read what it reads before the lock; then it lets go and they go on in the order
 * they queued. A call that never waits for the lock (code without it) is waited for at most `ms` each, and
 * they are released all the same, so the test judges what they did. `together`: the calls are started at once
 * (for calls alike, a double submit, whose order does not matter), then waited for all together. On PGlite (one connection, transactions
 * one after another) `hold` runs in a transaction of its own first, then the calls are started together.
 */
export async function queuedBehind<T>(
  db: Db,
  hold: SQL,
  calls: (() => Promise<T>)[],
  opts: { together?: boolean; ms?: number } = {},
): Promise<T[]> {
  const ms = opts.ms ?? 3_000;
  if (DB_KIND !== "postgres") {
    await inTransaction(db, (tx) => tx.execute(hold));
    return Promise.all(calls.map((c) => c()));
  }
  let release = () => {};
  let held = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const holding = new Promise<void>((r) => {
    held = r;
  });
  const blocker = inTransaction(db, async (tx) => {
    await tx.execute(hold);
    held();
    await gate;
  });
  await holding;
  const running: Promise<T>[] = [];
  const waitForQueue = async () => {
    const until = Date.now() + ms;
    while ((await waitingForLocks(db)) < running.length && Date.now() < until)
      await new Promise((r) => setTimeout(r, 25));
  };
  try {
    if (opts.together) {
      running.push(...calls.map((c) => c()));
      await waitForQueue();
    } else {
      for (const c of calls) {
        running.push(c());
        await waitForQueue();
      }
    }
  } finally {
    release();
    await blocker;
  }
  return Promise.all(running);
}
