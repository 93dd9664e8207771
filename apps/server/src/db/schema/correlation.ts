import { sql } from "drizzle-orm";
import { bigserial, cidr, index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * Every identifier the node holds, normalised, with the record it belongs to (an indicator, a request, a
 * case…) and the unit owning that record. Filled only through the correlation port `index()`.
 */
export const correlationIdentifiers = pgTable(
  "correlation_identifiers",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    recordType: text("record_type").notNull(),
    recordId: text("record_id").notNull(),
    ownerUnit: uuid("owner_unit").notNull(),
    /** ip, domain, url, email, phone, file_hash, crypto_wallet, bank_account, online_account, device_id. */
    kind: text("kind").notNull(),
    value: text("value").notNull(),
    /** The host of a domain, URL or e-mail address: a domain search finds its URLs and addresses. */
    host: text("host"),
    /** An IP identifier's network (an address as /32 or /128): `&&` finds addresses inside networks. */
    net: cidr("net"),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("correlation_identifiers_unique").on(t.recordType, t.recordId, t.kind, t.value),
    index("correlation_identifiers_value").on(t.value),
    index("correlation_identifiers_host").on(t.host).where(sql`${t.host} is not null`),
    index("correlation_identifiers_net").using("gist", sql`${t.net} inet_ops`),
    index("correlation_identifiers_unit").on(t.ownerUnit),
  ],
);

/** A match between a new identifier (`a`) and one held before (`b`); each side's unit sees it in its inbox. */
export const correlationHits = pgTable(
  "correlation_hits",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    kind: text("kind").notNull(),
    value: text("value").notNull(),
    aType: text("a_type").notNull(),
    aId: text("a_id").notNull(),
    aUnit: uuid("a_unit").notNull(),
    bType: text("b_type").notNull(),
    bId: text("b_id").notNull(),
    bUnit: uuid("b_unit").notNull(),
    /** How they match: the same value, or an address inside a network. */
    match: text("match", { enum: ["exact", "network"] }).notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    index("correlation_hits_a").on(t.aUnit, t.seq.desc()),
    index("correlation_hits_b").on(t.bUnit, t.seq.desc()),
    uniqueIndex("correlation_hits_pair").on(t.aType, t.aId, t.bType, t.bId, t.kind, t.value),
    index("correlation_hits_b_record").on(t.bType, t.bId),
  ],
);

/** Where a pull of another module's records (requests) has got to: the last (updated_at, id) indexed. */
export const correlationCursors = pgTable("correlation_cursors", {
  source: text("source").primaryKey(),
  at: ts("at").notNull(),
  id: text("id").notNull(),
});
