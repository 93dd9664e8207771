import { z } from "zod";
import { Id, IsoDateTime, LabelledText } from "./common.js";
import { PhoneNumber } from "./identifiers.js";
import { AttachmentRef, NonEmptyText, type RequestType, type Urgency } from "./requests.js";
import type { Permission } from "./roles.js";

/**
 * The lifecycle of a request for assistance, as a pure state machine. Both nodes apply the same table
 * to the same signed events, so both show the same state.
 *
 *   draft → pending_approval → sent → delivered → acknowledged → in_progress ⇄ more_info_requested
 *         → answered → closed;   draft → sent directly when four-eyes is off for the type;
 *   withdrawn from any state before closed. There is no reopen: a follow-up is a new request
 *   (followUpOf).
 */

export const REQUEST_STATUSES = [
  "draft",
  "pending_approval",
  "sent",
  "delivered",
  "acknowledged",
  "in_progress",
  "more_info_requested",
  "answered",
  "closed",
  "withdrawn",
] as const;
export const RequestStatus = z.enum(REQUEST_STATUSES);
export type RequestStatus = z.infer<typeof RequestStatus>;

export const TERMINAL_STATUSES: readonly RequestStatus[] = ["closed", "withdrawn"];

export const SIDES = ["requester", "responder"] as const;
export type Side = (typeof SIDES)[number];

export const EVENT_NAMES = [
  "submit_for_approval",
  "approve",
  "reject_approval",
  "send",
  "mark_delivered",
  "acknowledge",
  "start_work",
  "request_more_info",
  "provide_more_info",
  "answer",
  "close",
  "withdraw",
] as const;
export const EventName = z.enum(EVENT_NAMES);
export type EventName = z.infer<typeof EventName>;

/**
 * Timeline entries that are not lifecycle transitions: records of what happened to a request on one
 * node (created, routed, escalated, deadline notices, preservation extensions...). The status does not
 * change (from = to), except `create`.
 */
export const RECORD_EVENT_NAMES = [
  "create",
  "second_check",
  "assign",
  "escalated",
  "escalation_received",
  "extension_requested",
  "extension_granted",
  "extension_refused",
  /** The answer deadline passed without an answer; the people concerned were told once. */
  "answer_overdue",
  /** The preservation expires soon; the requester was warned once (per expiry: an extension resets it). */
  "preservation_expiring",
] as const;
export type RecordEventName = (typeof RECORD_EVENT_NAMES)[number];

/** Every event kind a request timeline may hold (`RequestEventView.event`). */
export const TIMELINE_EVENT_NAMES = [...EVENT_NAMES, ...RECORD_EVENT_NAMES] as const;
export const TimelineEventName = z.enum(TIMELINE_EVENT_NAMES);
export type TimelineEventName = z.infer<typeof TimelineEventName>;

export interface EventDef {
  name: EventName;
  from: readonly RequestStatus[];
  to: RequestStatus;
  /** The side whose node performs the event. */
  side: Side;
  /** "system": done by the node itself (mark_delivered on receipt of the envelope), never by a user. */
  actor: "user" | "system";
  /** The permission a user needs; null for system events. */
  permission: Permission | null;
}

const BEFORE_CLOSED = REQUEST_STATUSES.filter((s) => s !== "closed" && s !== "withdrawn");

const def = (
  name: EventName,
  from: readonly RequestStatus[],
  to: RequestStatus,
  side: Side,
  permission: Permission | null,
): EventDef => ({ name, from, to, side, actor: permission ? "user" : "system", permission });

/** The transition table. */
export const REQUEST_EVENTS: Readonly<Record<EventName, EventDef>> = {
  submit_for_approval: def(
    "submit_for_approval",
    ["draft"],
    "pending_approval",
    "requester",
    "requests:draft",
  ),
  approve: def("approve", ["pending_approval"], "sent", "requester", "requests:approve"),
  reject_approval: def("reject_approval", ["pending_approval"], "draft", "requester", "requests:approve"),
  send: def("send", ["draft"], "sent", "requester", "requests:draft"),
  mark_delivered: def("mark_delivered", ["sent"], "delivered", "responder", null),
  acknowledge: def("acknowledge", ["delivered"], "acknowledged", "responder", "requests:answer"),
  start_work: def("start_work", ["acknowledged"], "in_progress", "responder", "requests:answer"),
  request_more_info: def(
    "request_more_info",
    ["acknowledged", "in_progress"],
    "more_info_requested",
    "responder",
    "requests:answer",
  ),
  provide_more_info: def(
    "provide_more_info",
    ["more_info_requested"],
    "in_progress",
    "requester",
    "requests:draft",
  ),
  answer: def(
    "answer",
    ["acknowledged", "in_progress", "more_info_requested"],
    "answered",
    "responder",
    "requests:answer",
  ),
  close: def("close", ["answered"], "closed", "requester", "requests:draft"),
  withdraw: def("withdraw", BEFORE_CLOSED, "withdrawn", "requester", "requests:draft"),
};

export type TransitionResult = { ok: true; to: RequestStatus } | { ok: false; allowed: EventName[] };

/** Events that apply in a status, whichever side performs them, in EVENT_NAMES order. */
function eventsFrom(status: RequestStatus): EventName[] {
  return EVENT_NAMES.filter((e) => REQUEST_EVENTS[e].from.includes(status));
}

/**
 * Applies an event to a status. On an invalid event returns the events that are allowed in that status
 * (for the INVALID_TRANSITION error's `allowed` detail). Guards that depend on more than the status
 * (four-eyes for `send`, the second check for `answer`, payload rules) are checked separately.
 */
