import type {
  ErasureAction,
  FlagState,
  LawfulGround,
  LawfulKind,
  RetentionPolicy,
  ScreeningCharacter,
} from "@crossline/schemas";
import { sql } from "drizzle-orm";
import {
  boolean,
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

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * The legal basis and retention of each record holding personal data, whatever its domain (a request, a
 * case…): one row per (kind, record id). The domain's own table keeps the record; this one keeps why the
 * node may hold it and until when. Shared objects keep their retention end in their own table (set through
 * the personal-data hooks) and have no row here.
 */
export const lawfulRecords = pgTable(
  "lawful_records",
  {
    kind: text("kind").$type<LawfulKind>().notNull(),
    recordId: text("record_id").notNull(),
    /** The instrument (LEGAL_INSTRUMENTS), the article and which text; null only for a record erased since. */
    instrument: text("instrument"),
    article: text("article"),
    reference: text("reference"),
    purpose: text("purpose").notNull(),
    /** Migrated from before the mechanism existed: the basis awaits a reviewer's confirmation. */
    pendingReview: boolean("pending_review").notNull().default(false),
    ownerUnitId: uuid("owner_unit_id"),
    reviewAt: ts("review_at").notNull(),
    /** When the retention period starts (e.g. a request's closing); null while the record is still open. */
    retentionStart: ts("retention_start"),
    /** retentionStart + the node's policy for the kind; null while the start is unknown. */
    retainUntil: ts("retain_until"),
    action: text("action").$type<ErasureAction>().notNull(),
    erasedAt: ts("erased_at"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.recordId] }),
    index("lawful_records_retention").on(t.retainUntil).where(sql`${t.erasedAt} is null`),
    index("lawful_records_review").on(t.reviewAt).where(sql`${t.erasedAt} is null`),
    index("lawful_records_open")
      .on(t.kind, t.recordId)
      .where(sql`${t.retentionStart} is null and ${t.erasedAt} is null`),
  ],
);

/** Screening flags: an item flagged for review of political, military, religious or racial character. */
export const lawfulFlags = pgTable(
  "lawful_flags",
  {
    id: uuid("id").primaryKey(),
    kind: text("kind").$type<LawfulKind>().notNull(),
    recordId: text("record_id").notNull(),
    ownerUnitId: uuid("owner_unit_id"),
    state: text("state").$type<FlagState>().notNull(),
    characters: jsonb("characters").$type<ScreeningCharacter[]>().notNull(),
    note: text("note").notNull(),
    flaggedBy: uuid("flagged_by"),
    flaggedByLabel: text("flagged_by_label").notNull(),
    flaggedAt: ts("flagged_at").notNull(),
    ground: text("ground").$type<LawfulGround>(),
    groundText: text("ground_text"),
    decidedBy: uuid("decided_by"),
    decidedByLabel: text("decided_by_label"),
    decidedAt: ts("decided_at"),
  },
  (t) => [
    index("lawful_flags_record").on(t.kind, t.recordId),
    index("lawful_flags_open").on(t.flaggedAt).where(sql`${t.state} = 'flagged'`),
    // One open flag per item: two flags sent at once (a double submit) cannot both be recorded.
    uniqueIndex("lawful_flags_one_open").on(t.kind, t.recordId).where(sql`${t.state} = 'flagged'`),
  ],
);

/** Refusals on lawful grounds: sent (this node refused a peer's item) and received (a peer refused ours). */
export const lawfulRefusals = pgTable(
  "lawful_refusals",
  {
    id: uuid("id").primaryKey(),
    kind: text("kind").$type<LawfulKind>().notNull(),
    recordId: text("record_id").notNull(),
    direction: text("direction", { enum: ["sent", "received"] }).notNull(),
    peerId: text("peer_id").notNull(),
    ground: text("ground").$type<LawfulGround>().notNull(),
    text: text("text").notNull(),
    byLabel: text("by_label").notNull(),
    at: ts("at").notNull(),
  },
  (t) => [
    index("lawful_refusals_record").on(t.kind, t.recordId),
    index("lawful_refusals_at").on(t.at),
    // This node refuses a peer's item once.
    uniqueIndex("lawful_refusals_one_sent").on(t.kind, t.recordId).where(sql`${t.direction} = 'sent'`),
    // A peer refuses one of this node's items once: a second message of the same refusal is not stored again.
    uniqueIndex("lawful_refusals_one_received")
      .on(t.kind, t.recordId, t.peerId)
      .where(sql`${t.direction} = 'received'`),
  ],
);

/**
 * The node's retention policy (one row) and the daily job's last run (one row per job): the row lock
 * (FOR UPDATE SKIP LOCKED) is what keeps several processes on one database from running it twice.
 */
export const lawfulSettings = pgTable("lawful_settings", {
  id: integer("id").primaryKey(),
  policy: jsonb("policy").$type<RetentionPolicy>(),
  jobRunAt: ts("job_run_at"),
  updatedAt: ts("updated_at").notNull(),
});
