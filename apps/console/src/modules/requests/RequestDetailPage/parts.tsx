import type { RequestDetail } from "@crossline/schemas";
import { Text } from "@mantine/core";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { DualDateTime } from "../../../components/DateTime";
import { Countdown } from "../labels";

export function useLang(): "en" | "zh-CN" {
  const { i18n } = useTranslation();
  return i18n.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <div>{children}</div>
    </div>
  );
}

export function Deadline({
  label,
  at,
  metAt,
  testId,
}: {
  label: string;
  at: { at: string } | null;
  metAt: string | null;
  testId: string;
}) {
  const { t } = useTranslation();
  if (!at) return null;
  const late = metAt !== null && new Date(metAt).getTime() > new Date(at.at).getTime();
  return (
    <Field label={label}>
      <DualDateTime iso={at.at} testId={testId} />
      {metAt ? (
        <Text size="sm" c={late ? "red" : "green"} data-testid={`${testId}-met`}>
          {late ? t("requests.detail.metLate") : t("requests.detail.metInTime")}
        </Text>
      ) : (
        <Countdown at={at.at} />
      )}
    </Field>
  );
}

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
export function eventDetails(t: TFunction, e: RequestDetail["timeline"][number]): string[] {
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
  for (const v of Object.values(d))
    if (v && typeof v === "object" && "text" in (v as object)) lines.push(str(v));
  return lines;
}

/** The events needing a text (and which body field carries it). */
