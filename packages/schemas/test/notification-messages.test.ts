import { describe, expect, it } from "vitest";
import {
  NOTIFICATION_KEYS,
  NOTIFICATION_MESSAGES,
  readableInZone,
  renderNotification,
  spanOfMinutes,
} from "../src/index.js";

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

describe("the notification catalogue", () => {
  const names = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

  it("says every message in both languages with the same parameters", () => {
    for (const key of NOTIFICATION_KEYS) {
      const m = NOTIFICATION_MESSAGES[key];
      expect(m.title.en, key).not.toBe("");
      expect(m.title["zh-CN"], key).not.toBe("");
      expect(names(m.title["zh-CN"]), key).toEqual(names(m.title.en));
      expect(names(m.body["zh-CN"]), key).toEqual(names(m.body.en));
    }
  });

  it("renders instants on the reader's clock, with the other side's when it differs", () => {
    const params = {
      reference: "CN-MPS-2026-1",
      title: "T",
      peer: "US-DOJ",
      acknowledgeBy: { at: "2026-12-02T01:47:34.797Z", zone: "America/New_York" },
      late: { minutes: 95 },
    };
    expect(renderNotification("escalation_outgoing", params, "zh-CN", "Asia/Shanghai")?.body).toBe(
      "T\nUS-DOJ 的确认期限 2026-12-02 09:47 (UTC+08:00)；America/New_York：2026-12-01 20:47 (UTC-05:00)，已逾期 1 小时 35 分钟。",
    );
    expect(renderNotification("escalation_outgoing", params, "en", "America/New_York")?.body).toBe(
      "T\nAcknowledgement by US-DOJ was due 2026-12-01 20:47 (UTC-05:00) (1 h 35 min late).",
    );
    expect(renderNotification("no_such_key", params, "en", "UTC")).toBeNull();
  });
});
