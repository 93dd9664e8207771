/**
 * Deadlines are minutes in the API; officers think in days and hours. "3d", "4h", "1d 12h", "90m"
 * (and 天 / 小时 / 分钟) parse to minutes; formatting gives the shortest such form.
 */
const UNITS: [RegExp, number][] = [
  [/^(?:d|day|days|天)$/i, 24 * 60],
  [/^(?:h|hr|hrs|hour|hours|小时|时)$/i, 60],
  [/^(?:m|min|mins|minute|minutes|分钟|分)$/i, 1],
];

/** Minutes, or null when the text is not a duration (a bare number has no unit and is refused). */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (!s) return null;
  const parts = [...s.matchAll(/(\d+(?:\.\d+)?)\s*([^\d\s.]+)\s*/g)];
  if (parts.map((p) => p[0]).join("") !== s.replace(/^\s+/, "") || parts.length === 0) return null;
  let total = 0;
  for (const [, num, unit] of parts) {
    const factor = UNITS.find(([re]) => re.test(unit ?? ""))?.[1];
    if (factor === undefined) return null;
    total += Number(num) * factor;
  }
  return Number.isInteger(total) && total > 0 ? total : null;
}

export function formatDuration(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d}d` : "", h ? `${h}h` : "", m ? `${m}m` : ""].filter(Boolean).join(" ") || "0m";
}
