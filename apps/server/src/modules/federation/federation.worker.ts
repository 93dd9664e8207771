import type { Config } from "../../config.js";
import type { FederationService } from "./federation.service.js";

export interface WorkerLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface FederationWorker {
  stop(): Promise<void>;
}

/**
 * Background delivery for one process: `concurrency` loops claim due envelopes (FOR UPDATE SKIP LOCKED plus a
 * lease, so any number of processes of the node share the outbox safely), deliver and record receipts; a
 * housekeeping loop retries held inbox messages and raises link-down alerts. All state is in the database.
 */
export function startFederationWorker(
  fed: FederationService,
  config: Config,
  log: WorkerLog,
  opts: { concurrency?: number } = {},
): FederationWorker {
  let running = true;
  const wakers = new Set<() => void>();
  const unsubscribe = fed.onNudge(() => {
    for (const w of wakers) w();
  });
  /** Sleeps up to `ms`; resolves true when woken early by a nudge. */
  const sleep = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const finish = (early: boolean) => {
        clearTimeout(t);
        wakers.delete(wake);
        resolve(early);
      };
      const wake = () => finish(true);
      const t = setTimeout(() => finish(false), ms);
      wakers.add(wake);
    });

  async function deliveryLoop(): Promise<void> {
    let failures = 0;
    let woken = false;
    let quickRetries = 0;
    while (running) {
      try {
        const n = await fed.deliverDue();
        failures = 0;
        if (n > 0) {
          quickRetries = 0;
        } else if (woken && quickRetries < 3) {
          // woken by an enqueue whose transaction may not have committed yet: look again very soon
          quickRetries++;
          await sleep(2 ** quickRetries);
        } else {
          woken = false;
          quickRetries = 0;
          woken = await sleep(config.fedPollMs);
        }
      } catch (e) {
        failures++;
        if (!running) break;
        log.error({ err: e }, "federation delivery failed");
        await sleep(Math.min(10_000, config.fedPollMs * 2 ** Math.min(failures, 6)));
      }
    }
  }

  async function housekeeping(): Promise<void> {
    let lastLinkCheck = 0;
    while (running) {
      try {
        await fed.retryHeld();
        if (Date.now() - lastLinkCheck > Math.min(30_000, (config.fedLinkDownAlertMinutes * 60_000) / 4)) {
          lastLinkCheck = Date.now();
          await fed.checkLinks((msg, data) => log.warn(data, msg));
        }
      } catch (e) {
        if (!running) break;
        log.error({ err: e }, "federation housekeeping failed");
      }
      await sleep(Math.max(1000, config.fedPollMs));
    }
  }

  const loops = [
    ...Array.from({ length: opts.concurrency ?? config.fedWorkerConcurrency }, () => deliveryLoop()),
    housekeeping(),
  ];
  return {
    async stop() {
      running = false;
      unsubscribe();
      for (const w of [...wakers]) w();
      await Promise.allSettled(loops);
    },
  };
}
