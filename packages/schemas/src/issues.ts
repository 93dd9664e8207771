import type { Language } from "./common.js";
import { ISSUES_ZH } from "./error-issues.js";
import {
  englishParam,
  ISSUE_MESSAGES,
  type IssueMessage,
  type IssueParams,
  type IssueRef,
  isIssueKey,
} from "./issue-keys.js";
import { label } from "./labels.js";

export {
  ISSUE_MESSAGES,
  type IssueKey,
  type IssueParams,
  type IssueRef,
  isIssueKey,
  issue,
  type KeyedIssue,
  nestedIssue,
  zodIssue,
} from "./issue-keys.js";

/**
 * Issue keys rendered in a language (the catalogue is issue-keys.ts). Values that are enumerated (a
 * status, an urgency, a side…) are shown by their shared label in Chinese; English keeps the text it
 * always had. A fixed text (no parameter) stays in ISSUES_ZH, looked up by its English.
 */

/** Nouns for "{what} not found": the kinds of record a service may not find. */
const RECORD_NOUNS: Readonly<Record<string, string>> = {
  asset: "资产",
  attachment: "附件",
  case: "案件",
  copy: "副本",
  extension: "延长申请",
  fugitive: "外逃人员",
  message: "消息",
  object: "共享对象",
  peer: "对端节点",
  person: "人员",
  record: "记录",
  request: "请求",
  shift: "班次",
  task: "任务",
  token: "令牌",
  unit: "单位",
  user: "用户",
};

function paramText(
  msg: IssueMessage,
  name: string,
  value: string | number,
  lang: Language,
  params: IssueParams,
): string {
  const kind = msg.labelled?.[name];
  if (name === "issue" && isIssueKey(params.issueKey) && params.issueKey !== undefined) {
    // a nested issue with a key of its own (nestedIssue): its template, filled from the same parameters
    return lang === "en" ? String(value) : issueText({ key: params.issueKey, params }, lang);
  }
  if ((name === "issue" || kind === "text") && typeof value === "string") {
    // a nested issue of ours: a fixed text, translated by the dictionary
    return lang === "en" ? value : (ISSUES_ZH[value] ?? value);
  }
  if (lang === "en") return englishParam(msg, name, value);
  if (kind === undefined || kind === "text") return String(value);
  if (kind === "record") return RECORD_NOUNS[String(value)] ?? String(value);
  if (msg.lists?.includes(name))
    return String(value)
      .split(", ")
      .map((v) => label(kind, v, lang))
      .join("、");
  return label(kind, String(value), lang);
}

/** The issue text of a key in a language; a missing parameter shows as its name in braces. */
export function issueText(ref: IssueRef, lang: Language): string {
  const msg: IssueMessage = ISSUE_MESSAGES[ref.key];
  return msg[lang].replace(/\{(\w+)\}/g, (m, name: string) => {
    const v = ref.params[name];
    return v === undefined ? m : paramText(msg, name, v, lang, ref.params);
  });
}

/** The key and parameters a Zod issue carries in its `params`, if it is one of ours. */
export function issueRefOf(params: unknown): IssueRef | undefined {
  const p = params as { key?: unknown; params?: unknown } | null | undefined;
  if (!p || !isIssueKey(p.key) || typeof p.params !== "object" || p.params === null) return undefined;
  return { key: p.key, params: p.params as IssueParams };
}
