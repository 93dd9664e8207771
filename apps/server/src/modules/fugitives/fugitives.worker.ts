import type { Logger } from "pino";
import { type PeriodicJob, startPeriodicJob } from "../../lib/periodic-job.js";
import type { Services } from "../../services.js";

export type FugitivesWorker = PeriodicJob;

/**
 * The fugitives module's housekeeping: once an hour, evidence files uploaded for a report that no report took
 * within the configured age are removed (fugitives.evidence.ts `sweepUnsent`). Rows are claimed FOR UPDATE
 * SKIP LOCKED, so every process of a node may run it at once. The first run comes within a minute.
 */
export function startFugitivesWorker(
  services: Pick<Services, "fugitives">,
  log: Pick<Logger, "warn" | "info">,
  opts: { everyMs?: number } = {},
): FugitivesWorker {
  return startPeriodicJob({
    job: "fugitive-evidence-unsent",
    module: "fugitives",
    everyMs: opts.everyMs ?? 3600_000,
    firstDelayMaxMs: 60_000,
    run: () => services.fugitives.sweepUnsentEvidence(),
    worked: (r) => r.discarded > 0,
    log,
  });
}
