import { type SQL, sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigserial,
  cidr,
  index,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/**
 * True for a network (10.0.0.0/8), false for a single address (/32, /128). Written the same in the partial
 * index and in the queries that use it: PostgreSQL only picks a partial index whose predicate the query repeats.
 */
export const isNetwork = (net: SQL | AnyPgColumn) =>
  sql`masklen(${net}) < case family(${net}) when 4 then 32 else 128 end`;

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
    // A domain search finds its subdomains' hosts by the prefix of the reversed host (".example" ends them).
    index("correlation_identifiers_host_rev")
      .on(sql`reverse(${t.host}) text_pattern_ops`)
      .where(sql`${t.host} is not null`),
    // Addresses inside a network: a btree range (`<<=` with a known network becomes >= and <=).
    index("correlation_identifiers_net").on(t.net),
    // Networks around an address: GiST over the networks only. Almost every IP identifier is a single
    // address; a GiST over all of them made each insert and each probe cost ~0.2 ms (5,000 per batch).
    index("correlation_identifiers_networks").using("gist", sql`${t.net} inet_ops`).where(isNetwork(t.net)),
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
