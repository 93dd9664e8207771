import type { SignedNoticeFile } from "@crossline/schemas";
import { sql } from "drizzle-orm";
import {
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { units, users } from "./core.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)),
});

/** The register of online service providers this node sends notices to (modules/providers). */
export const providers = pgTable("providers", {
  id: uuid("id").primaryKey(),
  name: text("name").notNull(),
  nameZh: text("name_zh").notNull(),
  country: text("country").notNull(),
  services: text("services").array().notNull(),
  legalEntity: text("legal_entity").notNull(),
  contacts: jsonb("contacts").$type<{ name: string; email?: string; phone?: string }[]>().notNull(),
  channels: text("channels").array().notNull(),
  /** The peer whose authorities reach this provider (a provider in the other country), else null. */
  viaPeerId: text("via_peer_id"),
  active: boolean("active").notNull().default(true),
  createdAt: ts("created_at").notNull(),
  updatedAt: ts("updated_at").notNull(),
});

/** Provider staff: which provider each outside user (role provider_user) belongs to. One provider per user. */
export const providerUsers = pgTable(
  "provider_users",
  {
    userId: uuid("user_id")
      .primaryKey()
      .references(() => users.id),
    providerId: uuid("provider_id")
      .notNull()
      .references(() => providers.id),
    /** As created here (the users module owns the account; this is the register's own listing of it). */
    username: text("username").notNull(),
    displayName: text("display_name").notNull(),
    email: text("email"),
    timeZone: text("time_zone").notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [index("provider_users_provider").on(t.providerId)],
);

/** Notices to providers. */
export const notices = pgTable(
  "notices",
  {
    id: uuid("id").primaryKey(),
    reference: text("reference").notNull(),
    providerId: uuid("provider_id")
      .notNull()
      .references(() => providers.id),
    ownerUnitId: uuid("owner_unit_id")
      .notNull()
      .references(() => units.id),
    kind: text("kind").notNull(),
    urgency: text("urgency").notNull(),
    legalBasis: jsonb("legal_basis").$type<{ law: string; article: string }>().notNull(),
    locators: jsonb("locators").$type<Record<string, unknown>[]>().notNull(),
    reason: jsonb("reason").$type<{ lang: "en" | "zh-CN"; text: string }>().notNull(),
    requestedActBy: ts("requested_act_by"),
    status: text("status").notNull(),
    createdBy: uuid("created_by"),
    createdByLabel: text("created_by_label").notNull(),
    approvedBy: uuid("approved_by"),
    approvedByLabel: text("approved_by_label"),
    sentAt: ts("sent_at"),
    acknowledgeBy: ts("acknowledge_by"),
    actBy: ts("act_by"),
    receivedAt: ts("received_at"),
    answeredAt: ts("answered_at"),
    actedAt: ts("acted_at"),
    answer: jsonb("answer").$type<Record<string, unknown>>(),
    withdrawnAt: ts("withdrawn_at"),
    /** The code a provider checks the notice by (public /verify); set when the notice is sent. */
    verificationCode: text("verification_code"),
    /** The signed notice (SignedNoticeFile): canonical claims and the node's JWS over them. */
    signed: jsonb("signed").$type<SignedNoticeFile>(),
    overdueNotifiedAt: ts("overdue_notified_at"),
    /** Across the border: the request for assistance this notice became (to the provider's peer). */
    outRequestId: uuid("out_request_id"),
    /** Across the border: the peer's request this notice was made from (on the provider's side). */
    inRequestId: uuid("in_request_id"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("notices_reference").on(t.reference),
    uniqueIndex("notices_code").on(t.verificationCode),
    index("notices_provider_status").on(t.providerId, t.status),
    index("notices_unit_created").on(t.ownerUnitId, t.createdAt),
    index("notices_out_request").on(t.outRequestId),
    index("notices_in_request").on(t.inRequestId),
    // One live notice per incoming request: two made of it at once (a double click, two processes) cannot both
    // stay (notices.lifecycle.ts createDraft; a withdrawn one leaves room for another).
    uniqueIndex("notices_in_request_live").on(t.inRequestId).where(sql`${t.status} <> 'withdrawn'`),
  ],
);

/** A notice's timeline: every step, by whom and when (the audit trail holds the same, hash-chained). */
export const noticeEvents = pgTable(
  "notice_events",
  {
    id: uuid("id").primaryKey(),
    noticeId: uuid("notice_id")
      .notNull()
      .references(() => notices.id),
    event: text("event").notNull(),
    fromStatus: text("from_status"),
    toStatus: text("to_status").notNull(),
    side: text("side").notNull(),
    actorUserId: uuid("actor_user_id"),
    actorLabel: text("actor_label").notNull(),
    at: ts("at").notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index("notice_events_notice").on(t.noticeId, t.at)],
);

/** Questions from the provider and the authority's replies. */
export const noticeMessages = pgTable(
  "notice_messages",
  {
    id: uuid("id").primaryKey(),
    noticeId: uuid("notice_id")
      .notNull()
      .references(() => notices.id),
    side: text("side").notNull(),
    authorUserId: uuid("author_user_id"),
    authorLabel: text("author_label").notNull(),
    text: jsonb("text").$type<{ lang: "en" | "zh-CN"; text: string }>().notNull(),
    at: ts("at").notNull(),
  },
  (t) => [index("notice_messages_notice").on(t.noticeId, t.at)],
);

/** Evidence the provider uploads with its answer (small files; bytes kept here, hashed). */
export const noticeFiles = pgTable(
  "notice_files",
  {
    id: uuid("id").primaryKey(),
    noticeId: uuid("notice_id")
      .notNull()
      .references(() => notices.id),
    name: text("name").notNull(),
    sha256: text("sha256").notNull(),
    size: integer("size").notNull(),
    data: bytea("data").notNull(),
    uploadedBy: uuid("uploaded_by"),
    uploadedAt: ts("uploaded_at").notNull(),
  },
  (t) => [index("notice_files_notice").on(t.noticeId)],
);
