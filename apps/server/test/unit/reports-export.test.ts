import { label, type TimelinessReport } from "@crossline/schemas";
import { describe, expect, it } from "vitest";
import { timelinessCsv, timelinessDocument } from "../../src/modules/reports/reports.export.js";

const row = (over: Partial<TimelinessReport["rows"][number]>): TimelinessReport["rows"][number] => ({
  period: "2026-11-01",
  type: "preservation",
  urgency: "emergency",
  side: "requester",
  sent: 2,
  acknowledged: 2,
  acknowledgedInTime: 1,
  answered: 1,
  answeredInTime: 1,
  shareAnsweredInTime: 1,
  medianMinutesToAcknowledge: 12,
  medianMinutesToAnswer: 300,
  meanMinutesToAnswer: 300,
  outcomes: { fulfilled: 1, partly_fulfilled: 0, declined: 0 },
  openOverdue: 0,
  ...over,
});

const report: TimelinessReport = {
  nodeId: "cn-mps",
  generatedAt: "2026-12-02T01:47:34.797Z",
  from: null,
  to: null,
  period: "month",
  rows: [row({}), row({ type: "fugitive_locate", urgency: "routine", side: "responder" })],
  totals: { sent: 4, answered: 2, answeredInTime: 2, shareAnsweredInTime: 1 },
};

/** Codes that must never reach a reader of the export. */
const CODES = [
  "preservation",
  "fugitive_locate",
  "requester",
  "responder",
  "emergency",
  "routine",
  "partly_fulfilled",
];

describe("timeliness CSV and PDF text", () => {
  for (const lang of ["en", "zh-CN"] as const) {
    it(`says types, urgencies, sides and outcomes by their shared labels, not codes (${lang})`, () => {
      const csv = timelinessCsv(report, lang);
      const doc = timelinessDocument(report, lang);
      // the PDF draws exactly these strings: title, meta, totals, header and rows
      const pdfText = [doc.title, doc.meta, doc.totals, ...doc.header, ...doc.rows.flat()].join("\n");
      for (const text of [csv, pdfText]) {
        expect(text).toContain(label("requestType", "preservation", lang));
        expect(text).toContain(label("requestType", "fugitive_locate", lang));
        expect(text).toContain(label("urgency", "emergency", lang));
        expect(text).toContain(label("urgency", "routine", lang));
        expect(text).toContain(label("side", "requester", lang));
        expect(text).toContain(label("side", "responder", lang));
        expect(text).toContain(label("answerOutcome", "partly_fulfilled", lang));
        const cells = text.split(/[,\n\r]/).map((c) => c.trim());
        for (const code of CODES) expect(cells, `${lang}: ${code} printed as a code`).not.toContain(code);
      }
    });
  }

  it("uses the console's words in Chinese (紧急 is emergency, 已执行 fulfilled)", () => {
    const [first] = timelinessDocument(report, "zh-CN").rows;
    expect(first?.slice(1, 4)).toEqual(["快速保全已存储数据", "紧急", "请求方"]);
    expect(timelinessDocument(report, "zh-CN").header).toContain("已执行");
  });
});

describe("the PDF's generated line", () => {
  it("is on the reader's clock with its offset, never raw UTC", () => {
    const zh = timelinessDocument(report, "zh-CN", "Asia/Shanghai").meta;
    expect(zh).toContain("生成时间: 2026-12-02 09:47 (UTC+08:00)");
    const en = timelinessDocument(report, "en", "America/New_York").meta;
    expect(en).toContain("Generated: 2026-12-01 20:47 (UTC-05:00)");
    for (const meta of [zh, en]) expect(meta).not.toContain(report.generatedAt);
  });
});
