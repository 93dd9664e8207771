import type { ImportProblem, Marking } from "@crossline/schemas";
import { and, desc, eq, gt, inArray, isNull, lt, type SQL, sql } from "drizzle-orm";
import { type DbOrTx, rowsOf, type Tx } from "../../db/client.js";
import {
  indicatorImports,
  indicators,
  stixObjects,
  taxiiCollections,
  taxiiStatus,
} from "../../db/schema/index.js";

export type IndicatorRow = typeof indicators.$inferSelect;
export type ImportRow = typeof indicatorImports.$inferSelect;
export type CollectionRow = typeof taxiiCollections.$inferSelect;
export type StixObjectRow = typeof stixObjects.$inferSelect;

/** A row for the bulk insert, in plain JSON types (it travels to the database as one JSON document). */
export interface IndicatorInsert {
  id: string;
  stixId: string;
  unitId: string;
  origin: "own" | "received";
  ownerNode: string;
  setId: string | null;
  kind: string;
  qualifier: string;
  value: string;
  net: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
  confidence: number | null;
  validUntil: string | null;
  description: string | null;
  source: string | null;
  tlp: string;
  marking: Marking;
  importId: string | null;
  createdAt: string;
  /** A later version of a row held before (received, changed by its owner): its `modified`, and when it was first added. */
  updatedAt?: string;
  firstAddedAt?: string;
}

/**
 * The staging table of a bulk import: a batch's checked rows, loaded with COPY (`copyIn`) in the batch's
 * transaction. Temporary (each connection its own, dropped at commit): nothing to clean up after a failure,
 * no WAL for the staged rows on PostgreSQL. `c_*` are the rows' correlation entries (kind, host, net).
 */
export const STAGING_TABLE = "indicators_staging";
export const STAGING_COLUMNS = [
  "id",
  "stix_id",
  "kind",
  "qualifier",
  "value",
  "net",
  "first_seen",
  "last_seen",
  "confidence",
  "valid_until",
  "description",
  "source",
  "tlp",
  "c_kind",
  "c_host",
  "c_net",
] as const;
/** The staged rows that were new (not already held), as correlation's `indexFrom` reads them. */
export const ADDED_TABLE = "indicators_added";

/** What a TAXII page asks of the feed. */
export interface FeedQuery {
  unitIds: string[];
  ownerNode?: string | null;
  tlp?: string[];
  addedAfter?: Date;
  stixIds?: string[];
  after?: { at: Date; id: string };
  limit: number;
  /** Only active indicators (an export): no revoked versions. */
  activeOnly?: boolean;
}

/** When this node first added an indicator (its STIX `created`): `created_at` is its latest version's date added. */
export const firstAdded = (r: IndicatorRow): Date => r.firstAddedAt ?? r.createdAt;
/**
 * A received indicator its owner withdrew: it left this node (value erased, out of searches and lists); only its
 * revoked version stays, for the TAXII feed (`revokeReceived`).
 */
export const revokedStub = (r: Pick<IndicatorRow, "origin" | "state">): boolean =>
  r.origin === "received" && r.state === "withdrawn";
/** `first_added_at` set from `created_at` before an update moves `created_at` (the right side reads the old row). */
const FIRST_ADDED = sql`coalesce(${indicators.firstAddedAt}, ${indicators.createdAt})`;

/**
 * Data access of the indicators module: the only code on its tables. The bulk insert sends a whole batch as
 * ONE parameter (a JSON array expanded by `jsonb_to_recordset`): one round trip per batch on PGlite and
 * PostgreSQL alike, no parameter-count limit, and `on conflict do nothing` makes a second import a no-op.
 */
