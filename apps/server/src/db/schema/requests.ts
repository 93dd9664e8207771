import type {
  AnswerInput,
  AnswerOutcome,
  AttachmentRef,
  LabelledText,
  RequestDraftInput,
  RequestStatus,
  RequestType,
  SecondCheck,
  Side,
  TimelineEventName,
  Urgency,
} from "@crossline/schemas";
import { ANSWER_OUTCOMES, REQUEST_STATUSES, REQUEST_TYPE_NAMES, URGENCIES } from "@crossline/schemas";
import { sql } from "drizzle-orm";
import {
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { z } from "zod";
import { col, oneOf } from "./checks.js";
import { units, users } from "./core.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

const SIDES = ["requester", "responder"] as const;

/**
 * Requests for assistance, outgoing (this node is the requester) and incoming (this node responds).
 * The request id is minted by the requesting node and is the same on both nodes.
 *
 * Deadline columns are denormalised for the board: `nextDueAt` is the deadline the request is
 * currently running against (acknowledge, then answer; null once answered or finished) and
 * `dueSoonAt` when it turns "due soon" (see deadlineState in @crossline/schemas).
 */
export const requests = pgTable(
  "requests",
  {
    id: uuid("id").primaryKey(),
    /** Human reference, e.g. CN-MPS-2026-4F3A2C. */
    reference: text("reference").notNull(),
    direction: text("direction", { enum: ["outgoing", "incoming"] }).notNull(),
    peerId: text("peer_id"),
    ownerUnitId: uuid("owner_unit_id")
      .notNull()
      .references(() => units.id),
    type: text("type").$type<RequestType>().notNull(),
    urgency: text("urgency").$type<Urgency>().notNull(),
    status: text("status").$type<RequestStatus>().notNull(),
    /** Short title for lists (from offence and type). */
    title: text("title").notNull(),
    /** The typed form as entered (RequestDraftInput input); this is what travels to the peer. */
    input: jsonb("input").$type<z.input<typeof RequestDraftInput>>().notNull(),
    /** The normalised typed form (RequestDraftInput output). */
    content: jsonb("content").$type<z.output<typeof RequestDraftInput>>().notNull(),
    followUpOf: uuid("follow_up_of"),
    /** The case this request was drafted from (the cases module links it through the requests port). */
    caseId: uuid("case_id"),
    /**
     * The record this request was drafted from (`fugitive`: a fugitive's record), linked through the requests
     * port by the module that owns the record; that record lists the request in turn.
     */
    originType: text("origin_type"),
    originId: uuid("origin_id"),
    createdBy: uuid("created_by").references(() => users.id),
    createdByLabel: text("created_by_label").notNull(),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    sentAt: ts("sent_at"),
    deliveredAt: ts("delivered_at"),
    acknowledgedAt: ts("acknowledged_at"),
    answeredAt: ts("answered_at"),
    closedAt: ts("closed_at"),
    withdrawnAt: ts("withdrawn_at"),
    acknowledgeBy: ts("acknowledge_by"),
    answerBy: ts("answer_by"),
    nextDueAt: ts("next_due_at"),
    dueSoonAt: ts("due_soon_at"),
    outcome: text("outcome").$type<AnswerOutcome>(),
    answer: jsonb("answer").$type<AnswerInput>(),
    secondCheck: jsonb("second_check").$type<SecondCheck>(),
    preservationExpiresAt: ts("preservation_expires_at"),
    requesterTimeZone: text("requester_time_zone"),
    responderTimeZone: text("responder_time_zone"),
    /** 0 none; 1 escalated to the supervisors; 2 escalated to the peer. */
    escalationLevel: integer("escalation_level").notNull().default(0),
    /** When the answer deadline passed unanswered and the overdue notice went out (once per request). */
    answerOverdueNotifiedAt: ts("answer_overdue_notified_at"),
    /** When the requester was warned that the preservation expires soon; cleared by an extension. */
    preservationWarnedAt: ts("preservation_warned_at"),
    /** Optimistic version, bumped by every change. */
    version: integer("version").notNull().default(1),
  },
  (t) => [
    uniqueIndex("requests_reference").on(t.reference),
    /** Board search by the start of a reference (LIKE 'CN-MPS-2026-…%' whatever the database's collation). */
    index("requests_reference_prefix").on(t.ownerUnitId, t.reference.op("text_pattern_ops")),
    index("requests_board").on(t.ownerUnitId, t.id.desc()),
    // The board's search for a word of a title (ILIKE '%word%'): trigrams find the few rows that hold it.
    // fastupdate off: PGlite has no autovacuum to merge GIN's pending list, which every search then reads
    // whole (a rare title took 2,000 cost units instead of 120); requests are written one at a time.
    index("requests_title_trgm").using("gin", t.title.op("gin_trgm_ops")).with({ fastupdate: "off" }),
    index("requests_board_status").on(t.ownerUnitId, t.status, t.id.desc()),
    index("requests_board_type").on(t.ownerUnitId, t.type, t.id.desc()),
    index("requests_board_urgency").on(t.ownerUnitId, t.urgency, t.id.desc()),
    index("requests_board_direction").on(t.ownerUnitId, t.direction, t.id.desc()),
    index("requests_board_due").on(t.ownerUnitId, t.nextDueAt).where(sql`${t.nextDueAt} is not null`),
    index("requests_escalation_sweep")
      .on(t.acknowledgeBy)
      .where(sql`${t.acknowledgedAt} is null and ${t.status} in ('sent', 'delivered')`),
    index("requests_answer_overdue_sweep")
      .on(t.answerBy)
      .where(
        sql`${t.answerOverdueNotifiedAt} is null and ${t.status} in ('acknowledged', 'in_progress', 'more_info_requested')`,
      ),
    index("requests_preservation_warning_sweep")
      .on(t.preservationExpiresAt)
      .where(sql`${t.preservationWarnedAt} is null and ${t.preservationExpiresAt} is not null`),
    index("requests_follow_up").on(t.followUpOf),
    index("requests_case").on(t.caseId),
    index("requests_origin").on(t.originType, t.originId),
    index("requests_sent_at").on(t.sentAt),
    check("requests_type_check", oneOf(col("type"), REQUEST_TYPE_NAMES)),
    check("requests_urgency_check", oneOf(col("urgency"), URGENCIES)),
    check("requests_status_check", oneOf(col("status"), REQUEST_STATUSES)),
    check("requests_direction_check", oneOf(col("direction"), ["outgoing", "incoming"])),
    check("requests_outcome_check", oneOf(col("outcome"), ANSWER_OUTCOMES)),
  ],
);

/** The timeline: every lifecycle event of a request, on both nodes, in order. */
export const requestEvents = pgTable(
  "request_events",
  {
    id: uuid("id").primaryKey(),
    requestId: uuid("request_id")
      .notNull()
      .references(() => requests.id),
    /** A timeline event name; a peer's history may carry a kind this node does not know, so not constrained. */
    event: text("event").$type<TimelineEventName>().notNull(),
    fromStatus: text("from_status").$type<RequestStatus>(),
    toStatus: text("to_status").$type<RequestStatus>().notNull(),
    side: text("side").$type<Side>().notNull(),
    /** The node where the event happened. */
    nodeId: text("node_id").notNull(),
    actorUserId: uuid("actor_user_id"),
    actorLabel: text("actor_label").notNull(),
    at: ts("at").notNull(),
    /** Event payload: note, reason, question, answer... */
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** Federation message id when the event arrived from (or was sent to) the peer. */
    msgId: text("msg_id"),
  },
  (t) => [
    index("request_events_request").on(t.requestId, t.at),
    check("request_events_from_status_check", oneOf(col("from_status"), REQUEST_STATUSES)),
    check("request_events_to_status_check", oneOf(col("to_status"), REQUEST_STATUSES)),
    check("request_events_side_check", oneOf(col("side"), SIDES)),
  ],
);

/** The thread: messages from both sides. */
export const requestMessages = pgTable(
  "request_messages",
  {
    id: uuid("id").primaryKey(),
    requestId: uuid("request_id")
      .notNull()
      .references(() => requests.id),
    nodeId: text("node_id").notNull(),
    authorUserId: uuid("author_user_id"),
    authorLabel: text("author_label").notNull(),
    body: jsonb("body").$type<LabelledText>().notNull(),
    attachments: jsonb("attachments").$type<AttachmentRef[]>().notNull().default(sql`'[]'::jsonb`),
    at: ts("at").notNull(),
    /** When the other side read it (read receipt), or, for incoming messages, when this side read it. */
    readAt: ts("read_at"),
    readByLabel: text("read_by_label"),
  },
  (t) => [index("request_messages_request").on(t.requestId, t.at)],
);

/** Extensions of an expedited preservation: asked by the requester, confirmed by the responder. */
export const preservationExtensions = pgTable(
  "preservation_extensions",
  {
    id: uuid("id").primaryKey(),
    requestId: uuid("request_id")
      .notNull()
      .references(() => requests.id),
    days: integer("days").notNull(),
    reason: jsonb("reason").$type<LabelledText>().notNull(),
    status: text("status", { enum: ["requested", "granted", "refused"] }).notNull(),
    requestedAt: ts("requested_at").notNull(),
    requestedBy: text("requested_by").notNull(),
    decidedAt: ts("decided_at"),
    decidedBy: text("decided_by"),
    newExpiresAt: ts("new_expires_at"),
    decisionNote: jsonb("decision_note").$type<LabelledText>(),
  },
  (t) => [
    index("preservation_extensions_request").on(t.requestId),
    check("preservation_extensions_status_check", oneOf(col("status"), ["requested", "granted", "refused"])),
  ],
);

/**
 * The requests whose identifiers (or owning unit) changed and that the correlation index has not pulled yet:
 * one row per change, written by a trigger on `requests` (insert, delete, and an update that changes
 * `content->'identifiers'` or `owner_unit_id`) in the changing transaction itself, so a row appears exactly
 * when its change commits. The correlation module claims and deletes rows through the requests port
 * (requests.identifiers.ts) with `FOR UPDATE SKIP LOCKED`: a change committing late is simply claimed by a later
 * pull. A cursor over `updated_at` lost such a change for good: `updated_at` is stamped before the commit, so a
 * transaction stamping t1 and committing after one that stamped t2 > t1 was already behind a cursor at t2.
 */
export const requestIdentifierChanges = pgTable("request_identifier_changes", {
  seq: bigserial("seq", { mode: "number" }).primaryKey(),
  /** No foreign key: a deleted request's row says its identifiers leave the index. */
  requestId: uuid("request_id").notNull(),
});
