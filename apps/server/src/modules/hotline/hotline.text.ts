import {
  HOTLINE_LOG_KINDS,
  type HotlineLogKind,
  type Language,
  label,
  spanOfMinutes,
} from "@crossline/schemas";

/**
 * The hotline log's lines in the reader's language. A line is stored as its kind and facts (request,
 * peer, actor, `data`), never as a sentence: the sentence is made here when someone reads the log, from
 * the shared labels (紧急 is "emergency" here as everywhere), so a Chinese desk reads Chinese.
 *
 * Facts a caller did not store (older lines, or writers that pass no `data.params`) are taken from the
 * request the line is about; a fact that cannot be known is left out rather than guessed.
 */

/** What a log line is about, as read at display time. */
export interface LogFacts {
  kind: string;
  at: Date;
  actor: string;
  peerId: string | null;
  data: Record<string, unknown>;
  request: {
    reference: string;
    direction: string;
    type: string;
    urgency: string;
    acknowledgeBy: Date | null;
    answerBy: Date | null;
    preservationExpiresAt: Date | null;
    secondCheck: unknown;
  } | null;
  /** The line as first written (English), shown only for kinds this file does not know. */
  stored: string;
}

type Text = Record<Language, string>;
type Params = Record<string, string | number>;

const fill = (s: string, p: Params) => s.replace(/\{(\w+)\}/g, (m, k: string) => (k in p ? String(p[k]) : m));

/** en / zh-CN templates per kind; {ref} is the request's reference (or "—"). */
const TEMPLATES: Record<HotlineLogKind, Text> = {
  request_received: {
    en: "{ref} ({urgency} · {type}) received from {peer}",
    "zh-CN": "收到 {peer} 的{urgency}请求 {ref}（{type}）",
  },
  request_sent: {
    en: "{ref} ({urgency} · {type}) sent to {peer}",
    "zh-CN": "向 {peer} 发出{urgency}请求 {ref}（{type}）",
  },
  alerted: { en: "{ref}: {count} duty officer(s) alerted", "zh-CN": "{ref}：已通知 {count} 名值班人员" },
  assigned: { en: "{ref} routed to another unit by {actor}", "zh-CN": "{ref} 已由 {actor} 转办至其他部门" },
  second_check: {
    en: "{ref}: second check by {actor} ({method}) with {contact}: {result}",
    "zh-CN": "{ref}：{actor} 通过{method}与 {contact} 进行二次核实，结果：{result}",
  },
  emergency_refused: {
    en: "{ref}: emergency request refused, {peer} is not an active peer",
    "zh-CN": "{ref}：已拒收紧急请求，{peer} 不是活动状态的对方节点",
  },
  escalated_supervisor: {
    en: "{ref}: not acknowledged {late} after the deadline; supervisors alerted",
    "zh-CN": "{ref}：超过确认期限 {late} 仍未确认，已通知主管",
  },
  escalated_peer: {
    en: "{ref}: escalated to {peer}'s escalation contact",
    "zh-CN": "{ref}：已向 {peer} 的升级联系人升级提醒",
  },
  escalation_received: { en: "{ref}: escalation from {peer}", "zh-CN": "{ref}：收到 {peer} 的升级提醒" },
  event_not_applied: {
    en: "{ref}: an update from {peer} was not applied",
    "zh-CN": "{ref}：{peer} 发来的更新未能处理",
  },
  answer_overdue: {
    en: "{ref}: not answered {late} after the answer deadline; supervisors and duty alerted",
    "zh-CN": "{ref}：超过答复期限 {late} 仍未答复，已通知主管和值班人员",
  },
  preservation_expiring: {
    en: "{ref}: the preservation expires in {days} day(s); the requesting unit warned",
    "zh-CN": "{ref}：数据保全将于 {days} 天后到期，已提醒请求部门",
  },
  acknowledge: { en: "{ref}: {what} by {actor}", "zh-CN": "{ref}：{actor} {what}" },
  start_work: { en: "{ref}: {what} by {actor}", "zh-CN": "{ref}：{actor} {what}" },
  request_more_info: { en: "{ref}: {what} by {actor}", "zh-CN": "{ref}：{actor} {what}" },
  provide_more_info: { en: "{ref}: {what} by {actor}", "zh-CN": "{ref}：{actor} {what}" },
  answer: { en: "{ref}: {what} by {actor}", "zh-CN": "{ref}：{actor} {what}" },
  close: { en: "{ref}: {what} by {actor}", "zh-CN": "{ref}：{actor} {what}" },
  withdraw: { en: "{ref}: {what} by {actor}", "zh-CN": "{ref}：{actor} {what}" },
  mark_delivered: { en: "{ref}: {what}", "zh-CN": "{ref}：{what}" },
  message: { en: "{ref}: message from {actor}", "zh-CN": "{ref}：{actor} 发来消息" },
  extension_requested: { en: "{ref}: {what} by {actor}", "zh-CN": "{ref}：{actor} {what}" },
  extension_decided: { en: "{ref}: {what} by {actor}", "zh-CN": "{ref}：{actor} {what}" },
};

