import type {
  CaseOutcome,
  CaseShareState,
  CaseStatus,
  CustodyAction,
  LabelledText,
  Marking,
  NormalisedIdentifier,
  OffenceCategory,
  Subject,
} from "@crossline/schemas";
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { units, users } from "./core.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * Cases: the case file of one unit. Everything below hangs off a case and is read only through it (need to
 * know: the owning unit and the members it adds). `version` guards edits (a stale one is 409) and moves
 * with every change to the file, so a client always knows whether what it shows is current.
 */
export const cases = pgTable(
  "cases",
  {
    id: uuid("id").primaryKey(),
    /** e.g. CN-MPS-C-2026-0001: node, "C", year, the node's sequence for that year. */
    reference: text("reference").notNull(),
    year: integer("year").notNull(),
    seq: integer("seq").notNull(),
    unitId: uuid("unit_id")
      .notNull()
      .references(() => units.id),
    title: jsonb("title").$type<LabelledText>().notNull(),
    /** The title's words, lower-cased, for the list's search. */
    titleSearch: text("title_search").notNull(),
    category: text("category").$type<OffenceCategory>().notNull(),
    status: text("status").$type<CaseStatus>().notNull(),
    outcome: text("outcome").$type<CaseOutcome>(),
    priority: boolean("priority").notNull(),
    leadOfficerId: uuid("lead_officer_id").references(() => users.id),
    summary: jsonb("summary").$type<LabelledText>(),
    asks: jsonb("asks").$type<LabelledText>(),
    /** The shared object (`case.summary`) that carries the summary to peers, once one was sent. */
    sharedObjectId: text("shared_object_id"),
    version: integer("version").notNull(),
    createdBy: uuid("created_by").references(() => users.id),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("cases_reference").on(t.reference),
    uniqueIndex("cases_year_seq").on(t.year, t.seq),
    index("cases_unit").on(t.unitId, t.id.desc()),
    check("cases_status", sql`${t.status} in ('open', 'suspended', 'closed')`),
    check("cases_outcome_closed", sql`${t.outcome} is null or ${t.status} = 'closed'`),
    check("cases_version_positive", sql`${t.version} >= 1`),
  ],
);

/** People of other units the owning unit lets see and work on the case. */
export const caseMembers = pgTable(
  "case_members",
  {
    caseId: uuid("case_id")
      .notNull()
      .references(() => cases.id),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    addedBy: uuid("added_by").references(() => users.id),
    addedAt: ts("added_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.userId] }), index("case_members_user").on(t.userId)],
);

/**
 * Persons and organisations of a case, names in original script and romanised (the requests' Subject).
 * `person_id` links a person record of the persons module when there is one (no foreign key: that module
 * owns its table and is asked through its port).
 */
export const caseSubjects = pgTable(
  "case_subjects",
  {
    id: uuid("id").primaryKey(),
    caseId: uuid("case_id")
      .notNull()
      .references(() => cases.id),
    subject: jsonb("subject").$type<Subject>().notNull(),
    personId: uuid("person_id"),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [index("case_subjects_case").on(t.caseId), index("case_subjects_person").on(t.personId)],
);

/** Typed, normalised identifiers of a case (`value` is the canonical form, the same on every node). */
export const caseIdentifiers = pgTable(
  "case_identifiers",
  {
    id: uuid("id").primaryKey(),
    caseId: uuid("case_id")
      .notNull()
      .references(() => cases.id),
    type: text("type").notNull(),
    value: text("value").notNull(),
    identifier: jsonb("identifier").$type<NormalisedIdentifier>().notNull(),
    note: jsonb("note").$type<LabelledText>(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("case_identifiers_unique").on(t.caseId, t.type, t.value),
    index("case_identifiers_value").on(t.type, t.value),
  ],
);

/** Evidence items; the bytes are a federation blob (`blob_id`, as request attachments are stored). */
export const caseEvidence = pgTable(
  "case_evidence",
  {
    id: uuid("id").primaryKey(),
    caseId: uuid("case_id")
      .notNull()
      .references(() => cases.id),
    blobId: uuid("blob_id").notNull(),
    name: text("name").notNull(),
    sha256: text("sha256").notNull(),
    size: integer("size").notNull(),
    description: jsonb("description").$type<LabelledText>(),
    collectedBy: text("collected_by").notNull(),
    collectedAt: ts("collected_at").notNull(),
    createdAt: ts("created_at").notNull(),
    /** A malware sample: its download needs an explicit confirmation with a reason (cases.evidence.ts). */
    malwareSample: boolean("malware_sample").notNull().default(false),
  },
  (t) => [index("case_evidence_case").on(t.caseId)],
);

/**
 * The chain of custody of each evidence item: append-only (a trigger refuses UPDATE and DELETE, and the
 * app role has neither on PostgreSQL). Every collection, hand-over, export and download is a row.
 */
export const caseCustody = pgTable(
  "case_custody",
  {
    id: uuid("id").primaryKey(),
    evidenceId: uuid("evidence_id")
      .notNull()
      .references(() => caseEvidence.id),
    action: text("action").$type<CustodyAction>().notNull(),
    actorId: uuid("actor_id").references(() => users.id),
    actorLabel: text("actor_label").notNull(),
    to: text("to_party"),
    note: text("note"),
    at: ts("at").notNull(),
  },
  (t) => [
    index("case_custody_evidence").on(t.evidenceId, t.at),
    check("case_custody_action", sql`${t.action} in ('collected', 'handed_over', 'exported', 'downloaded')`),
  ],
);

export const caseTasks = pgTable(
  "case_tasks",
  {
    id: uuid("id").primaryKey(),
    caseId: uuid("case_id")
      .notNull()
      .references(() => cases.id),
    title: jsonb("title").$type<LabelledText>().notNull(),
    assigneeId: uuid("assignee_id").references(() => users.id),
    dueDate: date("due_date", { mode: "string" }),
    done: boolean("done").notNull(),
    version: integer("version").notNull(),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [index("case_tasks_case").on(t.caseId)],
);

export const caseNotes = pgTable(
  "case_notes",
  {
    id: uuid("id").primaryKey(),
    caseId: uuid("case_id")
      .notNull()
      .references(() => cases.id),
    text: jsonb("text").$type<LabelledText>().notNull(),
    authorId: uuid("author_id").references(() => users.id),
    authorLabel: text("author_label").notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [index("case_notes_case").on(t.caseId)],
);

/**
 * Requests to share a case's summary with peers: pending until a supervisor decides (four eyes: not the
 * requester) where the node's case policy asks for approval, approved (sent) or rejected.
 */
export const caseShares = pgTable(
  "case_shares",
  {
    id: uuid("id").primaryKey(),
    caseId: uuid("case_id")
      .notNull()
      .references(() => cases.id),
    recipients: jsonb("recipients").$type<string[]>().notNull(),
    marking: jsonb("marking").$type<Marking>().notNull(),
    state: text("state").$type<CaseShareState>().notNull(),
    requestedBy: uuid("requested_by").references(() => users.id),
    requestedByLabel: text("requested_by_label").notNull(),
    decidedBy: uuid("decided_by").references(() => users.id),
    decidedByLabel: text("decided_by_label"),
    reason: text("reason"),
    createdAt: ts("created_at").notNull(),
    decidedAt: ts("decided_at"),
  },
  (t) => [
    index("case_shares_case").on(t.caseId),
    check("case_shares_state", sql`${t.state} in ('pending', 'approved', 'rejected')`),
  ],
);
