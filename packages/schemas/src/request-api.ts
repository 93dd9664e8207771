import { z } from "zod";
import { Id, IsoDateTime, LabelledText, Language, NodeId, TimeZone } from "./common.js";
import { DeadlinePolicy } from "./deadlines.js";
import { EmailAddress, PhoneNumber } from "./identifiers.js";
import { zodIssue } from "./issue-keys.js";
import { ScreeningCounts } from "./lawful.js";
import { NotificationParams } from "./notification-messages.js";
import {
  AnswerOutcome,
  EventName,
  REQUEST_STATUSES,
  RequestStatus,
  SECOND_CHECK_METHODS,
  SECOND_CHECK_RESULTS,
} from "./request-lifecycle.js";
import {
  AttachmentRef,
  NonEmptyText,
  REQUEST_TYPE_NAMES,
  RequestDraftInput,
  RequestType,
  URGENCIES,
  Urgency,
} from "./requests.js";

/**
 * The REST shapes of requests for assistance, the hotline, notifications and reports: what the
 * console sends and receives. The typed forms themselves are in requests.ts.
 */

export const REQUEST_DIRECTIONS = ["outgoing", "incoming"] as const;
export const RequestDirection = z.enum(REQUEST_DIRECTIONS);
export type RequestDirection = z.infer<typeof RequestDirection>;

export const DEADLINE_STATES = ["ok", "due_soon", "overdue"] as const;
export const DeadlineStateName = z.enum(DEADLINE_STATES);

/** An instant with its rendering in the node's, the requester's and the responder's time zones. */
export const ZonedTime = z.object({
  at: IsoDateTime,
  requester: z.string().nullable().describe("ISO 8601 with offset in the requesting side's time zone"),
  responder: z.string().nullable().describe("ISO 8601 with offset in the responding side's time zone"),
});
export type ZonedTime = z.infer<typeof ZonedTime>;

// ---------------------------------------------------------------------------------------------------
// Drafts

export const CreateRequestBody = z.strictObject({
  /** The node the request is for, e.g. US-DOJ (may be left empty while drafting). */
  peerId: NodeId.optional(),
  /** The peer's time zone, when the peer record does not give it yet. */
  peerTimeZone: TimeZone.optional(),
  form: RequestDraftInput,
});
export type CreateRequestBody = z.input<typeof CreateRequestBody>;

export const UpdateRequestBody = CreateRequestBody.extend({
  /** The version the client edited (optimistic concurrency). */
  version: z.number().int().min(1).max(2_000_000_000).optional(),
});

// ---------------------------------------------------------------------------------------------------
// Reads

export const RequestSummary = z.object({
  id: Id,
  reference: z.string(),
  direction: RequestDirection,
  peerId: z.string().nullable(),
  ownerUnitId: Id,
  type: RequestType,
  urgency: Urgency,
  status: RequestStatus,
  title: z.string(),
  followUpOf: Id.nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  sentAt: IsoDateTime.nullable(),
  acknowledgedAt: IsoDateTime.nullable(),
  answeredAt: IsoDateTime.nullable(),
  outcome: AnswerOutcome.nullable(),
  /** The deadline now running (acknowledge, then answer), in both sides' time zones. */
  nextDue: ZonedTime.extend({ kind: z.enum(["acknowledge", "answer"]) }).nullable(),
  deadlineState: DeadlineStateName.nullable(),
  overdue: z.boolean(),
  escalationLevel: z.number().int(),
  preservationExpiresAt: ZonedTime.nullable(),
  timeZones: z.object({
    node: z.string(),
    requester: z.string().nullable(),
    responder: z.string().nullable(),
  }),
  version: z.number().int(),
});
export type RequestSummary = z.infer<typeof RequestSummary>;

export const RequestEventView = z.object({
  id: Id,
  /**
   * One of TIMELINE_EVENT_NAMES; kept a string so a kind recorded by a newer peer (in the history it
   * sends) still shows rather than failing the response.
   */
  event: z.string(),
  fromStatus: z.string().nullable(),
  toStatus: z.string(),
  side: z.enum(["requester", "responder"]),
  nodeId: z.string(),
  actor: z.string(),
  at: ZonedTime,
  data: z.record(z.string(), z.unknown()),
});
export type RequestEventView = z.infer<typeof RequestEventView>;

