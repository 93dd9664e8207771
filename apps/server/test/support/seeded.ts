/**
 * A small seeded PRNG (mulberry32) for chaos tests and benchmarks: a failing run is replayed with the seed it
 * printed. Good enough to pick timings and cases; not for anything secret.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Seeded {
  seed: number;
  /** In [0, 1). */
  random: () => number;
  /** In [lo, hi). */
  between: (lo: number, hi: number) => number;
  /** An integer in [0, n). */
  int: (n: number) => number;
}

/**
 * The seed from `env` (a whole number; else a fresh one), printed as `<env>=<seed>` with `what`, so the run
 * can be replayed: `CHAOS_SEED=123 npx vitest run …`, `BENCH_SEED=123 npm run bench:…`.
 */
export function seeded(env: string, what: string): Seeded {
  const given = process.env[env]?.trim() || undefined;
  if (given !== undefined && !/^\d{1,10}$/.test(given))
    throw new Error(`${env} must be a whole number, not "${given}"`);
  const seed = given !== undefined ? Number(given) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
  console.log(`${what}: ${env}=${seed}${given === undefined ? " (replay with it)" : " (given)"}`);
  const random = mulberry32(seed);
  return {
    seed,
    random,
    between: (lo, hi) => lo + random() * (hi - lo),
    int: (n) => Math.floor(random() * n),
  };
}
