/**
 * Instants shown in a time zone, and local wall-clock times turned into instants. Pure (Intl only), so
 * the console uses the same code. Local times are "YYYY-MM-DDTHH:mm" (seconds optional).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(instant: Date, timeZone: string): Wall {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

/** The zone's offset from UTC at `instant`, in minutes (Asia/Shanghai: +480). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, "0");

/** ISO 8601 with the zone's offset, e.g. "2026-11-22T18:00:00+08:00". */
export function toZonedIso(instant: Date, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  const off = zoneOffsetMinutes(instant, timeZone);
  const sign = off < 0 ? "-" : "+";
  return (
    `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}` +
    `${sign}${pad(Math.trunc(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`
  );
}

export const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * The instant at which the wall clock of `timeZone` shows `local`. In a gap (clocks jump forward) the
 * later interpretation is used; in an overlap (clocks fall back) the earlier one. Returns null when
 * `local` is not a valid local date-time.
 */
export function localToInstant(local: string, timeZone: string): Date | null {
  const m = LOCAL_DATE_TIME.exec(local);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number);
  if (
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    d > new Date(Date.UTC(y, mo, 0)).getUTCDate() ||
    h > 23 ||
    mi > 59 ||
    s > 59
  )
    return null;
  const wallAsUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  // Two passes converge for every real zone: guess with the offset at the naive instant, then correct.
  let t = wallAsUtc - zoneOffsetMinutes(new Date(wallAsUtc), timeZone) * 60_000;
  const second = wallAsUtc - zoneOffsetMinutes(new Date(t), timeZone) * 60_000;
  if (second !== t) {
    // Offsets differ around a transition: prefer the candidate whose wall clock matches.
    const matches = (c: number) => {
      const w = wallClock(new Date(c), timeZone);
      return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) === wallAsUtc;
    };
    const candidates = [t, second].filter(matches).sort((a, b) => a - b);
    t = candidates[0] ?? Math.max(t, second);
  }
  return new Date(t);
}

/** The day `n` days after `day` (YYYY-MM-DD; before it when `n` is negative), on any calendar. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/**
 * The instants a period of whole days covers on a zone's calendar, `from` and `to` (YYYY-MM-DD) included:
 * from the first instant of `from` to the first instant after `to`. A day is not always 24 hours (daylight
 * saving), so the end is the next day's first instant, not `to` plus 24 hours. Null when either is not a day.
 */
export function zonedDays(from: string, to: string, timeZone: string): { start: Date; end: Date } | null {
  const start = localToInstant(`${from}T00:00`, timeZone);
  if (!start || !localToInstant(`${to}T00:00`, timeZone)) return null;
  const end = localToInstant(`${addDays(to, 1)}T00:00`, timeZone);
  return end && { start, end };
}

/** Today's date (YYYY-MM-DD) on a zone's calendar, or `days` before it. */
export function zonedToday(timeZone: string, now = new Date(), days = 0): string {
  const today = toZonedIso(now, timeZone).slice(0, 10);
  return days ? addDays(today, -days) : today;
}
