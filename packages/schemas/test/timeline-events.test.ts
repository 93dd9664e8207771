import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EVENT_NAMES, RECORD_EVENT_NAMES, TIMELINE_EVENT_NAMES } from "../src/index.js";

const i18n = (lang: string) =>
  JSON.parse(
    readFileSync(new URL(`../../../apps/console/src/i18n/${lang}.json`, import.meta.url), "utf8"),
  ) as {
    requests: { event: Record<string, string> };
  };

describe("timeline event kinds", () => {
  it("are the lifecycle events and the record events, without duplicates", () => {
    expect(TIMELINE_EVENT_NAMES).toEqual([...EVENT_NAMES, ...RECORD_EVENT_NAMES]);
    expect(new Set(TIMELINE_EVENT_NAMES).size).toBe(TIMELINE_EVENT_NAMES.length);
    expect(RECORD_EVENT_NAMES).toContain("answer_overdue");
    expect(RECORD_EVENT_NAMES).toContain("preservation_expiring");
  });

  it.each(["en", "zh-CN"])("each has a console label in %s", (lang) => {
    const labels = i18n(lang).requests.event;
    expect(TIMELINE_EVENT_NAMES.filter((e) => !labels[e]?.trim())).toEqual([]);
  });
});
