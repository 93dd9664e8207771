import { z } from "zod";
import { REQUEST_TYPE_NAMES, type RequestType, type Urgency } from "./requests.js";

/**
 * Deadline policy: for each request type and urgency, how long the responder has to acknowledge and
 * to answer, in minutes from the time the request was sent. Calendar time, not working days (the
 * 24/7 network never closes). A node administrator may edit the policy; these are the shipped defaults.
 *
 * Routine defaults (acknowledge / answer):
 *
 * | type                        | ack  | answer | source                                             |
 * | --------------------------- | ---- | ------ | -------------------------------------------------- |
 * | preservation                | 24 h | 3 d    | brief (ack); answer = confirmation of preservation |
 * | traffic_disclosure          | 24 h | 3 d    | brief                                              |
 * | subscriber_info             | 24 h | 20 d   | brief                                              |
 * | traffic_content_mla         | 24 h | 45 d   | brief                                              |
 * | emergency_disclosure        | 1 h  | 8 h    | brief (the same for every urgency)                 |
 * | takedown                    | 24 h | 3 d    | brief                                              |
 * | fugitive_locate             | 24 h | 30 d   | chosen                                             |
 * | provisional_arrest          | 24 h | 3 d    | chosen: the person may move on                     |
 * | extradition                 | 24 h | 90 d   | chosen: decision to proceed, not the surrender     |
 * | deportation                 | 24 h | 30 d   | chosen                                             |
 * | repatriation_identity_check | 24 h | 30 d   | chosen (travel document: 30 d after verification)  |
 * | asset_tracing               | 24 h | 30 d   | chosen                                             |
 * | asset_freezing              | 24 h | 3 d    | chosen: assets move fast                           |
 * | asset_confiscation          | 24 h | 90 d   | chosen                                             |
 * | asset_return                | 24 h | 90 d   | chosen                                             |
 * | interview                   | 24 h | 7 d    | brief                                              |
 * | criminal_record             | 24 h | 7 d    | brief                                              |
 * | general_information         | 24 h | 7 d    | brief                                              |
 *
 * Urgency (except emergency_disclosure, which is always 1 h / 8 h):
 * - urgent: acknowledge within 4 h; answer in half the routine time, rounded up to the hour;
 * - emergency: acknowledge within 1 h; answer within 24 h (or the routine time if shorter).
 */

const HOUR = 60;
const DAY = 24 * HOUR;
/** The longest deadline a policy may set: one year. */
export const MAX_DEADLINE_MINUTES = 366 * DAY;

const Minutes = z.number().int().positive().max(MAX_DEADLINE_MINUTES);

export const DeadlineRule = z
  .strictObject({ acknowledgeMinutes: Minutes, answerMinutes: Minutes })
  .refine((r) => r.acknowledgeMinutes <= r.answerMinutes, {
    message: "the acknowledge deadline must not be later than the answer deadline",
    path: ["acknowledgeMinutes"],
  });
export type DeadlineRule = z.infer<typeof DeadlineRule>;

export const UrgencyDeadlines = z.strictObject({
  emergency: DeadlineRule,
  urgent: DeadlineRule,
  routine: DeadlineRule,
});
export type UrgencyDeadlines = z.infer<typeof UrgencyDeadlines>;

/** The whole policy: every request type, every urgency (an enum-keyed record is exhaustive and strict). */
export const DeadlinePolicy = z.record(z.enum(REQUEST_TYPE_NAMES), UrgencyDeadlines);
export type DeadlinePolicy = z.infer<typeof DeadlinePolicy>;

const ROUTINE_ANSWER: Record<RequestType, number> = {
  preservation: 3 * DAY,
  traffic_disclosure: 3 * DAY,
  subscriber_info: 20 * DAY,
  traffic_content_mla: 45 * DAY,
  emergency_disclosure: 8 * HOUR,
  takedown: 3 * DAY,
  fugitive_locate: 30 * DAY,
  provisional_arrest: 3 * DAY,
  extradition: 90 * DAY,
  deportation: 30 * DAY,
  repatriation_identity_check: 30 * DAY,
  asset_tracing: 30 * DAY,
  asset_freezing: 3 * DAY,
  asset_confiscation: 90 * DAY,
  asset_return: 90 * DAY,
  interview: 7 * DAY,
  criminal_record: 7 * DAY,
  general_information: 7 * DAY,
};

