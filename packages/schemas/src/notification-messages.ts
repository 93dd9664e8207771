import { z } from "zod";
import { toZonedIso } from "./zoned-time.js";

/**
 * The texts of notifications (console bell, live stream, e-mail) in one place: a notification is stored
 * as a key of this catalogue and its parameters, and rendered when read, in the reader's language and
 * time zone. The server renders e-mails with `renderNotification`; the console loads the same catalogue
 * into i18next (`notificationResources`) and formats the parameters with `formatNotificationParams`.
 *
 * Texts use i18next's `{{name}}` interpolation. A parameter is a string, a number, an instant
 * (`{ at, zone? }`: shown on the reader's clock with its offset, and on `zone`'s clock too when that is
 * another side's zone with another offset), a span (`{ minutes }`: "2 d 11 h 1 min") or a text in both
 * languages (`{ en, "zh-CN" }`: a label or a line built from labels, such as a link's last error).
 */
export const NotificationParam = z.union([
  z.string().max(2000),
  z.number(),
  z.strictObject({ at: z.string().max(40), zone: z.string().max(64).nullable().optional() }),
  z.strictObject({ minutes: z.number() }),
  z.strictObject({ en: z.string().max(2000), "zh-CN": z.string().max(2000) }),
]);
export type NotificationParam = z.infer<typeof NotificationParam>;
export const NotificationParams = z.record(z.string(), NotificationParam);
export type NotificationParams = z.infer<typeof NotificationParams>;

type Lang = "en" | "zh-CN";
interface Text {
  title: Record<Lang, string>;
  body: Record<Lang, string>;
}

const byEvent = (en: string, zh: string): Text => ({
  title: { en: `${en}: {{reference}}`, "zh-CN": `${zh}：{{reference}}` },
  body: { en: "{{title}}\nBy {{actor}}.", "zh-CN": "{{title}}\n操作人：{{actor}}。" },
});

