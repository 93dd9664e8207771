import { and, desc, eq, inArray, isNotNull, lt, or, type SQL, sql } from "drizzle-orm";
import { type DbOrTx, rowsOf } from "../../db/client.js";
import { correlationHits, correlationIdentifiers, isNetwork } from "../../db/schema/index.js";

/** What the identifier search looks for (`search` below; the service's searchQueryOf makes it). */
export interface SearchQuery {
  kind: string;
  value: string;
  /** An address or network: every address inside it and every network around it. */
  net: string | null;
  /** A domain: the URLs and e-mail addresses on it and on its subdomains. */
  host: string | null;
  /** An e-mail address or URL: its host and the domains above it, where held as domains. */
  domains: string[];
}

export type HitRow = typeof correlationHits.$inferSelect;
export type IdentifierRow = typeof correlationIdentifiers.$inferSelect;

/** One identifier to index, already normalised. */
export interface IndexEntry {
  recordType: string;
  recordId: string;
  ownerUnit: string;
  kind: string;
  value: string;
  host: string | null;
  net: string | null;
}

/** The units on either side of the hits one `insertAndMatch` found. */
export interface NewHit {
  kind: string;
  a_unit: string;
  b_unit: string;
}

/** The length of a single address of this network's family (32 or 128). */
const maxLen = (net: SQL) => sql`case family(${net}) when 4 then 32 else 128 end`;

