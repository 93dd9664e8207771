import type { Logger } from "pino";
import { systemCtx } from "../../lib/actor.js";
import type { AuditAnchorService } from "./audit.anchor.js";

export interface AuditWorker {
  stop(): Promise<void>;
}

/**
 * Signs a checkpoint of the audit head once per interval and sends it to the peers. Every process of a node
 * may run it: `checkpointIfDue` decides under the `audit_head` row lock, so a period gets one.
 */
export function startAuditWorker(
  anchors: Pick<AuditAnchorService, "checkpointIfDue">,
  intervalMinutes: number,
  log: Pick<Logger, "warn" | "info">,
): AuditWorker {
  // Look often enough that a checkpoint is at most a tenth of the interval late (and at least once a minute).
  const everyMs = Math.min(60_000, Math.max(1_000, (intervalMinutes * 60_000) / 10));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    if (stopped) return;
    running = anchors
      .checkpointIfDue(systemCtx())
      .then((c) => {
        if (c) log.info({ seq: c.seq }, "audit checkpoint signed");
      })
      .catch((err) => log.warn({ err }, "audit checkpoint failed"))
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
