import {
  type Language,
  label,
  REPATRIATION_FIGURE_COLUMNS,
  type RepatriationFigures,
  type RepatriationFiguresQuery,
  type RepatriationMonth,
} from "@crossline/schemas";
import type { CaseRow } from "./repatriation.repo.js";

const DAY_MS = 86_400_000;

/** The month (YYYY-MM) of an instant on a zone's calendar. */
export function monthIn(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}`;
}

/** Every month from `from` to `to` (YYYY-MM), inclusive. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split("-").map(Number) as [number, number];
  const [ty, tm] = to.split("-").map(Number) as [number, number];
  while (y < ty || (y === ty && m <= tm)) {
    out.push(`${y}-${String(m).padStart(2, "0")}`);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

const average = (xs: number[]) =>
  xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10 : null;

/**
 * Monthly figures of a unit's cases on the node's calendar: answers by outcome with the days they took, travel
 * documents issued and how many by their deadline with the days from verification, arrivals. A step counts in
 * the month it happened (its `at`), not when it was recorded.
 */
export function figuresOf(
  rows: CaseRow[],
  q: RepatriationFiguresQuery,
  timeZone: string,
): RepatriationFigures {
  const months = monthsBetween(q.from, q.to);
  const acc = new Map(
    months.map((m) => [
      m,
      {
        m,
        verified: 0,
        notNational: 0,
        cannotVerify: 0,
        toVerify: [] as number[],
        issued: 0,
        inTime: 0,
        toDoc: [] as number[],
        arrived: 0,
      },
    ]),
  );
  const total = {
    m: "total",
    verified: 0,
    notNational: 0,
    cannotVerify: 0,
    toVerify: [] as number[],
    issued: 0,
    inTime: 0,
    toDoc: [] as number[],
    arrived: 0,
  };
  for (const r of rows) {
    const steps = r.content.steps;
    const at = (k: string) => steps.find((s) => s.kind === k);
    const requested = at("verification_requested");
    const answered = at("verification_answered");
    const issued = at("document_issued");
    const arrived = at("arrived");
    for (const b of [answered, issued, arrived]) {
      if (!b) continue;
      const slot = acc.get(monthIn(new Date(b.at), timeZone));
      if (!slot) continue;
      for (const t of [slot, total]) {
        if (b === answered) {
          if (b.outcome === "verified") t.verified++;
          else if (b.outcome === "not_national") t.notNational++;
          else t.cannotVerify++;
          if (requested) t.toVerify.push((Date.parse(b.at) - Date.parse(requested.at)) / DAY_MS);
        } else if (b === issued) {
          t.issued++;
          const due = r.content.documentDueAt;
          if (!due || Date.parse(b.at) <= Date.parse(due)) t.inTime++;
          if (answered) t.toDoc.push((Date.parse(b.at) - Date.parse(answered.at)) / DAY_MS);
        } else t.arrived++;
      }
    }
  }
  const out = (t: typeof total): RepatriationMonth => ({
    month: t.m,
    verified: t.verified,
    notNational: t.notNational,
    cannotVerify: t.cannotVerify,
    averageDaysToVerify: average(t.toVerify),
    documentsIssued: t.issued,
    documentsInTime: t.inTime,
    averageDaysToDocument: average(t.toDoc),
    arrived: t.arrived,
  });
  return { from: q.from, to: q.to, timeZone, months: [...acc.values()].map(out), total: out(total) };
}

const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * The figures as CSV (RFC 4180, UTF-8 with BOM so spreadsheets read Chinese): a header in the reader's language
 * (the shared labels), one line per month and a total line.
 */
export function figuresCsv(f: RepatriationFigures, lang: Language): string {
  const header = REPATRIATION_FIGURE_COLUMNS.map((k) => label("repatriationFigure", k, lang));
  const line = (m: RepatriationMonth) =>
    REPATRIATION_FIGURE_COLUMNS.map((k) => {
      if (k === "month" && m.month === "total") return label("repatriationFigure", "total", lang);
      return m[k] === null ? "" : String(m[k]);
    });
  const lines = [header, ...f.months.map(line), line(f.total)].map((r) => r.map(csvCell).join(","));
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}
