import { describe, expect, it } from "vitest";
import {
  AnswerInput,
  allowedEvents,
  EVENT_NAMES,
  type EventName,
  isTerminal,
  REQUEST_EVENTS,
  REQUEST_STATUSES,
  RequestActionInput,
  type RequestStatus,
  SecondCheck,
  secondCheckGuard,
  secondCheckRequired,
  transition,
} from "../src/request-lifecycle.js";
import { PERMISSIONS, type Permission, permissionsOf } from "../src/roles.js";

const en = (text: string) => ({ lang: "en", text });

const BEFORE_CLOSED: RequestStatus[] = [
  "draft",
  "pending_approval",
  "sent",
  "delivered",
  "acknowledged",
  "in_progress",
  "more_info_requested",
  "answered",
];

/** The expected table, written out independently of the implementation. */
const EXPECTED: Record<EventName, Partial<Record<RequestStatus, RequestStatus>>> = {
  submit_for_approval: { draft: "pending_approval" },
  approve: { pending_approval: "sent" },
  reject_approval: { pending_approval: "draft" },
  send: { draft: "sent" },
  mark_delivered: { sent: "delivered" },
  acknowledge: { delivered: "acknowledged" },
  start_work: { acknowledged: "in_progress" },
  request_more_info: { acknowledged: "more_info_requested", in_progress: "more_info_requested" },
  provide_more_info: { more_info_requested: "in_progress" },
  answer: { acknowledged: "answered", in_progress: "answered", more_info_requested: "answered" },
  close: { answered: "closed" },
  withdraw: Object.fromEntries(BEFORE_CLOSED.map((s) => [s, "withdrawn"])),
};

const WHO: Record<EventName, [side: "requester" | "responder", permission: Permission | null]> = {
  submit_for_approval: ["requester", "requests:draft"],
  approve: ["requester", "requests:approve"],
  reject_approval: ["requester", "requests:approve"],
  send: ["requester", "requests:draft"],
  mark_delivered: ["responder", null],
  acknowledge: ["responder", "requests:answer"],
  start_work: ["responder", "requests:answer"],
  request_more_info: ["responder", "requests:answer"],
  provide_more_info: ["requester", "requests:draft"],
  answer: ["responder", "requests:answer"],
  close: ["requester", "requests:draft"],
  withdraw: ["requester", "requests:draft"],
};

describe("transition table", () => {
  for (const status of REQUEST_STATUSES) {
    for (const event of EVENT_NAMES) {
      const to = EXPECTED[event][status];
      it(`${status} --${event}--> ${to ?? "refused"}`, () => {
        const r = transition(status, event);
        if (to) {
          expect(r).toEqual({ ok: true, to });
        } else {
          const allowed = EVENT_NAMES.filter((e) => EXPECTED[e][status] !== undefined);
          expect(r).toEqual({ ok: false, allowed });
        }
      });
    }
  }

  it("lists the allowed events on an invalid transition", () => {
    expect(transition("delivered", "answer")).toEqual({ ok: false, allowed: ["acknowledge", "withdraw"] });
    expect(transition("draft", "approve")).toEqual({
      ok: false,
      allowed: ["submit_for_approval", "send", "withdraw"],
    });
    expect(transition("answered", "answer")).toEqual({ ok: false, allowed: ["close", "withdraw"] });
  });

  it("has no way out of closed or withdrawn (no reopen)", () => {
    for (const status of ["closed", "withdrawn"] as const) {
      expect(isTerminal(status)).toBe(true);
      for (const event of EVENT_NAMES) expect(transition(status, event)).toEqual({ ok: false, allowed: [] });
    }
    expect(isTerminal("answered")).toBe(false);
  });

  it("walks the happy path and the more-information loop", () => {
    const path: EventName[] = [
      "submit_for_approval",
      "approve",
      "mark_delivered",
      "acknowledge",
      "start_work",
      "request_more_info",
      "provide_more_info",
      "answer",
      "close",
    ];
    let status: RequestStatus = "draft";
    for (const e of path) {
      const r = transition(status, e);
      if (!r.ok) throw new Error(`${e} refused in ${status}`);
      status = r.to;
    }
    expect(status).toBe("closed");
  });

  it("names the side and permission of every event", () => {
    for (const e of EVENT_NAMES) {
      const d = REQUEST_EVENTS[e];
      expect(d.name).toBe(e);
      expect([d.side, d.permission]).toEqual(WHO[e]);
      expect(d.actor).toBe(d.permission === null ? "system" : "user");
      if (d.permission) expect(PERMISSIONS).toContain(d.permission);
    }
  });
});

