import {
  type Language,
  label,
  NOTICE_ANSWERED,
  type NoticeFigures,
  type NoticeFiguresQuery,
  type NoticeKind,
  readableInZone,
} from "@crossline/schemas";
import type { z } from "zod";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat } from "../../lib/errors.js";
import type { ProvidersContext } from "./providers.context.js";
import type { NoticeRow } from "./providers.repo.js";
import * as repo from "./providers.repo.js";

const DAY = 24 * 3600_000;
const OPEN = ["sent", "received", "in_progress"];

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : Math.round((s[m - 1] + s[m]) / 2);
}

/**
 * Figures of the unit's notices sent in a period: per provider and kind, how many were sent, answered, done,
 * partly done, refused and overdue; the compliance rate (acted on, fully or partly, by the deadline, over the
 * notices whose deadline has passed or that were answered; withdrawn ones do not count) and the median time
 * to action; and the list of overdue notices.
 */
export function createNoticeFigures(c: ProvidersContext) {
  const { db, clock } = c.deps;

  async function figures(ctx: Ctx, q: z.output<typeof NoticeFiguresQuery>): Promise<NoticeFigures> {
    requirePermission(ctx.actor, "notices:read");
    assertThat(ctx.actor.unitId, new AppError("FORBIDDEN", [{ issue: "figures are per unit" }]));
    const now = clock.now();
    const to = q.to ? new Date(q.to) : now;
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 90 * DAY);
    if (from > to) {
      throw new AppError("VALIDATION_FAILED", [{ field: "query.to", issue: "must not be before from" }]);
    }
    const rows = await repo.sentBetween(db, ctx.actor.unitId, from, to);
    const providers = await repo.findProviders(
      db,
      rows.map((r) => r.providerId),
    );
    const groups = new Map<string, NoticeRow[]>();
    for (const r of rows) {
      const k = `${r.providerId}|${r.kind}`;
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const overdue = (r: NoticeRow) => OPEN.includes(r.status) && !!r.actBy && r.actBy < now;
    const out = [...groups.entries()].map(([k, ns]) => {
      const [providerId, kind] = k.split("|");
      const p = providers.get(providerId);
      const counted = ns.filter(
        (n) => n.status !== "withdrawn" && (NOTICE_ANSWERED.includes(n.status as never) || overdue(n)),
      );
      const inTime = counted.filter(
        (n) =>
          (n.status === "done" || n.status === "partly_done") &&
          !!n.actedAt &&
          !!n.actBy &&
          n.actedAt <= n.actBy,
      );
      const tta = ns.flatMap((n) =>
        n.actedAt && n.sentAt ? [Math.round((n.actedAt.getTime() - n.sentAt.getTime()) / 60_000)] : [],
      );
      return {
        providerId,
        providerName: p?.name ?? "",
        providerNameZh: p?.nameZh ?? "",
        kind: kind as NoticeKind,
        sent: ns.length,
        answered: ns.filter((n) => NOTICE_ANSWERED.includes(n.status as never)).length,
        done: ns.filter((n) => n.status === "done").length,
        partlyDone: ns.filter((n) => n.status === "partly_done").length,
        refused: ns.filter((n) => n.status === "refused").length,
        overdue: ns.filter(overdue).length,
        complianceRate: counted.length ? inTime.length / counted.length : null,
        medianTimeToActionMinutes: median(tta),
      };
    });
    out.sort((a, b) => a.providerName.localeCompare(b.providerName) || a.kind.localeCompare(b.kind));
    const zone = await c.zoneFor(ctx);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      rows: out,
      overdue: rows.filter(overdue).map((r) => c.summary(r, providers.get(r.providerId), zone)),
    };
  }

  return { figures };
}

const COLUMNS: [keyof NoticeFigures["rows"][number] | "provider", Record<Language, string>][] = [
  ["provider", { en: "Provider", "zh-CN": "服务提供者" }],
  ["kind", { en: "Kind", "zh-CN": "类别" }],
  ["sent", { en: "Sent", "zh-CN": "已发送" }],
  ["answered", { en: "Answered", "zh-CN": "已答复" }],
  ["done", { en: "Done", "zh-CN": "已完成" }],
  ["partlyDone", { en: "Partly done", "zh-CN": "部分完成" }],
  ["refused", { en: "Refused", "zh-CN": "已拒绝" }],
  ["overdue", { en: "Overdue", "zh-CN": "已逾期" }],
  ["complianceRate", { en: "Compliance rate", "zh-CN": "执行率" }],
  ["medianTimeToActionMinutes", { en: "Median min. to action", "zh-CN": "处理用时中位数（分钟）" }],
];

/** The figures as a table people read (labels, not codes), shared by the CSV and the PDF. */
export function figuresTable(f: NoticeFigures, lang: Language): { header: string[]; rows: string[][] } {
  return {
    header: COLUMNS.map(([, l]) => l[lang]),
    rows: f.rows.map((r) => [
      lang === "zh-CN" ? r.providerNameZh : r.providerName,
      label("noticeKind", r.kind, lang),
      String(r.sent),
      String(r.answered),
      String(r.done),
      String(r.partlyDone),
      String(r.refused),
      String(r.overdue),
      r.complianceRate === null ? "" : `${Math.round(r.complianceRate * 1000) / 10}%`,
      r.medianTimeToActionMinutes === null ? "" : String(r.medianTimeToActionMinutes),
    ]),
  };
}

const csvCell = (s: string) => (/[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The period of the figures on the reader's clock, with its offset (the PDF's line under the title). */
export const figuresPeriod = (f: NoticeFigures, timeZone: string) =>
  `${readableInZone(new Date(f.from), timeZone)} – ${readableInZone(new Date(f.to), timeZone)}`;

export function figuresCsv(f: NoticeFigures, lang: Language): string {
  const t = figuresTable(f, lang);
  return `\uFEFF${[t.header, ...t.rows].map((r) => r.map(csvCell).join(",")).join("\r\n")}\r\n`;
}
