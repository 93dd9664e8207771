import type { Logger } from "pino";
import type { Services } from "../../services.js";

export interface ProvidersWorker {
  stop(): Promise<void>;
}

/**
 * The providers module's background job: the overdue sweep of notices (notices.sweep.ts). Its rows are claimed
 * with FOR UPDATE SKIP LOCKED and marked by a conditional update, so every process of a node may run it at once.
 */
export function startProvidersWorker(
  services: Pick<Services, "providers">,
  log: Pick<Logger, "warn" | "info">,
  opts: { sweepMs?: number } = {},
): ProvidersWorker {
  const everyMs = opts.sweepMs ?? 15_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const run = () => {
    if (stopped) return;
    running = services.providers
      .sweepOverdue()
      .then((r) => {
        if (r.overdue > 0) log.info({ job: "notices-overdue", ...r }, "providers job");
      })
      .catch((err) => log.warn({ err, job: "notices-overdue" }, "providers job failed"))
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