export const indicatorsRepo = {
  /**
   * The date added of the indicators this transaction adds to the TAXII feed: `greatest(now, last + 1 ms)`
   * from the feed's clock row, whose lock this transaction then holds to its commit. Transactions adding
   * indicators therefore get their dates in the order they commit, each later than every date committed before,
   * so a TAXII client paging with `added_after` (the last date added it got) never skips one committing late.
   * Taken just before the insert, after the caller's own reads and before correlation's index lock (the lock
   * order: this row, then the index).
   */
  async feedDateAdded(tx: Tx, now: Date): Promise<Date> {
    const res = await tx.execute(sql`
      update indicator_feed_clock
      set at = greatest(date_trunc('milliseconds', ${now.toISOString()}::timestamptz), at + interval '1 millisecond')
      where id = 1
      returning at`);
    const at = rowsOf<{ at: Date | string }>(res)[0]?.at;
    if (at === undefined) throw new Error("indicator_feed_clock has no row");
    return new Date(at);
  },

  async insertMany(dbx: DbOrTx, rows: IndicatorInsert[]): Promise<string[]> {
    if (!rows.length) return [];
    const json = JSON.stringify(
      rows.map((r) => ({
        id: r.id,
        stix_id: r.stixId,
        unit_id: r.unitId,
        origin: r.origin,
        owner_node: r.ownerNode,
        set_id: r.setId,
        kind: r.kind,
        qualifier: r.qualifier,
        value: r.value,
        net: r.net,
        first_seen: r.firstSeen,
        last_seen: r.lastSeen,
        confidence: r.confidence,
        valid_until: r.validUntil,
        description: r.description,
        source: r.source,
        tlp: r.tlp,
        marking: r.marking,
        import_id: r.importId,
        created_at: r.createdAt,
        updated_at: r.updatedAt ?? r.createdAt,
        first_added_at: r.firstAddedAt ?? null,
      })),
    );
    const res = await dbx.execute(sql`
      insert into indicators (id, stix_id, unit_id, origin, owner_node, set_id, kind, qualifier, value, net,
        first_seen, last_seen, confidence, valid_until, description, source, tlp, marking, state,
        import_id, created_at, updated_at, first_added_at)
      select x.id, x.stix_id, x.unit_id, x.origin, x.owner_node, x.set_id, x.kind, x.qualifier, x.value,
        network(x.net::inet), x.first_seen, x.last_seen, x.confidence, x.valid_until, x.description,
        x.source, x.tlp, x.marking, 'active', x.import_id, x.created_at, x.updated_at, x.first_added_at
      from jsonb_to_recordset(${json}::jsonb) as x(id text, stix_id text, unit_id uuid, origin text, owner_node text,
        set_id text, kind text, qualifier text, value text, net text, first_seen timestamptz,
        last_seen timestamptz, confidence smallint, valid_until timestamptz, description text, source text,
        tlp text, marking jsonb, import_id text, created_at timestamptz, updated_at timestamptz,
        first_added_at timestamptz)
      on conflict do nothing
      returning id`);
    return rowsOf<{ id: string }>(res).map((r) => r.id);
  },

  /** The staging and added tables of one import batch, in its transaction (dropped at its commit). */
  async createStaging(tx: Tx): Promise<void> {
    await tx.execute(
      sql.raw(`create temporary table ${STAGING_TABLE} (id text, stix_id text, kind text, qualifier text,
        value text, net text, first_seen timestamptz, last_seen timestamptz, confidence smallint,
        valid_until timestamptz, description text, source text, tlp text, c_kind text, c_host text,
        c_net text) on commit drop`),
    );
    await tx.execute(
      sql.raw(`create temporary table ${ADDED_TABLE} (record_id text, owner_unit uuid, kind text, value text,
        host text, net text) on commit drop`),
    );
  },

  /**
   * Moves the staged rows into the indicators in one statement (`on conflict do nothing`: one already held
   * is a duplicate) and keeps the new ones in the added table, with their correlation entries. Returns how
   * many were new.
   */
  async insertFromStaging(
    tx: Tx,
    run: { unitId: string; ownerNode: string; importId: string; createdAt: Date },
  ): Promise<number> {
    const at = run.createdAt.toISOString();
    const res = await tx.execute(sql`
      with ins as (
        insert into indicators (id, stix_id, unit_id, origin, owner_node, set_id, kind, qualifier, value, net,
          first_seen, last_seen, confidence, valid_until, description, source, tlp, marking, state,
          import_id, created_at, updated_at)
        select s.id, s.stix_id, ${run.unitId}::uuid, 'own', ${run.ownerNode}, null, s.kind, s.qualifier,
          s.value, network(s.net::inet), s.first_seen, s.last_seen, s.confidence, s.valid_until,
          s.description, s.source, s.tlp, jsonb_build_object('tlp', s.tlp, 'handling', '[]'::jsonb),
          'active', ${run.importId}, ${at}::timestamptz, ${at}::timestamptz
        from ${sql.identifier(STAGING_TABLE)} s
        on conflict (unit_id, kind, qualifier, value) where origin = 'own' do nothing
        returning id, unit_id
      ), a as (
        insert into ${sql.identifier(ADDED_TABLE)} (record_id, owner_unit, kind, value, host, net)
        select ins.id, ins.unit_id, s.c_kind, s.value, s.c_host, s.c_net
        from ins join ${sql.identifier(STAGING_TABLE)} s on s.id = ins.id
        where s.c_kind is not null
        returning 1
      )
      select (select count(*) from ins)::int as added`);
    return rowsOf<{ added: number }>(res)[0].added;
  },

  async find(dbx: DbOrTx, id: string): Promise<IndicatorRow | undefined> {
    const [r] = await dbx.select().from(indicators).where(eq(indicators.id, id));
    return r;
  },

  async findMany(dbx: DbOrTx, ids: string[]): Promise<IndicatorRow[]> {
    if (!ids.length) return [];
    return dbx.select().from(indicators).where(inArray(indicators.id, ids));
  },

  /** Newest first (ids are ind_<uuidv7>); `afterId` is the previous page's last id. */
  async page(
    dbx: DbOrTx,
    q: {
      unitId: string;
      kind?: string;
      origin?: string;
      state?: string;
      q?: string;
      afterId?: string;
      limit: number;
    },
  ): Promise<IndicatorRow[]> {
    const where: (SQL | undefined)[] = [eq(indicators.unitId, q.unitId)];
    if (q.kind) where.push(eq(indicators.kind, q.kind));
    if (q.origin) where.push(eq(indicators.origin, q.origin as "own"));
    if (q.state) where.push(eq(indicators.state, q.state as "active"));
    if (q.q) where.push(sql`${indicators.value} like ${`%${q.q.toLowerCase().replace(/[\\%_]/g, "\\$&")}%`}`);
    if (q.afterId) where.push(lt(indicators.id, q.afterId));
    // Not the revoked stubs (`revokedStub`): they left this node.
    where.push(sql`not (${indicators.origin} = 'received' and ${indicators.state} = 'withdrawn')`);
    return dbx
      .select()
      .from(indicators)
      .where(and(...where))
      .orderBy(desc(indicators.id))
      .limit(q.limit);
  },

  /**
   * Own active indicators of a unit not yet in a shared batch (optionally only these ids or this import), locked
   * until the transaction ends, in id order. A share running at the same time holds the rows it shares: this
   * waits for it, and a row it put in a batch (or a withdraw made inactive) no longer qualifies once it
   * commits (PostgreSQL re-checks the condition on the newest version of a row it waited for), so two shares
   * at once cannot both take the same indicators.
   */
  async lockUnshared(
    tx: Tx,
    q: { unitId: string; ids?: string[]; importId?: string },
  ): Promise<IndicatorRow[]> {
    const where: (SQL | undefined)[] = [
      eq(indicators.unitId, q.unitId),
      eq(indicators.origin, "own"),
      eq(indicators.state, "active"),
      isNull(indicators.setId),
    ];
    if (q.ids) where.push(inArray(indicators.id, q.ids));
    if (q.importId) where.push(eq(indicators.importId, q.importId));
    return tx
      .select()
      .from(indicators)
      .where(and(...where))
      .orderBy(indicators.id)
      .for("update");
  },

  /**
   * Puts indicators in a batch; only those in none yet (the caller locked them). Returns how many it put. One
   * whose marking this changes has a new version, modified and added to the TAXII feed at `feedAt` (from
   * `feedDateAdded`: never before the version it follows); the others keep theirs.
   */
  async setBatch(tx: Tx, ids: string[], setId: string, marking: Marking, feedAt: Date): Promise<number> {
    const same = sql`${indicators.marking} = ${JSON.stringify(marking)}::jsonb`;
    const rows = await tx
      .update(indicators)
      .set({
        setId,
        marking,
        tlp: marking.tlp,
        updatedAt: sql`case when ${same} then ${indicators.updatedAt} else ${feedAt.toISOString()}::timestamptz end`,
        createdAt: sql`case when ${same} then ${indicators.createdAt} else ${feedAt.toISOString()}::timestamptz end`,
        firstAddedAt: sql`case when ${same} then ${indicators.firstAddedAt} else ${FIRST_ADDED} end`,
      })
      .where(and(inArray(indicators.id, ids), isNull(indicators.setId)))
      .returning({ id: indicators.id });
    return rows.length;
  },

  /** The row, locked until the transaction ends: a withdraw reads its state and batch here. */
  async lock(tx: Tx, id: string): Promise<IndicatorRow | undefined> {
    const [r] = await tx.select().from(indicators).where(eq(indicators.id, id)).for("update");
    return r;
  },

  /**
   * Withdraws an active indicator; undefined when it was not active. Its revoked version is modified and added
   * to the TAXII feed at `feedAt` (from `feedDateAdded`: never before the version it follows, whatever this
   * process's clock says); when it was first added stays in `first_added_at`.
   */
  async withdraw(tx: Tx, id: string, feedAt: Date): Promise<IndicatorRow | undefined> {
    const [r] = await tx
      .update(indicators)
      .set({ state: "withdrawn", updatedAt: feedAt, createdAt: feedAt, firstAddedAt: FIRST_ADDED })
      .where(and(eq(indicators.id, id), eq(indicators.state, "active")))
      .returning();
    return r;
  },

  /** The active indicators of a shared batch (the owner's side, to rebuild the batch's content). */
  async activeInSet(dbx: DbOrTx, setId: string): Promise<IndicatorRow[]> {
    return dbx
      .select()
      .from(indicators)
      .where(and(eq(indicators.setId, setId), eq(indicators.state, "active")))
      .orderBy(indicators.id);
  },

  /** Received side: a batch's indicators as held here, active and revoked. */
  async receivedInSet(dbx: DbOrTx, setId: string): Promise<IndicatorRow[]> {
    return dbx
      .select()
      .from(indicators)
      .where(and(eq(indicators.setId, setId), eq(indicators.origin, "received")));
  },

  /** Received side: held indicators leave, to be inserted again as their new versions (`insertMany`). */
  async deleteReceived(tx: Tx, ids: string[]): Promise<void> {
    if (!ids.length) return;
    await tx.delete(indicators).where(and(inArray(indicators.id, ids), eq(indicators.origin, "received")));
  },

  /**
   * Received side: the owner withdrew these indicators (or their batch's content was erased). Each leaves the
   * store: its value, network, description and source are erased, and only its revoked version stays, added to
   * the TAXII feed at `at`, so a TAXII client that took it learns it is withdrawn. The caller takes them out of
   * correlation's index.
   */
  async revokeReceived(tx: Tx, ids: string[], at: Date): Promise<void> {
    if (!ids.length) return;
    await tx
      .update(indicators)
      .set({
        state: "withdrawn",
        value: "",
        net: null,
        description: null,
        source: null,
        updatedAt: at,
        createdAt: at,
        firstAddedAt: FIRST_ADDED,
      })
      .where(
        and(inArray(indicators.id, ids), eq(indicators.origin, "received"), eq(indicators.state, "active")),
      );
  },

  /**
   * The TAXII feed: the latest version of each indicator of the units given (a withdrawn one's is revoked),
   * ordered by (date added, id); `after` is the last key of the previous page. `addedAfter` is TAXII's
   * added_after (strictly after).
   */
  async feed(dbx: DbOrTx, q: FeedQuery): Promise<IndicatorRow[]> {
    return q.unitIds.length ? indicatorsRepo.feedQuery(dbx, q) : [];
  },

  /** The feed's statement, unsent (the benchmark prints its plan). */
  feedQuery(dbx: DbOrTx, q: FeedQuery) {
    const where: (SQL | undefined)[] = [inArray(indicators.unitId, q.unitIds)];
    if (q.activeOnly) where.push(eq(indicators.state, "active"));
    if (q.ownerNode) where.push(eq(indicators.ownerNode, q.ownerNode));
    if (q.tlp?.length) where.push(inArray(indicators.tlp, q.tlp));
    if (q.addedAfter) where.push(gt(indicators.createdAt, q.addedAfter));
    if (q.stixIds) where.push(inArray(indicators.stixId, q.stixIds));
    // A row comparison, not `a > x or (a = x and b > y)`: only this form is a range start on the index
    // (unit_id, created_at, id), so a page deep in a million rows reads one page's worth, not all before it.
    if (q.after)
      where.push(
        sql`(${indicators.createdAt}, ${indicators.id}) > (${q.after.at.toISOString()}::timestamptz, ${q.after.id})`,
      );
    return dbx
      .select()
      .from(indicators)
      .where(and(...where))
      .orderBy(indicators.createdAt, indicators.id)
      .limit(q.limit);
  },

  /** Planner statistics of the indicators table, taken now (a process analysing it already: skipped). */
  async analyze(dbx: DbOrTx): Promise<void> {
    await dbx.execute(sql`analyze (skip_locked) indicators`);
  },

  async createImport(dbx: DbOrTx, row: typeof indicatorImports.$inferInsert): Promise<ImportRow> {
    const [r] = await dbx.insert(indicatorImports).values(row).returning();
    return r;
  },

  async updateImport(
    dbx: DbOrTx,
    id: string,
    set: Partial<typeof indicatorImports.$inferInsert> & { problems?: ImportProblem[] },
  ): Promise<ImportRow> {
    const [r] = await dbx.update(indicatorImports).set(set).where(eq(indicatorImports.id, id)).returning();
    return r;
  },

  async findImport(dbx: DbOrTx, id: string): Promise<ImportRow | undefined> {
    const [r] = await dbx.select().from(indicatorImports).where(eq(indicatorImports.id, id));
    return r;
  },

  async insertStixObjects(dbx: DbOrTx, rows: (typeof stixObjects.$inferInsert)[]): Promise<number> {
    if (!rows.length) return 0;
    const r = await dbx
      .insert(stixObjects)
      .values(rows)
      .onConflictDoNothing()
      .returning({ seq: stixObjects.seq });
    return r.length;
  },

  async stixObjectsOf(dbx: DbOrTx, unitIds: string[], limit: number): Promise<StixObjectRow[]> {
    if (!unitIds.length) return [];
    return dbx
      .select()
      .from(stixObjects)
      .where(inArray(stixObjects.unitId, unitIds))
      .orderBy(stixObjects.seq)
      .limit(limit);
  },

  async collections(dbx: DbOrTx): Promise<CollectionRow[]> {
    return dbx.select().from(taxiiCollections).orderBy(taxiiCollections.createdAt);
  },

  async collection(dbx: DbOrTx, id: string): Promise<CollectionRow | undefined> {
    const [r] = await dbx.select().from(taxiiCollections).where(eq(taxiiCollections.id, id));
    return r;
  },

  async insertCollection(dbx: DbOrTx, row: typeof taxiiCollections.$inferInsert): Promise<CollectionRow> {
    const [r] = await dbx.insert(taxiiCollections).values(row).returning();
    return r;
  },

  async insertStatus(dbx: DbOrTx, row: typeof taxiiStatus.$inferInsert): Promise<void> {
    await dbx.insert(taxiiStatus).values(row);
  },

  async status(dbx: DbOrTx, id: string) {
    const [r] = await dbx.select().from(taxiiStatus).where(eq(taxiiStatus.id, id));
    return r;
  },
};
