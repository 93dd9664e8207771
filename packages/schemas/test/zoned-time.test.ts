import { describe, expect, it } from "vitest";
import { localToInstant, toZonedIso, zoneOffsetMinutes } from "../src/zoned-time.js";

describe("zoned time", () => {
  it("renders an instant in both sides' zones with their offsets", () => {
    const t = new Date("2026-11-22T02:30:00Z");
    expect(toZonedIso(t, "Asia/Shanghai")).toBe("2026-11-22T10:30:00+08:00");
    expect(toZonedIso(t, "America/New_York")).toBe("2026-11-21T21:30:00-05:00");
    expect(toZonedIso(new Date("2026-07-01T12:00:00Z"), "America/New_York")).toBe(
      "2026-07-01T08:00:00-04:00",
    );
    expect(toZonedIso(t, "Asia/Kolkata")).toBe("2026-11-22T08:00:00+05:30");
    expect(zoneOffsetMinutes(t, "UTC")).toBe(0);
  });

  it("turns local wall-clock times into instants, across daylight-saving changes", () => {
    expect(localToInstant("2026-11-22T08:00", "Asia/Shanghai")?.toISOString()).toBe(
      "2026-11-22T00:00:00.000Z",
    );
    expect(localToInstant("2026-07-01T08:00", "America/New_York")?.toISOString()).toBe(
      "2026-07-01T12:00:00.000Z",
    );
    expect(localToInstant("2026-12-01T08:00:30", "America/New_York")?.toISOString()).toBe(
      "2026-12-01T13:00:30.000Z",
    );
    // 2026-03-08 02:30 does not exist in New York (clocks jump from 02:00 to 03:00): the later reading.
    expect(localToInstant("2026-03-08T02:30", "America/New_York")?.toISOString()).toBe(
      "2026-03-08T07:30:00.000Z",
    );
    // 2026-11-01 01:30 happens twice: the earlier one (still daylight time).
    expect(localToInstant("2026-11-01T01:30", "America/New_York")?.toISOString()).toBe(
      "2026-11-01T05:30:00.000Z",
    );
  });

  it("refuses what is not a local date-time", () => {
    for (const bad of [
      "2026-02-30T08:00",
      "2026-11-22 08:00",
      "2026-11-22T24:00",
      "2026-13-01T00:00",
      "yesterday",
    ]) {
      expect(localToInstant(bad, "UTC")).toBeNull();
    }
  });
});