export function transition(status: RequestStatus, event: EventName): TransitionResult {
  const d = REQUEST_EVENTS[event];
  if (d.from.includes(status)) return { ok: true, to: d.to };
  return { ok: false, allowed: eventsFrom(status) };
}

/**
 * The events a side may perform in a status. With `permissions` (a user's), only the user events whose
 * permission the user holds; without, all of the side's events including system ones.
 */
export function allowedEvents(
  status: RequestStatus,
  side: Side,
  permissions?: ReadonlySet<Permission> | readonly Permission[],
): EventName[] {
  const has = permissions === undefined ? null : new Set<Permission>(permissions);
  return eventsFrom(status).filter((e) => {
    const d = REQUEST_EVENTS[e];
    if (d.side !== side) return false;
    if (has === null) return true;
    return d.permission !== null && has.has(d.permission);
  });
}

export function isTerminal(status: RequestStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

// ---------------------------------------------------------------------------------------------------
// Answers

export const ANSWER_OUTCOMES = ["fulfilled", "partly_fulfilled", "declined"] as const;
export const AnswerOutcome = z.enum(ANSWER_OUTCOMES);
export type AnswerOutcome = z.infer<typeof AnswerOutcome>;

export const DECLINE_GROUNDS = [
  "insufficient_information",
  "no_data_held",
  "data_no_longer_available",
  "no_dual_criminality",
  "political_offence",
  "sovereignty_security_public_order",
  "legal_privilege",
  "disproportionate",
  "verification_failed",
  "other",
] as const;

export const DeclineGrounds = z.strictObject({
  code: z.enum(DECLINE_GROUNDS),
  explanation: NonEmptyText,
});

export const AnswerInput = z
  .strictObject({
    outcome: AnswerOutcome,
    summary: NonEmptyText,
    /** Required when declined; allowed when partly fulfilled (what was not done, and why). */
    grounds: DeclineGrounds.optional(),
    attachments: z.array(AttachmentRef).max(100).default([]),
  })
  .refine((a) => a.outcome !== "declined" || a.grounds !== undefined, {
    message: "a declined request states its grounds",
    path: ["grounds"],
  })
  .refine((a) => a.outcome !== "fulfilled" || a.grounds === undefined, {
    message: "a fulfilled request has no grounds for refusal",
    path: ["grounds"],
  });
export type AnswerInput = z.infer<typeof AnswerInput>;

/** The payload a user sends with each user event (mark_delivered is system-only and has none here). */
export const RequestActionInput = z.discriminatedUnion("event", [
  z.strictObject({ event: z.literal("submit_for_approval"), note: LabelledText.optional() }),
  z.strictObject({ event: z.literal("approve"), note: LabelledText.optional() }),
  z.strictObject({ event: z.literal("reject_approval"), reason: NonEmptyText }),
  z.strictObject({ event: z.literal("send") }),
  z.strictObject({ event: z.literal("acknowledge"), note: LabelledText.optional() }),
  z.strictObject({ event: z.literal("start_work"), note: LabelledText.optional() }),
  z.strictObject({ event: z.literal("request_more_info"), question: NonEmptyText }),
  z.strictObject({
    event: z.literal("provide_more_info"),
    information: NonEmptyText,
    attachments: z.array(AttachmentRef).max(100).default([]),
  }),
  z.strictObject({ event: z.literal("answer"), answer: AnswerInput }),
  z.strictObject({ event: z.literal("close"), note: LabelledText.optional() }),
  z.strictObject({ event: z.literal("withdraw"), reason: NonEmptyText }),
]);
export type RequestActionInput = z.infer<typeof RequestActionInput>;

// ---------------------------------------------------------------------------------------------------
// Second check for emergencies

export const SECOND_CHECK_METHODS = ["phone_callback", "video", "in_person", "other"] as const;
export const SECOND_CHECK_RESULTS = ["confirmed", "failed"] as const;

/**
 * The recorded second check of an emergency request: the responder verifies, through a channel it
 * already trusts (never contact details taken from the request itself), that a named officer of the
 * requesting agency really made the request.
 */
export const SecondCheck = z.strictObject({
  checkedBy: z.strictObject({ userId: Id, name: z.string().trim().min(1).max(200) }),
  method: z.enum(SECOND_CHECK_METHODS),
  namedContact: z.strictObject({
    name: z.string().trim().min(1).max(200),
    organisation: z.string().trim().min(1).max(300).optional(),
    phone: PhoneNumber.optional(),
  }),
  at: IsoDateTime,
  result: z.enum(SECOND_CHECK_RESULTS),
  notes: LabelledText.optional(),
});
export type SecondCheck = z.infer<typeof SecondCheck>;

/** True when a request needs a recorded second check before it is answered. */
export function secondCheckRequired(request: { type: RequestType; urgency: Urgency }): boolean {
  return request.urgency === "emergency" || request.type === "emergency_disclosure";
}

/**
 * Guard for `answer`. Returns why the answer may not be given, or null when it may. A required second
 * check must be recorded; when it failed, the request may only be declined.
 */
export function secondCheckGuard(
  request: { type: RequestType; urgency: Urgency; secondCheck?: SecondCheck | null },
  outcome?: AnswerOutcome,
): string | null {
  if (!secondCheckRequired(request)) return null;
  const check = request.secondCheck;
  if (!check) {
    return (
      "an emergency request needs a recorded second check (who checked, how, with which named contact, " +
      "when, result) before it is answered"
    );
  }
  if (check.result === "failed" && outcome !== "declined") {
    return "the second check failed: the request may only be declined";
  }
  return null;
}
