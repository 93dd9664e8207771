import type { Logger } from "pino";
import { type PeriodicJob, startPeriodicJob } from "../../lib/periodic-job.js";
import type { Services } from "../../services.js";

export type ProvidersWorker = PeriodicJob;

/**
 * The providers module's background job: the overdue sweep of notices (notices.sweep.ts). Its rows are claimed
 * with FOR UPDATE SKIP LOCKED and marked by a conditional update, so every process of a node may run it at once.
 */
export function startProvidersWorker(
  services: Pick<Services, "providers">,
  log: Pick<Logger, "warn" | "info">,
  opts: { sweepMs?: number } = {},
): ProvidersWorker {
  return startPeriodicJob({
    job: "notices-overdue",
    module: "providers",
    everyMs: opts.sweepMs ?? 15_000,
    run: () => services.providers.sweepOverdue(),
    worked: (r) => r.overdue > 0,
    log,
  });
}
