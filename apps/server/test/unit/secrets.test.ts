import { describe, expect, it } from "vitest";
import { ONE_TIME_PASSWORD_ALPHABET, oneTimePassword } from "../../src/lib/secrets.js";

describe("oneTimePassword", () => {
  it("has 4 groups of 5 from the alphabet", () => {
    const pattern = new RegExp(
      `^([${ONE_TIME_PASSWORD_ALPHABET}]{5}-){3}[${ONE_TIME_PASSWORD_ALPHABET}]{5}$`,
    );
    for (let i = 0; i < 100; i++) expect(oneTimePassword()).toMatch(pattern);
  });

  it("draws every character equally often (no modulo bias)", () => {
    // A byte modulo 31 gives the first 8 characters 9/256 each and the other 23 8/256: 12.5 % more.
    // Over 400,000 characters the standard error of one character's share is under 1 %, so a 5 % margin
    // separates a uniform draw from a biased one with room to spare.
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      for (const ch of oneTimePassword().replace(/-/g, "")) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    const n = ONE_TIME_PASSWORD_ALPHABET.length;
    const expected = (20_000 * 20) / n;
    const first8 = [...ONE_TIME_PASSWORD_ALPHABET.slice(0, 8)].reduce(
      (a, ch) => a + (counts.get(ch) ?? 0),
      0,
    );
    const rest = [...ONE_TIME_PASSWORD_ALPHABET.slice(8)].reduce((a, ch) => a + (counts.get(ch) ?? 0), 0);
    expect(counts.size).toBe(n);
    expect(first8 / 8 / (rest / 23)).toBeGreaterThan(0.97);
    expect(first8 / 8 / (rest / 23)).toBeLessThan(1.03);
    for (const ch of ONE_TIME_PASSWORD_ALPHABET) {
      expect(Math.abs((counts.get(ch) ?? 0) - expected) / expected).toBeLessThan(0.05);
    }
  });
});
