import { type NotificationView, REQUEST_TYPES, type RequestSummary } from "@crossline/schemas";
import { Badge, Text } from "@mantine/core";
import type { TFunction } from "i18next";
import { useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";

/** A request type's label from the shared schema, in the interface language. */
export function typeLabel(type: string, lang: string): string {
  const meta = REQUEST_TYPES.find((m) => m.type === type);
  if (!meta) return type;
  return lang.toLowerCase().startsWith("zh") ? meta.label["zh-CN"] : meta.label.en;
}

export function statusLabel(t: TFunction, status: string): string {
  return t(`requests.status.${status}` as "requests.status.draft", { defaultValue: status });
}

export function urgencyLabel(t: TFunction, urgency: string): string {
  return t(`requests.urgency.${urgency}` as "requests.urgency.routine", { defaultValue: urgency });
}

export function eventLabel(t: TFunction, event: string): string {
  return t(`requests.event.${event}` as "requests.event.send", { defaultValue: event });
}

const URGENCY_COLOR: Record<string, string> = { emergency: "red", urgent: "orange", routine: "gray" };

export function UrgencyBadge({ urgency }: { urgency: string }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={URGENCY_COLOR[urgency] ?? "gray"}
      variant="light"
      data-testid="urgency-badge"
      styles={{ label: { overflow: "visible" } }}
    >
      {urgencyLabel(t, urgency)}
    </Badge>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  const color =
    status === "closed" || status === "withdrawn"
      ? "gray"
      : status === "answered"
        ? "green"
        : status === "draft" || status === "pending_approval"
          ? "yellow"
          : "blue";
  return (
    <Badge
      color={color}
      variant="outline"
      data-testid="status-badge"
      styles={{ label: { overflow: "visible" } }}
    >
      {statusLabel(t, status)}
    </Badge>
  );
}

export function DeadlineBadge({ state }: { state: RequestSummary["deadlineState"] }) {
  const { t } = useTranslation();
  if (state === "overdue")
    return (
      <Badge color="red" data-testid="deadline-badge" data-state="overdue">
        {t("hotline.deadline.overdue")}
      </Badge>
    );
  if (state === "due_soon")
    return (
      <Badge color="orange" data-testid="deadline-badge" data-state="due_soon">
        {t("hotline.deadline.due_soon")}
      </Badge>
    );
  return null;
}

// One ticker for every countdown on the page.
const tickListeners = new Set<() => void>();
let tickTimer: ReturnType<typeof setInterval> | null = null;
let now = Date.now();
function subscribeTick(l: () => void): () => void {
  tickListeners.add(l);
  if (!tickTimer)
    tickTimer = setInterval(() => {
      now = Date.now();
      for (const f of tickListeners) f();
    }, 1000);
  return () => {
    tickListeners.delete(l);
    if (tickListeners.size === 0 && tickTimer) {
      clearInterval(tickTimer);
      tickTimer = null;
    }
  };
}

/** The current time, updated every second. */
export function useNow(): number {
  return useSyncExternalStore(subscribeTick, () => now);
}

/** "2d 11:01:55" (the day unit in the interface language: "2天 11:01:55"). */
export function formatRemaining(ms: number, dayUnit = "d"): string {
  const abs = Math.abs(ms);
  const s = Math.floor(abs / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const hms = `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
  return d > 0 ? `${d}${dayUnit} ${hms}` : hms;
}

/** A live countdown to an instant; negative once passed. */
export function Countdown({ at }: { at: string }) {
  const { t } = useTranslation();
  const current = useNow();
  const left = new Date(at).getTime() - current;
  const text = formatRemaining(left, t("hotline.dayUnit"));
  return (
    <Text
      size="sm"
      ff="monospace"
      c={left < 0 ? "red" : undefined}
      fw={left < 0 ? 700 : undefined}
      data-testid="countdown"
      style={{ whiteSpace: "nowrap" }}
    >
      {left < 0 ? t("hotline.overdueBy", { time: text }) : t("hotline.dueIn", { time: text })}
    </Text>
  );
}

/** Urgent and emergency notifications are marked; plain information is not. */
export function SeverityBadge({ severity }: { severity: NotificationView["severity"] }) {
  const { t } = useTranslation();
  if (severity === "info") return null;
  return (
    <Badge size="xs" color={severity === "emergency" ? "red" : "orange"} style={{ flexShrink: 0 }}>
      {t(`hotline.severity.${severity}`)}
    </Badge>
  );
}