export const NOTIFICATION_MESSAGES = {
  approval_needed: {
    title: { en: "Approval needed: {{reference}}", "zh-CN": "待审批：{{reference}}" },
    body: { en: "{{actor}} submitted {{title}}", "zh-CN": "{{actor}} 提交了请求 {{title}}" },
  },
  approval_rejected: {
    title: { en: "Returned to draft: {{reference}}", "zh-CN": "已退回草稿：{{reference}}" },
    body: { en: "{{actor}} did not approve the request.", "zh-CN": "{{actor}} 未批准该请求。" },
  },
  request_assigned: {
    title: { en: "Routed to your unit: {{reference}}", "zh-CN": "已转至本单位：{{reference}}" },
    body: { en: "{{title}}", "zh-CN": "{{title}}" },
  },
  escalation_incoming: {
    title: { en: "Not acknowledged in time: {{reference}}", "zh-CN": "未按时确认：{{reference}}" },
    body: {
      en: "{{title}}\nOur acknowledgement was due {{acknowledgeBy}} ({{late}} late).",
      "zh-CN": "{{title}}\n我方确认期限 {{acknowledgeBy}}，已逾期 {{late}}。",
    },
  },
  escalation_outgoing: {
    title: { en: "Not acknowledged in time: {{reference}}", "zh-CN": "未按时确认：{{reference}}" },
    body: {
      en: "{{title}}\nAcknowledgement by {{peer}} was due {{acknowledgeBy}} ({{late}} late).",
      "zh-CN": "{{title}}\n{{peer}} 的确认期限 {{acknowledgeBy}}，已逾期 {{late}}。",
    },
  },
  answer_overdue_incoming: {
    title: { en: "Answer overdue: {{reference}}", "zh-CN": "答复已逾期：{{reference}}" },
    body: {
      en: "{{title}}\nOur answer was due {{answerBy}} ({{late}} late).",
      "zh-CN": "{{title}}\n我方答复期限 {{answerBy}}，已逾期 {{late}}。",
    },
  },
  answer_overdue_outgoing: {
    title: { en: "Answer overdue: {{reference}}", "zh-CN": "答复已逾期：{{reference}}" },
    body: {
      en: "{{title}}\n{{peer}}'s answer was due {{answerBy}} ({{late}} late).",
      "zh-CN": "{{title}}\n{{peer}} 的答复期限 {{answerBy}}，已逾期 {{late}}。",
    },
  },
  preservation_expiring: {
    title: { en: "Preservation expires soon: {{reference}}", "zh-CN": "保全即将到期：{{reference}}" },
    body: {
      en: "{{title}}\nThe preservation by {{peer}} expires {{expiresAt}} (in {{days}} days). If the data is still needed, ask an extension before then.",
      "zh-CN":
        "{{title}}\n{{peer}} 的保全将于 {{expiresAt}} 到期（还有 {{days}} 天）。如仍需要这些数据，请在此之前申请延长。",
    },
  },
  request_received_emergency: {
    title: {
      en: "EMERGENCY request from {{peer}}: {{reference}}",
      "zh-CN": "紧急请求（来自 {{peer}}）：{{reference}}",
    },
    body: {
      en: "{{title}}\nAcknowledge by {{acknowledgeBy}}.",
      "zh-CN": "{{title}}\n请于 {{acknowledgeBy}} 前确认。",
    },
  },
  request_received_urgent: {
    title: {
      en: "URGENT request from {{peer}}: {{reference}}",
      "zh-CN": "加急请求（来自 {{peer}}）：{{reference}}",
    },
    body: {
      en: "{{title}}\nAcknowledge by {{acknowledgeBy}}.",
      "zh-CN": "{{title}}\n请于 {{acknowledgeBy}} 前确认。",
    },
  },
  request_received_routine: {
    title: { en: "Request from {{peer}}: {{reference}}", "zh-CN": "请求（来自 {{peer}}）：{{reference}}" },
    body: {
      en: "{{title}}\nAcknowledge by {{acknowledgeBy}}.",
      "zh-CN": "{{title}}\n请于 {{acknowledgeBy}} 前确认。",
    },
  },
  request_acknowledge: byEvent("Acknowledged", "已确认"),
  request_request_more_info: byEvent("More information requested", "对方要求补充信息"),
  request_answer: byEvent("Answered", "已答复"),
  request_provide_more_info: byEvent("More information provided", "对方已补充信息"),
  request_withdraw: byEvent("Withdrawn", "已撤回"),
  request_message: {
    title: { en: "New message on {{reference}}", "zh-CN": "{{reference}} 有新消息" },
    body: { en: "{{text}}", "zh-CN": "{{text}}" },
  },
  extension_requested: {
    title: { en: "Preservation extension asked: {{reference}}", "zh-CN": "请求延长保全期：{{reference}}" },
    body: { en: "{{by}} asks for {{days}} more days.", "zh-CN": "{{by}} 请求延长 {{days}} 天。" },
  },
  extension_granted: {
    title: { en: "Extension granted: {{reference}}", "zh-CN": "延期已批准：{{reference}}" },
    body: { en: "Preserved until {{newExpiresAt}}.", "zh-CN": "保全至 {{newExpiresAt}}。" },
  },
  extension_refused: {
    title: { en: "Extension refused: {{reference}}", "zh-CN": "延期被拒绝：{{reference}}" },
    body: { en: "", "zh-CN": "" },
  },
  escalation_received: {
    title: { en: "Escalation from {{peer}}: {{reference}}", "zh-CN": "{{peer}} 升级催办：{{reference}}" },
    body: {
      en: "{{title}}\nNot acknowledged; acknowledgement was due {{acknowledgeBy}}. Call back: {{contact}}.",
      "zh-CN": "{{title}}\n尚未确认，确认期限为 {{acknowledgeBy}}。回电联系：{{contact}}。",
    },
  },
  link_down: {
    title: { en: "Link to {{peer}} is down", "zh-CN": "与 {{peer}} 的链路中断" },
    body: {
      en: "Messages to {{peer}} have been waiting since {{since}}. Last error: {{lastError}}. They are kept and will be delivered when the link returns.",
      "zh-CN":
        "发往 {{peer}} 的消息自 {{since}} 起等待发送。最近错误：{{lastError}}。消息已保存，链路恢复后将送达。",
    },
  },
  sequence_conflict_sender: {
    title: { en: "Sequence conflict with {{peer}}", "zh-CN": "与 {{peer}} 的序号冲突" },
    body: {
      en: "{{peer}} already holds messages from this node under the same sequence numbers (was this node restored from a backup?). Delivery to {{peer}} is stopped; the messages are kept. Re-sequence them on the Peers page or with `crossline peer resequence {{peer}}`.",
      "zh-CN":
        "{{peer}} 已以相同序号持有本节点的其他消息（本节点是否从备份恢复？）。发往 {{peer}} 的投递已停止，消息已保留。请在“对端节点”页面或用 `crossline peer resequence {{peer}}` 重新编号。",
    },
  },
  sequence_conflict_receiver: {
    title: { en: "Sequence conflict with {{peer}}", "zh-CN": "与 {{peer}} 的序号冲突" },
    body: {
      en: "{{peer}} sent messages under sequence numbers it had already used for others (was it restored from a backup?). They were refused, not applied; the administrator of {{peer}} must re-sequence them.",
      "zh-CN":
        "{{peer}} 发来的消息使用了其已用于其他消息的序号（对方是否从备份恢复？）。这些消息已被拒收、未处理；需由 {{peer}} 的管理员重新编号。",
    },
  },
  // Provider notices (modules/providers). What reaches a provider's staff by e-mail is a link, never the content.
  notice_arrived: {
    title: {
      en: "New notice for {{provider}}: {{reference}}",
      "zh-CN": "{{provider}} 收到新通知：{{reference}}",
    },
    body: {
      en: "A notice from {{agency}} awaits your answer by {{actBy}}. Sign in to the provider portal to read it: {{link}}\nCheck any notice at {{verifyLink}}.",
      "zh-CN":
        "{{agency}} 发来一份通知，请于 {{actBy}} 前答复。请登录服务提供者门户查看：{{link}}\n可在 {{verifyLink}} 核验任何通知。",
    },
  },
  notice_withdrawn: {
    title: { en: "Notice withdrawn: {{reference}}", "zh-CN": "通知已撤回：{{reference}}" },
    body: {
      en: "{{agency}} withdrew the notice. Details: {{link}}",
      "zh-CN": "{{agency}} 已撤回该通知。详情：{{link}}",
    },
  },
  notice_approval_needed: {
    title: { en: "Notice to approve: {{reference}}", "zh-CN": "待审批通知：{{reference}}" },
    body: {
      en: "{{actor}} submitted a notice to {{provider}}.",
      "zh-CN": "{{actor}} 提交了发给 {{provider}} 的通知。",
    },
  },
  notice_answered: {
    title: { en: "Provider answered: {{reference}}", "zh-CN": "服务提供者已答复：{{reference}}" },
    body: { en: "{{provider}}: {{outcome}}.", "zh-CN": "{{provider}}：{{outcome}}。" },
  },
  notice_question: {
    title: { en: "Question from {{provider}}: {{reference}}", "zh-CN": "{{provider}} 提问：{{reference}}" },
    body: { en: "{{actor}} asked a question about the notice.", "zh-CN": "{{actor}} 就该通知提出了问题。" },
  },
  notice_reply: {
    title: { en: "Reply on notice {{reference}}", "zh-CN": "通知 {{reference}} 有新答复" },
    body: {
      en: "{{agency}} replied to your question. Read it in the provider portal: {{link}}",
      "zh-CN": "{{agency}} 已答复您的问题。请在服务提供者门户查看：{{link}}",
    },
  },
  notice_overdue: {
    title: { en: "Notice overdue: {{reference}}", "zh-CN": "通知已逾期：{{reference}}" },
    body: {
      en: "{{provider}} has not acted by {{actBy}}.",
      "zh-CN": "{{provider}} 未在 {{actBy}} 前处理。",
    },
  },
  // To the provider's staff: a link, never the content.
  notice_overdue_provider: {
    title: { en: "Notice overdue: {{reference}}", "zh-CN": "通知已逾期：{{reference}}" },
    body: {
      en: "The notice from {{agency}} was due by {{actBy}}. Answer it in the provider portal: {{link}}",
      "zh-CN": "{{agency}} 的通知应于 {{actBy}} 前处理。请在服务提供者门户答复：{{link}}",
    },
  },
  correlation_hit: {
    title: {
      en: "{{count}} new correlation hit(s)",
      "zh-CN": "{{count}} 条新的关联命中",
    },
    body: {
      en: "Identifiers in your unit's records ({{kinds}}) are also held by: {{holders}}. Open the hits inbox to see which and whom to ask.",
      "zh-CN":
        "本单位记录中的标识符（{{kinds}}）也由以下单位持有：{{holders}}。请打开命中收件箱查看详情及联系对象。",
    },
  },
  round_action_overdue: {
    title: {
      en: "Action item overdue: round {{round}}",
      "zh-CN": "行动项已逾期：第 {{round}} 轮",
    },
    body: {
      en: "{{text}}\n{{textZh}}\nOwner: {{owner}} ({{agency}}), {{officer}}. Due {{dueAt}}.",
      "zh-CN": "{{textZh}}\n{{text}}\n负责方：{{owner}}（{{agency}}），{{officer}}。截止 {{dueAt}}。",
    },
  },
  repatriation_verification_overdue: {
    title: {
      en: "Identity verification overdue: {{reference}}",
      "zh-CN": "身份核查已逾期：{{reference}}",
    },
    body: {
      en: "The identity of {{name}} was to be verified by {{peer}} by {{dueAt}}.",
      "zh-CN": "{{peer}} 应于 {{dueAt}} 前核实 {{name}} 的身份。",
    },
  },
  repatriation_document_overdue: {
    title: {
      en: "Travel document overdue: {{reference}}",
      "zh-CN": "旅行证件签发已逾期：{{reference}}",
    },
    body: {
      en: "The travel document for {{name}} was due by {{dueAt}} ({{days}} days after verification).",
      "zh-CN": "{{name}} 的旅行证件应于 {{dueAt}} 前签发（身份核实后 {{days}} 日内）。",
    },
  },
} as const satisfies Record<string, Text>;

