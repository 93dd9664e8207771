import type { Config } from "../../config.js";
import { backoffMs } from "../../lib/backoff.js";
import type { EnvelopeTrace } from "./federation.inbox.js";
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
 * housekeeping loop retries held inbox messages, raises link-down alerts, vacuums the outbox and erases the files
 * kept for an envelope that has now left (blobs claimed FOR UPDATE SKIP LOCKED). All state is in the database.
 */
export function startFederationWorker(
  fed: FederationService,
  config: Config,
  log: WorkerLog,
  opts: { concurrency?: number } = {},
): FederationWorker {
  let running = true;
  /** Every pending sleep (delivery back-off and housekeeping), so `stop` can end them all. */
  const wakers = new Set<() => void>();
  /**
   * Idle delivery loops, in the order they went idle; each waits until it is handed work: a nudge (an enqueue in
   * this process), the poll, or another loop that claimed a full batch. `committed` true: the work is known to
   * be committed; false: it may not be yet (look again shortly). `byPoll`: the poll woke it (see `poll`).
   */
  const idle: ((committed: boolean, byPoll: boolean) => void)[] = [];
  /** A nudge that found no idle loop: the next loop about to go idle looks again first. */
  let missed: boolean | null = null;
  const wakeOne = (committed: boolean, byPoll = false): boolean => {
    const w = idle.shift();
    if (w) w(committed, byPoll);
    return w !== undefined;
  };
  // One loop per nudge: waking every loop for one message would only make them race for it.
  const onWake = (committed: boolean) => {
    if (!wakeOne(committed)) missed = missed === null ? committed : missed && committed;
  };
  const unsubscribe = fed.onNudge(onWake);
  /** The peers a loop of this process is delivering to, and those whose NOTIFY came meanwhile. */
  const busy = new Map<string, number>();
  const deferred = new Set<string>();
  /** Which peer each loop is delivering to (deliverDue's onPeer). */
  const delivering = () => {
    let current: string | null = null;
    return (peerId: string | null) => {
      if (current === peerId) return;
      if (current !== null) {
        const left = current;
        const n = (busy.get(left) ?? 1) - 1;
        if (n > 0) busy.set(left, n);
        else busy.delete(left);
        if (!busy.has(left) && deferred.delete(left)) onWake(true);
      }
      current = peerId;
      if (peerId !== null) busy.set(peerId, (busy.get(peerId) ?? 0) + 1);
    };
  };
  // On PostgreSQL, every enqueue NOTIFYs at its commit, in whichever process of the node it ran: the LISTEN wakes
  // a loop here at once (the work is committed). When the LISTEN is (re)established a loop looks once for what
  // was queued while it was down. Null on PGlite (one process: the nudge above is enough).
  //
  // A NOTIFY for a peer that a loop of this process is delivering to wakes no other loop: that loop claims
  // again in the transaction recording its batch (and once more on its own when its chain ends), which sees the
  // message; a loop woken now would only find the peer's batch in flight and sleep again, a claim transaction
  // per message for nothing. Once that loop has left the peer, one loop is woken for what was deferred.
  const subscription =
    fed
      .listenOutbox((peerId) => {
        if (peerId !== null && busy.has(peerId)) deferred.add(peerId);
        else onWake(true);
      })
      ?.catch(() => null) ?? null;
  /** The LISTEN once established (null while it is being set up, or when it failed). */
  let listening: { live(): boolean } | null = null;
  void subscription?.then((sub) => {
    listening = sub;
  });

  // Polling, the fallback that finds retries that have come due (and, on PostgreSQL, work queued by other
  // processes while the LISTEN is down): one idle loop woken per poll, rather than every loop. While there is work
  // about, the poll comes every `fedPollMs` as it always did. When a loop it woke finds nothing, the worker asks
  // the outbox when a claim could next find something (the next retry coming due, a lease ending) and looks
  // then, or after `fedIdlePollMs` (at least `fedPollMs`) when nothing is pending: an idle node ran four claims a
  // second for nothing (about 2 % of a core on PGlite). Every way new work arrives also wakes a loop directly (an
  // enqueue's nudge or NOTIFY, a peer resumed, a backoff reset), and a loop that goes idle after any such wake or
  // after delivering brings the poll back within `fedPollMs`. The long wait applies only where every process's
  // enqueues are heard: on PGlite (one process) or while the LISTEN is live.
  const idlePollMs = Math.max(config.fedPollMs, config.fedIdlePollMs);
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the pending poll fires (Date.now() scale), Infinity when none is set. */
  let pollAt = Number.POSITIVE_INFINITY;
  /** Counts `pollSoon` calls: an idle wait chosen from a reading taken before one of them is dropped. */
  let pollEpoch = 0;
  const clearPoll = () => {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
    pollAt = Number.POSITIVE_INFINITY;
  };
  const setPoll = (ms: number) => {
    clearPoll();
    if (!running) return;
    pollAt = Date.now() + ms;
    pollTimer = setTimeout(poll, ms);
  };
  /** Something happened (a delivery, a wake): the next poll within `fedPollMs`. */
  const pollSoon = () => {
    pollEpoch++;
    if (Date.now() + config.fedPollMs < pollAt) setPoll(config.fedPollMs);
  };
  function poll(): void {
    clearPoll();
    // Every loop busy: the next poll as usual (each loop brings it back when it goes idle anyway).
    if (!wakeOne(true, true)) setPoll(config.fedPollMs);
  }
  /** A loop the poll woke found nothing: the next poll when a claim could next find something. */
  async function pollAfterNothing(): Promise<void> {
    const epoch = pollEpoch;
    let ms = config.fedPollMs;
    try {
      const due = await fed.nextClaimableInMs();
      const heard = subscription === null || (listening?.live() ?? false);
      ms = Math.min(Math.max(due ?? idlePollMs, config.fedPollMs), heard ? idlePollMs : config.fedPollMs);
    } catch {
      // the database did not answer: look again at the usual interval
    }
    if (epoch === pollEpoch && pollTimer === null) setPoll(ms);
  }
  setPoll(config.fedPollMs);
  /** A loop that claimed a full batch hands the rest of the backlog to an idle loop. */
  const onClaimed = (n: number) => {
    if (n >= config.fedBatchSize) wakeOne(true);
  };
  /** One line per envelope and attempt, carrying its msgId: the receiver logs the same id (federation.routes.ts). */
  const sent = (e: EnvelopeTrace) => log.info({ ...e }, "federation envelope sent");
  /** Sleeps up to `ms`, or until `stop`. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(t);
        wakers.delete(finish);
        resolve();
      };
      const t = setTimeout(finish, ms);
      wakers.add(finish);
    });
  /**
   * Idle wait of a delivery loop; resolves whether the work it is handed is known to be committed, and whether
   * the poll handed it.
   */
  const idleWait = () =>
    new Promise<{ committed: boolean; byPoll: boolean }>((resolve) => {
      if (!running) {
        // stopping: no poll or nudge will come any more
        resolve({ committed: true, byPoll: false });
        return;
      }
      if (missed !== null) {
        const committed = missed;
        missed = null;
        resolve({ committed, byPoll: false });
        return;
      }
      const finish = (committed: boolean, byPoll = false) => {
        wakers.delete(stopWake);
        const i = idle.indexOf(finish);
        if (i >= 0) idle.splice(i, 1);
        resolve({ committed, byPoll });
      };
      const stopWake = () => finish(true);
      wakers.add(stopWake);
      idle.push(finish);
    });

  async function deliveryLoop(): Promise<void> {
    const onPeer = delivering();
    let failures = 0;
    /** Woken by an enqueue whose transaction may not have committed yet: look again very soon, a few times. */
    let uncertain = false;
    let quickRetries = 0;
    /** Woken by the poll, and nothing delivered since: finding nothing then sets the next poll (see `poll`). */
    let fromPoll = false;
    while (running) {
      try {
        const n = await fed.deliverDue(config.fedBatchSize, onClaimed, sent, onPeer);
        failures = 0;
        if (n > 0) {
          // more may have been queued while this batch travelled: look again at once
          quickRetries = 0;
          fromPoll = false;
        } else if (uncertain && quickRetries < 3) {
          quickRetries++;
          await sleep(2 ** quickRetries);
        } else {
          quickRetries = 0;
          if (fromPoll) void pollAfterNothing();
          else pollSoon();
          const woken = await idleWait();
          uncertain = !woken.committed;
          fromPoll = woken.byPoll;
        }
      } catch (e) {
        failures++;
        if (!running) break;
        log.error({ err: e }, "federation delivery failed");
        // doubling from twice the poll interval, at most 64 times it and 10 s
        await sleep(backoffMs(Math.min(failures, 6) + 1, config.fedPollMs, 10_000, false));
      }
    }
  }

  async function housekeeping(): Promise<void> {
    let lastLinkCheck = 0;
    /** Messages kept for a later release are looked at once per start: only a new release can read them. */
    let deferredDone = false;
    while (running) {
      try {
        if (!deferredDone) {
          const applied = await fed.applyDeferred();
          deferredDone = true;
          if (applied) log.info({ applied }, "applied messages kept until this release");
        }
        // One read says which of the three fallback duties below has anything to do.
        const due = await fed.housekeepingDue();
        // A restored node reconciles with its peers before anything is delivered to them (federation.restore.ts).
        if (due.reconcile) await fed.reconcilePending((msg, data) => log.warn(data, msg));
        if (due.retryHeld) await fed.retryHeld();
        await fed.maintainOutbox();
        // The bytes of erased records' files that were kept for an envelope go once it has left (eraseBlobs).
        if (due.eraseBlobs) await fed.eraseReleasedBlobs();
        // Batches leased by processes that are gone are claimed again now, not when their lease expires.
        const released = await fed.releaseDeadLeases();
        if (released) {
          log.info({ released }, "released the leases of a process that is gone");
          pollSoon();
        }
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

  // This process's presence (PostgreSQL), or, on PGlite, the dead process's leases released: before any claim.
  const presence = fed.startPresence().catch((e) => {
    log.warn({ err: e }, "federation presence not held: dead processes' leases wait for their expiry");
    return null;
  });
  const loops = presence.then(() => [
    ...Array.from({ length: opts.concurrency ?? config.fedWorkerConcurrency }, () => deliveryLoop()),
    housekeeping(),
  ]);
  return {
    async stop() {
      running = false;
      unsubscribe();
      await (await subscription)?.close();
      clearPoll();
      const started = await loops;
      for (const w of [...wakers]) w();
      await Promise.allSettled(started);
      await (await presence)?.close();
    },
  };
}
