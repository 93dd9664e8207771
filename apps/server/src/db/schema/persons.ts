import type { LabelledText, PersonDocument, PersonFields, PersonName } from "@crossline/schemas";
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
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
import { units } from "./core.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * One record per person the node's records name (requests' subjects today; cases, fugitives and
 * repatriation later), so that a person is found once, corrected once and accounted for once.
 */
export const persons = pgTable(
  "persons",
  {
    id: uuid("id").primaryKey(),
    /** The unit that first recorded the person (its records' units see it too, through the links). */
    ownerUnitId: uuid("owner_unit_id")
      .notNull()
      .references(() => units.id),
    names: jsonb("names").$type<PersonName[]>().notNull(),
    aliases: jsonb("aliases").$type<PersonName[]>().notNull().default(sql`'[]'::jsonb`),
    dateOfBirth: text("date_of_birth"),
    sex: text("sex"),
    nationalities: jsonb("nationalities").$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    documents: jsonb("documents").$type<PersonDocument[]>().notNull().default(sql`'[]'::jsonb`),
    /**
     * Main name + date of birth, normalised (persons.match.ts; the same expression in the migration): a new
     * subject with the same key is the same person. Null without a date of birth: a name alone never merges.
     */
    matchKey: text("match_key"),
    /** Every name form, lower-cased (ASCII), for the list's search. */
    search: text("search").notNull(),
    version: integer("version").notNull().default(1),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    restrictedAt: ts("restricted_at"),
    restrictedBy: text("restricted_by"),
    restrictionReason: text("restriction_reason"),
    /**
     * Since when no record names the person (its last link went: the record was erased, or stopped naming
     * them; or never linked since creation); null while a record does. The person's own retention runs from
     * it (persons.lawful.ts).
     */
    unlinkedAt: ts("unlinked_at"),
    /** When the person's data was anonymised at the end of its retention (the row stays for statistics). */
    erasedAt: ts("erased_at"),
  },
  (t) => [
    index("persons_unlinked").on(t.unlinkedAt).where(sql`${t.unlinkedAt} is not null`),
    uniqueIndex("persons_match_key").on(t.matchKey).where(sql`${t.matchKey} is not null`),
    index("persons_unit").on(t.ownerUnitId, t.id.desc()),
    check("persons_sex_check", sql`${t.sex} in ('female', 'male', 'unspecified')`),
  ],
);

/**
 * The name keys of a person (lib/name-keys.ts): one row per key of every name form and alias, with its weight.
 * The name search and the duplicate warning look keys up by equality (the primary key leads with the key).
 */
export const personNameKeys = pgTable(
  "person_name_keys",
  {
    key: text("key").notNull(),
    personId: uuid("person_id")
      .notNull()
      .references(() => persons.id),
    weight: integer("weight").notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.personId] }), index("person_name_keys_person").on(t.personId)],
);

/** Earlier states of a person record: each version as it was (a rectification adds one). */
export const personVersions = pgTable(
  "person_versions",
  {
    personId: uuid("person_id")
      .notNull()
      .references(() => persons.id),
    version: integer("version").notNull(),
    fields: jsonb("fields").$type<PersonFields>().notNull(),
    changedAt: ts("changed_at").notNull(),
    changedBy: text("changed_by").notNull(),
    reason: text("reason"),
  },
  (t) => [primaryKey({ columns: [t.personId, t.version] })],
);

/** The records that name a person. Another module's record is named by type and id, never joined. */
export const personLinks = pgTable(
  "person_links",
  {
    id: uuid("id").primaryKey(),
    personId: uuid("person_id")
      .notNull()
      .references(() => persons.id),
    recordType: text("record_type").notNull(),
    recordId: text("record_id").notNull(),
    /** The unit owning the record: its officers see the person through it. */
    recordUnitId: uuid("record_unit_id"),
    /** The subject's position in the record (a request's `subjects` index); 0 when the record has one. */
    ordinal: integer("ordinal").notNull().default(0),
    role: text("role"),
    notes: jsonb("notes").$type<LabelledText>(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("person_links_record").on(t.recordType, t.recordId, t.ordinal),
    index("person_links_person").on(t.personId),
    index("person_links_unit").on(t.recordUnitId, t.personId),
  ],
);

/**
 * Person records merged into another (two records found to be the same person): the removed record as it
 * was (fields, owner unit, versions, restriction) and the links that moved, so the merge is on record with
 * the removed record's identifiers and could be undone by hand. `removed_id` no longer exists in `persons`.
 */
export const personMerges = pgTable(
  "person_merges",
  {
    removedId: uuid("removed_id").primaryKey(),
    /** No foreign key: the record kept may itself be merged into another later (follow the chain). */
    intoId: uuid("into_id").notNull(),
    /** The removed row and its versions, as they were. */
    removed: jsonb("removed").$type<Record<string, unknown>>().notNull(),
    /** The links moved to `into_id`: record type, id, position. */
    links: jsonb("links").$type<{ recordType: string; recordId: string; ordinal: number }[]>().notNull(),
    reason: text("reason").notNull(),
    mergedBy: text("merged_by").notNull(),
    mergedAt: ts("merged_at").notNull(),
  },
  (t) => [index("person_merges_into").on(t.intoId)],
);

/**
 * Who read personal data: every read of a person, of a record naming one, every export and download.
 * Append-only (triggers, and no UPDATE/DELETE for the app role: db/roles.ts); sealed into the audit chain
 * by `access_log_seals` (access-log.seal.ts). Few indexes, no foreign keys: the write is in every read's path.
 */
export const accessLog = pgTable(
  "access_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: ts("at").notNull(),
    actorId: text("actor_id"),
    actorLabel: text("actor_label").notNull(),
    actorUnitId: uuid("actor_unit_id"),
    action: text("action").notNull(),
    recordType: text("record_type").notNull(),
    recordId: text("record_id").notNull(),
    /** The unit owning the record read (to show reads outside the reader's unit). */
    recordUnitId: uuid("record_unit_id"),
    personId: uuid("person_id"),
    reason: text("reason"),
    requestId: text("request_id"),
  },
  (t) => [
    index("access_log_person").on(t.personId, t.id).where(sql`${t.personId} is not null`),
    index("access_log_record").on(t.recordId, t.id),
    index("access_log_at").on(t.at),
  ],
);

/**
 * Seals of the access log: each covers the rows after the previous seal up to `toId`, by a hash chained to
 * the previous seal's; the same hash goes into an audit entry (`access_log.seal`), so the audit chain and
 * the peers' checkpoints of it vouch for the log. Append-only.
 */
export const accessLogSeals = pgTable("access_log_seals", {
  seq: integer("seq").primaryKey(),
  fromId: bigint("from_id", { mode: "number" }).notNull(),
  toId: bigint("to_id", { mode: "number" }).notNull(),
  rowCount: integer("row_count").notNull(),
  prevHash: text("prev_hash").notNull(),
  hash: text("hash").notNull(),
  at: ts("at").notNull(),
});

/** The node's access-log policy (one row). */
export const accessLogPolicy = pgTable("access_log_policy", {
  id: integer("id").primaryKey(),
  dailyReadThreshold: integer("daily_read_threshold").notNull(),
});
