import { afterEach, describe, expect, it, vi } from "vitest";
import { seeded } from "../support/seeded.js";

describe("seeded randomness for chaos tests and benchmarks", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("the seed given in the environment replays the same choices, and is printed", () => {
    vi.stubEnv("CHAOS_SEED", "12345");
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const a = seeded("CHAOS_SEED", "test");
    const b = seeded("CHAOS_SEED", "test");
    expect(a.seed).toBe(12345);
    const xs = Array.from({ length: 5 }, () => a.between(300, 1500));
    expect(Array.from({ length: 5 }, () => b.between(300, 1500))).toEqual(xs);
    expect(xs.every((x) => x >= 300 && x < 1500)).toBe(true);
    expect(log).toHaveBeenCalledWith("test: CHAOS_SEED=12345 (given)");
  });

  it("without one, a fresh seed is printed so the run can be replayed; a bad one is refused", () => {
    vi.stubEnv("BENCH_SEED", undefined);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const r = seeded("BENCH_SEED", "bench");
    expect(log).toHaveBeenCalledWith(`bench: BENCH_SEED=${r.seed} (replay with it)`);
    vi.stubEnv("BENCH_SEED", "abc");
    expect(() => seeded("BENCH_SEED", "bench")).toThrow(/BENCH_SEED must be a whole number/);
  });
});
