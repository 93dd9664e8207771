import { expect, it } from "vitest";
import { startPeriodicJob } from "../../src/lib/periodic-job.js";

const until = async (cond: () => boolean, ms = 10_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
};

it("runs again after each run ends, logs the runs that did something and the failures, and stop waits for the run", async () => {
  const infos: unknown[] = [];
  const warns: unknown[] = [];
  const log = {
    info: (obj: unknown, msg?: string) => infos.push([obj, msg]),
    warn: (obj: unknown, msg?: string) => warns.push([obj, msg]),
  } as never;
  let runs = 0;
  let inFlight = false;
  const job = startPeriodicJob({
    job: "test-sweep",
    module: "tests",
    everyMs: 10,
    firstDelayMaxMs: 1,
    run: async () => {
      runs++;
      inFlight = true;
      await new Promise((r) => setTimeout(r, 20));
      inFlight = false;
      if (runs === 2) throw new Error("boom");
      return { done: runs === 1 ? 3 : 0 };
    },
    worked: (r) => r.done > 0,
    log,
  });
  await until(() => runs >= 3 && inFlight);
  await job.stop();
  expect(inFlight).toBe(false); // stop waited for the run in flight
  const after = runs;
  await new Promise((r) => setTimeout(r, 50));
  expect(runs).toBe(after); // and no run started after it
  expect(infos).toEqual([[{ job: "test-sweep", done: 3 }, "tests job"]]);
  expect(warns).toHaveLength(1);
  expect(warns[0]).toEqual([{ err: expect.any(Error), job: "test-sweep" }, "tests job failed"]);
});