export type NotificationKey = keyof typeof NOTIFICATION_MESSAGES;
export const NOTIFICATION_KEYS = Object.keys(NOTIFICATION_MESSAGES) as NotificationKey[];

export function isNotificationKey(key: string): key is NotificationKey {
  return Object.hasOwn(NOTIFICATION_MESSAGES, key);
}

/** The catalogue in one language, as an i18next resource bundle: `{ key: { title, body } }`. */
export function notificationResources(lang: Lang): Record<string, { title: string; body: string }> {
  const out: Record<string, { title: string; body: string }> = {};
  for (const k of NOTIFICATION_KEYS) {
    const m: Text = NOTIFICATION_MESSAGES[k];
    out[k] = { title: m.title[lang], body: m.body[lang] };
  }
  return out;
}

const SPAN_UNITS: [number, string, string][] = [
  [1440, "d", "天"],
  [60, "h", "小时"],
  [1, "min", "分钟"],
];

/** 3541 → "2 d 11 h 1 min" / "2 天 11 小时 1 分钟"; 0 → "0 min" / "0 分钟". */
export function spanOfMinutes(minutes: number, lang: Lang | "zh"): string {
  let m = Math.max(0, Math.round(minutes));
  const parts: string[] = [];
  for (const [size, en, zh] of SPAN_UNITS) {
    const n = Math.floor(m / size);
    m -= n * size;
    if (n > 0) parts.push(lang === "en" ? `${n} ${en}` : `${n} ${zh}`);
  }
  return parts.length ? parts.join(" ") : lang === "en" ? "0 min" : "0 分钟";
}

