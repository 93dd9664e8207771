import { type IssueRef, issueInChinese, issueRefOf, issueText, type Language } from "@crossline/schemas";
import type { TFunction } from "i18next";
import { useState } from "react";
import { z } from "zod";
import { ApiError } from "../api/client";

/**
 * Forms check what they send with the server's own Zod schema before sending, and show each problem
 * beside its field in the interface language: our own texts by their message key (issue-keys.ts), Zod's
 * by its locale, "required" in plain words. What the server still refuses comes back already in the
 * interface language (Accept-Language) and is put on the field it names.
 */

type RawIssue = z.core.$ZodIssue;

const zodZh = z.locales.zhCN().localeError;
const zodEn = z.locales.en().localeError;

function localeText(map: typeof zodEn, issue: RawIssue): string | undefined {
  const r = map(issue as Parameters<typeof zodEn>[0]);
  return typeof r === "string" ? r : r?.message;
}

/** One issue in the interface language. */
export function issueMessage(t: TFunction, issue: RawIssue, lang: Language): string {
  const ref: IssueRef | undefined = issueRefOf((issue as { params?: unknown }).params);
  if (ref) return issueText(ref, lang);
  // nothing given, or an empty text: say "required" rather than "expected string to have >=1 characters"
  const empty =
    (issue.code === "invalid_type" && issue.input === undefined) ||
    (issue.code === "too_small" && issue.origin === "string" && Number(issue.minimum) === 1);
  if (empty) return t("validation.required");
  if (issue.code === "too_big" && typeof issue.maximum === "number")
    return t(issue.origin === "string" ? "validation.tooLong" : "validation.atMost", {
      max: issue.maximum,
    });
  if (issue.code === "too_small" && typeof issue.minimum === "number")
    return t(issue.origin === "string" ? "validation.tooShort" : "validation.atLeast", {
      min: issue.minimum,
    });
  const zodOwn = localeText(zodEn, issue) === issue.message;
  if (lang === "en") return issue.message;
  return (zodOwn ? localeText(zodZh, issue) : issueInChinese(issue.message)) ?? issue.message;
}

/** Field path ("namedContact.name") → message, for a value checked against a schema. */
export function checkAgainst(
  t: TFunction,
  schema: z.ZodType,
  value: unknown,
  lang: Language,
): Record<string, string> {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return {};
  const out: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const path = issue.path.map(String).join(".");
    if (!(path in out)) out[path] = issueMessage(t, issue, lang);
  }
  return out;
}

/** The server's field errors as form paths: "body.namedContact.name" → "namedContact.name". */
export function serverFieldErrors(error: unknown, prefix = "body."): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const d of error.details) {
    if (!d.field?.startsWith(prefix)) continue;
    const path = d.field.slice(prefix.length);
    out[path] = out[path] ? `${out[path]}; ${d.issue}` : d.issue;
  }
  return out;
}

/**
 * A form's checker: `check(value)` before sending (false: the fields show why), `error(path)` for a
 * field's message from the page's own check or from the server's answer.
 */
export function useFieldCheck(t: TFunction, schema: z.ZodType, lang: Language) {
  const [local, setLocal] = useState<Record<string, string>>({});
  return {
    check(value: unknown): boolean {
      const found = checkAgainst(t, schema, value, lang);
      setLocal(found);
      return Object.keys(found).length === 0;
    },
    /** Forget the page's findings for a field once the officer changes it. */
    clear(path: string) {
      if (path in local) setLocal(({ [path]: _, ...rest }) => rest);
    },
    error(path: string, serverError?: unknown): string | undefined {
      return local[path] ?? serverFieldErrors(serverError)[path];
    },
    get failed() {
      return Object.keys(local).length > 0;
    },
  };
}
