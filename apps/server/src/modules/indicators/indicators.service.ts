import {
  type ImportFormat,
  type ImportReport,
  INDICATOR_BATCH_MAX,
  type IndicatorItem,
  type IndicatorQuery,
  IndicatorSetContent,
  type IndicatorView,
  issue,
  type Marking,
  type ShareIndicatorsBody,
  type TlpLevel,
} from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import { type Db, type DbOrTx, inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { canonicalJson } from "../../lib/canonical-json.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import type { AuditService } from "../audit/audit.service.js";
import type { SharedObjectsService } from "../shared-objects/shared-objects.service.js";
import type { ReceivedCopy } from "../shared-objects/shared-objects.types.js";
import { type ImportProgress, runImport } from "./indicators.import.js";
import {
  firstAdded,
  type ImportRow,
  type IndicatorInsert,
  type IndicatorRow,
  indicatorsRepo as repo,
  revokedStub,
} from "./indicators.repo.js";
import { indicatorsBundle, type StixObject } from "./indicators.stix.js";

/** What the indicators domain uses of the shared-objects mechanism: its domain port (publish, lock, version, withdraw). */
export type SharedObjectsPort = Pick<
  SharedObjectsService["domainPort"],
  "publishIn" | "updateIn" | "withdrawIn" | "lockIn"
>;

/** Correlation's narrow port: index identifiers of a record, forget them. */
export interface CorrelationIndexPort {
  index(
    tx: Tx,
    recordType: string,
    records: { recordId: string; ownerUnit: string; identifiers: { kind: string; value: string }[] }[],
  ): Promise<number>;
  forget(tx: Tx, recordType: string, recordIds: string[]): Promise<void>;
  /** Set-based indexing of a bulk import's new rows, from a relation filled in the same transaction. */
  indexFrom(tx: Tx, recordType: string, relation: string): Promise<number>;
  /** The index entry of one identifier (what a staging table holds beside each row). */
  entryOf(kind: string, value: string): { kind: string; host: string | null; net: string | null };
}

export interface IndicatorsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  nodeId: (dbx: DbOrTx) => Promise<string>;
  shared: SharedObjectsPort;
  correlation?: CorrelationIndexPort;
  /**
   * The most UTF-8 JSON bytes of indicators one shared batch may carry: the batch is one federation message,
   * and the outbox refuses a payload over half the largest envelope (fedMaxEnvelopeBytes).
   */
  batchBytes: number;
}

const MAX_PAGE = 500;
/** An import that adds this many indicators analyses the table when it ends. */
const ANALYZE_AFTER = 10_000;

export function toView(r: IndicatorRow): IndicatorView {
  return {
    id: r.id,
    kind: r.kind as IndicatorView["kind"],
    value: r.value,
    qualifier: r.qualifier,
    firstSeen: r.firstSeen?.toISOString() ?? null,
    lastSeen: r.lastSeen?.toISOString() ?? null,
    confidence: r.confidence,
    validUntil: r.validUntil?.toISOString() ?? null,
    description: r.description,
    source: r.source,
    origin: r.origin,
    ownerNode: r.ownerNode,
    state: r.state,
    marking: r.marking,
    setId: r.setId,
    createdAt: firstAdded(r).toISOString(),
  };
}