/** The outgoing-request variant of answer_overdue: the other side is late, our requesting unit is told. */
const ANSWER_OVERDUE_OUTGOING: Text = {
  en: "{ref}: {peer} has not answered {late} after the answer deadline; the requesting unit alerted",
  "zh-CN": "{ref}：{peer} 超过答复期限 {late} 仍未答复，已通知请求部门",
};

const isKind = (k: string): k is HotlineLogKind => (HOTLINE_LOG_KINDS as readonly string[]).includes(k);
const minutesBetween = (later: Date, earlier: Date) => (later.getTime() - earlier.getTime()) / 60_000;
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

function secondCheckParams(check: unknown, lang: Language): Params {
  const c = (check ?? {}) as { method?: unknown; result?: unknown; namedContact?: { name?: unknown } };
  return {
    method: label("secondCheckMethod", str(c.method) ?? "other", lang),
    result: label("secondCheckResult", str(c.result) ?? "—", lang),
    contact: str(c.namedContact?.name) ?? "—",
  };
}

/** One log line as a sentence in `lang`. */
export function logLine(f: LogFacts, lang: Language): string {
  if (!isKind(f.kind)) return f.stored;
  const r = f.request;
  const stored = (f.data.params ?? {}) as Params;
  const p: Params = {
    ref: r?.reference ?? "—",
    peer: f.peerId ?? "—",
    actor: f.actor,
    what: label("hotlineLogKind", f.kind, lang),
    urgency: r ? label("urgency", r.urgency, lang) : "",
    type: r ? label("requestType", r.type, lang) : "",
    count: Array.isArray(f.data.recipients)
      ? f.data.recipients.length
      : typeof f.data.recipients === "number"
        ? f.data.recipients
        : "—",
  };
  if (f.kind === "second_check") Object.assign(p, secondCheckParams(r?.secondCheck, lang));
  if (f.kind === "escalated_supervisor" && r?.acknowledgeBy)
    p.late = spanOfMinutes(minutesBetween(f.at, r.acknowledgeBy), lang);
  if (f.kind === "answer_overdue" && r?.answerBy)
    p.late = spanOfMinutes(minutesBetween(f.at, r.answerBy), lang);
  if (f.kind === "preservation_expiring" && r?.preservationExpiresAt)
    p.days = Math.max(0, Math.round(minutesBetween(r.preservationExpiresAt, f.at) / 1440));
  Object.assign(p, stored);
  const template =
    f.kind === "answer_overdue" && r?.direction === "outgoing" ? ANSWER_OVERDUE_OUTGOING : TEMPLATES[f.kind];
  const text = fill(template[lang], p);
  // a fact that could not be known would show as "{late}": say the line without it instead
  return text
    .replace(/ ?\{\w+\} ?/g, " ")
    .replace(/\s+([；：，,;:])/g, "$1")
    .trim();
}
