import { describe, expect, it } from "vitest";
import {
  HANDLING_CODE_LABELS,
  HANDLING_CODES,
  INFORMATION_CREDIBILITY,
  INFORMATION_CREDIBILITY_LABELS,
  Marking,
  markingRefusal,
  SHARE_REFUSAL_LABELS,
  SHARE_REFUSALS,
  SOURCE_RELIABILITY,
  SOURCE_RELIABILITY_LABELS,
  TLP_LABELS,
  TLP_LEVELS,
} from "../src/index.js";

const m = (input: unknown) => Marking.parse(input);

describe("markings", () => {
  it("who may hold a copy: TLP level × direct or onward", () => {
    const table = TLP_LEVELS.map((tlp) => {
      const marking = m(tlp === "RED" ? { tlp, releasableTo: ["US-DOJ"] } : { tlp });
      return [
        tlp,
        markingRefusal(marking, { nodeId: "US-DOJ", onward: false }),
        markingRefusal(marking, { nodeId: "US-DOJ", onward: true }),
        markingRefusal(marking, { nodeId: "NX-NPA", onward: false }),
      ];
    });
    expect(table).toEqual([
      ["CLEAR", null, null, null],
      ["GREEN", null, null, null],
      ["AMBER", null, null, null],
      ["AMBER+STRICT", null, "ONWARD_FORBIDDEN", null],
      ["RED", null, null, "NOT_NAMED"],
    ]);
  });

  it("no_onward_transfer forbids passing on whatever the level; other handling codes do not", () => {
    expect(
      markingRefusal(m({ tlp: "CLEAR", handling: ["no_onward_transfer"] }), { nodeId: "X", onward: true }),
    ).toBe("ONWARD_FORBIDDEN");
    expect(
      markingRefusal(m({ tlp: "CLEAR", handling: ["no_onward_transfer"] }), { nodeId: "X", onward: false }),
    ).toBeNull();
    expect(
      markingRefusal(m({ tlp: "GREEN", handling: ["no_judicial_use_without_consent"] }), {
        nodeId: "X",
        onward: true,
      }),
    ).toBeNull();
  });

  it("RED names its recipients; other levels do not; handling codes at most once; the 4×4 evaluation", () => {
    const issues = (input: unknown) =>
      Marking.safeParse(input).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
    expect(issues({ tlp: "RED" })).toEqual(["releasableTo: required with TLP:RED"]);
    expect(issues({ tlp: "AMBER", releasableTo: ["US-DOJ"] })).toEqual(["releasableTo: only with TLP:RED"]);
    expect(issues({ tlp: "GREEN", handling: ["no_publication", "no_publication"] })).toEqual([
      "handling: each handling code at most once",
    ]);
    expect(issues({ tlp: "GREEN", evaluation: { source: "B", information: "2" } })).toEqual([]);
    expect(
      issues({ tlp: "GREEN", evaluation: { source: "D", information: "5" } }).map((i) => i.split(":")[0]),
    ).toEqual(["evaluation.source", "evaluation.information"]);
    expect(m({ tlp: "GREEN" }).handling).toEqual([]);
  });

  it("every value has a label in both languages", () => {
    const all = [
      ...TLP_LEVELS.map((k) => TLP_LABELS[k]),
      ...TLP_LEVELS.map((k) => TLP_LABELS[k].hint),
      ...HANDLING_CODES.map((k) => HANDLING_CODE_LABELS[k]),
      ...SOURCE_RELIABILITY.map((k) => SOURCE_RELIABILITY_LABELS[k]),
      ...INFORMATION_CREDIBILITY.map((k) => INFORMATION_CREDIBILITY_LABELS[k]),
      ...SHARE_REFUSALS.map((k) => SHARE_REFUSAL_LABELS[k]),
    ];
    for (const l of all) {
      expect(l.en.length).toBeGreaterThan(0);
      expect(l.zh).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});
