import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../src/modules/policy/duration";

describe("deadline durations", () => {
  it("reads days, hours and minutes, in English or Chinese units", () => {
    expect(parseDuration("3d")).toBe(3 * 1440);
    expect(parseDuration("4h")).toBe(240);
    expect(parseDuration(" 1d 12h ")).toBe(1440 + 720);
    expect(parseDuration("90m")).toBe(90);
    expect(parseDuration("2 days 30 min")).toBe(2 * 1440 + 30);
    expect(parseDuration("3天")).toBe(3 * 1440);
    expect(parseDuration("1小时30分钟")).toBe(90);
    expect(parseDuration("1.5h")).toBe(90);
  });

  it("refuses what is not a duration", () => {
    for (const bad of ["", "soon", "36", "3x", "d", "0h", "0.1m", "3d -2h", "3d and 2h"])
      expect(parseDuration(bad), bad).toBeNull();
  });

  it("formats minutes in the shortest form and reads it back", () => {
    expect(formatDuration(3 * 1440)).toBe("3d");
    expect(formatDuration(1440 + 90)).toBe("1d 1h 30m");
    expect(formatDuration(45)).toBe("45m");
    for (const m of [1, 59, 60, 61, 1439, 1440, 45 * 1440, 366 * 1440])
      expect(parseDuration(formatDuration(m))).toBe(m);
  });
});
