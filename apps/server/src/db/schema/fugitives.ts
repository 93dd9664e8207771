import type {
  FugitiveReportKind,
  FugitiveStatus,
  LabelledText,
  Marking,
  StoredFugitiveFields,
} from "@crossline/schemas";
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
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { units, users } from "./core.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** What a return recorded (method, date, place, escorts, documents), kept with the fugitive. */
export interface StoredReturn {
  method: string;
  date: string;
  place: string;
  escorts: string[];
  documents: string[];
  note?: string;
  recordedAt: string;
}

/**
 * Fugitives of one unit (need to know: another unit is told there is no such record). `fields` is the record
 * as the unit keeps it, every name romanised; `version` moves with every change and each version is kept in
 * fugitive_versions. `person_id` is the node's person record (persons module, asked through its port: no
 * foreign key to its table).
 */
export const fugitives = pgTable(
  "fugitives",
  {
    id: uuid("id").primaryKey(),
    /** e.g. CN-MPS-F-2026-0001: node, "F", year, the node's sequence for that year. */
    reference: text("reference").notNull(),
    year: integer("year").notNull(),
    seq: integer("seq").notNull(),
    unitId: uuid("unit_id")
      .notNull()
      .references(() => units.id),
    personId: uuid("person_id").notNull(),
    fields: jsonb("fields").$type<StoredFugitiveFields>().notNull(),
    /** Every name form and alias, original and romanised, lower-cased without spaces: the list's search. */
    nameSearch: text("name_search").notNull(),
    status: text("status").$type<FugitiveStatus>().notNull(),
    returned: jsonb("returned").$type<StoredReturn>(),
    version: integer("version").notNull(),
    createdBy: uuid("created_by").references(() => users.id),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    /** When it was returned or closed: the retention of its personal data runs from here. */
    closedAt: ts("closed_at"),
  },
  (t) => [
    uniqueIndex("fugitives_reference").on(t.reference),
    uniqueIndex("fugitives_year_seq").on(t.year, t.seq),
    index("fugitives_unit").on(t.unitId, t.id.desc()),
    check("fugitives_status", sql`${t.status} in ('at_large', 'located', 'detained', 'returned', 'closed')`),
    check("fugitives_returned", sql`(${t.status} = 'returned') = (${t.returned} is not null)`),
    check("fugitives_version_positive", sql`${t.version} >= 1`),
  ],
);

/** The name keys of a fugitive's names and aliases (lib/name-keys.ts): the ranked search and the duplicate warning. */
export const fugitiveNameKeys = pgTable(
  "fugitive_name_keys",
  {
    key: text("key").notNull(),
    fugitiveId: uuid("fugitive_id")
      .notNull()
      .references(() => fugitives.id),
    weight: integer("weight").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.key, t.fugitiveId] }),
    index("fugitive_name_keys_fugitive").on(t.fugitiveId),
  ],
);

/** Every version of a fugitive's record, the first included (who changed what, and why). */
export const fugitiveVersions = pgTable(
  "fugitive_versions",
  {
    fugitiveId: uuid("fugitive_id")
      .notNull()
      .references(() => fugitives.id),
    version: integer("version").notNull(),
    fields: jsonb("fields").$type<StoredFugitiveFields>().notNull(),
    status: text("status").$type<FugitiveStatus>().notNull(),
    changedAt: ts("changed_at").notNull(),
    changedBy: text("changed_by").notNull(),
    reason: text("reason"),
  },
  (t) => [primaryKey({ columns: [t.fugitiveId, t.version] })],
);

