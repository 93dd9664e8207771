import { issueInChinese, issueRefOf, issueText, type Language } from "@crossline/schemas";

/**
 * An issue the server stored or sent in English, in the interface language: by its message key where it
 * carries one, else a fixed text of ours by the dictionary (an import report's problems).
 */
export function storedIssueText(
  d: { issue: string; key?: string; params?: Record<string, string | number> },
  lang: Language,
): string {
  const ref = issueRefOf({ key: d.key, params: d.params ?? {} });
  if (ref) return issueText(ref, lang);
  return lang === "en" ? d.issue : (issueInChinese(d.issue) ?? d.issue);
}
