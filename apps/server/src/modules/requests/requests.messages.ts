import {
  AttachmentRef,
  EventName,
  ExtensionBody,
  Id,
  IsoDateTime,
  LabelledText,
  NonEmptyText,
  RequestDraftInput,
  RequestStatus,
  SecondCheck,
  Subject,
} from "@crossline/schemas";
import { z } from "zod";

/**
 * The federation message types of requests for assistance and the hotline (payload schemas,
 * schemaVersion 1). Every lifecycle change of a request travels as one of these, signed by the
 * sending node, so both nodes show the same state.
 *
 * | type                          | from      | what                                                   |
 * | ----------------------------- | --------- | ------------------------------------------------------ |
 * | request.submitted             | requester | the full request, its deadlines and its history so far |
 * | request.event                 | both      | one lifecycle event: who, when, note / answer          |
 * | request.message               | both      | a thread message with attachment references            |
 * | request.read                  | both      | read receipt for thread messages                       |
 * | request.extension             | requester | asks to extend a preservation                          |
 * | request.extension_decision    | responder | grants or refuses an extension                         |
 * | hotline.escalation            | requester | an item not acknowledged in time, to the escalation contact |
 * | request.subject_rectified     | requester | a person subject corrected (the person record rectified) |
 */
export const MSG = {
  submitted: "request.submitted",
  event: "request.event",
  message: "request.message",
  read: "request.read",
  extension: "request.extension",
  extensionDecision: "request.extension_decision",
  escalation: "hotline.escalation",
  subjectRectified: "request.subject_rectified",
} as const;

const Label = z.string().trim().min(1).max(300);

export const HistoryItem = z.strictObject({
  event: z.string().max(64),
  from: RequestStatus.nullable(),
  to: RequestStatus,
  at: IsoDateTime,
  actor: Label,
  data: z.record(z.string(), z.unknown()).default({}),
});

export const SubmittedPayload = z.strictObject({
  id: Id,
  reference: z.string().min(1).max(64),
  form: RequestDraftInput,
  title: z.string().max(300),
  sentAt: IsoDateTime,
  acknowledgeBy: IsoDateTime,
  answerBy: IsoDateTime,
  requesterTimeZone: z.string().max(64),
  createdBy: Label,
  history: z.array(HistoryItem).max(50),
});
export type SubmittedPayload = z.infer<typeof SubmittedPayload>;

/** A lifecycle event, or one of the non-lifecycle events that both timelines show. */
export const REMOTE_EXTRA_EVENTS = ["second_check"] as const;

export const EventPayload = z.strictObject({
  requestId: Id,
  eventId: Id,
  event: z.union([EventName, z.enum(REMOTE_EXTRA_EVENTS)]),
  at: IsoDateTime,
  actor: Label,
  /** The responder's time zone travels with mark_delivered. */
  timeZone: z.string().max(64).optional(),
  data: z.record(z.string(), z.unknown()).default({}),
  secondCheck: SecondCheck.optional(),
});
export type EventPayload = z.infer<typeof EventPayload>;

export const MessagePayload = z.strictObject({
  requestId: Id,
  messageId: Id,
  at: IsoDateTime,
  author: Label,
  body: LabelledText,
  attachments: z.array(AttachmentRef).max(100).default([]),
});

export const ReadPayload = z.strictObject({
  requestId: Id,
  messageIds: z.array(Id).min(1).max(1000),
  at: IsoDateTime,
  by: Label,
});

export const ExtensionPayload = ExtensionBody.extend({
  requestId: Id,
  extensionId: Id,
  at: IsoDateTime,
  by: Label,
}).strict();

export const ExtensionDecisionPayload = z.strictObject({
  requestId: Id,
  extensionId: Id,
  grant: z.boolean(),
  note: LabelledText.optional(),
  newExpiresAt: IsoDateTime.nullable(),
  at: IsoDateTime,
  by: Label,
});

export const EscalationPayload = z.strictObject({
  requestId: Id,
  reference: z.string().max(64),
  level: z.number().int().min(1).max(9),
  reason: NonEmptyText,
  acknowledgeBy: IsoDateTime,
  at: IsoDateTime,
  /** Who the escalating side asks to be called back on. */
  contact: z
    .strictObject({
      name: Label,
      phone: z.string().max(64).optional(),
      email: z.string().max(320).optional(),
    })
    .nullable(),
});

/** The hotline log's line for a thread message, sent or received. */
export function messageSummary(reference: string, text: string, attachments: number): string {
  const files = attachments ? ` (${attachments} attachment${attachments === 1 ? "" : "s"})` : "";
  return `${reference}: message${files}: ${text.slice(0, 200)}`;
}

/** The hotline log's line for a second check, recorded here or received from the responder. */
export function secondCheckSummary(
  reference: string,
  by: string,
  check: { method: string; namedContact: { name: string }; result: string },
): string {
  return `${reference}: second check (${check.method}) by ${by} with ${check.namedContact.name}: ${check.result}`;
}

/** A person subject of a sent request, corrected by its owner (the person record rectified: requests.rectify.ts). */
export const SubjectRectifiedPayload = z.strictObject({
  requestId: Id,
  /** The subject's position in the request's `subjects`. */
  ordinal: z.number().int().min(0).max(99),
  /** The subject entry as corrected. */
  subject: Subject,
  reason: z.string().trim().min(1).max(2000),
  at: IsoDateTime,
  by: Label,
});
export type SubjectRectifiedPayload = z.infer<typeof SubjectRectifiedPayload>;
