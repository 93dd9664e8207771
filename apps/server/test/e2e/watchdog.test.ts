import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeDb } from "../support/node.js";
import { createProcNode, type ProcNode, waitUntil } from "../support/proc.js";

const BLOCKER = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../fixtures/preload/block-on-sigusr2.mjs",
);

/**
 * A node process whose event loop stops (here: the main thread blocked for good on SIGUSR2 by a preloaded test
 * module, as the JWK-export deadlock once did) is aborted by its watchdog thread, so that systemd's
 * `Restart=on-failure` restarts it; a node that is merely idle is left alone, and `watchdogSeconds` 0 switches
 * the watchdog off.
 */
describeDb("the watchdog aborts a node whose event loop has stopped", () => {
  let n: ProcNode;

  beforeAll(async () => {
    n = await createProcNode("WD");
  });
  afterAll(async () => {
    await n?.cleanup();
  });

  const exitOf = (p = n.proc) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      const c = p.child;
      if (!c) throw new Error("not started");
      if (c.exitCode !== null || c.signalCode !== null) resolve({ code: c.exitCode, signal: c.signalCode });
      else c.once("exit", (code, signal) => resolve({ code, signal }));
    });

  it("leaves an idle node running, and aborts it within seconds once its event loop stops", async () => {
    n.proc.env = { CROSSLINE_WATCHDOG_SECONDS: "2", NODE_OPTIONS: `--import ${BLOCKER}` };
    await n.proc.start();
    // Idle for longer than the watchdog's limit: the heartbeat goes on, nothing happens.
    await new Promise((r) => setTimeout(r, 3500));
    expect(n.proc.running).toBe(true);
    expect((await fetch(`${n.proc.url}/readyz`)).status).toBe(200);

    const blockedAt = Date.now();
    n.proc.child?.kill("SIGUSR2");
    const exit = await exitOf();
    expect(exit).toEqual({ code: null, signal: "SIGABRT" });
    // Two seconds of the limit, plus up to a half-second step and the time to deliver the signal.
    expect(Date.now() - blockedAt).toBeLessThan(10_000);
    const said = n.proc.logLines().find((l) => String(l.msg).startsWith("watchdog:"));
    expect(said).toMatchObject({
      level: 60,
      msg: expect.stringContaining("has not turned for 2 s"),
    });
  });

  it("does nothing with watchdogSeconds 0", async () => {
    n.proc.env = { CROSSLINE_WATCHDOG_SECONDS: "0", NODE_OPTIONS: `--import ${BLOCKER}` };
    await n.proc.start();
    n.proc.child?.kill("SIGUSR2");
    // Blocked: /readyz no longer answers, and the process stays (it would hang for good).
    await waitUntil(
      async () => {
        const ok = await fetch(`${n.proc.url}/readyz`, { signal: AbortSignal.timeout(500) })
          .then(() => true)
          .catch(() => false);
        return !ok;
      },
      5000,
      "the blocked node to stop answering",
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(n.proc.running).toBe(true);
    await n.proc.kill9();
  });
});
