import {
  type CaseStatusReport,
  label,
  type ProgressFigure,
  type ProgressQuery,
  type ProgressReport,
  readableInZone,
  zonedDays,
} from "@crossline/schemas";
import type { Db, DbOrTx } from "../../db/client.js";
import { type Ctx, can, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError } from "../../lib/errors.js";
import type { HotlineTestLog, PeerDirectory } from "../federation/federation.directory.js";
import type { NodeService } from "../node/node.service.js";
import { tableCsv } from "../reports/reports.export.js";
import type { RequestRecord } from "../requests/requests.repo.js";
import { barChart, newPdf, twoColumns } from "./rounds.export.js";
import * as repo from "./rounds.repo.js";

/** What the progress report reads, each through its owner's port (no other module's tables). */
export interface ProgressDeps {
  db: Db;
  clock: Clock;
  node: Pick<NodeService, "summary">;
  /** The requests module's port: the requests exchanged with a peer in a window, one row each. */
  requestRecords(from: Date, to: Date, peer: string): Promise<RequestRecord[]>;
  hotlineTests: HotlineTestLog;
  peers: PeerDirectory;
  /** The status report on priority cases (the cases module; the reader's own unit and what it received). */
  caseReport(ctx: Ctx, q: { peer: string; from: string; to: string }): Promise<CaseStatusReport>;
  /** The fugitives module's port: returns in the period (days, inclusive) of people on lists shared with the peer. */
  fugitiveReturns?(peer: string, fromDay: string, toDay: string): Promise<{ id: string; method: string }[]>;
  /** The repatriation module's port: references of cases with the peer whose person arrived in the period. */
  repatriations?(peer: string, fromDay: string, toDay: string): Promise<string[]>;
  /** Assets returned in the period that concern the peer (either side's). */
  assetsReturned?(peer: string, fromDay: string, toDay: string): Promise<string[]>;
}

/**
 * The progress report before a round (issue 14 point 4): for a period and a peer, what this node knows —
 * requests by type with timeliness, hotline tests, priority cases, action items done / late per side; the
 * fugitives returned; the kinds of record this node does not keep (assets, repatriation) are "not recorded",
 * never 0.
 * Every figure carries the ids of the records it counts, so each can be traced.
 */
