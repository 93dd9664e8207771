import { describe, expect, it } from "vitest";
import { readableInZone, renderNotification, spanOfMinutes } from "../src/index.js";

describe("times and spans in notifications", () => {
  it("shows the wall clock of the zone with its offset", () => {
    const at = new Date("2026-11-28T16:05:00Z");
    expect(readableInZone(at, "Asia/Shanghai")).toBe("2026-11-29 00:05 (UTC+08:00)");
    expect(readableInZone(at, "America/New_York")).toBe("2026-11-28 11:05 (UTC-05:00)");
    expect(readableInZone(at, "UTC")).toBe("2026-11-28 16:05 (UTC)");
    // summer time in New York
    expect(readableInZone(new Date("2026-07-01T16:05:00Z"), "America/New_York")).toBe(
      "2026-07-01 12:05 (UTC-04:00)",
    );
  });

  it("says a lateness in days, hours and minutes in both languages", () => {
    expect(spanOfMinutes(3541, "en")).toBe("2 d 11 h 1 min");
    expect(spanOfMinutes(3541, "zh")).toBe("2 天 11 小时 1 分钟");
    expect(spanOfMinutes(60, "en")).toBe("1 h");
    expect(spanOfMinutes(0, "zh")).toBe("0 分钟");
    expect(spanOfMinutes(-5, "en")).toBe("0 min");
  });
});
