import { toZonedIso } from "@crossline/schemas";

/**
 * Times and spans as an officer reads them in a notification or an e-mail: the wall clock of a zone with
 * its offset ("2026-11-29 00:05 (UTC+08:00)"), and a lateness in days, hours and minutes.
 */
export function readableInZone(instant: Date, timeZone: string): string {
  const iso = toZonedIso(instant, timeZone);
  const offset = iso.slice(19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} (UTC${offset === "+00:00" ? "" : offset})`;
}

/** 3541 → "2 d 11 h 1 min" / "2 天 11 小时 1 分钟"; 0 → "0 min" / "0 分钟". */
export function spanOfMinutes(minutes: number, lang: "en" | "zh"): string {
  const m = Math.max(0, Math.round(minutes));
  const parts: [number, string, string][] = [
    [Math.floor(m / 1440), "d", "天"],
    [Math.floor((m % 1440) / 60), "h", "小时"],
    [m % 60, "min", "分钟"],
  ];
  const shown = parts.filter(([n]) => n > 0);
  const list = shown.length ? shown : [parts[2]];
  return list.map(([n, en, zh]) => (lang === "en" ? `${n} ${en}` : `${n} ${zh}`)).join(" ");
}
