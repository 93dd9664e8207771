import { type Language, label, readableInZone, type TimelinessReport } from "@crossline/schemas";
import { newCjkPdf } from "../../lib/pdfkit.js";

type Lang = Language;

const T = {
  title: {
    en: "Status report: timeliness and quality of responses",
    "zh-CN": "状态报告：答复的及时性与质量",
  },
  node: { en: "Node", "zh-CN": "节点" },
  generated: { en: "Generated", "zh-CN": "生成时间" },
  range: { en: "Period", "zh-CN": "期间" },
  all: { en: "all time", "zh-CN": "全部" },
  totals: { en: "Totals", "zh-CN": "合计" },
  none: { en: "No requests were sent in this period.", "zh-CN": "该期间内没有已发送的请求。" },
  screening: { en: "Screening for lawful use, per ground", "zh-CN": "合法使用审查（按理由）" },
  ground: { en: "Ground", "zh-CN": "理由" },
  cleared: { en: "Cleared", "zh-CN": "已放行" },
  blocked: { en: "Blocked", "zh-CN": "已阻止" },
  refusedSent: { en: "Refused by us", "zh-CN": "我方拒绝" },
  refusedReceived: { en: "Refused by the peer", "zh-CN": "对方拒绝" },
  openFlags: { en: "Awaiting legal review", "zh-CN": "待法律审查" },
} as const;

const COLUMNS = [
  ["period", { en: "Period", "zh-CN": "期间" }],
  ["type", { en: "Type", "zh-CN": "类型" }],
  ["urgency", { en: "Urgency", "zh-CN": "紧急程度" }],
  ["side", { en: "Side", "zh-CN": "角色" }],
  ["sent", { en: "Sent", "zh-CN": "发送" }],
  ["acknowledged", { en: "Acknowledged", "zh-CN": "已确认" }],
  ["acknowledgedInTime", { en: "Ack. in time", "zh-CN": "按时确认" }],
  ["answered", { en: "Answered", "zh-CN": "已答复" }],
  ["answeredInTime", { en: "Answered in time", "zh-CN": "按时答复" }],
  ["shareAnsweredInTime", { en: "Share in time", "zh-CN": "按时答复率" }],
  ["medianMinutesToAcknowledge", { en: "Median min. to ack.", "zh-CN": "确认用时中位数（分钟）" }],
  ["medianMinutesToAnswer", { en: "Median min. to answer", "zh-CN": "答复用时中位数（分钟）" }],
  [
    "fulfilled",
    { en: label("answerOutcome", "fulfilled", "en"), "zh-CN": label("answerOutcome", "fulfilled", "zh-CN") },
  ],
  [
    "partly_fulfilled",
    {
      en: label("answerOutcome", "partly_fulfilled", "en"),
      "zh-CN": label("answerOutcome", "partly_fulfilled", "zh-CN"),
    },
  ],
  [
    "declined",
    { en: label("answerOutcome", "declined", "en"), "zh-CN": label("answerOutcome", "declined", "zh-CN") },
  ],
  ["openOverdue", { en: "Open overdue", "zh-CN": "未结逾期" }],
] as const;

/** The table's rows as people read them: types, urgencies and sides by their shared labels, never codes. */
function cells(report: TimelinessReport, lang: Lang): string[][] {
  return report.rows.map((r) => [
    r.period,
    label("requestType", r.type, lang),
    label("urgency", r.urgency, lang),
    label("side", r.side, lang),
    String(r.sent),
    String(r.acknowledged),
    String(r.acknowledgedInTime),
    String(r.answered),
    String(r.answeredInTime),
    r.shareAnsweredInTime === null ? "" : `${Math.round(r.shareAnsweredInTime * 1000) / 10}%`,
    r.medianMinutesToAcknowledge === null ? "" : String(r.medianMinutesToAcknowledge),
    r.medianMinutesToAnswer === null ? "" : String(r.medianMinutesToAnswer),
    String(r.outcomes.fulfilled),
    String(r.outcomes.partly_fulfilled),
    String(r.outcomes.declined),
    String(r.openOverdue),
  ]);
}

/** Everything the PDF writes, in order: the CSV and the PDF share the header and the rows. */
export function timelinessDocument(report: TimelinessReport, lang: Lang, timeZone = "UTC") {
  // When it was made, on the reader's clock with its offset (never raw UTC).
  const generated = readableInZone(new Date(report.generatedAt), timeZone);
  const range = report.from || report.to ? `${report.from ?? "…"} – ${report.to ?? "…"}` : T.all[lang];
  const t = report.totals;
  const share = t.shareAnsweredInTime === null ? "–" : `${Math.round(t.shareAnsweredInTime * 1000) / 10}%`;
  return {
    title: T.title[lang],
    meta: `${T.node[lang]}: ${report.nodeId}    ${T.generated[lang]}: ${generated}    ${T.range[lang]}: ${range}`,
    totals: `${T.totals[lang]}: ${COLUMNS[4][1][lang]} ${t.sent} · ${COLUMNS[7][1][lang]} ${t.answered} · ${COLUMNS[8][1][lang]} ${t.answeredInTime} · ${COLUMNS[9][1][lang]} ${share}`,
    none: T.none[lang],
    header: COLUMNS.map(([, l]) => l[lang]) as string[],
    rows: cells(report, lang),
    screening: screeningTable(report, lang),
  };
}

