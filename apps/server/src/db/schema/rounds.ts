import type { RoundDoc, RoundOp } from "@crossline/schemas";
import { sql } from "drizzle-orm";
import { check, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./core.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * Dialogue rounds: one co-owned document per round (docs/rounds.md), held by both participating nodes at
 * the same version. The host writes versions; this node's copy of a round hosted by the peer is replaced
 * only by a higher version from that host. Rounds are few and small, so the document is one JSON value.
 */
export const rounds = pgTable(
  "rounds",
  {
    /** rnd_<uuidv7>, minted by the host. */
    id: text("id").primaryKey(),
    hostNode: text("host_node").notNull(),
    guestNode: text("guest_node").notNull(),
    version: integer("version").notNull(),
    doc: jsonb("doc").$type<RoundDoc>().notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [check("rounds_version_positive", sql`${t.version} >= 1`)],
);

/** This node's proposals to a round hosted by the peer, until the host's next version answers them. */
export const roundProposals = pgTable(
  "round_proposals",
  {
    id: text("id").primaryKey(),
    roundId: text("round_id")
      .notNull()
      .references(() => rounds.id),
    base: integer("base").notNull(),
    op: jsonb("op").$type<RoundOp>().notNull(),
    state: text("state", { enum: ["pending", "applied", "conflict"] }).notNull(),
    createdBy: uuid("created_by").references(() => users.id),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [check("round_proposals_state", sql`${t.state} in ('pending', 'applied', 'conflict')`)],
);

/** Overdue alerts already sent: one per action item and due date (a new due date alerts again). */
export const roundAlerts = pgTable(
  "round_alerts",
  {
    roundId: text("round_id")
      .notNull()
      .references(() => rounds.id),
    itemId: text("item_id").notNull(),
    dueAt: ts("due_at").notNull(),
    sentAt: ts("sent_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.itemId, t.dueAt] })],
);

/** Per-user calendar feed tokens (stored hashed; the feed URL carries the token). */
export const roundCalendarTokens = pgTable("round_calendar_tokens", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id),
  tokenHash: text("token_hash").notNull().unique(),
  createdAt: ts("created_at").notNull(),
});