/** Data access of the correlation module: the only code on its two tables. */
export const correlationRepo = {
  /**
   * The index's lock, held to the end of the caller's transaction (re-entrant): one indexing transaction at a
   * time. A match reads only what was committed when it starts, so two transactions indexing the same value
   * side by side (two units, two processes) would each miss the other's uncommitted entry, and that hit would
   * never be recorded; waiting here, the second's match starts after the first committed and sees it. Lock
   * order: callers index after their own row locks (the record, the peer) and before the audit append, and
   * take no row lock after indexing.
   */
  async lockIndex(dbx: DbOrTx): Promise<void> {
    await dbx.execute(sql`select pg_advisory_xact_lock(hashtext('crossline.correlation.index'))`);
  },

  /**
   * Indexes the entries and, in the same statement, records a hit for each one matching an identifier held
   * before by another record: the same kind and value (btree on value), or an address inside a network —
   * a network held around the new one (GiST over networks only) or, for a new network, what is held inside
   * it (a btree range from the network to its broadcast address, rechecked with `<<=`). One JSON parameter
   * per batch, as in the indicators store.
   */
  async insertAndMatch(dbx: DbOrTx, entries: IndexEntry[], at: Date): Promise<NewHit[]> {
    if (!entries.length) return [];
    const json = JSON.stringify(
      entries.map((e) => ({
        record_type: e.recordType,
        record_id: e.recordId,
        owner_unit: e.ownerUnit,
        kind: e.kind,
        value: e.value,
        host: e.host,
        net: e.net,
      })),
    );
    return this.insertAndMatchFrom(
      dbx,
      sql`select x.record_type, x.record_id, x.owner_unit, x.kind, x.value, x.host, x.net
        from jsonb_to_recordset(${json}::jsonb) as x(record_type text, record_id text, owner_unit uuid,
          kind text, value text, host text, net text)`,
      at,
    );
  },

  /**
   * `insertAndMatchFrom` over the rows of `relation`, a temporary table another module filled (an import's
   * staging table: record_id, owner_unit, kind, value, host, net), all as entries of `recordType`.
   * `relation` is a fixed identifier of the caller's code, never user input; a name that is not a plain SQL
   * identifier is refused.
   */
  async insertAndMatchFromRelation(
    dbx: DbOrTx,
    recordType: string,
    relation: string,
    at: Date,
  ): Promise<NewHit[]> {
    if (!/^[a-z_][a-z0-9_]*$/.test(relation)) throw new Error(`indexFrom: bad relation name ${relation}`);
    return this.insertAndMatchFrom(
      dbx,
      sql`select ${recordType}::text as record_type, r.record_id, r.owner_unit, r.kind, r.value, r.host, r.net
        from ${sql.identifier(relation)} r`,
      at,
    );
  },

  /**
   * The same, set-based, from a relation the caller filled (a staging table loaded with COPY): `source` is a
   * query yielding record_type, record_id, owner_unit (uuid), kind, value, host and net (text or cidr, an
   * address as /32 or /128), one row per entry. The whole batch is one statement: no entry travels as a
   * parameter, and the matches are one join each.
   */
  async insertAndMatchFrom(dbx: DbOrTx, source: SQL, at: Date): Promise<NewHit[]> {
    await this.lockIndex(dbx);
    const res = await dbx.execute(sql`
      with n as (
        insert into correlation_identifiers (record_type, record_id, owner_unit, kind, value, host, net, created_at)
        select x.record_type, x.record_id, x.owner_unit, x.kind, x.value, x.host, network(x.net::inet), ${at}
        from (${source}) as x
        on conflict (record_type, record_id, kind, value) do nothing
        returning record_type, record_id, owner_unit, kind, value, net
      ), m as (
        select n.kind, n.value, n.record_type as a_type, n.record_id as a_id, n.owner_unit as a_unit,
          o.record_type as b_type, o.record_id as b_id, o.owner_unit as b_unit, 'exact' as match
        from n join correlation_identifiers o on o.value = n.value and o.kind = n.kind
          and not (o.record_type = n.record_type and o.record_id = n.record_id)
        union all
        select n.kind, n.value, n.record_type, n.record_id, n.owner_unit,
          o.record_type, o.record_id, o.owner_unit, 'network'
        from n join correlation_identifiers o on n.net is not null and ${isNetwork(sql.raw("o.net"))}
          and o.net >>= n.net and o.value <> n.value
          and not (o.record_type = n.record_type and o.record_id = n.record_id)
        union all
        select n.kind, n.value, n.record_type, n.record_id, n.owner_unit,
          o.record_type, o.record_id, o.owner_unit, 'network'
        from n join correlation_identifiers o on n.net is not null and ${isNetwork(sql.raw("n.net"))}
          and o.net >= n.net and o.net <= set_masklen(broadcast(n.net), ${maxLen(sql.raw("n.net"))})
          and o.net << n.net
          and not (o.record_type = n.record_type and o.record_id = n.record_id)
      )
      insert into correlation_hits (kind, value, a_type, a_id, a_unit, b_type, b_id, b_unit, match, created_at)
      select kind, value, a_type, a_id, a_unit, b_type, b_id, b_unit, match, ${at} from m
      on conflict do nothing
      returning kind, a_unit, b_unit`);
    return rowsOf<NewHit>(res);
  },

  /** A record's identifiers and hits leave the index (withdrawn, deleted, or about to be re-indexed). */
  async forget(dbx: DbOrTx, recordType: string, recordIds: string[]): Promise<void> {
    if (!recordIds.length) return;
    await dbx
      .delete(correlationIdentifiers)
      .where(
        and(
          eq(correlationIdentifiers.recordType, recordType),
          inArray(correlationIdentifiers.recordId, recordIds),
        ),
      );
    await dbx
      .delete(correlationHits)
      .where(
        or(
          and(eq(correlationHits.aType, recordType), inArray(correlationHits.aId, recordIds)),
          and(eq(correlationHits.bType, recordType), inArray(correlationHits.bId, recordIds)),
        ),
      );
  },

  /**
   * Identifiers matching a search (searchQueryOf): the same value; for a network or an address, every address
   * inside or network around it; for a domain, also the URLs and e-mail addresses on it and its subdomains; for
   * an e-mail address or URL, the domains it lies on. The query itself (awaited for its rows; the benchmark
   * reads its text to EXPLAIN it).
   */
  search(dbx: DbOrTx, q: SearchQuery, limit: number) {
    const t = correlationIdentifiers;
    const conds = [and(eq(t.kind, q.kind), eq(t.value, q.value))];
    if (q.domains.length) conds.push(and(eq(t.kind, "domain"), inArray(t.value, q.domains)));
    if (q.net) {
      // Networks around it (the partial GiST), and what lies inside it (a btree range).
      conds.push(and(isNetwork(t.net), sql`${t.net} >>= ${q.net}::cidr`));
      conds.push(sql`${t.net} <<= ${q.net}::cidr`);
    }
    if (q.host) {
      conds.push(eq(t.host, q.host));
      // Its subdomains: hosts ending in ".host", a prefix of the reversed host (an index range, not a scan).
      const suffix = [...`.${q.host}`]
        .reverse()
        .join("")
        .replace(/[\\%_]/g, "\\$&");
      conds.push(and(isNotNull(t.host), sql`reverse(${t.host}) like ${`${suffix}%`}`));
    }
    // Ordered by `seq + 0`, not `seq`: with `seq` and a LIMIT the planner may walk the primary key backwards
    // and filter every row when it overestimates the matches (a reversed-host prefix is estimated at ~15,000
    // rows of 10,000,000 for the one it finds): a search that finds little then reads the whole table
    // (seconds). The expression keeps it on the indexes of each condition (a BitmapOr), then a top-N sort.
    return dbx
      .select()
      .from(t)
      .where(or(...conds))
      .orderBy(desc(sql`${t.seq} + 0`))
      .limit(limit);
  },

  async hitsOf(dbx: DbOrTx, unitId: string, before: number | undefined, limit: number): Promise<HitRow[]> {
    const t = correlationHits;
    const mine = or(eq(t.aUnit, unitId), eq(t.bUnit, unitId));
    return dbx
      .select()
      .from(t)
      .where(before ? and(mine, lt(t.seq, before)) : mine)
      .orderBy(desc(t.seq))
      .limit(limit);
  },

  /** The entries the index holds for these records (to tell whether a record changed since it was indexed). */
  entriesOf(dbx: DbOrTx, recordType: string, recordIds: string[]) {
    const t = correlationIdentifiers;
    if (!recordIds.length) return Promise.resolve([]);
    return dbx
      .select({ recordId: t.recordId, ownerUnit: t.ownerUnit, kind: t.kind, value: t.value })
      .from(t)
      .where(and(eq(t.recordType, recordType), inArray(t.recordId, recordIds)));
  },
};
