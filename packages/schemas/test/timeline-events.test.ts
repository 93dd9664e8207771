import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EVENT_NAMES, labelMap, RECORD_EVENT_NAMES, TIMELINE_EVENT_NAMES } from "../src/index.js";

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

  it.each(["en", "zh-CN"] as const)("each has a console label in %s", (lang) => {
    // the console's requests.event: the lifecycle events from the shared labels, the record events from its JSON
    const labels: Record<string, string> = {
      ...i18n(lang).requests.event,
      ...labelMap("requestEvent", lang),
    };
    expect(TIMELINE_EVENT_NAMES.filter((e) => !labels[e]?.trim())).toEqual([]);
  });
});
