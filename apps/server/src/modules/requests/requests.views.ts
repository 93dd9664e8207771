import {
  type DeadlineState,
  type RequestDetail,
  type RequestSummary,
  type RequestType,
  requestTypeMeta,
  type Side,
  toZonedIso,
  type ZonedTime,
} from "@crossline/schemas";
import type {
  preservationExtensions,
  requestEvents,
  requestMessages,
  requests,
} from "../../db/schema/index.js";

export type RequestRow = typeof requests.$inferSelect;
export type EventRow = typeof requestEvents.$inferSelect;
export type MessageRow = typeof requestMessages.$inferSelect;
export type ExtensionRow = typeof preservationExtensions.$inferSelect;

const HOUR_MS = 60 * 60_000;

/** Whole minutes from `from` to `to` (negative when `to` is earlier): how late a deadline was met or missed. */
export function minutesBetween(from: Date, to: Date): number {
  return Math.round((to.getTime() - from.getTime()) / 60_000);
}

export function localSide(r: Pick<RequestRow, "direction">): Side {
  return r.direction === "outgoing" ? "requester" : "responder";
}

/** The deadline a request is running against now, and when it turns "due soon". */
export function dueColumns(r: {
  status: string;
  sentAt: Date | null;
  acknowledgedAt: Date | null;
  acknowledgeBy: Date | null;
  answerBy: Date | null;
}): { nextDueAt: Date | null; dueSoonAt: Date | null } {
  const open = ["sent", "delivered", "acknowledged", "in_progress", "more_info_requested"].includes(r.status);
  if (!open || !r.sentAt) return { nextDueAt: null, dueSoonAt: null };
  const due = r.acknowledgedAt === null && r.acknowledgeBy ? r.acknowledgeBy : r.answerBy;
  if (!due) return { nextDueAt: null, dueSoonAt: null };
  const span = Math.max(0, due.getTime() - r.sentAt.getTime());
  return { nextDueAt: due, dueSoonAt: new Date(due.getTime() - Math.max(0.2 * span, HOUR_MS)) };
}

export function stateOf(r: Pick<RequestRow, "nextDueAt" | "dueSoonAt">, now: Date): DeadlineState | null {
  if (!r.nextDueAt) return null;
  if (now > r.nextDueAt) return "overdue";
  if (r.dueSoonAt && now >= r.dueSoonAt) return "due_soon";
  return "ok";
}

export function makeZoner(r: Pick<RequestRow, "requesterTimeZone" | "responderTimeZone">) {
  const safe = (d: Date, tz: string | null) => {
    if (!tz) return null;
    try {
      return toZonedIso(d, tz);
    } catch {
      return null;
    }
  };
  return (d: Date | null): ZonedTime | null =>
    d
      ? {
          at: d.toISOString(),
          requester: safe(d, r.requesterTimeZone),
          responder: safe(d, r.responderTimeZone),
        }
      : null;
}

export function titleOf(form: { type: RequestType; offence: { description: { text: string } } }): string {
  const label = requestTypeMeta(form.type).label.en;
  const text = form.offence.description.text.replace(/\s+/g, " ").trim();
  return `${label}: ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`.slice(0, 300);
}

export function toSummary(r: RequestRow, now: Date, nodeTimeZone: string): RequestSummary {
  const z = makeZoner(r);
  const state = stateOf(r, now);
  const nextDue = z(r.nextDueAt);
  return {
    id: r.id,
    reference: r.reference,
    direction: r.direction,
    peerId: r.peerId,
    ownerUnitId: r.ownerUnitId,
    type: r.type,
    urgency: r.urgency,
    status: r.status,
    title: r.title,
    followUpOf: r.followUpOf,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    sentAt: r.sentAt?.toISOString() ?? null,
    acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
    answeredAt: r.answeredAt?.toISOString() ?? null,
    outcome: r.outcome ?? null,
    nextDue: nextDue
      ? { ...nextDue, kind: r.acknowledgedAt === null && r.acknowledgeBy ? "acknowledge" : "answer" }
      : null,
    deadlineState: state,
    overdue: state === "overdue",
    escalationLevel: r.escalationLevel,
    preservationExpiresAt: z(r.preservationExpiresAt),
    timeZones: { node: nodeTimeZone, requester: r.requesterTimeZone, responder: r.responderTimeZone },
    version: r.version,
  };
}

export function toEventView(r: EventRow, zoner: ReturnType<typeof makeZoner>) {
  return {
    id: r.id,
    event: r.event,
    fromStatus: r.fromStatus,
    toStatus: r.toStatus,
    side: r.side,
    nodeId: r.nodeId,
    actor: r.actorLabel,
    at: zoner(r.at) as ZonedTime,
    data: r.data,
  };
}

export function toExtensionView(e: ExtensionRow) {
  return {
    id: e.id,
    days: e.days,
    reason: e.reason,
    status: e.status,
    requestedAt: e.requestedAt.toISOString(),
    requestedBy: e.requestedBy,
    decidedAt: e.decidedAt?.toISOString() ?? null,
    decidedBy: e.decidedBy,
    newExpiresAt: e.newExpiresAt?.toISOString() ?? null,
    decisionNote: e.decisionNote ?? null,
  };
}

export type DetailParts = Omit<
  RequestDetail,
  | keyof RequestSummary
  | "allowedActions"
  | "timeline"
  | "followUps"
  | "extensions"
  | "subjectPersons"
  | "origin"
>;

export function detailParts(r: RequestRow, secondCheckRequired: boolean): DetailParts {
  const z = makeZoner(r);
  return {
    form: r.content,
    deadlines: { acknowledgeBy: z(r.acknowledgeBy), answerBy: z(r.answerBy) },
    answer: r.answer ?? null,
    secondCheck: r.secondCheck ?? null,
    secondCheckRequired,
    createdBy: r.createdByLabel,
  };
}
