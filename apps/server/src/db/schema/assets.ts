import type { AssetHolder, AssetKind, AssetStage, LabelledText, Marking } from "@crossline/schemas";
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { units, users } from "./core.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
/** Minor units as an exact integer of any size (a wei is 10⁻¹⁸ ETH): numeric, read and written as digits. */
const minor = (name: string) => numeric(name, { precision: 80, scale: 0 });

/** The record's fields as versions keep them. */
export interface StoredAssetFields {
  kind: AssetKind;
  description: LabelledText;
  location?: string;
  jurisdiction: string;
  holder?: AssetHolder;
  currency: string;
  value?: string;
  fugitiveIds: string[];
  caseIds: string[];
}

/**
 * Assets of one unit (need to know: another unit is told there is no such asset), linked to fugitives and
 * cases by id (those modules are asked through ports: no foreign key to their tables). `currency` is an
 * ISO 4217 code or a crypto-asset symbol; every amount of the asset (its value, each stage's) is in it, in
 * minor units. `stage` is the latest stage entry's.
 */
export const assets = pgTable(
  "assets",
  {
    id: uuid("id").primaryKey(),
    /** e.g. CN-MPS-A-2026-0001: node, "A", year, the node's sequence for that year. */
    reference: text("reference").notNull(),
    year: integer("year").notNull(),
    seq: integer("seq").notNull(),
    unitId: uuid("unit_id")
      .notNull()
      .references(() => units.id),
    kind: text("kind").$type<AssetKind>().notNull(),
    description: jsonb("description").$type<LabelledText>().notNull(),
    location: text("location"),
    jurisdiction: text("jurisdiction").notNull(),
    holder: jsonb("holder").$type<AssetHolder>(),
    currency: text("currency").notNull(),
    valueMinor: minor("value_minor"),
    stage: text("stage").$type<AssetStage>().notNull(),
    fugitiveIds: jsonb("fugitive_ids").$type<string[]>().notNull(),
    caseIds: jsonb("case_ids").$type<string[]>().notNull(),
    /** Requests drafted from the asset (the request names the asset too: the link goes both ways). */
    requestIds: jsonb("request_ids").$type<string[]>().notNull(),
    /** Once shared: the `asset` shared object, its recipients and marking; withdrawn stops the sharing. */
    sharedObjectId: text("shared_object_id"),
    recipients: jsonb("recipients").$type<string[]>().notNull(),
    marking: jsonb("marking").$type<Marking>(),
    sharingWithdrawn: boolean("sharing_withdrawn").notNull().default(false),
    version: integer("version").notNull(),
    createdBy: uuid("created_by").references(() => users.id),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    /** When it was returned or released: the retention of the holder's data runs from here. */
    closedAt: ts("closed_at"),
  },
  (t) => [
    uniqueIndex("assets_reference").on(t.reference),
    uniqueIndex("assets_year_seq").on(t.year, t.seq),
    index("assets_unit").on(t.unitId, t.id.desc()),
    index("assets_fugitives").using("gin", t.fugitiveIds),
    uniqueIndex("assets_so").on(t.sharedObjectId),
    check(
      "assets_stage",
      sql`${t.stage} in ('identified', 'traced', 'frozen', 'seized', 'confiscated', 'returned', 'released')`,
    ),
    check("assets_value_positive", sql`${t.valueMinor} is null or ${t.valueMinor} >= 0`),
    check("assets_version_positive", sql`${t.version} >= 1`),
  ],
);

/** The stage entries of an asset, in order (`seq` from 1); never changed once written. */
export const assetStages = pgTable(
  "asset_stages",
  {
    assetId: uuid("asset_id")
      .notNull()
      .references(() => assets.id),
    seq: integer("seq").notNull(),
    stage: text("stage").$type<AssetStage>().notNull(),
    date: text("date").notNull(),
    authority: text("authority").notNull(),
    orderReference: text("order_reference"),
    amountMinor: minor("amount_minor"),
    note: jsonb("note").$type<LabelledText>(),
    recordedAt: ts("recorded_at").notNull(),
    recordedBy: text("recorded_by").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.assetId, t.seq] }),
    index("asset_stages_stage").on(t.stage),
    check("asset_stages_amount_positive", sql`${t.amountMinor} is null or ${t.amountMinor} >= 0`),
  ],
);

/** Every version of an asset's record, the first included (who changed what, and why). */
export const assetVersions = pgTable(
  "asset_versions",
  {
    assetId: uuid("asset_id")
      .notNull()
      .references(() => assets.id),
    version: integer("version").notNull(),
    fields: jsonb("fields").$type<StoredAssetFields>().notNull(),
    stage: text("stage").$type<AssetStage>().notNull(),
    changedAt: ts("changed_at").notNull(),
    changedBy: text("changed_by").notNull(),
    reason: text("reason"),
  },
  (t) => [primaryKey({ columns: [t.assetId, t.version] })],
);

/**
 * Peers' assets held here (a projection of the received `asset` shared objects, refreshed by the type's
 * onReceived hook in the inbox transaction): read-only, the owner's version.
 */
export const assetCopies = pgTable(
  "asset_copies",
  {
    sharedObjectId: text("shared_object_id").primaryKey(),
    ownerNode: text("owner_node").notNull(),
    unitId: uuid("unit_id").notNull(),
    version: integer("version").notNull(),
    state: text("state").$type<"active" | "withdrawn">().notNull(),
    content: jsonb("content").$type<Record<string, unknown>>(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [index("asset_copies_unit").on(t.unitId, t.updatedAt.desc())],
);