export function createRoundsProgress(deps: ProgressDeps) {
  const { db, clock } = deps;

  async function report(ctx: Ctx, q: ProgressQuery): Promise<ProgressReport> {
    requirePermission(ctx.actor, "rounds:read");
    requirePermission(ctx.actor, "reports:read");
    const node = await deps.node.summary();
    if (q.peer === node.id || !(await deps.peers.peerState(db, q.peer)))
      throw new AppError("VALIDATION_FAILED", [
        { field: "querystring.peer", issue: "must be a peer this node knows" },
      ]);
    // Days on this node's calendar: from its first instant to the first instant after `to`.
    const days = zonedDays(q.from, q.to, node.timeZone);
    if (!days) throw new AppError("VALIDATION_FAILED", [{ field: "querystring.from", issue: "not a day" }]);
    const { start: from, end: to } = days;
    if (to <= from)
      throw new AppError("VALIDATION_FAILED", [
        { field: "querystring.to", issue: "must not be before from" },
      ]);
    const now = clock.now();
    const figures: ProgressFigure[] = [];
    const add = (f: Omit<ProgressFigure, "value"> & { value?: number | null }) =>
      figures.push({ ...f, value: f.value === undefined ? f.records.length : f.value });

    // Requests exchanged with the peer, by type (the timeliness report's rules: in time = by the answer deadline).
    const reqs = await deps.requestRecords(from, to, q.peer);
    for (const type of [...new Set(reqs.map((r) => r.type))].sort()) {
      const mine = reqs.filter((r) => r.type === type);
      add({ section: "requests", figure: "requests_sent", by: type, records: mine.map((r) => r.id) });
      add({
        section: "requests",
        figure: "requests_answered_in_time",
        by: type,
        records: mine.filter((r) => r.answered_in_time).map((r) => r.id),
      });
      add({
        section: "requests",
        figure: "requests_answered_late",
        by: type,
        records: mine.filter((r) => r.answered && !r.answered_in_time).map((r) => r.id),
      });
      add({
        section: "requests",
        figure: "requests_open_overdue",
        by: type,
        records: mine.filter((r) => r.open_overdue).map((r) => r.id),
      });
    }

    // Hotline tests: the pings sent to the peer and those it answered.
    const pings = await deps.hotlineTests.between(db, q.peer, from, to);
    add({ section: "hotline", figure: "hotline_tests", by: null, records: pings.map((p) => p.id) });
    const answered = pings.filter((p) => p.answeredAt);
    add({
      section: "hotline",
      figure: "hotline_tests_answered",
      by: null,
      records: answered.map((p) => p.id),
    });
    const rtts = answered.map((p) => p.rttMs ?? 0).sort((a, b) => a - b);
    const hotlineMedianRttMs = rtts.length ? (rtts[Math.floor((rtts.length - 1) / 2)] ?? null) : null;

    // Priority cases shared with and received from the peer (only what the reader's cases:read shows).
    if (can(ctx.actor, "cases:read")) {
      const cases = await deps.caseReport(ctx, { peer: q.peer, from: q.from, to: q.to });
      const ids = (f: (i: CaseStatusReport["items"][number]) => boolean) =>
        cases.items.filter(f).map((i) => i.caseId ?? i.sharedObjectId);
      add({
        section: "cases",
        figure: "priority_cases_own",
        by: null,
        records: ids((i) => i.direction === "own"),
      });
      add({
        section: "cases",
        figure: "priority_cases_received",
        by: null,
        records: ids((i) => i.direction === "received"),
      });
      add({
        section: "cases",
        figure: "priority_cases_updated",
        by: null,
        records: ids((i) => i.updatedInPeriod),
      });
    }

    // Action items of the rounds with the peer that fall due in the period, per owner side.
    const items = (await repo.listRounds(db as DbOrTx))
      .map((r) => r.doc)
      .filter((d) => d.hostNode === q.peer || d.guestNode === q.peer)
      .flatMap((d) => d.actionItems.map((a) => ({ ...a, ref: `${d.id}/${a.id}` })))
      .filter((a) => Date.parse(a.dueAt) >= from.getTime() && Date.parse(a.dueAt) < to.getTime());
    for (const side of [node.id, q.peer]) {
      const mine = items.filter((a) => a.ownerNode === side);
      const live = mine.filter((a) => a.status === "planned" || a.status === "in_progress");
      add({
        section: "actions",
        figure: "actions_done",
        by: side,
        records: mine.filter((a) => a.status === "done").map((a) => a.ref),
      });
      add({
        section: "actions",
        figure: "actions_late",
        by: side,
        records: live.filter((a) => Date.parse(a.dueAt) < now.getTime()).map((a) => a.ref),
      });
      add({
        section: "actions",
        figure: "actions_open",
        by: side,
        records: live.filter((a) => Date.parse(a.dueAt) >= now.getTime()).map((a) => a.ref),
      });
    }

    // Fugitives returned: people on lists shared with the peer (either side's), by the return's date.
    if (deps.fugitiveReturns) {
      const returns = await deps.fugitiveReturns(q.peer, q.from, q.to);
      add({
        section: "fugitives",
        figure: "fugitives_returned",
        by: null,
        records: returns.map((r) => r.id),
      });
      for (const method of [...new Set(returns.map((r) => r.method))].sort())
        add({
          section: "fugitives",
          figure: "fugitives_returned",
          by: method,
          records: returns.filter((r) => r.method === method).map((r) => r.id),
        });
    } else add({ section: "fugitives", figure: "fugitives_returned", by: null, value: null, records: [] });
    // Assets recovered: returned (the last stage) in the period, this node's shared with the peer or the peer's.
    if (deps.assetsReturned)
      add({
        section: "fugitives",
        figure: "assets_recovered",
        by: null,
        records: await deps.assetsReturned(q.peer, q.from, q.to),
      });
    else add({ section: "fugitives", figure: "assets_recovered", by: null, value: null, records: [] });
    // Repatriations: cases with the peer (either side's) whose person arrived in the period.
    if (deps.repatriations)
      add({
        section: "repatriation",
        figure: "repatriations",
        by: null,
        records: await deps.repatriations(q.peer, q.from, q.to),
      });
    else add({ section: "repatriation", figure: "repatriations", by: null, value: null, records: [] });

    return {
      format: "crossline.progress-report/1",
      node: node.id,
      peer: q.peer,
      from: q.from,
      to: q.to,
      generatedAt: now.toISOString(),
      hotlineMedianRttMs,
      figures,
    };
  }

  return { report };
}

