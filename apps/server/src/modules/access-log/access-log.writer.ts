import type { Db } from "../../db/client.js";
import { backoffMs } from "../../lib/backoff.js";
import { AppError } from "../../lib/errors.js";
import { type AccessLogInsert, accessLogRepo as repo } from "./access-log.repo.js";

/** One INSERT carries at most this many rows (a multi-row VALUES list of 11 columns: well under the 65,535 parameters). */
const FLUSH_MAX_ROWS = 2_000;
/**
 * Rows waiting beyond this (the database refuses the log's INSERT while reads still succeed) make reads fail:
 * a read is never served without its row queued, and memory stays bounded.
 */
const QUEUE_MAX_ROWS = 100_000;

/**
 * How long rows wait for the next INSERT under a steady read load: one INSERT per tick carries every read of
 * the tick, instead of one INSERT after each read (whose CPU, on a loaded machine, competes with the next
 * read). A crash of the process loses at most this much of its reads (plus the INSERT in flight); a stop,
 * and every view of the log, writes the queue at once (`flush`).
 */
export const FLUSH_DELAY_MS = 100;

/**
 * The write-behind of the access log, one per process: a read queues its rows and returns; a timer started by
 * the first row queued writes, after FLUSH_DELAY_MS, every row queued since in one multi-row INSERT
 * (asynchronous commit), so under load a single INSERT carries the reads of many requests and none of them
 * waits for it. A full batch (FLUSH_MAX_ROWS) or a `flush` writes at once. Why this and not the log row in the
 * read's own statement or an unlogged staging table: docs/persons.md ("Cheap write").
 */
export function createAccessLogWriter(db: Db, delayMs = FLUSH_DELAY_MS) {
  let queue: AccessLogInsert[] = [];
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let failures = 0;
  let lastError: unknown = null;
  /** Those waiting in `flush`: while there are any, the loop writes until the queue is empty. */
  const idle: (() => void)[] = [];

  /** Writes now: the timer (if any) is spent, the loop starts unless it runs. */
  function start(): void {
    if (timer) clearTimeout(timer);
    timer = null;
    running ??= loop();
  }

  /** The next INSERT in `delayMs`, unless one is due or running. */
  function schedule(): void {
    if (running || timer || !queue.length) return;
    timer = setTimeout(start, delayMs);
  }

  async function loop(): Promise<void> {
    while (queue.length) {
      const batch = queue.slice(0, FLUSH_MAX_ROWS);
      try {
        await repo.insert(db, batch);
        queue = queue.slice(batch.length);
        failures = 0;
        lastError = null;
        // Less than a full batch left and nobody waiting: it goes with the next tick's rows.
        if (queue.length < FLUSH_MAX_ROWS && idle.length === 0) break;
      } catch (e) {
        // Kept at the head of the queue, in order, and tried again: a log row is never dropped.
        failures++;
        lastError = e;
        await new Promise((r) => setTimeout(r, backoffMs(failures, 50, 5_000)));
      }
    }
    running = null;
    if (queue.length) schedule();
    else for (const wake of idle.splice(0)) wake();
  }

  return {
    /** Queues rows (the read goes on at once); they go in the next tick's INSERT (at once when a batch is full). */
    enqueue(rows: AccessLogInsert[]): void {
      if (rows.length === 0) return;
      if (queue.length + rows.length > QUEUE_MAX_ROWS) {
        throw new AppError("NODE_BUSY", [
          { issue: "the access log cannot be written at the moment: reads of personal data wait for it" },
        ]);
      }
      queue.push(...rows);
      if (queue.length >= FLUSH_MAX_ROWS) start();
      else schedule();
    },
    /**
     * Writes every row queued so far by this process now and resolves once they are in the table: before the
     * log is read (an auditor's view sees the reads this process served) and before the process stops. While
     * the INSERT keeps failing it gives up waiting after `maxWaitMs` (the rows stay queued and are tried again).
     */
    async flush(maxWaitMs = 5_000): Promise<void> {
      if (!running && !queue.length) return;
      let wait: NodeJS.Timeout | undefined;
      const done = new Promise<void>((r) => idle.push(r));
      start();
      await Promise.race([
        done,
        new Promise<void>((r) => {
          wait = setTimeout(r, maxWaitMs);
        }),
      ]);
      clearTimeout(wait);
    },
    /** Rows queued and not yet written, and the last INSERT's error while it keeps failing. */
    state(): { pending: number; failures: number; lastError: unknown } {
      return { pending: queue.length, failures, lastError };
    },
  };
}

export type AccessLogWriter = ReturnType<typeof createAccessLogWriter>;
