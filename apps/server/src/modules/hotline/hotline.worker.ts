import type { Logger } from "pino";
import type { Services } from "../../services.js";

export interface HotlineWorker {
  stop(): Promise<void>;
}

/**
 * Background jobs of the hotline: the escalation sweep, the deadline notices (answer overdue,
 * preservation expiring) and the mail outbox. Each round claims its rows with FOR UPDATE SKIP LOCKED
 * (and leases, for mail), so every process of a node may run it at once.
 */
export function startHotlineWorker(
  services: Pick<Services, "requests" | "notifications">,
  log: Pick<Logger, "warn" | "info">,
  opts: { sweepMs?: number; mailMs?: number } = {},
): HotlineWorker {
  let stopped = false;
  const running = new Set<Promise<unknown>>();
  const loop = (name: string, everyMs: number, job: () => Promise<unknown>) => {
    const run = () => {
      if (stopped) return;
      const p = job()
        .then((r) => {
          const counts = r as Record<string, number>;
          if (Object.values(counts).some((n) => n > 0)) log.info({ job: name, ...counts }, "hotline job");
        })
        .catch((err) => log.warn({ err, job: name }, "hotline job failed"))
        .finally(() => {
          running.delete(p);
          if (!stopped) timers.push(setTimeout(run, everyMs));
        });
      running.add(p);
    };
    timers.push(setTimeout(run, Math.floor(Math.random() * everyMs)));
  };
  const timers: NodeJS.Timeout[] = [];
  loop("escalation-sweep", opts.sweepMs ?? 15_000, () => services.requests.sweepEscalations());
  loop("deadline-notices", opts.sweepMs ?? 15_000, () => services.requests.sweepDeadlineNotices());
  loop("mail", opts.mailMs ?? 5_000, () => services.notifications.drainMail());
  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await Promise.allSettled([...running]);
    },
  };
}
