import { type CaseStatusReport, type Language, label, readableInZone } from "@crossline/schemas";
import { type TableDocument, tableCsv, tableDocumentPdf } from "../reports/reports.export.js";

/** The fixed words of the status report; values (category, status, outcome) come from the shared labels. */
const T = {
  title: { en: "Status report on cybercrime cases", "zh-CN": "网络犯罪案件进展情况通报" },
  peer: { en: "With", "zh-CN": "对方" },
  range: { en: "Period", "zh-CN": "期间" },
  /** The period's days are days on the node's calendar, named by its zone. */
  calendar: { en: "days in", "zh-CN": "日期按时区" },
  generated: { en: "Generated", "zh-CN": "生成时间" },
  totals: { en: "Totals", "zh-CN": "合计" },
  ours: { en: "Ours", "zh-CN": "我方" },
  theirs: { en: "Theirs", "zh-CN": "对方" },
  yes: { en: "yes", "zh-CN": "是" },
  none: {
    en: "No priority case is shared with this peer.",
    "zh-CN": "与该对方之间没有共享的重点案件。",
  },
} as const;

const COLUMNS = [
  { en: "Side", "zh-CN": "方" },
  { en: "Reference", "zh-CN": "案件编号" },
  { en: "Title", "zh-CN": "案件名称" },
  { en: "Category", "zh-CN": "案件类别" },
  { en: "Status", "zh-CN": "状态" },
  { en: "Outcome", "zh-CN": "结果" },
  { en: "Asked of the other side", "zh-CN": "请对方协助事项" },
  { en: "Last update", "zh-CN": "最近更新" },
  { en: "Updated in period", "zh-CN": "本期有更新" },
] as const;

/**
 * The report as people read it, in one language and on the reader's clock (instants with their offset, never
 * raw UTC): the CSV and the PDF share it.
 */
export function caseReportDocument(r: CaseStatusReport, lang: Language, timeZone: string): TableDocument {
  const t = r.totals;
  const at = (iso: string) => readableInZone(new Date(iso), timeZone);
  return {
    title: T.title[lang],
    meta: `${T.peer[lang]}: ${r.peer}    ${T.range[lang]}: ${r.from} – ${r.to} (${T.calendar[lang]} ${r.timeZone})    ${T.generated[lang]}: ${at(r.generatedAt)}`,
    totals: `${T.totals[lang]}: ${T.ours[lang]} ${t.own} · ${T.theirs[lang]} ${t.received} · ${label("caseStatus", "open", lang)} ${t.open} · ${label("caseStatus", "suspended", lang)} ${t.suspended} · ${label("caseStatus", "closed", lang)} ${t.closed} · ${COLUMNS[8][lang]} ${t.updatedInPeriod}`,
    none: T.none[lang],
    header: COLUMNS.map((c) => c[lang]),
    rows: r.items.map((i) => [
      i.direction === "own" ? T.ours[lang] : T.theirs[lang],
      i.reference,
      i.title.text,
      label("offenceCategory", i.category, lang),
      label("caseStatus", i.status, lang),
      i.outcome ? label("caseOutcome", i.outcome, lang) : "",
      i.asks?.text ?? "",
      at(i.lastUpdate),
      i.updatedInPeriod ? T.yes[lang] : "",
    ]),
  };
}

export const caseReportCsv = (r: CaseStatusReport, lang: Language, timeZone: string) => {
  const d = caseReportDocument(r, lang, timeZone);
  return tableCsv(d.header, d.rows);
};

export const caseReportPdf = (r: CaseStatusReport, lang: Language, timeZone: string) =>
  tableDocumentPdf(caseReportDocument(r, lang, timeZone), [44, 96, 150, 80, 50, 70, 150, 80, 50]);