export type RoundsProgress = ReturnType<typeof createRoundsProgress>;

/** "what it is counted by": a request type's or a return method's label, a side, or nothing. */
const byLabel = (f: ProgressFigure, lang: "en" | "zh-CN") =>
  f.section === "requests" && f.by
    ? label("requestType", f.by, lang)
    : f.section === "fugitives" && f.by
      ? label("returnMethod", f.by, lang)
      : (f.by ?? "");

/** CSV, one row per figure, both languages' labels, and the records behind it. */
export function progressCsv(r: ProgressReport): string {
  const head = ["section", "figure", "label_en", "label_zh", "by", "by_en", "by_zh", "value", "records"];
  const rows = r.figures.map((f) => [
    f.section,
    f.figure,
    label("progressFigure", f.figure, "en"),
    label("progressFigure", f.figure, "zh-CN"),
    f.by ?? "",
    byLabel(f, "en"),
    byLabel(f, "zh-CN"),
    f.value === null ? "" : String(f.value),
    f.records.join(" "),
  ]);
  return tableCsv(head, rows);
}

/** The line under the PDF's title: the two nodes, the period, and when it was made on the reader's clock. */
export const progressSubtitle = (r: ProgressReport, timeZone: string) =>
  `${r.node} ⇄ ${r.peer} · ${r.from} – ${r.to} · generated · 生成于 ${readableInZone(new Date(r.generatedAt), timeZone)}`;

/** The bilingual PDF: each figure with its English and Chinese label, bar charts, the records in an annex. */
export async function progressPdf(r: ProgressReport, timeZone: string): Promise<Buffer> {
  const { doc, bytes } = await newPdf(`Progress report / 进展报告 — ${r.node} · ${r.peer}`);
  doc.fontSize(15).text("Progress report before the dialogue round · 对话前进展报告");
  doc.fontSize(9).text(progressSubtitle(r, timeZone));
  doc.moveDown(0.6);
  const show = (f: ProgressFigure) =>
    f.value === null ? "not recorded on this node · 本节点无记录" : String(f.value);
  twoColumns(doc, "English", "中文", 9);
  for (const f of r.figures) {
    const by = (lang: "en" | "zh-CN") => (f.by ? ` (${byLabel(f, lang)})` : "");
    twoColumns(
      doc,
      `${label("progressFigure", f.figure, "en")}${by("en")}: ${show(f)}`,
      `${label("progressFigure", f.figure, "zh-CN")}${by("zh-CN")}：${show(f)}`,
      9,
    );
  }
  if (r.hotlineMedianRttMs !== null)
    doc.fontSize(9).text(`Hotline median round trip · 热线往返时间中位数: ${r.hotlineMedianRttMs} ms`);
  doc.moveDown(0.8);
  const bars = (figure: ProgressFigure["figure"]) =>
    r.figures
      .filter((f) => f.figure === figure && f.value !== null)
      .map((f) => ({ label: `${byLabel(f, "en")} · ${byLabel(f, "zh-CN")}`, value: f.value ?? 0 }));
  barChart(doc, "Requests sent by type · 按类型统计的请求", bars("requests_sent"));
  barChart(doc, "Answered in time by type · 按时答复", bars("requests_answered_in_time"));
  barChart(doc, "Action items done by side · 各方已完成的行动项", bars("actions_done"));
  barChart(doc, "Action items late by side · 各方逾期的行动项", bars("actions_late"));
  doc.addPage();
  doc.fontSize(11).text("Records behind each figure · 各项数字对应的记录");
  doc.fontSize(7);
  for (const f of r.figures.filter((x) => x.records.length))
    doc.text(`${f.figure}${f.by ? ` (${f.by})` : ""}: ${f.records.join(", ")}`);
  doc.end();
  return bytes;
}
