import type { Logger } from "pino";
import type { AccessLogService } from "./access-log.service.js";

/** Seals the access log into the audit chain once a minute (each process may run it; a seal's key decides). */
export function startAccessLogWorker(
  accessLog: Pick<AccessLogService, "seal">,
  log: Pick<Logger, "warn" | "info">,
  everyMs = 60_000,
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    if (stopped) return;
    running = accessLog
      .seal()
      .then((s) => {
        if (s) log.info({ seal: s.seq, rows: s.rowCount }, "access log sealed");
      })
      .catch((err) => log.warn({ err }, "access log seal failed (retried next time)"))
      .finally(() => {
        if (!stopped) timer = setTimeout(run, everyMs);
      });
  };
  timer = setTimeout(run, Math.floor(Math.random() * everyMs));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
