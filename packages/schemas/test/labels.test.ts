import { describe, expect, it } from "vitest";
import {
  AuditEntry,
  LABEL_VALUES,
  LABELS,
  LANGUAGES,
  type LabelKind,
  label,
  labelMap,
  PEER_STATES,
  REQUEST_STATUSES,
  REQUEST_TYPE_NAMES,
  ROLES,
  URGENCIES,
} from "../src/index.js";

const KINDS = Object.keys(LABELS) as LabelKind[];

describe("shared labels", () => {
  it("every value of every vocabulary has a non-empty label in both languages, and no label is left over", () => {
    const problems: string[] = [];
    for (const kind of KINDS) {
      const values = LABEL_VALUES[kind] as readonly string[];
      const labels = LABELS[kind] as Record<string, Record<string, string>>;
      for (const v of values) {
        for (const lang of LANGUAGES) {
          const text = labels[v]?.[lang];
          if (typeof text !== "string" || text.trim() === "")
            problems.push(`${kind}.${v} has no ${lang} label`);
        }
      }
      for (const v of Object.keys(labels))
        if (!values.includes(v)) problems.push(`${kind}.${v} is not a value`);
    }
    expect(problems, problems.join("\n")).toEqual([]);
    expect(KINDS.length).toBeGreaterThan(30);
  });

  it("the vocabularies are the schemas' own value lists", () => {
    expect(LABEL_VALUES.urgency).toEqual(URGENCIES);
    expect(LABEL_VALUES.requestStatus).toEqual(REQUEST_STATUSES);
    expect(LABEL_VALUES.requestType).toEqual(REQUEST_TYPE_NAMES);
    expect(LABEL_VALUES.role).toEqual(ROLES);
    expect(LABEL_VALUES.peerState).toEqual(PEER_STATES);
    expect(LABEL_VALUES.auditOutcome).toEqual(AuditEntry.shape.outcome.options);
  });

  it("within a vocabulary no two values read alike in either language", () => {
    const problems: string[] = [];
    for (const kind of KINDS) {
      for (const lang of LANGUAGES) {
        const seen = new Map<string, string>();
        for (const [v, text] of Object.entries(labelMap(kind, lang) as Record<string, string>)) {
          const other = seen.get(text);
          if (other) problems.push(`${kind} ${lang}: ${other} and ${v} both read "${text}"`);
          seen.set(text, v);
        }
      }
    }
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("one word for each urgency everywhere: 紧急 is emergency, 加急 urgent, 常规 routine", () => {
    expect(labelMap("urgency", "zh-CN")).toEqual({ emergency: "紧急", urgent: "加急", routine: "常规" });
    expect(label("severity", "emergency", "zh-CN")).toBe(label("urgency", "emergency", "zh-CN"));
    expect(label("severity", "urgent", "zh-CN")).toBe(label("urgency", "urgent", "zh-CN"));
    expect(label("answerOutcome", "fulfilled", "zh-CN")).toBe("已执行");
  });

  it("an unknown value (say, from a newer peer) is shown as it is", () => {
    expect(label("urgency", "flash", "en")).toBe("flash");
    expect(label("requestType", "fugitive_locate", "en")).toBe("Locate a fugitive");
  });
});