function reportOf(r: ImportRow): ImportReport {
  return {
    id: r.id,
    format: r.format,
    fileName: r.fileName,
    state: r.state,
    read: r.read,
    added: r.added,
    duplicates: r.duplicates,
    rejected: r.rejected,
    objectsKept: r.objectsKept,
    problems: r.problems,
    bytes: r.bytes,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

const itemOf = (r: IndicatorRow): IndicatorItem => ({
  id: r.id,
  stixId: r.stixId,
  kind: r.kind as IndicatorItem["kind"],
  value: r.value,
  qualifier: r.qualifier,
  firstSeen: r.firstSeen?.toISOString() ?? null,
  lastSeen: r.lastSeen?.toISOString() ?? null,
  confidence: r.confidence,
  validUntil: r.validUntil?.toISOString() ?? null,
  description: r.description,
  source: r.source,
});

/**
 * Cuts rows into shared batches of at most INDICATOR_BATCH_MAX indicators and `maxChars` characters of JSON
 * (at least one indicator each): 2,000 indicators with their descriptions can be several times what one
 * envelope carries.
 */
export function batchesOf(rows: IndicatorRow[], maxBytes: number): IndicatorRow[][] {
  const out: IndicatorRow[][] = [];
  let cur: IndicatorRow[] = [];
  let bytes = 0;
  for (const r of rows) {
    const n = Buffer.byteLength(JSON.stringify(itemOf(r))) + 1;
    if (cur.length && (cur.length >= INDICATOR_BATCH_MAX || bytes + n > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(r);
    bytes += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Whether a held received indicator already is this version of it: the same item (as the owner's `itemOf` wrote
 * it) under the same marking.
 */
const sameVersion = (h: IndicatorRow, i: IndicatorItem, marking: Marking) =>
  canonicalJson(itemOf(h)) === canonicalJson(i) && canonicalJson(h.marking) === canonicalJson(marking);

/** The identifiers correlation indexes for an indicator (its kind and canonical value). */
export const identifiersOf = (r: { kind: string; value: string }) => [{ kind: r.kind, value: r.value }];

export function createIndicatorsService(deps: IndicatorsDeps) {
  const { db, clock, audit, nodeId, shared, correlation } = deps;

  function unitOf(ctx: Ctx): string {
    const unitId = ctx.actor.unitId;
    assertThat(
      unitId,
      () => new AppError("FORBIDDEN", [{ issue: "only an officer of a unit holds indicators" }]),
    );
    return unitId;
  }

  async function list(ctx: Ctx, q: IndicatorQuery) {
    requirePermission(ctx.actor, "sharing:read");
    if (!ctx.actor.unitId) return { items: [], nextCursor: null };
    const limit = Math.min(q.limit, MAX_PAGE);
    const rows = await repo.page(db, {
      unitId: ctx.actor.unitId,
      kind: q.kind,
      origin: q.origin,
      state: q.state,
      q: q.q,
      afterId: q.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { items: page.map(toView), nextCursor: rows.length > limit ? page[page.length - 1].id : null };
  }

  async function visible(ctx: Ctx, dbx: DbOrTx, id: string): Promise<IndicatorRow> {
    const row = await repo.find(dbx, id);
    assertThat(row && row.unitId === ctx.actor.unitId && !revokedStub(row), notFound("indicator"));
    return row;
  }

  async function get(ctx: Ctx, id: string): Promise<IndicatorView> {
    requirePermission(ctx.actor, "sharing:read");
    return toView(await visible(ctx, db, id));
  }

  /**
   * Streams a CSV file or a STIX 2.1 bundle into the unit's indicators. The report row is written first (so a
   * running import can be watched) and completed, with its audit entry, in one transaction at the end.
   */
  async function importFile(
    ctx: Ctx,
    opts: { format: ImportFormat | undefined; fileName?: string; tlp: TlpLevel },
    source: AsyncIterable<Buffer | string>,
    onProgress?: (p: ImportProgress) => void,
  ): Promise<ImportReport> {
    requirePermission(ctx.actor, "sharing:write");
    const unitId = unitOf(ctx);
    const format = opts.format;
    if (!format) {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", [
        { field: "headers.content-type", issue: "text/csv or application/stix+json (or name the format)" },
      ]);
    }
    const self = await nodeId(db);
    const now = clock.now();
    const id = `imp_${uuidv7()}`;
    await repo.createImport(db, {
      id,
      unitId,
      userId: ctx.actor.userId,
      format,
      fileName: opts.fileName ?? null,
      state: "running",
      startedAt: now,
    });
    let lastWrite = Date.now();
    try {
      const tally = await runImport(
        {
          db,
          unitId,
          ownerNode: self,
          importId: id,
          tlp: opts.tlp,
          now,
          clock,
          onProgress: (p) => {
            onProgress?.(p);
            // The running row is refreshed about once a second for whoever watches it (the console).
            if (Date.now() - lastWrite > 1000) {
              lastWrite = Date.now();
              void repo.updateImport(db, id, { ...p }).catch(() => {});
            }
          },
          correlation,
        },
        format,
        source,
      );
      const done = await inTransaction(db, async (tx) => {
        const r = await repo.updateImport(tx, id, {
          state: "done",
          read: tally.read,
          added: tally.added,
          duplicates: tally.duplicates,
          rejected: tally.rejected,
          objectsKept: tally.objectsKept,
          problems: tally.problems,
          bytes: tally.bytes,
          finishedAt: clock.now(),
        });
        await audit.record(tx, ctx, {
          action: "indicators.import",
          targetType: "indicator_import",
          targetId: id,
          details: {
            format,
            read: tally.read,
            added: tally.added,
            duplicates: tally.duplicates,
            rejected: tally.rejected,
            objectsKept: tally.objectsKept,
          },
        });
        return r;
      });
      // The feed's plans rest on the table's statistics: a TAXII client paging through what a large import added,
      // before autovacuum (or the PGlite upkeep job) analyses the table, otherwise had every page planned as a
      // scan and sort of all rows after its cursor (76 ms instead of 16 ms a page at 260,000 rows, p50).
      if (tally.added >= ANALYZE_AFTER) await repo.analyze(db);
      return reportOf(done);
    } catch (err) {
      // A file refused as a whole (bad header, not a bundle) keeps nothing but the failed report.
      await inTransaction(db, async (tx) => {
        await repo.updateImport(tx, id, { state: "failed", finishedAt: clock.now() });
        await audit.record(tx, ctx, {
          action: "indicators.import",
          targetType: "indicator_import",
          targetId: id,
          outcome: "rejected",
          details: { format, reason: err instanceof AppError ? err.code : "error" },
        });
      });
      throw err;
    }
  }

  async function getImport(ctx: Ctx, id: string): Promise<ImportReport> {
    requirePermission(ctx.actor, "sharing:read");
    const r = await repo.findImport(db, id);
    assertThat(r && r.unitId === ctx.actor.unitId, notFound("import"));
    return reportOf(r);
  }

  /**
   * Shares own indicators not shared yet, in batches that fit an envelope (`batchesOf`; one shared object and
   * one federation message per batch and peer), linked to their batch in the same transaction. The rows are
   * chosen and locked in that transaction (`lockUnshared`), so a second share at the same time (a double
   * click, another process) waits for the first and then finds them shared: its answer is the same 409 as a
   * share made after it, and nothing is shared twice.
   */
  async function share(ctx: Ctx, body: ShareIndicatorsBody) {
    requirePermission(ctx.actor, "sharing:write");
    const unitId = unitOf(ctx);
    return inTransaction(db, async (tx) => {
      const rows = await repo.lockUnshared(tx, { unitId, ids: body.ids, importId: body.importId });
      if (body.ids && rows.length !== new Set(body.ids).size) {
        const found = new Set(rows.map((r) => r.id));
        const i = body.ids.findIndex((id) => !found.has(id));
        throw new AppError("CONFLICT", [
          {
            field: `body.ids.${i}`,
            issue: "not an active own indicator of your unit that is not shared yet",
          },
        ]);
      }
      if (!rows.length) throw new AppError("CONFLICT", [{ field: "body", issue: "nothing to share" }]);
      const batches: string[] = [];
      const now = clock.now();
      // An indicator whose marking the share changes gets a new version in this node's TAXII feed (a client that
      // took it under its former marking learns the new one), dated from the feed's clock: taken before the
      // batches are published (the lock order of a withdraw: the rows, the feed's clock, the peers' counters).
      const marking = canonicalJson(body.marking);
      const feedAt = rows.some((r) => canonicalJson(r.marking) !== marking)
        ? await repo.feedDateAdded(tx, now)
        : now;
      for (const part of batchesOf(rows, deps.batchBytes)) {
        const setId = await shared.publishIn(tx, ctx, {
          type: "indicator.set",
          marking: body.marking,
          content: { name: body.name, indicators: part.map(itemOf) },
          recipients: body.recipients,
          unitId,
        });
        const put = await repo.setBatch(
          tx,
          part.map((r) => r.id),
          setId,
          body.marking,
          feedAt,
        );
        // The rows are locked and were in no batch: anything else is a bug, and nothing of this share is kept.
        if (put !== part.length)
          throw new Error(`indicator batch ${setId}: ${put} of ${part.length} rows put`);
        batches.push(setId);
      }
      await audit.record(tx, ctx, {
        action: "indicators.share",
        targetType: "indicator_set",
        targetId: batches[0],
        details: {
          batches: batches.length,
          indicators: rows.length,
          recipients: body.recipients,
          tlp: body.marking.tlp,
        },
      });
      return { batches, indicators: rows.length };
    });
  }

  /**
   * Withdraws an own indicator; when it was shared, its batch gets a new version without it (or is withdrawn
   * when it was the last), so it leaves every peer's store, searches and TAXII feed. The indicator's row is
   * locked first (its state and batch are read under the lock: a share or withdraw of it at the same time
   * waits, and a second withdraw is a 409), then its batch (`lockIn`) before the batch's remaining
   * indicators are read, so two withdraws from one batch at once each build on the other's version.
   */
  async function withdraw(ctx: Ctx, id: string): Promise<IndicatorView> {
    requirePermission(ctx.actor, "sharing:write");
    await inTransaction(db, async (tx) => {
      const row = await repo.lock(tx, id);
      assertThat(row && row.unitId === ctx.actor.unitId, notFound("indicator"));
      if (row.origin !== "own")
        throw new AppError("CONFLICT", [issue("indicators.readOnly", { node: row.ownerNode })]);
      if (row.state === "withdrawn")
        throw new AppError("CONFLICT", [{ issue: "the indicator is withdrawn already" }]);
      const set = row.setId ? await shared.lockIn(tx, row.setId) : null;
      const now = clock.now();
      await repo.withdraw(tx, id, await repo.feedDateAdded(tx, now));
      await correlation?.forget(tx, "indicator", [id]);
      if (row.setId && set) {
        const rest = await repo.activeInSet(tx, row.setId);
        if (rest.length) {
          const name = typeof set.content?.name === "string" ? set.content.name : "indicators";
          await shared.updateIn(tx, ctx, row.setId, { content: { name, indicators: rest.map(itemOf) } });
        } else {
          await shared.withdrawIn(tx, ctx, row.setId);
        }
      }
      await audit.record(tx, ctx, {
        action: "indicators.withdraw",
        targetType: "indicator",
        targetId: id,
        details: { setId: row.setId },
      });
    });
    return get(ctx, id);
  }

  /**
   * The receiver's projection of a shared batch (the `onReceived` hook of `indicator.set`), in the inbox
   * transaction. A version adds its new indicators and replaces the ones it changed (the others stay as they
   * are: no new version in the TAXII feed); the held indicators it no longer lists, or all of them on a
   * tombstone, are withdrawn: they leave searches and correlation, and stay only as their revoked version in
   * the TAXII feed, so a TAXII client that took one learns it is withdrawn.
   */
  async function projectReceived(tx: Tx, copy: ReceivedCopy): Promise<void> {
    const items =
      copy.state === "active" && copy.content ? IndicatorSetContent.parse(copy.content).indicators : [];
    const held = new Map((await repo.receivedInSet(tx, copy.id)).map((r) => [r.id, r]));
    const listed = new Set(items.map((i) => i.id));
    const withdrawn = [...held.values()]
      .filter((r) => r.state === "active" && !listed.has(r.id))
      .map((r) => r.id);
    const changed = items.filter((i) => {
      const h = held.get(i.id);
      return h?.state !== "active" || !sameVersion(h, i, copy.marking);
    });
    if (!withdrawn.length && !changed.length) return;
    // The date added from the feed's clock (in commit order), so a TAXII client cannot page past this version.
    const at = await repo.feedDateAdded(tx, clock.now());
    const now = at.toISOString();
    await repo.revokeReceived(tx, withdrawn, at);
    const replaced = changed.filter((i) => held.has(i.id)).map((i) => i.id);
    await repo.deleteReceived(tx, replaced);
    const gone = [...withdrawn, ...replaced.filter((id) => held.get(id)?.state === "active")];
    if (gone.length) await correlation?.forget(tx, "indicator", gone);
    const rows: IndicatorInsert[] = changed.map((i) => {
      const h = held.get(i.id);
      return {
        id: i.id,
        stixId: i.stixId,
        unitId: copy.unitId,
        origin: "received",
        ownerNode: copy.ownerNode,
        setId: copy.id,
        kind: i.kind,
        qualifier: i.qualifier,
        value: i.value,
        net:
          i.kind === "ip"
            ? i.value.includes("/")
              ? i.value
              : `${i.value}/${i.value.includes(":") ? 128 : 32}`
            : null,
        firstSeen: i.firstSeen,
        lastSeen: i.lastSeen,
        confidence: i.confidence,
        validUntil: i.validUntil,
        description: i.description,
        source: i.source,
        tlp: copy.marking.tlp,
        marking: copy.marking,
        importId: null,
        createdAt: now,
        // A new version of one held before keeps when it was first added (STIX `created`).
        ...(h ? { updatedAt: now, firstAddedAt: firstAdded(h).toISOString() } : {}),
      };
    });
    const added = new Set(await repo.insertMany(tx, rows));
    await correlation?.index(
      tx,
      "indicator",
      rows
        .filter((r) => added.has(r.id))
        .map((r) => ({ recordId: r.id, ownerUnit: r.unitId, identifiers: identifiersOf(r) })),
    );
  }

  /** A STIX 2.1 bundle of the unit's active indicators (own and received), or of the ids given. */
  async function exportBundle(ctx: Ctx, q: { ids?: string[] }): Promise<StixObject> {
    requirePermission(ctx.actor, "sharing:read");
    const unitId = unitOf(ctx);
    const rows = q.ids
      ? (await repo.findMany(db, q.ids)).filter((r) => r.unitId === unitId && r.state === "active")
      : await repo.feed(db, { unitIds: [unitId], limit: 1_000_000, activeOnly: true });
    const extra = q.ids ? [] : await repo.stixObjectsOf(db, [unitId], 100_000);
    await audit.recordAlone(ctx, {
      action: "indicators.export",
      targetType: "indicator",
      details: { format: "stix", indicators: rows.length },
    });
    return indicatorsBundle(rows, { now: clock.now(), extra });
  }

  return {
    list,
    get,
    importFile,
    getImport,
    share,
    withdraw,
    projectReceived,
    exportBundle,
  };
}

export type IndicatorsService = ReturnType<typeof createIndicatorsService>;
