import type { Logger } from "pino";
import type { Services } from "../../services.js";

export interface FugitivesWorker {
  stop(): Promise<void>;
}

/**
 * The fugitives module's housekeeping: once an hour, evidence files uploaded for a report that no report took
 * within the configured age are removed (fugitives.evidence.ts `sweepUnsent`). Rows are claimed FOR UPDATE
 * SKIP LOCKED, so every process of a node may run it at once.
 */
export function startFugitivesWorker(
  services: Pick<Services, "fugitives">,
  log: Pick<Logger, "warn" | "info">,
  opts: { everyMs?: number } = {},
): FugitivesWorker {
  const everyMs = opts.everyMs ?? 3600_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const run = () => {
    if (stopped) return;
    running = services.fugitives
      .sweepUnsentEvidence()
      .then((r) => {
        if (r.discarded > 0) log.info({ job: "fugitive-evidence-unsent", ...r }, "fugitives job");
      })
      .catch((err) => log.warn({ err, job: "fugitive-evidence-unsent" }, "fugitives job failed"))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, everyMs);
      });
  };
  // A random first delay within a minute: processes started together do not sweep in step.
  timer = setTimeout(run, Math.floor(Math.random() * 60_000));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
