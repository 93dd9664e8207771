import type { RequestDetail } from "@crossline/schemas";
import i18next from "i18next";
import { describe, expect, it } from "vitest";
import { resourceTree } from "../src/i18n/resources";
import { eventDetails } from "../src/modules/requests/RequestDetailPage/event-details";

type Event = RequestDetail["timeline"][number];

async function translator(lang: "en" | "zh-CN") {
  const i = i18next.createInstance();
  await i.init({ lng: lang, resources: { [lang]: { translation: resourceTree(lang) } } });
  return i.t;
}

const escalation = (data: Record<string, unknown>) =>
  ({ id: "e1", event: "escalation_received", at: "2026-12-05T10:00:00.000Z", data }) as unknown as Event;

describe("a request's timeline lines", () => {
  const sent = { lang: "en", text: "Not acknowledged 95 minutes after the acknowledge deadline." };

  it("says how late an escalation is in the reader's language, not in the sender's sentence", async () => {
    const data = { level: 2, minutesLate: 95, reason: sent, contact: null };
    expect(eventDetails(await translator("zh-CN"), escalation(data), "zh-CN")).toEqual([
      "第 2 级",
      "超过确认期限 1 小时 35 分钟 仍未确认",
    ]);
    expect(eventDetails(await translator("en"), escalation(data), "en")).toEqual([
      "Level 2",
      "Not acknowledged 1 h 35 min after the deadline",
    ]);
  });

  it("shows the sentence as sent for an escalation recorded without the figure", async () => {
    expect(eventDetails(await translator("zh-CN"), escalation({ level: 2, reason: sent }), "zh-CN")).toEqual([
      "第 2 级",
      sent.text,
    ]);
  });
});
