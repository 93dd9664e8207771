import { describe, expect, it } from "vitest";
import { coverageGaps } from "../../src/modules/hotline/hotline.service.js";

const d = (s: string) => new Date(`2026-12-01T${s}:00Z`);
const shift = (a: string, b: string) => ({ startsAt: d(a), endsAt: d(b) });
const iso = (s: string) => d(s).toISOString();

describe("roster coverage gaps", () => {
  it("finds the stretches nobody is rostered, overlaps and back-to-back shifts counting as covered", () => {
    const shifts = [
      shift("10:00", "14:00"),
      shift("00:00", "08:00"),
      shift("12:00", "16:00"),
      shift("16:00", "18:00"),
    ];
    expect(coverageGaps(shifts, d("00:00"), d("23:00"))).toEqual([
      { from: iso("08:00"), to: iso("10:00") },
      { from: iso("18:00"), to: iso("23:00") },
    ]);
  });

  it("clips to the window: shifts running over either end leave no gap there", () => {
    expect(coverageGaps([shift("00:00", "09:00"), shift("11:00", "23:00")], d("06:00"), d("12:00"))).toEqual([
      { from: iso("09:00"), to: iso("11:00") },
    ]);
    expect(coverageGaps([shift("00:00", "23:00")], d("06:00"), d("12:00"))).toEqual([]);
  });

  it("is one gap over the whole window when the roster is empty", () => {
    expect(coverageGaps([], d("06:00"), d("12:00"))).toEqual([{ from: iso("06:00"), to: iso("12:00") }]);
  });
});
