import type { ImportProblem, Marking } from "@crossline/schemas";
import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  check,
  cidr,
  index,
  integer,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { units, users } from "./core.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * The indicators store: own indicators (entered or imported) and the ones received from peers in shared
 * batches (`set_id` = the shared object carrying them). Its own table, not shared-object rows, so a million
 * indicators import, search and page fast; the shared-objects mechanism only carries the batches.
 */
export const indicators = pgTable(
  "indicators",
  {
    /** ind_<uuidv7>, minted by the owner and the same on every node (its STIX id is indicator--<uuid>). */
    id: text("id").primaryKey(),
    /** Its STIX id (indicator--<uuid v1–v5>): derived from `id` for ours, the producer's for an imported one. */
    stixId: text("stix_id").notNull(),
    unitId: uuid("unit_id")
      .notNull()
      .references(() => units.id),
    origin: text("origin", { enum: ["own", "received"] }).notNull(),
    ownerNode: text("owner_node").notNull(),
    setId: text("set_id"),
    kind: text("kind").notNull(),
    /** The crypto network of a wallet, the algorithm of a hash; "" otherwise. */
    qualifier: text("qualifier").notNull().default(""),
    value: text("value").notNull(),
    /** An IP indicator's network (a single address as /32 or /128); searches go through correlation's index. */
    net: cidr("net"),
    firstSeen: ts("first_seen"),
    lastSeen: ts("last_seen"),
    confidence: smallint("confidence"),
    validUntil: ts("valid_until"),
    description: text("description"),
    source: text("source"),
    tlp: text("tlp").notNull(),
    marking: jsonb("marking").$type<Marking>().notNull(),
    state: text("state", { enum: ["active", "withdrawn"] })
      .notNull()
      .default("active"),
    importId: text("import_id"),
    /**
     * TAXII's date_added of its latest version, and the feed's order with the id: when this node added it, or
     * its later version (the revoked version of a withdrawn indicator, a received one its owner changed).
     */
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    /** When this node first added it (STIX `created`), once a later version moved `created_at`; null before. */
    firstAddedAt: ts("first_added_at"),
  },
  (t) => [
    // Importing the same file twice adds nothing: one own indicator per unit, kind, qualifier and value.
    uniqueIndex("indicators_own_unique")
      .on(t.unitId, t.kind, t.qualifier, t.value)
      .where(sql`${t.origin} = 'own'`),
    index("indicators_list").on(t.unitId, t.id.desc()),
    // The TAXII feed of a unit, active and revoked versions alike: a page is one range scan from the cursor
    // `(created_at, id) > (…)`.
    index("indicators_feed").on(t.unitId, t.createdAt, t.id),
    index("indicators_set").on(t.setId),
    index("indicators_stix_id").on(t.stixId),
    check("indicators_origin", sql`${t.origin} in ('own', 'received')`),
    check("indicators_state", sql`${t.state} in ('active', 'withdrawn')`),
    check("indicators_confidence", sql`${t.confidence} is null or ${t.confidence} between 0 and 100`),
  ],
);

/** One bulk import and its report (what was added, what was refused and why). */
export const indicatorImports = pgTable("indicator_imports", {
  id: text("id").primaryKey(),
  unitId: uuid("unit_id")
    .notNull()
    .references(() => units.id),
  userId: uuid("user_id").references(() => users.id),
  format: text("format", { enum: ["csv", "stix"] }).notNull(),
  fileName: text("file_name"),
  state: text("state", { enum: ["running", "done", "failed"] }).notNull(),
  read: integer("read").notNull().default(0),
  added: integer("added").notNull().default(0),
  duplicates: integer("duplicates").notNull().default(0),
  rejected: integer("rejected").notNull().default(0),
  objectsKept: integer("objects_kept").notNull().default(0),
  problems: jsonb("problems").$type<ImportProblem[]>().notNull().default([]),
  bytes: integer("bytes").notNull().default(0),
  startedAt: ts("started_at").notNull(),
  finishedAt: ts("finished_at"),
});

/**
 * STIX objects imported beside the indicators (malware, threat actors, identities, relationships, marking
 * definitions, reports…): kept as received, per unit, one row per id and `modified`.
 */
export const stixObjects = pgTable(
  "stix_objects",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    unitId: uuid("unit_id")
      .notNull()
      .references(() => units.id),
    stixId: text("stix_id").notNull(),
    type: text("type").notNull(),
    modified: text("modified").notNull(),
    object: jsonb("object").$type<Record<string, unknown>>().notNull(),
    importId: text("import_id"),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [uniqueIndex("stix_objects_unique").on(t.unitId, t.stixId, t.modified)],
);

/** TAXII collections, configured by the administrator: a feed per peer (or this node) and per marking. */
export const taxiiCollections = pgTable("taxii_collections", {
  id: uuid("id").primaryKey(),
  title: text("title").notNull(),
  description: text("description"),
  /** Only indicators owned by this node (its id) or by this peer; null: any owner. */
  ownerNode: text("owner_node"),
  /** Only these TLP levels; empty: any the reader may see. */
  tlp: jsonb("tlp").$type<string[]>().notNull().default([]),
  canWrite: boolean("can_write").notNull().default(false),
  createdAt: ts("created_at").notNull(),
});

/** The status resource of a TAXII POST (objects added to a collection). */
export const taxiiStatus = pgTable("taxii_status", {
  id: uuid("id").primaryKey(),
  unitId: uuid("unit_id")
    .notNull()
    .references(() => units.id),
  userId: uuid("user_id").references(() => users.id),
  collectionId: uuid("collection_id").notNull(),
  status: text("status").notNull(),
  total: integer("total").notNull(),
  success: jsonb("success").$type<{ id: string; version: string }[]>().notNull(),
  failure: jsonb("failure").$type<{ id: string; version: string; message: string }[]>().notNull(),
  requestTimestamp: ts("request_timestamp").notNull(),
});

/**
 * The TAXII feed's clock, one row: the date added last given to a transaction adding indicators. Each such
 * transaction takes the next one (`greatest(now, at + 1 ms)`) with an UPDATE of this row just before its insert,
 * so the row lock orders those transactions to their commit and the dates added follow the commit order
 * strictly. A client paging with `added_after` = the last date added it got then never misses an indicator that
 * commits later: its date is later. Stamped by the application before the transaction (an import's start), a
 * batch committing after another stamped later was behind such a client for good.
 */
export const indicatorFeedClock = pgTable(
  "indicator_feed_clock",
  {
    id: smallint("id").primaryKey().default(1),
    at: ts("at").notNull(),
  },
  (t) => [check("indicator_feed_clock_one_row", sql`${t.id} = 1`)],
);
