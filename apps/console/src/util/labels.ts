import type { AuditEntry, Role } from "@crossline/schemas";
import type { TFunction } from "i18next";

export function roleLabel(t: TFunction, role: Role): string {
  return t(`roles.${role}`);
}

export function outcomeLabel(t: TFunction, outcome: AuditEntry["outcome"]): string {
  return t(`audit.outcomes.${outcome}`);
}

export function actorTypeLabel(t: TFunction, actorType: AuditEntry["actorType"]): string {
  return t(`audit.actorTypes.${actorType}`);
}

export const OUTCOME_COLOURS: Record<AuditEntry["outcome"], string> = {
  success: "green",
  failure: "red",
  denied: "orange",
  rejected: "grape",
};

/** Localised name of an organisation record: its Chinese name in Chinese when it has one. */
export function orgName(lang: string, o: { name: string; nameZh: string | null } | undefined | null): string {
  if (!o) return "";
  return lang.toLowerCase().startsWith("zh") && o.nameZh ? o.nameZh : o.name;
}
