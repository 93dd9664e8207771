import { describe, expect, it } from "vitest";
import { formatDateTime, formatDual, NEW_YORK, otherSideZone, SHANGHAI } from "../src/util/datetime";

const AT = "2025-11-22T06:03:05.123Z";

describe("formatDateTime", () => {
  it("shows the instant in the given zone with its offset", () => {
    expect(formatDateTime(AT, SHANGHAI, "en")).toBe("22 Nov 2025, 14:03:05 GMT+8");
    expect(formatDateTime(AT, NEW_YORK, "en")).toBe("22 Nov 2025, 01:03:05 GMT-5");
  });

  it("follows daylight saving time", () => {
    expect(formatDateTime("2025-07-01T12:00:00Z", NEW_YORK, "en")).toBe("01 Jul 2025, 08:00:00 GMT-4");
  });

  it("speaks Chinese", () => {
    expect(formatDateTime(AT, SHANGHAI, "zh-CN")).toBe("2025年11月22日 14:03:05 GMT+8");
  });

  it("falls back to UTC for an unknown zone and returns unparseable input unchanged", () => {
    expect(formatDateTime(AT, "Mars/Olympus", "en")).toBe("22 Nov 2025, 06:03:05 UTC");
    expect(formatDateTime("not a date", SHANGHAI, "en")).toBe("not a date");
  });
});

describe("dual-zone display", () => {
  it("pairs each side's zone with the other", () => {
    expect(otherSideZone(SHANGHAI)).toBe(NEW_YORK);
    expect(otherSideZone(NEW_YORK)).toBe(SHANGHAI);
    expect(otherSideZone("Europe/London", NEW_YORK)).toBe(NEW_YORK);
    expect(otherSideZone("Europe/London")).toBe(SHANGHAI);
  });

  it("formats one instant in both zones", () => {
    const d = formatDual(AT, NEW_YORK, "en");
    expect(d.primary).toEqual({ zone: NEW_YORK, text: "22 Nov 2025, 01:03:05 GMT-5" });
    expect(d.secondary).toEqual({ zone: SHANGHAI, text: "22 Nov 2025, 14:03:05 GMT+8" });
  });
});
