import type { Logger } from "pino";
import type { Services } from "../../services.js";

export interface RepatriationWorker {
  stop(): Promise<void>;
}

/**
 * The repatriation module's background job: the overdue sweep of verifications and travel documents
 * (repatriation.sweep.ts). Rows are claimed FOR UPDATE SKIP LOCKED and marked told in the same transaction,
 * so every process of a node may run it at once.
 */
export function startRepatriationWorker(
  services: Pick<Services, "repatriation">,
  log: Pick<Logger, "warn" | "info">,
  opts: { sweepMs?: number } = {},
): RepatriationWorker {
  const everyMs = opts.sweepMs ?? 15_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const run = () => {
    if (stopped) return;
    running = services.repatriation
      .sweepOverdue()
      .then((r) => {
        if (r.overdue > 0) log.info({ job: "repatriation-overdue", ...r }, "repatriation job");
      })
      .catch((err) => log.warn({ err, job: "repatriation-overdue" }, "repatriation job failed"))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, everyMs);
      });
  };
  // A random first delay: processes started together do not sweep in step.
  timer = setTimeout(run, Math.floor(Math.random() * everyMs));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