/** The screening figures as a table (grounds by their shared labels): only grounds with a count. */
function screeningTable(report: TimelinessReport, lang: Lang) {
  const s = report.screening;
  if (!s) return null;
  return {
    title: `${T.screening[lang]} (${T.openFlags[lang]}: ${s.openFlags})`,
    header: [T.ground[lang], T.cleared[lang], T.blocked[lang], T.refusedSent[lang], T.refusedReceived[lang]],
    rows: s.rows
      .filter((r) => r.cleared + r.blocked + r.refusedSent + r.refusedReceived > 0)
      .map((r) => [
        label("lawfulGround", r.ground, lang),
        String(r.cleared),
        String(r.blocked),
        String(r.refusedSent),
        String(r.refusedReceived),
      ]),
  };
}

const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** RFC 4180 CSV with a header row in the chosen language (UTF-8 with BOM so spreadsheets read Chinese). */
export function timelinessCsv(report: TimelinessReport, lang: Lang): string {
  const d = timelinessDocument(report, lang);
  // The screening figures follow the main table after an empty line, with a header of their own.
  const s = d.screening;
  return tableCsv(d.header, s ? [...d.rows, [], [s.title], s.header, ...s.rows] : d.rows);
}

/** RFC 4180 CSV of a header and rows (UTF-8 with BOM so spreadsheets read Chinese): every report's CSV. */
export function tableCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header, ...rows].map((row) => row.map(csvCell).join(","));
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

/** What a tabular report's PDF holds: a title, a line of metadata, a line of totals, and a table. */
export interface TableDocument {
  title: string;
  meta: string;
  totals: string;
  /** Said instead of the table when it has no rows. */
  none: string;
  header: readonly string[];
  rows: readonly (readonly string[])[];
}

/** A report's table document as a PDF (`widths`: the columns' widths in points). */
export function tableDocumentPdf(d: TableDocument, widths: readonly number[]): Promise<Buffer> {
  return tablePdf(
    { title: d.title, lines: [d.meta, d.totals], header: d.header, rows: d.rows, none: d.none },
    widths,
  );
}

/** A PDF of the report, in English or Chinese. Needs a CJK font on the machine (newCjkPdf). */
export async function timelinessPdf(report: TimelinessReport, lang: Lang, timeZone = "UTC"): Promise<Buffer> {
  const d = timelinessDocument(report, lang, timeZone);
  const s = d.screening;
  // The screening figures, one line per ground, above the table.
  const screening = s
    ? [
        s.title,
        ...s.rows.map(
          (r) =>
            `${r[0]}: ${s.header
              .slice(1)
              .map((h, i) => `${h} ${r[i + 1]}`)
              .join(" · ")}`,
        ),
      ]
    : [];
  return tablePdf(
    { title: d.title, lines: [d.meta, d.totals, ...screening], header: d.header, rows: d.rows, none: d.none },
    [52, 120, 42, 46, 30, 40, 40, 40, 44, 40, 50, 50, 36, 40, 36, 40],
  );
}

/**
 * A landscape A4 PDF of one table with a title and lines above it, in the CJK font (so Chinese and English
 * both print): the machinery every bilingual report shares (timeliness here, provider-notice figures).
 */
export async function tablePdf(
  d: {
    title: string;
    lines: string[];
    header: readonly string[];
    rows: readonly (readonly string[])[];
    none: string;
  },
  widths: readonly number[],
): Promise<Buffer> {
  const { doc, bytes: done } = await newCjkPdf({
    size: "A4",
    layout: "landscape",
    margin: 36,
    info: { Title: d.title },
  });
  doc.fontSize(16).text(d.title);
  doc.moveDown(0.3);
  doc.fontSize(9);
  for (const line of d.lines) doc.text(line);
  doc.moveDown(0.6);
  const rows = d.rows;
  if (rows.length === 0) {
    doc.fontSize(10).text(d.none);
  } else {
    const x0 = doc.page.margins.left;
    const drawRow = (values: readonly string[], header: boolean) => {
      doc.fontSize(header ? 7 : 7.5);
      const heights = values.map((v, i) => doc.heightOfString(v, { width: widths[i] - 4 }));
      const h = Math.max(...heights) + 4;
      if (doc.y + h > doc.page.height - doc.page.margins.bottom) doc.addPage();
      const y = doc.y;
      let x = x0;
      values.forEach((v, i) => {
        doc.text(v, x + 2, y + 2, { width: widths[i] - 4, lineBreak: true });
        x += widths[i];
      });
      doc
        .moveTo(x0, y + h)
        .lineTo(x, y + h)
        .lineWidth(header ? 0.8 : 0.3)
        .stroke();
      doc.x = x0;
      doc.y = y + h;
    };
    drawRow(d.header, true);
    for (const r of rows) drawRow(r, false);
  }
  doc.end();
  return done;
}
