import { describe, expect, it } from "vitest";
import {
  computeDeadlines,
  DEFAULT_DEADLINE_POLICY,
  DeadlinePolicy,
  deadlineState,
  preservationExpiry,
  REPATRIATION_TRAVEL_DOCUMENT_DAYS,
  travelDocumentDueBy,
} from "../src/deadlines.js";
import { REQUEST_TYPE_NAMES } from "../src/requests.js";

const H = 3_600_000;
const D = 24 * H;
const sentAt = new Date("2016-06-14T02:00:00.000Z");
const after = (ms: number) => new Date(sentAt.getTime() + ms);

describe("DEFAULT_DEADLINE_POLICY", () => {
  it("is a valid policy covering every type and urgency", () => {
    expect(DeadlinePolicy.parse(DEFAULT_DEADLINE_POLICY)).toEqual(DEFAULT_DEADLINE_POLICY);
    expect(Object.keys(DEFAULT_DEADLINE_POLICY).sort()).toEqual([...REQUEST_TYPE_NAMES].sort());
  });

  it("has the brief's routine defaults", () => {
    const minutes = (t: keyof typeof DEFAULT_DEADLINE_POLICY) => DEFAULT_DEADLINE_POLICY[t].routine;
    expect(minutes("preservation").acknowledgeMinutes).toBe(24 * 60);
    expect(minutes("traffic_disclosure").answerMinutes).toBe(3 * 24 * 60);
    expect(minutes("subscriber_info").answerMinutes).toBe(20 * 24 * 60);
    expect(minutes("traffic_content_mla").answerMinutes).toBe(45 * 24 * 60);
    expect(minutes("emergency_disclosure")).toEqual({ acknowledgeMinutes: 60, answerMinutes: 8 * 60 });
    expect(minutes("takedown").answerMinutes).toBe(3 * 24 * 60);
    for (const t of ["interview", "criminal_record", "general_information"] as const) {
      expect(minutes(t).answerMinutes).toBe(7 * 24 * 60);
    }
  });

  it("shortens acknowledgement for urgent (4 h) and emergency (1 h) requests", () => {
    for (const t of REQUEST_TYPE_NAMES) {
      const p = DEFAULT_DEADLINE_POLICY[t];
      expect(p.urgent.acknowledgeMinutes).toBeLessThanOrEqual(4 * 60);
      expect(p.emergency.acknowledgeMinutes).toBe(60);
      expect(p.emergency.answerMinutes).toBeLessThanOrEqual(p.urgent.answerMinutes);
      expect(p.urgent.answerMinutes).toBeLessThanOrEqual(p.routine.answerMinutes);
    }
  });
});

describe("computeDeadlines", () => {
  const cases: [
    Parameters<typeof computeDeadlines>[1],
    Parameters<typeof computeDeadlines>[2],
    number,
    number,
  ][] = [
    ["preservation", "routine", 24 * H, 3 * D],
    ["preservation", "urgent", 4 * H, 36 * H],
    ["preservation", "emergency", 1 * H, 24 * H],
    ["traffic_disclosure", "routine", 24 * H, 3 * D],
    ["subscriber_info", "routine", 24 * H, 20 * D],
    ["subscriber_info", "urgent", 4 * H, 10 * D],
    ["subscriber_info", "emergency", 1 * H, 24 * H],
    ["traffic_content_mla", "routine", 24 * H, 45 * D],
    ["traffic_content_mla", "urgent", 4 * H, 540 * H],
    ["emergency_disclosure", "emergency", 1 * H, 8 * H],
    ["emergency_disclosure", "routine", 1 * H, 8 * H],
    ["takedown", "routine", 24 * H, 3 * D],
    ["interview", "routine", 24 * H, 7 * D],
    ["interview", "urgent", 4 * H, 84 * H],
    ["general_information", "emergency", 1 * H, 24 * H],
    ["extradition", "routine", 24 * H, 90 * D],
    ["repatriation_identity_check", "routine", 24 * H, 30 * D],
    ["asset_freezing", "routine", 24 * H, 3 * D],
  ];
  for (const [type, urgency, ack, answer] of cases) {
    it(`${type} / ${urgency}`, () => {
      expect(computeDeadlines(DEFAULT_DEADLINE_POLICY, type, urgency, sentAt)).toEqual({
        acknowledgeBy: after(ack),
        answerBy: after(answer),
      });
    });
  }

  it("uses the policy it is given", () => {
    const policy = structuredClone(DEFAULT_DEADLINE_POLICY);
    policy.subscriber_info.routine = { acknowledgeMinutes: 90, answerMinutes: 14 * 24 * 60 };
    expect(computeDeadlines(policy, "subscriber_info", "routine", sentAt)).toEqual({
      acknowledgeBy: after(1.5 * H),
      answerBy: after(14 * D),
    });
  });

  it("refuses an invalid date", () => {
    expect(() => computeDeadlines(DEFAULT_DEADLINE_POLICY, "takedown", "routine", new Date("nope"))).toThrow(
      RangeError,
    );
  });
});

