import type { Logger } from "pino";

export interface PeriodicJob {
  /** No new run starts; resolves once the one running (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * A module's background job run every `everyMs` (the next run `everyMs` after the previous one ended), first
 * after a random delay below `firstDelayMaxMs` so processes started together do not run it in step. A run that
 * did something (`worked`) is logged at info, a failure at warn; neither stops the job. The job itself must be
 * safe for every process of the node to run at once (rows claimed FOR UPDATE SKIP LOCKED).
 */
export function startPeriodicJob<R extends object>(opts: {
  /** The log's `job` field. */
  job: string;
  /** The log message's subject: "<module> job", "<module> job failed". */
  module: string;
  everyMs: number;
  firstDelayMaxMs?: number;
  run: () => Promise<R>;
  worked: (r: R) => boolean;
  log: Pick<Logger, "warn" | "info">;
}): PeriodicJob {
  const { job, module, everyMs, log } = opts;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const run = () => {
    if (stopped) return;
    running = opts
      .run()
      .then((r) => {
        if (opts.worked(r)) log.info({ job, ...(r as Record<string, unknown>) }, `${module} job`);
      })
      .catch((err) => log.warn({ err, job }, `${module} job failed`))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, everyMs);
      });
  };
  timer = setTimeout(run, Math.floor(Math.random() * (opts.firstDelayMaxMs ?? everyMs)));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
