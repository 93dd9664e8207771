import type { Marking } from "@crossline/schemas";
import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { units, users } from "./core.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * Shared objects, this node's own and the copies it received (read-only here). The id is minted by the
 * owner node and is the same everywhere; the owner's version decides which copy is newer (never a clock).
 * A withdrawn object keeps its row as a tombstone (content erased) so a late copy is recognised and refused.
 */
export const sharedObjects = pgTable(
  "shared_objects",
  {
    /** so_<uuidv7>; unique on the node whoever owns it (a foreign object reusing an id is refused). */
    id: text("id").primaryKey(),
    ownerNode: text("owner_node").notNull(),
    type: text("type").notNull(),
    typeVersion: integer("type_version").notNull(),
    direction: text("direction", { enum: ["own", "received"] }).notNull(),
    /** The unit that owns it here (own: the publisher's unit; received: the intake unit). */
    unitId: uuid("unit_id")
      .notNull()
      .references(() => units.id),
    /** The peer this node received it from; null for its own. */
    sourceNode: text("source_node"),
    /** The nodes the copy passed through, owner first. */
    path: jsonb("path").$type<string[]>().notNull(),
    version: integer("version").notNull(),
    state: text("state", { enum: ["active", "withdrawn"] }).notNull(),
    marking: jsonb("marking").$type<Marking>().notNull(),
    /** The declared type's content; null once withdrawn (the tombstone keeps no content). */
    content: jsonb("content").$type<Record<string, unknown>>(),
    /** The owner's clock: shown, never compared. */
    ownerUpdatedAt: ts("owner_updated_at").notNull(),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    withdrawnAt: ts("withdrawn_at"),
    /** When the personal data in it is due for erasure (the personal-data hooks decide; null: no rule). */
    retainUntil: ts("retain_until"),
    createdBy: uuid("created_by").references(() => users.id),
  },
  (t) => [
    index("shared_objects_list").on(t.unitId, t.id.desc()),
    index("shared_objects_list_type").on(t.unitId, t.type, t.id.desc()),
    index("shared_objects_retention").on(t.retainUntil).where(sql`${t.retainUntil} is not null`),
    check("shared_objects_version_positive", sql`${t.version} >= 1`),
    check("shared_objects_direction", sql`${t.direction} in ('own', 'received')`),
    check("shared_objects_state", sql`${t.state} in ('active', 'withdrawn')`),
    check("shared_objects_own_has_no_source", sql`(${t.direction} = 'own') = (${t.sourceNode} is null)`),
  ],
);

/**
 * The peers this node sent an object to (the owner: its recipients; a receiver: the peers it passed its copy
 * on to). Every new version and the tombstone go to each active holder, and to no one else.
 */
export const sharedObjectHolders = pgTable(
  "shared_object_holders",
  {
    objectId: text("object_id")
      .notNull()
      .references(() => sharedObjects.id),
    peerId: text("peer_id").notNull(),
    state: text("state", { enum: ["active", "withdrawn", "refused"] }).notNull(),
    /** The last version sent to it (the tombstone's, once withdrawn). */
    version: integer("version").notNull(),
    /** The peer's reason when it refused the copy (a ShareRefusal). */
    refusal: text("refusal"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.objectId, t.peerId] }),
    check("shared_object_holders_state", sql`${t.state} in ('active', 'withdrawn', 'refused')`),
  ],
);
