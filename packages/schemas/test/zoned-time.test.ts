import { describe, expect, it } from "vitest";
import {
  addDays,
  localToInstant,
  toZonedIso,
  zonedDays,
  zonedToday,
  zoneOffsetMinutes,
} from "../src/zoned-time.js";

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

  it("gives the instants of whole days on a zone's calendar, a day of 23 or 25 hours included", () => {
    const iso = (r: { start: Date; end: Date } | null) => r && [r.start.toISOString(), r.end.toISOString()];
    // Beijing's 22 November begins at 16:00 UTC the day before.
    expect(iso(zonedDays("2026-11-22", "2026-11-22", "Asia/Shanghai"))).toEqual([
      "2026-11-21T16:00:00.000Z",
      "2026-11-22T16:00:00.000Z",
    ]);
    expect(iso(zonedDays("2026-11-01", "2026-11-30", "UTC"))).toEqual([
      "2026-11-01T00:00:00.000Z",
      "2026-12-01T00:00:00.000Z",
    ]);
    // New York: 8 March 2026 has 23 hours, 1 November 25.
    const spring = zonedDays("2026-03-08", "2026-03-08", "America/New_York");
    expect(spring && spring.end.getTime() - spring.start.getTime()).toBe(23 * 3_600_000);
    const autumn = zonedDays("2026-11-01", "2026-11-01", "America/New_York");
    expect(autumn && autumn.end.getTime() - autumn.start.getTime()).toBe(25 * 3_600_000);
    // The last day of a month and of a year run into the next.
    expect(iso(zonedDays("2026-12-31", "2026-12-31", "Asia/Shanghai"))?.[1]).toBe("2026-12-31T16:00:00.000Z");
    expect(zonedDays("2026-02-30", "2026-03-01", "UTC")).toBeNull();
    expect(zonedDays("2026-03-01", "2026-13-01", "UTC")).toBeNull();
  });

  it("gives today's date on a zone's calendar", () => {
    const late = new Date("2026-11-21T17:30:00Z"); // 01:30 on the 22nd in Beijing, 12:30 on the 21st in New York
    expect(zonedToday("Asia/Shanghai", late)).toBe("2026-11-22");
    expect(zonedToday("America/New_York", late)).toBe("2026-11-21");
    expect(zonedToday("Asia/Shanghai", late, 90)).toBe("2026-08-24");
    expect(zonedToday("UTC", new Date("2027-01-01T03:00:00Z"), 1)).toBe("2026-12-31");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
  });
});
