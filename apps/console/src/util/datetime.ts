import { localToInstant, toZonedIso } from "@crossline/schemas";

/**
 * Times are stored and exchanged as ISO 8601 instants and shown in the reader's
 * time zone, with the other side's zone alongside (design principle 6).
 */
export const SHANGHAI = "Asia/Shanghai";
export const NEW_YORK = "America/New_York";
/** The two zones of the demo pairing; any zone works elsewhere. */
export const SIDE_ZONES = [SHANGHAI, NEW_YORK] as const;

const formatters = new Map<string, Intl.DateTimeFormat>();

function localeOf(lang: string): string {
  return lang.toLowerCase().startsWith("zh") ? "zh-CN" : "en-GB";
}

export function isValidTimeZone(tz: string | null | undefined): tz is string {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function safeZone(tz: string): string {
  return isValidTimeZone(tz) ? tz : "UTC";
}

type Variant = "full" | "zone" | "clock" | "date";

const OPTIONS: Record<Variant, Intl.DateTimeFormatOptions> = {
  full: {
    year: "numeric",
    month: "short",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  },
  zone: { timeZoneName: "short" },
  clock: {
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  },
  date: { year: "numeric", month: "short", day: "2-digit" },
};

function formatter(variant: Variant, timeZone: string, lang: string): Intl.DateTimeFormat {
  const zone = safeZone(timeZone);
  const locale = localeOf(lang);
  const key = `${variant}|${zone}|${locale}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...OPTIONS[variant], timeZone: zone });
    formatters.set(key, f);
  }
  return f;
}

function toDate(value: string | Date): Date | null {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * An instant in the given zone, with the zone's offset, in the interface language:
 * "22 Nov 2025, 14:03:05 GMT+8" / "2025年11月22日 14:03:05 GMT+8".
 * An unparseable value is returned as it came; an unknown zone falls back to UTC.
 */
export function formatDateTime(iso: string | Date, timeZone: string, lang: string): string {
  const d = toDate(iso);
  if (!d) return String(iso);
  const zone = formatter("zone", timeZone, lang)
    .formatToParts(d)
    .find((p) => p.type === "timeZoneName")?.value;
  const text = formatter("full", timeZone, lang).format(d);
  return zone ? `${text} ${zone}` : text;
}

/** A date without time, in the given zone. */
export function formatDate(iso: string | Date, timeZone: string, lang: string): string {
  const d = toDate(iso);
  if (!d) return String(iso);
  return formatter("date", timeZone, lang).format(d);
}

/** The short wall-clock form used in the header: "Sat 22 Nov, 14:03". */
export function formatClock(at: Date, timeZone: string, lang: string): string {
  return formatter("clock", timeZone, lang).format(at);
}

/**
 * The second zone to show beside the user's own: the other side of the pairing
 * (Asia/Shanghai ⇄ America/New_York). A user in neither zone sees the node's zone,
 * or Asia/Shanghai when that is theirs too.
 */
export function otherSideZone(userZone: string, nodeZone?: string | null): string {
  if (userZone === SHANGHAI) return NEW_YORK;
  if (userZone === NEW_YORK) return SHANGHAI;
  if (nodeZone && nodeZone !== userZone && isValidTimeZone(nodeZone)) return nodeZone;
  return SHANGHAI;
}

export interface DualTime {
  primary: { zone: string; text: string };
  secondary: { zone: string; text: string };
}

/** One instant in the user's zone and in the other side's zone. */
export function formatDual(
  iso: string | Date,
  userZone: string,
  lang: string,
  nodeZone?: string | null,
): DualTime {
  const other = otherSideZone(userZone, nodeZone);
  return {
    primary: { zone: userZone, text: formatDateTime(iso, userZone, lang) },
    secondary: { zone: other, text: formatDateTime(iso, other, lang) },
  };
}

/** Every IANA zone the runtime knows, with the two sides' zones first. */
export function timeZoneOptions(): string[] {
  const all: string[] =
    typeof Intl.supportedValuesOf === "function"
      ? Intl.supportedValuesOf("timeZone")
      : [...SIDE_ZONES, "UTC"];
  const rest = all.filter((z) => !(SIDE_ZONES as readonly string[]).includes(z) && z !== "UTC");
  return [...SIDE_ZONES, "UTC", ...rest];
}

/**
 * A date-time typed on the clock of `zone` (YYYY-MM-DDTHH:mm, as DateTimeField keeps it) → the ISO 8601 instant
 * the API takes; one that is not a date-time is sent as typed, for the server to refuse with its field.
 */
export function localToIso(local: string, zone: string): string {
  return localToInstant(local, zone)?.toISOString() ?? local;
}

/** An instant (ISO 8601, or a Date) → the date-time on the clock of `zone` (minutes), as DateTimeField shows it. */
export function isoToLocal(iso: string | Date, zone: string): string {
  const d = iso instanceof Date ? iso : new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : toZonedIso(d, zone).slice(0, 16);
}