function defaultsFor(type: RequestType): UrgencyDeadlines {
  const answer = ROUTINE_ANSWER[type];
  if (type === "emergency_disclosure") {
    const rule = { acknowledgeMinutes: HOUR, answerMinutes: answer };
    return { emergency: rule, urgent: { ...rule }, routine: { ...rule } };
  }
  return {
    emergency: { acknowledgeMinutes: HOUR, answerMinutes: Math.min(answer, DAY) },
    urgent: { acknowledgeMinutes: 4 * HOUR, answerMinutes: Math.ceil(answer / 2 / HOUR) * HOUR },
    routine: { acknowledgeMinutes: DAY, answerMinutes: answer },
  };
}

export const DEFAULT_DEADLINE_POLICY: DeadlinePolicy = Object.fromEntries(
  REQUEST_TYPE_NAMES.map((t) => [t, defaultsFor(t)]),
) as DeadlinePolicy;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

function checkDate(d: Date, name: string): number {
  const t = d.getTime();
  if (Number.isNaN(t)) throw new RangeError(`${name} is not a valid date`);
  return t;
}

/** Acknowledge-by and answer-by for a request sent at `sentAt`. */
export function computeDeadlines(
  policy: DeadlinePolicy,
  type: RequestType,
  urgency: Urgency,
  sentAt: Date,
): { acknowledgeBy: Date; answerBy: Date } {
  return deadlinesOf(policy[type][urgency], sentAt);
}

/**
 * The one deadline engine: acknowledge-by and answer-by under a rule, from `sentAt`. Requests use it
 * through `computeDeadlines`; provider notices with their own policy per kind (notices.ts).
 */
export function deadlinesOf(rule: DeadlineRule, sentAt: Date): { acknowledgeBy: Date; answerBy: Date } {
  const t = checkDate(sentAt, "sentAt");
  return {
    acknowledgeBy: new Date(t + rule.acknowledgeMinutes * MINUTE_MS),
    answerBy: new Date(t + rule.answerMinutes * MINUTE_MS),
  };
}

function addDays(from: Date, days: number, name: string): Date {
  if (!Number.isInteger(days) || days < 1) throw new RangeError("days must be a positive integer");
  return new Date(checkDate(from, name) + days * DAY_MS);
}

/**
 * When preservation ends: `days` (24-hour periods) after the data was preserved. The draft schema
 * requires at least 60 days for a new preservation; an extension may add any positive number of days
 * to the current expiry.
 */
export function preservationExpiry(preservedAt: Date, days: number): Date {
  return addDays(preservedAt, days, "preservedAt");
}

/** How many days before a preservation expires the requester is warned, so it can ask an extension. */
export const PRESERVATION_WARNING_DAYS = 7;

/** Travel documents for repatriation are issued within 30 days of identity verification. */
export const REPATRIATION_TRAVEL_DOCUMENT_DAYS = 30;

export function travelDocumentDueBy(verifiedAt: Date): Date {
  return addDays(verifiedAt, REPATRIATION_TRAVEL_DOCUMENT_DAYS, "verifiedAt");
}

export type DeadlineState = "ok" | "due_soon" | "overdue";

/**
 * "overdue" once `now` is past `due`; "due_soon" when the time left is at most 20 % of the span
 * (`start` → `due`) or at most 1 h, whichever is larger; otherwise "ok". Without `start` only the
 * 1-hour rule applies. Note that a 1-hour deadline (emergency acknowledge) is due soon at once.
 */
export function deadlineState(now: Date, due: Date, start?: Date): DeadlineState {
  const n = checkDate(now, "now");
  const d = checkDate(due, "due");
  if (n > d) return "overdue";
  const span = start ? Math.max(0, d - checkDate(start, "start")) : 0;
  const window = Math.max(0.2 * span, 60 * MINUTE_MS);
  return d - n <= window ? "due_soon" : "ok";
}
