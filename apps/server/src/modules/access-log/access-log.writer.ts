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
 * The write-behind of the access log, one per process: a read queues its rows and returns; one loop writes
 * every row queued since its last INSERT in one multi-row INSERT (asynchronous commit), then looks again, so
 * under load a single INSERT carries the reads of many requests and none of them waits for it. Why this and
 * not the log row in the read's own statement or an unlogged staging table: docs/persons.md ("Cheap write").
 */
export function createAccessLogWriter(db: Db) {
  let queue: AccessLogInsert[] = [];
  let running: Promise<void> | null = null;
  let failures = 0;
  let lastError: unknown = null;
  const idle: (() => void)[] = [];

  async function loop(): Promise<void> {
    while (queue.length) {
      const batch = queue.slice(0, FLUSH_MAX_ROWS);
      try {
        await repo.insert(db, batch);
        queue = queue.slice(batch.length);
        failures = 0;
        lastError = null;
      } catch (e) {
        // Kept at the head of the queue, in order, and tried again: a log row is never dropped.
        failures++;
        lastError = e;
        await new Promise((r) => setTimeout(r, backoffMs(failures, 50, 5_000)));
      }
    }
    running = null;
    for (const wake of idle.splice(0)) wake();
  }

  return {
    /** Queues rows (the read goes on at once); the loop writes them in the next INSERT. */
    enqueue(rows: AccessLogInsert[]): void {
      if (rows.length === 0) return;
      if (queue.length + rows.length > QUEUE_MAX_ROWS) {
        throw new AppError("NODE_BUSY", [
          { issue: "the access log cannot be written at the moment: reads of personal data wait for it" },
        ]);
      }
      queue.push(...rows);
      running ??= loop();
    },
    /**
     * Resolves once every row queued so far by this process is in the table: before the log is read (an
     * auditor's view sees the reads this process served) and before the process stops. While the INSERT
     * keeps failing it gives up waiting after `maxWaitMs` (the rows stay queued and are tried again).
     */
    async flush(maxWaitMs = 5_000): Promise<void> {
      if (!running) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => idle.push(r)),
        new Promise<void>((r) => {
          timer = setTimeout(r, maxWaitMs);
        }),
      ]);
      clearTimeout(timer);
    },
    /** Rows queued and not yet written, and the last INSERT's error while it keeps failing. */
    state(): { pending: number; failures: number; lastError: unknown } {
      return { pending: queue.length, failures, lastError };
    },
  };
}

export type AccessLogWriter = ReturnType<typeof createAccessLogWriter>;
