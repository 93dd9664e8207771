import { describe, expect, it } from "vitest";
import {
  HANDLING_CODES,
  INFORMATION_CREDIBILITY,
  issue,
  issueText,
  LABEL_VALUES,
  label,
  Marking,
  markingRefusal,
  SHARE_REFUSALS,
  SOURCE_RELIABILITY,
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

  it("every value has a label in both languages, in the shared labels (pickers, refusals, exports)", () => {
    const all = [
      ...TLP_LEVELS.flatMap((k) => [label("tlpLevel", k, "zh-CN"), label("tlpHint", k, "zh-CN")]),
      ...HANDLING_CODES.map((k) => label("handlingCode", k, "zh-CN")),
      ...SOURCE_RELIABILITY.map((k) => label("sourceReliability", k, "zh-CN")),
      ...INFORMATION_CREDIBILITY.map((k) => label("informationCredibility", k, "zh-CN")),
      ...SHARE_REFUSALS.map((k) => label("shareRefusal", k, "zh-CN")),
    ];
    for (const zh of all) expect(zh).toMatch(/[\u4e00-\u9fff]/);
    expect(LABEL_VALUES.tlpLevel).toEqual(TLP_LEVELS);
    expect(LABEL_VALUES.shareRefusal).toEqual(SHARE_REFUSALS);
    // a refusal a peer sent reads by its label in an issue, in both languages
    const refused = issue("shared.refusedBy", { node: "US-DOJ", reason: "NOT_NAMED" });
    expect(issueText(refused, "zh-CN")).toBe("US-DOJ 已拒绝接收（TLP:RED 且未指名该节点）");
    expect(refused.issue).toBe("US-DOJ refused it (NOT_NAMED)");
  });
});
