import { describe, expect, it } from "vitest";
import { backoffMs } from "../../src/lib/backoff.js";

describe("federation retry backoff", () => {
  it("grows exponentially from the base, with half of each delay random, up to the cap", () => {
    for (const [attempt, full] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [6, 32_000],
      [20, 300_000],
      [500, 300_000],
    ] as const) {
      const samples = Array.from({ length: 400 }, () => backoffMs(attempt, 1000, 300_000));
      expect(Math.min(...samples)).toBeGreaterThanOrEqual(full / 2);
      expect(Math.max(...samples)).toBeLessThanOrEqual(full);
      // jittered: retries of many messages do not line up
      expect(new Set(samples).size).toBeGreaterThan(100);
    }
  });

  it("without jitter is exactly the exponential delay (the mail outbox uses it so)", () => {
    expect([1, 2, 3, 8, 9].map((a) => backoffMs(a, 30_000, 3_600_000, false))).toEqual([
      30_000, 60_000, 120_000, 3_600_000, 3_600_000,
    ]);
  });
});
