import type { NotificationParams } from "@crossline/schemas";
import { sql } from "drizzle-orm";
import { customType, index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { units, users } from "./core.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
/** A transaction id, 64-bit (PostgreSQL's xid8, never wrapping), as text. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => "xid8" });

/** Duty roster: who is on duty for a unit and when. Entered in local time, stored as instants. */
export const dutyShifts = pgTable(
  "duty_shifts",
  {
    id: uuid("id").primaryKey(),
    unitId: uuid("unit_id")
      .notNull()
      .references(() => units.id),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    role: text("role", { enum: ["primary", "backup"] }).notNull(),
    startsAt: ts("starts_at").notNull(),
    endsAt: ts("ends_at").notNull(),
    /** The zone the shift was entered in, to show it back in local time. */
    timeZone: text("time_zone").notNull(),
    note: text("note"),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [index("duty_shifts_unit_time").on(t.unitId, t.startsAt, t.endsAt)],
);

/** The hotline log: everything that came in or went out on the hotline, and what was done. */
export const hotlineLog = pgTable(
  "hotline_log",
  {
    id: uuid("id").primaryKey(),
    at: ts("at").notNull(),
    unitId: uuid("unit_id").references(() => units.id),
    requestId: uuid("request_id"),
    peerId: text("peer_id"),
    direction: text("direction", { enum: ["incoming", "outgoing", "internal"] }).notNull(),
    kind: text("kind").notNull(),
    actorLabel: text("actor_label").notNull(),
    summary: text("summary").notNull(),
    data: jsonb("data").notNull().default({}),
  },
  // The log is read per unit newest first by time, then id (the cursor is (at, id)).
  (t) => [index("hotline_log_unit").on(t.unitId, t.at.desc(), t.id.desc())],
);

/** Notifications for users: shown live in the console and, when configured, also e-mailed. */
export const notifications = pgTable(
  "notifications",
  {
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    kind: text("kind").notNull(),
    severity: text("severity", { enum: ["info", "urgent", "emergency"] }).notNull(),
    requestId: uuid("request_id"),
    /**
     * The record other than a request the notification is about (a provider notice): its notifications are marked
     * done with it when what they asked for is done.
     */
    subjectId: uuid("subject_id"),
    /**
     * What the notification says: a key of NOTIFICATION_MESSAGES (@crossline/schemas) and its parameters,
     * rendered when read, in the reader's language and time zone.
     */
    messageKey: text("message_key"),
    params: jsonb("params").$type<NotificationParams>().notNull().default(sql`'{}'::jsonb`),
    /** The texts of rows written before notifications were keys (null since); shown when there is no key. */
    titleEn: text("title_en"),
    titleZh: text("title_zh"),
    bodyEn: text("body_en"),
    bodyZh: text("body_zh"),
    createdAt: ts("created_at").notNull(),
    readAt: ts("read_at"),
    /**
     * The transaction that wrote the row (`pg_current_xact_id()`): the live stream sends what became visible
     * since the snapshot of its previous look, whatever order the ids were minted and the transactions committed
     * in. Null on rows written before it (they are never streamed again).
     */
    xid: xid8("xid").default(sql`pg_current_xact_id()`),
  },
  (t) => [
    index("notifications_user").on(t.userId, t.id),
    index("notifications_user_xid").on(t.userId, t.xid),
    // Settling looks up what is still unread about one record at each of its events.
    index("notifications_unread_request")
      .on(t.requestId)
      .where(sql`${t.readAt} is null and ${t.requestId} is not null`),
    index("notifications_unread_subject")
      .on(t.subjectId)
      .where(sql`${t.readAt} is null and ${t.subjectId} is not null`),
  ],
);

/**
 * Outgoing e-mail: written in the transaction of the change, sent after commit by the mail worker.
 * A row is claimed with a lease (`leaseUntil`) so several processes never send it twice at once.
 */
export const mailOutbox = pgTable(
  "mail_outbox",
  {
    id: uuid("id").primaryKey(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    status: text("status", { enum: ["pending", "sent", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull(),
    leaseUntil: ts("lease_until"),
    lastError: text("last_error"),
    createdAt: ts("created_at").notNull(),
    sentAt: ts("sent_at"),
  },
  (t) => [index("mail_outbox_due").on(t.status, t.nextAttemptAt)],
);
