import type { Logger } from "pino";
import type { LawfulService } from "./lawful.service.js";

export interface LawfulWorker {
  stop(): Promise<void>;
}

/**
 * The daily retention job. Every process of a node tries it once an hour; the job itself claims the settings
 * row FOR UPDATE SKIP LOCKED and skips a run made within the last 23 hours, so it runs once a day per node
 * however many processes share the database.
 */
export function startLawfulWorker(
  lawful: Pick<LawfulService, "runDailyJob" | "refreshPolicy">,
  log: Pick<Logger, "warn" | "info">,
  opts: { everyMs?: number } = {},
): LawfulWorker {
  const everyMs = opts.everyMs ?? 3600_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | null = null;
  const run = () => {
    if (stopped) return;
    running = lawful
      .runDailyJob()
      .then(async (r) => {
        if (r.ran) log.info({ job: "retention", ...r }, "lawful job");
        // Another process may have changed the policy: the shared-objects hook reads this process's copy.
        await lawful.refreshPolicy();
      })
      .catch((err) => log.warn({ err, job: "retention" }, "lawful job failed"))
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(run, everyMs);
      });
  };
  timer = setTimeout(run, Math.floor(Math.random() * 60_000));
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