describe("allowedEvents", () => {
  it("filters by side", () => {
    expect(allowedEvents("draft", "requester")).toEqual(["submit_for_approval", "send", "withdraw"]);
    expect(allowedEvents("draft", "responder")).toEqual([]);
    expect(allowedEvents("sent", "responder")).toEqual(["mark_delivered"]);
    expect(allowedEvents("delivered", "responder")).toEqual(["acknowledge"]);
    expect(allowedEvents("delivered", "requester")).toEqual(["withdraw"]);
    expect(allowedEvents("acknowledged", "responder")).toEqual(["start_work", "request_more_info", "answer"]);
    expect(allowedEvents("more_info_requested", "requester")).toEqual(["provide_more_info", "withdraw"]);
    expect(allowedEvents("more_info_requested", "responder")).toEqual(["answer"]);
    expect(allowedEvents("answered", "requester")).toEqual(["close", "withdraw"]);
    expect(allowedEvents("closed", "requester")).toEqual([]);
  });

  it("filters by a user's permissions and drops system events", () => {
    const caseOfficer = permissionsOf(["case_officer"]);
    const supervisor = permissionsOf(["supervisor"]);
    expect(allowedEvents("pending_approval", "requester", caseOfficer)).toEqual(["withdraw"]);
    expect(allowedEvents("pending_approval", "requester", supervisor)).toEqual([
      "approve",
      "reject_approval",
      "withdraw",
    ]);
    expect(allowedEvents("sent", "responder", supervisor)).toEqual([]);
    expect(allowedEvents("delivered", "responder", ["requests:read"])).toEqual([]);
    expect(allowedEvents("delivered", "responder", permissionsOf(["duty_officer"]))).toEqual(["acknowledge"]);
  });
});

describe("event payloads", () => {
  it("a declined answer states its grounds", () => {
    expect(AnswerInput.safeParse({ outcome: "declined", summary: en("No.") }).error?.issues).toMatchObject([
      { path: ["grounds"] },
    ]);
    const ok = AnswerInput.parse({
      outcome: "declined",
      summary: en("Declined"),
      grounds: { code: "no_data_held", explanation: en("The provider keeps no logs older than 7 days") },
    });
    expect(ok.attachments).toEqual([]);
    expect(AnswerInput.safeParse({ outcome: "partly_fulfilled", summary: en("Part") }).success).toBe(true);
    expect(AnswerInput.safeParse({ outcome: "fulfilled", summary: en("Done") }).success).toBe(true);
    expect(
      AnswerInput.safeParse({
        outcome: "fulfilled",
        summary: en("Done"),
        grounds: { code: "other", explanation: en("?") },
      }).success,
    ).toBe(false);
  });

  it("reasons are required for rejection and withdrawal; unknown events are refused", () => {
    expect(RequestActionInput.safeParse({ event: "withdraw" }).error?.issues).toMatchObject([
      { path: ["reason"] },
    ]);
    expect(RequestActionInput.safeParse({ event: "reject_approval", reason: en(" ") }).success).toBe(false);
    expect(
      RequestActionInput.safeParse({ event: "withdraw", reason: en("Case closed at home") }).success,
    ).toBe(true);
    expect(RequestActionInput.safeParse({ event: "mark_delivered" }).success).toBe(false);
    expect(RequestActionInput.safeParse({ event: "reopen" }).success).toBe(false);
    expect(RequestActionInput.safeParse({ event: "send", extra: true }).success).toBe(false);
  });
});

describe("second check", () => {
  const check = {
    checkedBy: { userId: "01890a5d-ac96-774b-bcce-b302099a8057", name: "Duty Officer Chen" },
    method: "phone_callback",
    namedContact: {
      name: "Special Agent Smith",
      organisation: "FBI Cyber Division",
      phone: "+1 202 324 3000",
    },
    at: "2016-06-14T03:12:00Z",
    result: "confirmed",
  };

  it("validates the record", () => {
    expect(SecondCheck.parse(check).namedContact.phone).toBe("+12023243000");
    expect(SecondCheck.safeParse({ ...check, method: "email" }).success).toBe(false);
    expect(SecondCheck.safeParse({ ...check, result: "unknown" }).success).toBe(false);
    const { namedContact: _, ...noContact } = check;
    expect(SecondCheck.safeParse(noContact).error?.issues).toMatchObject([{ path: ["namedContact"] }]);
  });

  it("is required for emergency urgency and for emergency disclosure", () => {
    expect(secondCheckRequired({ type: "emergency_disclosure", urgency: "emergency" })).toBe(true);
    expect(secondCheckRequired({ type: "emergency_disclosure", urgency: "routine" })).toBe(true);
    expect(secondCheckRequired({ type: "subscriber_info", urgency: "emergency" })).toBe(true);
    expect(secondCheckRequired({ type: "subscriber_info", urgency: "urgent" })).toBe(false);
  });

  it("blocks an answer until a check is recorded", () => {
    const req = { type: "emergency_disclosure", urgency: "emergency" } as const;
    expect(secondCheckGuard(req, "fulfilled")).toMatch(/second check/);
    expect(secondCheckGuard({ ...req, secondCheck: null }, "declined")).toMatch(/second check/);
    expect(secondCheckGuard({ ...req, secondCheck: SecondCheck.parse(check) }, "fulfilled")).toBeNull();
    expect(secondCheckGuard({ type: "takedown", urgency: "emergency" })).toMatch(/second check/);
  });

  it("after a failed check, only a decline is allowed", () => {
    const failed = SecondCheck.parse({ ...check, result: "failed" });
    const req = { type: "emergency_disclosure", urgency: "emergency", secondCheck: failed } as const;
    expect(secondCheckGuard(req, "fulfilled")).toMatch(/failed/);
    expect(secondCheckGuard(req, "partly_fulfilled")).toMatch(/failed/);
    expect(secondCheckGuard(req)).toMatch(/failed/);
    expect(secondCheckGuard(req, "declined")).toBeNull();
  });

  it("does not apply to routine requests", () => {
    expect(secondCheckGuard({ type: "subscriber_info", urgency: "routine" }, "fulfilled")).toBeNull();
    expect(secondCheckGuard({ type: "preservation", urgency: "urgent" }, "fulfilled")).toBeNull();
  });
});
