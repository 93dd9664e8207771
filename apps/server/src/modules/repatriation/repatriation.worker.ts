import type { Logger } from "pino";
import { type PeriodicJob, startPeriodicJob } from "../../lib/periodic-job.js";
import type { Services } from "../../services.js";

export type RepatriationWorker = PeriodicJob;

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
  return startPeriodicJob({
    job: "repatriation-overdue",
    module: "repatriation",
    everyMs: opts.sweepMs ?? 15_000,
    run: () => services.repatriation.sweepOverdue(),
    worked: (r) => r.overdue > 0,
    log,
  });
}
