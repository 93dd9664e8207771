import { type SQL, sql } from "drizzle-orm";
import { type Db, inTransaction, rowsOf, type Tx } from "../../src/db/client.js";
import { DB_KIND } from "./node.js";

/** Backends of this database waiting for a lock (a row, an advisory lock), PostgreSQL only. */
async function waitingForLocks(db: Db): Promise<number> {
  const r = await db.execute(
    sql`select count(*)::int as n from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock'`,
  );
  return Number(rowsOf<{ n: number }>(r)[0]?.n ?? 0);
}

/** What another transaction does and then keeps uncommitted: a statement, or writes through the transaction. */
export type Hold = SQL | ((tx: Tx) => Promise<unknown>);

const run = (tx: Tx, hold: Hold) => (typeof hold === "function" ? hold(tx) : tx.execute(hold));

/**
 * The held transaction: runs `hold` in a transaction and keeps that transaction open (its rows uncommitted, its
 * locks held) while `during` runs, then commits it, also when `during` failed, and gives what `during` gave.
 * For a write in flight that another reader or writer must neither miss nor overtake (a seal, a pull, a stream
 * looking while it is open). `during` must not itself wait for what `hold` holds: start such a call there and
 * let it finish after the commit (queuedBehind does). PostgreSQL only: on PGlite (one connection) a statement
 * of another transaction inside `during` would wait for ever.
 */
export async function whileOpen<T>(db: Db, hold: Hold, during: () => Promise<T>): Promise<T> {
  let release = () => {};
  let held = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const holding = new Promise<void>((r) => {
    held = r;
  });
  const open = inTransaction(db, async (tx) => {
    await run(tx, hold);
    held();
    await gate;
  });
  await Promise.race([holding, open]); // `open` settles first only when `hold` failed: that failure is thrown
  try {
    return await during();
  } finally {
    release();
    await open;
  }
}

type Results<C extends (() => Promise<unknown>)[]> = {
  [K in keyof C]: C[K] extends () => Promise<infer R> ? R : never;
};

/**
 * Runs `calls` at once, forcing on PostgreSQL the interleaving a race needs: another transaction takes the lock
 * `hold` takes (a row FOR UPDATE, an advisory lock, a unique key it inserts) and keeps it (whileOpen) while each
 * call is started in turn and reaches that lock, so every call has read what it reads before the lock; then it
 * lets go and they go on in the order they queued. A call that never waits for the lock (code without it) is
 * waited for at most `ms` each, and they are released all the same, so the test judges what they did; with
 * `mustWait` the test fails instead, naming the call (for an interleaving the old code reached too, where what
 * counts is what happens after it). `together`: the calls are started at once (for calls alike, a double submit,
 * whose order does not matter), then waited for all together. A call may be one that makes another process or
 * node wait (a message its inbox applies): the waiters of `db`'s database are counted, not the calls. On PGlite
 * (one connection, transactions one after another) `hold` runs in a transaction of its own first, then the
 * calls are started together. The results are in the order of `calls`.
 */
export async function queuedBehind<C extends (() => Promise<unknown>)[]>(
  db: Db,
  hold: Hold,
  calls: [...C],
  opts: { together?: boolean; mustWait?: boolean; ms?: number } = {},
): Promise<Results<C>> {
  const ms = opts.ms ?? 3_000;
  if (DB_KIND !== "postgres") {
    await inTransaction(db, (tx) => run(tx, hold));
    return (await Promise.all(calls.map((c) => c()))) as Results<C>;
  }
  const running: Promise<unknown>[] = [];
  const waitForQueue = async () => {
    const until = Date.now() + ms;
    while ((await waitingForLocks(db)) < running.length) {
      if (Date.now() >= until) {
        if (!opts.mustWait) return;
        throw new Error(
          `call ${running.length} of ${calls.length} did not wait for the held lock within ${ms} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  try {
    await whileOpen(db, hold, async () => {
      if (opts.together) {
        running.push(...calls.map((c) => c()));
        await waitForQueue();
      } else {
        for (const c of calls) {
          running.push(c());
          await waitForQueue();
        }
      }
    });
  } catch (err) {
    await Promise.allSettled(running); // released: let them end before the test fails
    throw err;
  }
  return (await Promise.all(running)) as Results<C>;
}
