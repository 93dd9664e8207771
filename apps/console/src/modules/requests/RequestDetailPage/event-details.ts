import { type RequestDetail, spanOfMinutes } from "@crossline/schemas";
import type { TFunction } from "i18next";

/** A stored value as text: a labelled text's own words, a scalar as it is. */
export function str(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "object" && "text" in (v as object)) return String((v as { text: unknown }).text);
  return JSON.stringify(v);
}

/**
 * What a timeline entry says besides its name: the notes and texts that travelled with it, the answer's
 * outcome and grounds, the second check, the days of an extension, the level of an escalation.
 */
export function eventDetails(
  t: TFunction,
  e: RequestDetail["timeline"][number],
  lang: "en" | "zh-CN",
): string[] {
  const d = e.data as Record<string, unknown>;
  const lines: string[] = [];
  const answer = d.answer as
    | { outcome?: string; summary?: unknown; grounds?: { code: string; explanation: unknown } }
    | undefined;
  if (answer?.outcome) {
    lines.push(t(`requests.outcome.${answer.outcome}` as "requests.outcome.fulfilled"));
    if (answer.grounds)
      lines.push(
        `${t(`requests.grounds.${answer.grounds.code}` as "requests.grounds.no_data_held")}${t("common.colon")}${str(answer.grounds.explanation)}`,
      );
    if (answer.summary) lines.push(str(answer.summary));
  }
  const check = d.secondCheck as
    | { method: string; result: string; namedContact: { name: string }; checkedBy?: { name: string } }
    | undefined;
  if (check?.namedContact)
    lines.push(
      t("requests.timeline.secondCheck", {
        method: t(`requests.secondCheck.methods.${check.method}` as "requests.secondCheck.methods.other"),
        contact: check.namedContact.name,
        result: t(`requests.secondCheck.results.${check.result}` as "requests.secondCheck.results.confirmed"),
      }),
    );
  if (typeof d.days === "number") lines.push(t("requests.timeline.days", { count: d.days }));
  if (typeof d.level === "number") lines.push(t("requests.timeline.level", { level: d.level }));
  // An escalation says how late the acknowledgement is in the reader's language; the sentence the escalating
  // node sent with it (English from a Crossline node) says the same, so it is not shown beside it.
  const late = typeof d.minutesLate === "number" ? d.minutesLate : null;
  if (late !== null) lines.push(t("requests.timeline.notAcknowledged", { late: spanOfMinutes(late, lang) }));
  for (const [k, v] of Object.entries(d))
    if (v && typeof v === "object" && "text" in (v as object) && !(k === "reason" && late !== null))
      lines.push(str(v));
  return lines;
}