/** A list of fugitives of one unit (e.g. the "100 list" of 2015), published to peers entry by entry. */
export const fugitiveLists = pgTable(
  "fugitive_lists",
  {
    id: uuid("id").primaryKey(),
    unitId: uuid("unit_id")
      .notNull()
      .references(() => units.id),
    name: jsonb("name").$type<LabelledText>().notNull(),
    publishedOn: text("published_on"),
    /** The peers the list was published to, and the marking its entries carry. */
    recipients: jsonb("recipients").$type<string[]>().notNull(),
    marking: jsonb("marking").$type<Marking>(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [index("fugitive_lists_unit").on(t.unitId)],
);

/**
 * A fugitive on a list at a number. Once published, each entry is a shared object (`fugitive.entry`) whose
 * id is kept here; a removal keeps the row (`removed_at`) for the timeline and withdraws the object.
 */
export const fugitiveListEntries = pgTable(
  "fugitive_list_entries",
  {
    listId: uuid("list_id")
      .notNull()
      .references(() => fugitiveLists.id),
    fugitiveId: uuid("fugitive_id")
      .notNull()
      .references(() => fugitives.id),
    number: integer("number").notNull(),
    sharedObjectId: text("shared_object_id"),
    addedAt: ts("added_at").notNull(),
    removedAt: ts("removed_at"),
  },
  (t) => [
    primaryKey({ columns: [t.listId, t.fugitiveId] }),
    uniqueIndex("fugitive_list_entries_number").on(t.listId, t.number).where(sql`${t.removedAt} is null`),
    index("fugitive_list_entries_fugitive").on(t.fugitiveId),
    uniqueIndex("fugitive_list_entries_so").on(t.sharedObjectId),
  ],
);

/**
 * Entries of peers' lists held here (a projection of the received `fugitive.entry` shared objects, refreshed
 * by the type's onReceived hook in the inbox transaction): read-only, the owner's version.
 */
export const fugitiveCopies = pgTable(
  "fugitive_copies",
  {
    entryId: text("entry_id").primaryKey(),
    ownerNode: text("owner_node").notNull(),
    unitId: uuid("unit_id").notNull(),
    version: integer("version").notNull(),
    state: text("state").$type<"active" | "withdrawn">().notNull(),
    listId: uuid("list_id").notNull(),
    listName: jsonb("list_name").$type<LabelledText>().notNull(),
    number: integer("number").notNull(),
    content: jsonb("content").$type<Record<string, unknown>>(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [index("fugitive_copies_list").on(t.unitId, t.listId, t.number)],
);

/**
 * Reports on list entries: `out` made here on a peer's entry (and sent to its owner), `in` received from a
 * peer on one of this node's entries (then `fugitive_id` is ours). The id is the reporter's, the same on both
 * sides, so a report is stored once whatever the transport repeats.
 */
export const fugitiveReports = pgTable(
  "fugitive_reports",
  {
    id: uuid("id").primaryKey(),
    direction: text("direction").$type<"in" | "out">().notNull(),
    entryId: text("entry_id").notNull(),
    fugitiveId: uuid("fugitive_id").references(() => fugitives.id),
    fromNode: text("from_node").notNull(),
    unitId: uuid("unit_id").notNull(),
    kind: text("kind").$type<FugitiveReportKind>().notNull(),
    date: text("date").notNull(),
    place: text("place"),
    text: jsonb("text").$type<LabelledText>().notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    index("fugitive_reports_entry").on(t.entryId, t.createdAt),
    index("fugitive_reports_fugitive").on(t.fugitiveId),
    check("fugitive_reports_direction", sql`${t.direction} in ('in', 'out')`),
  ],
);

/**
 * Photos of a fugitive: attachments of the record. The bytes are a federation blob (the one store of files:
 * `id` is the blob's id, origin this node), checked to be an image by their first bytes; they travel to the
 * peers holding the record's list entries with the entry's version.
 */
export const fugitivePhotos = pgTable(
  "fugitive_photos",
  {
    id: uuid("id").primaryKey(),
    fugitiveId: uuid("fugitive_id")
      .notNull()
      .references(() => fugitives.id),
    name: text("name").notNull(),
    contentType: text("content_type").notNull(),
    sha256: text("sha256").notNull(),
    size: integer("size").notNull(),
    alt: text("alt"),
    uploadedBy: text("uploaded_by").notNull(),
    uploadedAt: ts("uploaded_at").notNull(),
  },
  (t) => [
    index("fugitive_photos_fugitive").on(t.fugitiveId, t.uploadedAt),
    check("fugitive_photos_type", sql`${t.contentType} in ('image/jpeg', 'image/png', 'image/webp')`),
  ],
);

/**
 * Evidence files of reports on a peer's list entry (a photo of a sighting, a lease, a court paper). On the
 * reporting node (`direction` out) a file is uploaded for the entry first (`report_id` null) and joins a report
 * when the report names it; it travels with the report as an attachment of its envelope. On the owner's node
 * (`in`) each arrives with its report, under the record (`fugitive_id`). The bytes are a federation blob
 * (`origin`: the node that uploaded it, `id`: the blob's id), checked against `sha256` on every download.
 */
export const fugitiveReportEvidence = pgTable(
  "fugitive_report_evidence",
  {
    id: uuid("id").primaryKey(),
    direction: text("direction").$type<"in" | "out">().notNull(),
    origin: text("origin").notNull(),
    reportId: uuid("report_id").references(() => fugitiveReports.id),
    entryId: text("entry_id").notNull(),
    fugitiveId: uuid("fugitive_id").references(() => fugitives.id),
    unitId: uuid("unit_id").notNull(),
    name: text("name").notNull(),
    contentType: text("content_type").notNull(),
    sha256: text("sha256").notNull(),
    size: integer("size").notNull(),
    uploadedBy: text("uploaded_by").notNull(),
    uploadedAt: ts("uploaded_at").notNull(),
  },
  (t) => [
    index("fugitive_report_evidence_report").on(t.reportId),
    index("fugitive_report_evidence_entry").on(t.entryId, t.uploadedAt),
    check("fugitive_report_evidence_direction", sql`${t.direction} in ('in', 'out')`),
  ],
);
