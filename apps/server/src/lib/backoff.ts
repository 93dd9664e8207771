/**
 * Retry delay after `attempts` failures: exponential from `base`, capped at `max`. With `jitter` (the default)
 * half of it is random ("equal jitter"), so retries of many messages do not align; without, it is exact.
 */
export function backoffMs(attempts: number, base: number, max: number, jitter = true): number {
  const exp = Math.min(max, base * 2 ** Math.max(0, Math.min(30, attempts - 1)));
  if (!jitter) return exp;
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}