export const PreservationExtensionView = z.object({
  id: Id,
  days: z.number().int(),
  reason: LabelledText,
  status: z.enum(["requested", "granted", "refused"]),
  requestedAt: IsoDateTime,
  requestedBy: z.string(),
  decidedAt: IsoDateTime.nullable(),
  decidedBy: z.string().nullable(),
  newExpiresAt: IsoDateTime.nullable(),
  decisionNote: LabelledText.nullable(),
});

/** A recorded second check as the API returns it (already normalised). */
export const SecondCheckView = z.object({
  checkedBy: z.object({ userId: Id, name: z.string() }),
  method: z.enum(SECOND_CHECK_METHODS),
  namedContact: z.object({
    name: z.string(),
    organisation: z.string().optional(),
    phone: z.string().optional().describe("E.164"),
  }),
  at: IsoDateTime,
  result: z.enum(SECOND_CHECK_RESULTS),
  notes: LabelledText.optional(),
});

/** The kinds of record a request can be drafted from (its `origin`). */
export const REQUEST_ORIGIN_TYPES = ["fugitive", "person", "asset"] as const;
export type RequestOriginType = (typeof REQUEST_ORIGIN_TYPES)[number];

export const RequestDetail = RequestSummary.extend({
  /** The typed form, normalised (identifiers in canonical form, with `raw` as entered). */
  form: z.looseObject({ type: RequestType, urgency: Urgency }),
  deadlines: z.object({ acknowledgeBy: ZonedTime.nullable(), answerBy: ZonedTime.nullable() }),
  answer: z.record(z.string(), z.unknown()).nullable(),
  secondCheck: SecondCheckView.nullable(),
  secondCheckRequired: z.boolean(),
  followUps: z.array(z.object({ id: Id, reference: z.string(), status: RequestStatus })),
  extensions: z.array(PreservationExtensionView),
  timeline: z.array(RequestEventView),
  /** The events the calling user may perform now (for the console's buttons). */
  allowedActions: z.array(EventName),
  createdBy: z.string(),
  /**
   * The record the request was drafted from (a fugitive's record, a person record or an asset), which lists the
   * request in turn.
   */
  origin: z
    .object({ type: z.enum(REQUEST_ORIGIN_TYPES), id: Id })
    .nullable()
    .default(null),
  /** The person record each person subject links to (`ordinal`: its index in form.subjects). */
  subjectPersons: z
    .array(z.object({ ordinal: z.number().int(), personId: Id, restricted: z.boolean() }))
    .default([]),
});
export type RequestDetail = z.infer<typeof RequestDetail>;

const csv = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .max(1000)
    .transform((s, ctx) => {
      const parts = s
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p !== "");
      const bad = parts.filter((p) => !(values as readonly string[]).includes(p));
      if (bad.length) {
        ctx.addIssue({
          code: "custom",
          ...zodIssue("list.unknownValues", { values: bad.join(", "), allowed: values.join(", ") }),
        });
        return z.NEVER;
      }
      return parts as T[number][];
    })
    .describe(`comma-separated: ${values.join(", ")}`);