describe("DeadlinePolicy validation", () => {
  const withRule = (rule: unknown) => {
    const p: Record<string, Record<string, unknown>> = structuredClone(DEFAULT_DEADLINE_POLICY);
    p.takedown.urgent = rule;
    return p;
  };
  const paths = (input: unknown) =>
    DeadlinePolicy.safeParse(input).error?.issues.map((i) => i.path.join(".")) ?? [];

  it("requires positive integer minutes", () => {
    expect(paths(withRule({ acknowledgeMinutes: 0, answerMinutes: 60 }))).toEqual([
      "takedown.urgent.acknowledgeMinutes",
    ]);
    expect(paths(withRule({ acknowledgeMinutes: -5, answerMinutes: 60 }))).toEqual([
      "takedown.urgent.acknowledgeMinutes",
    ]);
    expect(paths(withRule({ acknowledgeMinutes: 30, answerMinutes: 60.5 }))).toEqual([
      "takedown.urgent.answerMinutes",
    ]);
    expect(paths(withRule({ acknowledgeMinutes: "30", answerMinutes: 60 }))).toEqual([
      "takedown.urgent.acknowledgeMinutes",
    ]);
    expect(paths(withRule({ acknowledgeMinutes: 30, answerMinutes: 400 * 24 * 60 }))).toEqual([
      "takedown.urgent.answerMinutes",
    ]);
  });

  it("requires acknowledge ≤ answer", () => {
    expect(paths(withRule({ acknowledgeMinutes: 120, answerMinutes: 60 }))).toEqual([
      "takedown.urgent.acknowledgeMinutes",
    ]);
    expect(paths(withRule({ acknowledgeMinutes: 60, answerMinutes: 60 }))).toEqual([]);
  });

  it("requires every type and urgency and refuses unknown ones", () => {
    const missingType: Record<string, unknown> = structuredClone(DEFAULT_DEADLINE_POLICY);
    delete missingType.extradition;
    expect(paths(missingType)).toEqual(["extradition"]);
    expect(paths({ ...DEFAULT_DEADLINE_POLICY, wiretap: DEFAULT_DEADLINE_POLICY.takedown })).toEqual([""]);
    const missingUrgency = withRule(undefined);
    expect(paths(missingUrgency)).toEqual(["takedown.urgent"]);
    expect(paths(withRule({ acknowledgeMinutes: 1, answerMinutes: 2, businessDays: true }))).toEqual([
      "takedown.urgent",
    ]);
  });
});

describe("preservation and repatriation dates", () => {
  it("preservation ends the given number of days after preservation", () => {
    const at = new Date("2016-06-14T10:30:00+08:00");
    expect(preservationExpiry(at, 90).toISOString()).toBe("2016-09-12T02:30:00.000Z");
    expect(preservationExpiry(at, 60).toISOString()).toBe("2016-08-13T02:30:00.000Z");
    expect(() => preservationExpiry(at, 0)).toThrow(RangeError);
    expect(() => preservationExpiry(at, 1.5)).toThrow(RangeError);
  });

  it("a travel document is due 30 days after verification", () => {
    expect(REPATRIATION_TRAVEL_DOCUMENT_DAYS).toBe(30);
    expect(travelDocumentDueBy(new Date("2017-08-01T00:00:00Z")).toISOString()).toBe(
      "2017-08-31T00:00:00.000Z",
    );
  });
});

describe("deadlineState", () => {
  const start = sentAt;
  const due = after(10 * D);

  it("is ok well before the deadline", () => {
    expect(deadlineState(after(1 * D), due, start)).toBe("ok");
    expect(deadlineState(after(8 * D - 1), due, start)).toBe("ok");
  });

  it("is due soon within the last 20 % of the span", () => {
    expect(deadlineState(after(8 * D), due, start)).toBe("due_soon");
    expect(deadlineState(after(10 * D - 1), due, start)).toBe("due_soon");
    expect(deadlineState(due, due, start)).toBe("due_soon");
  });

  it("is due soon within the last hour when 20 % is less than an hour", () => {
    const shortDue = after(4 * H);
    expect(deadlineState(after(2 * H), shortDue, start)).toBe("ok");
    expect(deadlineState(after(3 * H), shortDue, start)).toBe("due_soon");
    // Without a start, only the one-hour rule applies.
    expect(deadlineState(after(8 * D), due)).toBe("ok");
    expect(deadlineState(after(10 * D - H), due)).toBe("due_soon");
  });

  it("is overdue after the deadline", () => {
    expect(deadlineState(after(10 * D + 1), due, start)).toBe("overdue");
    expect(deadlineState(after(20 * D), due)).toBe("overdue");
  });
});
