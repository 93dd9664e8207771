import { Worker } from "node:worker_threads";

/**
 * A process whose event loop stops turning answers nothing, yet has not exited, so `Restart=on-failure` never
 * restarts it: Node 20.20's JWK export once deadlocked the main thread on a mutex (docs/federation.md §10). The
 * main thread counts a heartbeat once a second into shared memory; a worker thread (its own event loop, its own
 * heap) reads it and, after `seconds` without a beat, writes one JSON line to stderr and sends the process
 * SIGABRT: it dies of a signal (a core dump where the operator keeps them, e.g. systemd-coredump, to see where it
 * hung) and the service manager restarts it. Its outbox and inbox are in the database: nothing is lost.
 *
 * The worker counts only the half-seconds it was itself awake for: when the whole process was stopped (SIGSTOP, a
 * debugger, a suspended virtual machine) its own tick comes late too, and the count starts again.
 */
const WATCHER = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const { beat, seconds } = workerData;
const STEP_MS = 500;
let seen = Atomics.load(beat, 0);
let stalledMs = 0;
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  const late = now - last > 4 * STEP_MS;
  last = now;
  const current = Atomics.load(beat, 0);
  if (current !== seen || late) {
    seen = current;
    stalledMs = 0;
    return;
  }
  stalledMs += STEP_MS;
  if (stalledMs < seconds * 1000) return;
  writeSync(2, JSON.stringify({
    level: 60,
    time: Date.now(),
    pid: process.pid,
    msg: "watchdog: the event loop has not turned for " + seconds + " s; aborting so that the service manager restarts the process",
  }) + "\\n");
  process.kill(process.pid, "SIGABRT");
}, STEP_MS);
`;

export interface Watchdog {
  stop(): Promise<void>;
}

/** Starts the watchdog thread (`seconds` 0: none). */
export function startWatchdog(seconds: number): Watchdog {
  if (seconds <= 0) return { stop: async () => {} };
  const beat = new Int32Array(new SharedArrayBuffer(4));
  const tick = setInterval(() => Atomics.add(beat, 0, 1), 1000);
  tick.unref();
  const worker = new Worker(WATCHER, { eval: true, workerData: { beat, seconds } });
  worker.unref();
  return {
    async stop() {
      clearInterval(tick);
      await worker.terminate();
    },
  };
}