/** The wall clock of a zone with its offset: "2026-11-29 00:05 (UTC+08:00)". */
export function readableInZone(instant: Date, timeZone: string): string {
  const iso = toZonedIso(instant, timeZone);
  const offset = iso.slice(19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} (UTC${offset === "+00:00" ? "" : offset})`;
}

function safeZone(tz: string | null | undefined, fallback: string): string {
  if (!tz) return fallback;
  try {
    toZonedIso(new Date(0), tz);
    return tz;
  } catch {
    return fallback;
  }
}

/** An instant on the reader's clock, and on the other side's when its offset differs then. */
function readableInstant(
  at: string,
  zone: string | null | undefined,
  readerZone: string,
  lang: Lang,
): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  const mine = readableInZone(d, readerZone);
  const other = safeZone(zone, readerZone);
  if (other === readerZone || toZonedIso(d, other).slice(19) === toZonedIso(d, readerZone).slice(19))
    return mine;
  const theirs = readableInZone(d, other);
  return lang === "en" ? `${mine}; ${other}: ${theirs}` : `${mine}；${other}：${theirs}`;
}

/** The parameters as strings for the reader (instants on their clock, spans in their language). */
export function formatNotificationParams(
  params: NotificationParams,
  lang: Lang,
  timeZone: string,
): Record<string, string> {
  const zone = safeZone(timeZone, "UTC");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === "string") out[k] = v;
    else if (typeof v === "number") out[k] = String(v);
    else if ("at" in v) out[k] = readableInstant(v.at, v.zone, zone, lang);
    else if ("minutes" in v) out[k] = spanOfMinutes(v.minutes, lang);
    else out[k] = v[lang];
  }
  return out;
}

function interpolate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => values[name] ?? "");
}

/**
 * A notification's title and body for a reader; null for a key this catalogue does not know (a row
 * written by a newer version), so the caller shows what it has.
 */
export function renderNotification(
  key: string,
  params: NotificationParams,
  lang: Lang,
  timeZone: string,
): { title: string; body: string } | null {
  if (!isNotificationKey(key)) return null;
  const m: Text = NOTIFICATION_MESSAGES[key];
  const values = formatNotificationParams(params, lang, timeZone);
  return { title: interpolate(m.title[lang], values), body: interpolate(m.body[lang], values) };
}