export const BoardQuery = z.strictObject({
  direction: RequestDirection.optional(),
  type: csv(REQUEST_TYPE_NAMES).optional(),
  urgency: csv(URGENCIES).optional(),
  status: csv(REQUEST_STATUSES).optional(),
  deadline: DeadlineStateName.optional().describe("deadline state of the deadline now running"),
  peerId: NodeId.optional(),
  q: z
    .string()
    .trim()
    .min(2)
    .max(100)
    .optional()
    .describe("search: the start of a reference (CN-MPS-2026-…) or words of the title, any case"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type BoardQuery = z.infer<typeof BoardQuery>;

export const BoardPage = z.object({ items: z.array(RequestSummary), nextCursor: z.string().nullable() });

// ---------------------------------------------------------------------------------------------------
// Second check, thread, extensions, routing

export const SecondCheckBody = z.strictObject({
  method: z.enum(SECOND_CHECK_METHODS),
  namedContact: z.strictObject({
    name: z.string().trim().min(1).max(200),
    organisation: z.string().trim().min(1).max(300).optional(),
    phone: PhoneNumber.optional(),
  }),
  /** When the check was made; defaults to now. */
  at: IsoDateTime.optional(),
  result: z.enum(SECOND_CHECK_RESULTS),
  notes: LabelledText.optional(),
});

export const MessageBody = z.strictObject({
  body: NonEmptyText,
  attachments: z.array(AttachmentRef).max(100).default([]),
});

export const RequestMessageView = z.object({
  id: Id,
  nodeId: z.string(),
  side: z.enum(["requester", "responder"]),
  author: z.string(),
  body: LabelledText,
  attachments: z.array(z.object({ id: Id, name: z.string(), sha256: z.string(), size: z.number() })),
  at: ZonedTime,
  mine: z.boolean().describe("sent from this node"),
  readAt: IsoDateTime.nullable().describe("mine: when the other side read it; theirs: when this side did"),
  readBy: z.string().nullable(),
});

export const ExtensionBody = z.strictObject({
  days: z.number().int().min(1).max(365),
  reason: NonEmptyText,
});

export const ExtensionDecisionBody = z.strictObject({
  grant: z.boolean(),
  note: LabelledText.optional(),
});

export const AssignBody = z.strictObject({ unitId: Id });

// ---------------------------------------------------------------------------------------------------
// Policy

export const FourEyesPolicy = z.record(z.enum(REQUEST_TYPE_NAMES), z.boolean());

export const EscalationContact = z.strictObject({
  name: z.string().trim().min(1).max(200),
  phone: PhoneNumber.optional(),
  email: EmailAddress.optional(),
});

export const RequestPolicy = z.strictObject({
  deadlines: DeadlinePolicy,
  /** Per type: whether an outgoing request needs a supervisor's approval before it is sent. */
  fourEyes: FourEyesPolicy,
  /** The unit incoming requests land in (the hotline desk); null: the node's first unit. */
  intakeUnitId: Id.nullable(),
  escalation: z.strictObject({
    /** After the acknowledge deadline, minutes until an outgoing request is escalated to the peer. */
    peerAfterMinutes: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 60),
    /** Who the peer should reach on this side when it escalates to us. */
    contact: EscalationContact.nullable(),
  }),
});
export type RequestPolicy = z.infer<typeof RequestPolicy>;

/** The policy as the API returns it (contact details already normalised). */
export const RequestPolicyView = RequestPolicy.extend({
  escalation: z.object({
    peerAfterMinutes: z.number().int(),
    contact: z
      .object({ name: z.string(), phone: z.string().optional(), email: z.string().optional() })
      .nullable(),
  }),
});

// ---------------------------------------------------------------------------------------------------
// Hotline

export const LocalDateTime = z
  .string()
  .max(19)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, { message: "local date-time YYYY-MM-DDTHH:mm" });

export const CreateShiftBody = z.strictObject({
  unitId: Id,
  userId: Id,
  role: z.enum(["primary", "backup"]).default("primary"),
  /** Local wall-clock start and end in `timeZone`. */
  start: LocalDateTime,
  end: LocalDateTime,
  timeZone: TimeZone,
  /** Repeat the shift every `everyDays` days this many more times (e.g. a weekly rota). */
  repeat: z
    .strictObject({ times: z.number().int().min(1).max(366), everyDays: z.number().int().min(1).max(28) })
    .optional(),
  note: z.string().trim().max(500).optional(),
});

export const ShiftView = z.object({
  id: Id,
  unitId: Id,
  userId: Id,
  userName: z.string(),
  role: z.enum(["primary", "backup"]),
  startsAt: IsoDateTime,
  endsAt: IsoDateTime,
  timeZone: z.string(),
  startLocal: z.string(),
  endLocal: z.string(),
  note: z.string().nullable(),
});

export const RosterQuery = z.strictObject({
  unitId: Id.optional(),
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
});

export const OnDutyQuery = z.strictObject({ unitId: Id.optional(), at: IsoDateTime.optional() });

export const HotlineLogEntry = z.object({
  id: Id,
  at: IsoDateTime,
  unitId: Id.nullable(),
  requestId: Id.nullable(),
  peerId: z.string().nullable(),
  direction: z.enum(["incoming", "outgoing", "internal"]),
  kind: z.string(),
  actor: z.string(),
  summary: z.string().describe("the line in the language of Accept-Language"),
  data: z.record(z.string(), z.unknown()),
  canOpen: z.boolean().describe("the reader may open the request the line is about"),
});

export const HotlineLogQuery = z.strictObject({
  unitId: Id.optional(),
  requestId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

// ---------------------------------------------------------------------------------------------------
// Notifications

export const NotificationView = z.object({
  id: Id,
  kind: z.string(),
  severity: z.enum(["info", "urgent", "emergency"]),
  requestId: Id.nullable(),
  /** The message key (NOTIFICATION_MESSAGES) and its parameters; null key for a row written before keys. */
  key: z.string().nullable(),
  params: NotificationParams,
  /** The texts rendered on the server in both languages, on the reader's clock (or a row's stored texts). */
  title: z.object({ en: z.string(), "zh-CN": z.string() }),
  body: z.object({ en: z.string(), "zh-CN": z.string() }),
  createdAt: IsoDateTime,
  readAt: IsoDateTime.nullable(),
});
export type NotificationView = z.infer<typeof NotificationView>;

export const NotificationsQuery = z.strictObject({
  unread: z.enum(["true", "false"]).optional(),
  /** Only notifications newer than this id (for polling). */
  after: Id.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const MarkReadBody = z.union([
  z.strictObject({ ids: z.array(Id).min(1).max(500) }),
  z.strictObject({ all: z.literal(true) }),
]);

// ---------------------------------------------------------------------------------------------------
// Reports

export const REPORT_PERIODS = ["week", "month", "quarter", "year"] as const;

export const TimelinessQuery = z.strictObject({
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
  period: z.enum(REPORT_PERIODS).default("month"),
  direction: RequestDirection.optional(),
  lang: Language.default("en"),
});

export const TimelinessRow = z.object({
  period: z.string().describe("start of the period, YYYY-MM-DD"),
  type: RequestType,
  urgency: Urgency,
  side: z.enum(["requester", "responder"]).describe("requester: our outgoing requests; responder: incoming"),
  sent: z.number().int(),
  acknowledged: z.number().int(),
  acknowledgedInTime: z.number().int(),
  answered: z.number().int(),
  answeredInTime: z.number().int(),
  shareAnsweredInTime: z.number().nullable().describe("answered within deadline / answered (0..1)"),
  medianMinutesToAcknowledge: z.number().nullable(),
  medianMinutesToAnswer: z.number().nullable(),
  meanMinutesToAnswer: z.number().nullable(),
  outcomes: z.object({
    fulfilled: z.number().int(),
    partly_fulfilled: z.number().int(),
    declined: z.number().int(),
  }),
  openOverdue: z.number().int(),
});
export type TimelinessRow = z.infer<typeof TimelinessRow>;

export const TimelinessReport = z.object({
  nodeId: z.string(),
  generatedAt: IsoDateTime,
  from: IsoDateTime.nullable(),
  to: IsoDateTime.nullable(),
  period: z.enum(REPORT_PERIODS),
  rows: z.array(TimelinessRow),
  totals: z.object({
    sent: z.number().int(),
    answered: z.number().int(),
    answeredInTime: z.number().int(),
    shareAnsweredInTime: z.number().nullable(),
  }),
  /** Screening for lawful use in the period: flags cleared and blocked, refusals sent and received, per ground. */
  screening: ScreeningCounts.optional(),
});
export type TimelinessReport = z.infer<typeof TimelinessReport>;
