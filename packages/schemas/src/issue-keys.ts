import type { LabelKind } from "./labels.js";

/**
 * Our own parametrised issue texts as message keys with parameters (the way Logto's phrase keys work):
 * a detail carries `key` and `params`, and each language fills its own template (issues.ts renders
 * Chinese, with enumerated values by their shared label). This file imports nothing at run time, so
 * every schema file can use it without an import cycle.
 */

type Param = string | number;
export type IssueParams = Readonly<Record<string, Param>>;

export interface IssueMessage {
  en: string;
  "zh-CN": string;
  /** Parameters shown by a shared label in Chinese (in English the value is shown as it is). */
  labelled?: Readonly<Record<string, LabelKind | "record">>;
}

export const ISSUE_MESSAGES = {
  // schemas
  "request.urgencyReason": {
    en: "say why the request is {urgency}",
    "zh-CN": "请说明请求为何{urgency}",
    labelled: { urgency: "urgency" },
  },
  "request.subjectIndex": {
    en: "must point at one of the {count} subjects",
    "zh-CN": "必须指向 {count} 个对象之一",
  },
  "list.unknownValues": {
    en: "unknown value(s) {values}; one of {allowed}",
    "zh-CN": "未知的值 {values}；可选值为 {allowed}",
  },
  "hash.lengthMismatch": {
    en: "{digits} hex digits is {inferred}, not {stated}",
    "zh-CN": "{digits} 位十六进制数字是 {inferred}，而不是 {stated}",
  },
  "domain.issue": { en: "domain: {issue}", "zh-CN": "域名：{issue}" },
  "domain.badLabel": {
    en: 'label "{label}" may use only letters, digits and inner hyphens',
    "zh-CN": "标签“{label}”只能包含字母、数字和中间的连字符",
  },
  "iban.countryMismatch": {
    en: "the IBAN is from {ibanCountry}, not {country}",
    "zh-CN": "该 IBAN 属于 {ibanCountry}，而不是 {country}",
  },
  // server
  "federation.payloadTooLarge": {
    en: "the message payload is {size} bytes; an envelope carries at most {limit} bytes of payload",
    "zh-CN": "消息内容为 {size} 字节；一个信封最多携带 {limit} 字节的内容",
  },
  "record.exists": {
    en: "a record with this value already exists",
    "zh-CN": "已存在具有此值的记录",
  },
  "record.related": {
    en: "a record this refers to was removed, or one that refers to this still exists; reload and try again",
    "zh-CN": "所引用的记录已被删除，或仍有记录引用此项；请刷新后重试",
  },
  "transaction.retry": {
    en: "a concurrent change got in the way and nothing was saved; send the request again",
    "zh-CN": "与同时进行的另一项更改冲突，未保存任何内容；请重新发送请求",
  },
  "record.notFound": { en: "{what} not found", "zh-CN": "未找到{what}", labelled: { what: "record" } },
  "permission.required": { en: "requires permission {permission}", "zh-CN": "需要 {permission} 权限" },
  "token.rolesNotHeld": { en: "the user does not hold: {roles}", "zh-CN": "该用户不具备：{roles}" },
  "draft.changed": {
    en: "the draft changed (now version {version})",
    "zh-CN": "草稿已被修改（当前版本 {version}）",
  },
  "draft.notEditable": {
    en: "only a draft can be edited; this request is {status}",
    "zh-CN": "只有草稿可以编辑；该请求当前状态为“{status}”",
    labelled: { status: "requestStatus" },
  },
  "transition.notAllowed": {
    en: "{event} is not allowed in status {status}",
    "zh-CN": "在“{status}”状态下不允许“{event}”",
    labelled: { event: "requestEvent", status: "requestStatus" },
  },
  "transition.wrongSide": {
    en: "{event} is done by the {side}; this node is the {side2}",
    "zh-CN": "“{event}”由{side}执行；本节点是{side2}",
    labelled: { event: "requestEvent", side: "side", side2: "side" },
  },
  "transition.fourEyes": {
    en: "four-eyes approval is required for {type}: submit it for approval",
    "zh-CN": "“{type}”类请求须经双人审核：请提交审批",
    labelled: { type: "requestType" },
  },
  "secondCheck.notInStatus": {
    en: "no second check can be recorded in status {status}",
    "zh-CN": "在“{status}”状态下不能记录二次核实",
    labelled: { status: "requestStatus" },
  },
  "thread.notInStatus": {
    en: "no thread messages in status {status}",
    "zh-CN": "在“{status}”状态下不能发送往来消息",
    labelled: { status: "requestStatus" },
  },
  "extension.alreadyDecided": {
    en: "the extension is already {status}",
    "zh-CN": "该延长申请已{status}",
    labelled: { status: "preservationStatus" },
  },
  "rounds.listFinal": {
    en: "outcome list {list} is final (signed by both sides); a correction is a new list that replaces it",
    "zh-CN": "成果清单 {list} 已定稿（双方已签署）；如需更正，请新建一份替代它的清单",
  },
  "rounds.textMissing": {
    en: "the {language} text is missing; both languages are required",
    "zh-CN": "缺少{language}文本；两种语言均为必填",
  },
  "rounds.notParticipant": {
    en: "{node} is not a participant of this round ({participants})",
    "zh-CN": "{node} 不是本轮对话的参与方（{participants}）",
  },
  "rounds.agencyNotInDelegation": {
    en: "{agency} is not in {node}'s delegation",
    "zh-CN": "{agency} 不在 {node} 代表团中",
  },
  "rounds.dueBeforeRound": {
    en: "the due date is before the round starts ({startsAt})",
    "zh-CN": "截止日期早于本轮对话开始时间（{startsAt}）",
  },
  "rounds.endsBeforeStart": { en: "the round ends before it starts", "zh-CN": "结束时间早于开始时间" },
  "rounds.stale": {
    en: "the round changed since version {base} (now {version}): {fields}",
    "zh-CN": "自版本 {base} 以来本轮已被修改（当前版本 {version}）：{fields}",
  },
  "rounds.signatureMismatch": {
    en: "the signature is not over this list's canonical text (version {listVersion}): {check}",
    "zh-CN": "签名所覆盖的不是本清单（版本 {listVersion}）的规范文本：{check}",
  },
  "rounds.unknownPart": { en: "no {what} {id} in this round", "zh-CN": "本轮中没有{what} {id}" },
  "rounds.alreadySigned": {
    en: "{node} already signed version {listVersion}",
    "zh-CN": "{node} 已签署版本 {listVersion}",
  },
  "rounds.emptyList": { en: "an empty list cannot be signed", "zh-CN": "空清单不能签署" },
  "rounds.conflictClosed": { en: "the conflict is already {state}", "zh-CN": "该冲突已{state}" },
  "notice.madeOfRequest": {
    en: "notice {reference} was made of it",
    "zh-CN": "已据此请求制作通知 {reference}",
  },
  "notice.requestEnded": {
    en: "the request is {status}: no notice can be made of it",
    "zh-CN": "该请求已“{status}”：不能据此制作通知",
    labelled: { status: "requestStatus" },
  },
} as const satisfies Record<string, IssueMessage>;

export type IssueKey = keyof typeof ISSUE_MESSAGES;

/** What travels in an error detail (and in a Zod custom issue's `params`). */
export interface IssueRef {
  key: IssueKey;
  params: IssueParams;
}

export function isIssueKey(key: unknown): key is IssueKey {
  return typeof key === "string" && Object.hasOwn(ISSUE_MESSAGES, key);
}

const fillEnglish = (key: IssueKey, params: IssueParams) =>
  ISSUE_MESSAGES[key].en.replace(/\{(\w+)\}/g, (m, name: string) =>
    params[name] === undefined ? m : String(params[name]),
  );

/**
 * A detail's issue as key, parameters and English text: `{ field, ...issue("draft.changed", { version }) }`.
 * English keeps the text it always had (logs, the CLI, English clients).
 */
export function issue(key: IssueKey, params: IssueParams = {}): { issue: string } & IssueRef {
  return { issue: fillEnglish(key, params), key, params };
}

/** For a Zod custom issue: `ctx.addIssue({ code: "custom", ...zodIssue("request.urgencyReason", {…}) })`. */
export function zodIssue(key: IssueKey, params: IssueParams = {}): { message: string; params: IssueRef } {
  return { message: fillEnglish(key, params), params: { key, params } };
}
