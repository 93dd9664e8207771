import {
  type AccessAction,
  type AccessLogEntry,
  type AccessLogPolicy,
  type AccessLogVerifyResult,
  addDays,
  DEFAULT_ACCESS_LOG_POLICY,
  type UnusualAccessReport,
  zonedDays,
  zonedToday,
} from "@crossline/schemas";
import { sha256Hex } from "../../crypto/hash.js";
import type { Db, DbOrTx } from "../../db/client.js";
import { inTransaction } from "../../db/client.js";
import { type Ctx, requirePermission, systemCtx } from "../../lib/actor.js";
import { canonicalJson } from "../../lib/canonical-json.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat } from "../../lib/errors.js";
import type { AuditService } from "../audit/audit.service.js";
import type { PersonalDataHooks } from "../shared-objects/shared-objects.types.js";
import {
  type AccessLogInsert,
  type AccessLogRow,
  accessLogRepo as repo,
  type SealRow,
} from "./access-log.repo.js";
import { createAccessLogWriter } from "./access-log.writer.js";

/** One thing read: what, whose (the record's unit) and, when known, which person. */
export interface AccessEntry {
  action: AccessAction;
  recordType: string;
  recordId: string;
  recordUnitId?: string | null;
  personId?: string | null;
}

/** The narrow port other modules log reads through. */
export interface AccessLogPort {
  /**
   * Logs reads. In a transaction: one INSERT in it, committed with the caller's change. Otherwise the rows
   * are queued for this process's write-behind (access-log.writer.ts) and the read goes on at once.
   */
  record(dbx: DbOrTx, ctx: Ctx, entries: AccessEntry[]): Promise<void>;
}

/** A seal covers at most this many rows, so a seal's transaction stays short after a busy spell. */
const SEAL_MAX_ROWS = 50_000;
/**
 * Rows younger than this are left for the next seal (a seal a minute covers what has settled). Not what keeps a
 * late commit out of a sealed range: a write in flight for longer (a stalled INSERT, a long transaction) is
 * waited for by the write lock (access-log.repo.ts), which the margin alone did not do.
 */
const SEAL_MARGIN_MS = 30_000;
/** How many times a seal tries the log's write lock (50 ms apart) before leaving the seal to the next tick. */
const SEAL_LOCK_TRIES = 20;
const GENESIS = "0".repeat(64);

/** The hash of a seal: chained to the previous seal's and over every row of its range, in id order. */
function chainRows(prev: string, rows: AccessLogRow[]): string {
  let h = prev;
  for (const r of rows) h = sha256Hex(h + canonicalJson(rowForHash(r)));
  return h;
}

function rowForHash(r: AccessLogRow) {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actorId: r.actorId,
    actorLabel: r.actorLabel,
    actorUnitId: r.actorUnitId,
    action: r.action,
    recordType: r.recordType,
    recordId: r.recordId,
    recordUnitId: r.recordUnitId,
    personId: r.personId,
    reason: r.reason,
    requestId: r.requestId,
  };
}

export function toAccessLogEntry(r: AccessLogRow): AccessLogEntry {
  return {
    id: String(r.id),
    at: r.at.toISOString(),
    actorId: r.actorId,
    actorLabel: r.actorLabel,
    actorUnitId: r.actorUnitId,
    action: r.action as AccessAction,
    recordType: r.recordType,
    recordId: r.recordId,
    personId: r.personId,
    reason: r.reason,
    requestId: r.requestId,
  };
}

const DAY_MS = 86_400_000;

/**
 * The access log: who read personal data, when, which record, why (docs/persons.md). Append-only; sealed
 * into the audit chain by `seal` (a worker runs it every minute).
 */
export function createAccessLogService(deps: {
  db: Db;
  clock: Clock;
  audit: AuditService;
  /** The node's time zone: the unusual-access report counts its days. */
  nodeZone: () => Promise<string>;
}) {
  const { db, clock, audit } = deps;
  const writer = createAccessLogWriter(db);

  async function record(dbx: DbOrTx, ctx: Ctx, entries: AccessEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const at = clock.now();
    const a = ctx.actor;
    const rows: AccessLogInsert[] = entries.map((e) => ({
      at,
      actorId: a.userId ?? a.id,
      actorLabel: a.label,
      actorUnitId: a.unitId,
      action: e.action,
      recordType: e.recordType,
      recordId: e.recordId,
      recordUnitId: e.recordUnitId ?? null,
      personId: e.personId ?? null,
      reason: ctx.reason ?? null,
      requestId: ctx.requestId,
    }));
    if ("rollback" in dbx) await repo.insert(dbx, rows);
    else writer.enqueue(rows);
  }

  /** The shared-objects personal-data hook: a detail is a read, a list page is one row per object listed. */
  const onRead: PersonalDataHooks["onRead"] = (dbx, ctx, subjects) =>
    record(
      dbx,
      ctx,
      subjects.map((s) => ({
        action: subjects.length === 1 ? "read" : "list",
        recordType: "shared_object",
        recordId: s.objectId,
      })),
    );

  /** Who read a person, or a record naming them (auditors only), newest first. */
  async function forPerson(
    ctx: Ctx,
    personId: string,
    recordIds: string[],
    q: { limit: number; cursor?: string },
  ): Promise<{ items: AccessLogEntry[]; nextCursor: string | null }> {
    requirePermission(ctx.actor, "audit:read");
    const beforeId = q.cursor === undefined ? undefined : Number(q.cursor);
    assertThat(
      beforeId === undefined || (Number.isSafeInteger(beforeId) && beforeId > 0),
      new AppError("VALIDATION_FAILED", [
        { field: "querystring.cursor", issue: "not a cursor from this list" },
      ]),
    );
    await writer.flush();
    const rows = await repo.forPerson(db, { personId, recordIds, beforeId, limit: q.limit + 1 });
    const items = rows.slice(0, q.limit).map(toAccessLogEntry);
    return { items, nextCursor: rows.length > q.limit ? items[items.length - 1].id : null };
  }

  /** Every row about a person, oldest first (up to `max`): for the subject-access export, whose permission the caller checked. */
  async function allForPerson(
    personId: string,
    recordIds: string[],
    max = 10_000,
  ): Promise<AccessLogEntry[]> {
    await writer.flush();
    const rows = await repo.forPerson(db, { personId, recordIds, limit: max });
    return rows.reverse().map(toAccessLogEntry);
  }

  async function readPolicy(dbx: DbOrTx = db): Promise<AccessLogPolicy> {
    return (await repo.policy(dbx)) ?? DEFAULT_ACCESS_LOG_POLICY;
  }

  async function policy(ctx: Ctx): Promise<AccessLogPolicy> {
    if (!ctx.actor.permissions.has("policy:manage")) requirePermission(ctx.actor, "audit:read");
    return readPolicy();
  }

  async function putPolicy(ctx: Ctx, body: AccessLogPolicy): Promise<AccessLogPolicy> {
    requirePermission(ctx.actor, "policy:manage");
    await inTransaction(db, async (tx) => {
      await repo.putPolicy(tx, body.dailyReadThreshold);
      await audit.record(tx, ctx, { action: "access_log.policy", details: { ...body } });
    });
    return body;
  }

  /**
   * Unusual access in [from, to] (days on the node's calendar, the last seven by default): volume above the
   * threshold, and reads outside one's unit, per user per day.
   */
  async function unusual(
    ctx: Ctx,
    q: { from?: string; to?: string; threshold?: number },
  ): Promise<UnusualAccessReport> {
    requirePermission(ctx.actor, "audit:read");
    const timeZone = await deps.nodeZone();
    const to = q.to ?? zonedToday(timeZone, clock.now());
    const from = q.from ?? addDays(to, -6);
    assertThat(
      from <= to,
      new AppError("VALIDATION_FAILED", [{ field: "querystring.to", issue: "must not be before from" }]),
    );
    assertThat(
      Date.parse(to) - Date.parse(from) <= 366 * DAY_MS,
      new AppError("VALIDATION_FAILED", [{ field: "querystring.from", issue: "at most a year at a time" }]),
    );
    const threshold = q.threshold ?? (await readPolicy()).dailyReadThreshold;
    const days = zonedDays(from, to, timeZone);
    assertThat(days, new AppError("VALIDATION_FAILED", [{ field: "querystring.from", issue: "not a day" }]));
    await writer.flush();
    const [volume, outside] = await Promise.all([
      repo.volumeAbove(db, days.start, days.end, threshold, timeZone),
      repo.outsideUnit(db, days.start, days.end, timeZone),
    ]);
    return {
      threshold,
      from,
      to,
      timeZone,
      items: [
        ...volume.map((v) => ({ kind: "volume" as const, ...v })),
        ...outside.map((v) => ({ kind: "outside_unit" as const, ...v })),
      ],
    };
  }

  /**
   * Seals the rows written since the last seal (up to SEAL_MARGIN_MS ago, and only once every lower id has
   * committed: the write lock, access-log.repo.ts): a seal row and an audit entry carrying its hash, in one
   * transaction. Two processes sealing at once: one seal's primary key wins, the
   * other transaction fails and is retried at the next tick.
   */
  async function seal(): Promise<SealRow | null> {
    await writer.flush();
    const last = await repo.lastSeal(db);
    const fromId = last?.toId ?? 0;
    const cutoff = new Date(clock.now().getTime() - SEAL_MARGIN_MS);
    // Where the seal ends is read while no write is in flight (the write lock, exclusive, for that one read):
    // every id up to it has committed, every id drawn later is higher. A few tries; else the next tick seals.
    let end: number | null | undefined;
    for (let i = 0; i < SEAL_LOCK_TRIES && end === undefined; i++) {
      if (i) await new Promise((r) => setTimeout(r, 50));
      end = await inTransaction(db, async (tx) =>
        (await repo.tryLockWrites(tx)) ? repo.maxIdBefore(tx, fromId, cutoff) : undefined,
      );
    }
    if (end === undefined || end === null) return null;
    let toId = end;
    const prevHash = last?.hash ?? GENESIS;
    let hash = prevHash;
    let count = 0;
    let after = fromId;
    for (;;) {
      const page = await repo.rowsBetween(db, after, toId, 5000);
      if (page.length === 0) break;
      hash = chainRows(hash, page);
      count += page.length;
      after = page[page.length - 1].id;
      if (count >= SEAL_MAX_ROWS) {
        toId = after;
        break;
      }
    }
    const row: SealRow = {
      seq: (last?.seq ?? 0) + 1,
      fromId,
      toId,
      rowCount: count,
      prevHash,
      hash,
      at: clock.now(),
    };
    await inTransaction(db, async (tx) => {
      await repo.insertSeal(tx, row);
      await audit.record(tx, systemCtx(), {
        action: "access_log.seal",
        targetType: "access_log",
        targetId: String(row.seq),
        details: { seq: row.seq, fromId, toId, rowCount: count, hash },
      });
    });
    return row;
  }

  /** The audit entries of the seals, by seal number (their hashes as the audit chain keeps them). */
  async function sealEntries(): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    let before: number | undefined;
    for (;;) {
      const page = await audit.entriesForCheck({ limit: 500, before, action: "access_log.seal" });
      for (const e of page.items) {
        const d = e.details as { seq?: number; hash?: string };
        if (typeof d.seq === "number" && typeof d.hash === "string") out.set(d.seq, d.hash);
      }
      if (!page.nextCursor) break;
      before = Number(page.nextCursor);
    }
    return out;
  }

  /**
   * Recomputes every seal from the rows it covers and compares it with the seal and with the audit entry
   * that carries it: a row edited, removed or slipped in, or a seal rewritten, shows as the first bad seal.
   */
  async function verify(ctx: Ctx): Promise<AccessLogVerifyResult> {
    requirePermission(ctx.actor, "audit:verify");
    await writer.flush();
    const audited = await sealEntries();
    let prev = GENESIS;
    let seals = 0;
    let rowsChecked = 0;
    let lastTo = 0;
    const bad = (seal: number, reason: string, unsealed = 0): AccessLogVerifyResult => ({
      ok: false,
      seals,
      rowsChecked,
      unsealed,
      firstBad: { seal, reason },
    });
    for (let afterSeq = 0; ; ) {
      const page = await repo.seals(db, afterSeq, 200);
      if (page.length === 0) break;
      for (const s of page) {
        afterSeq = s.seq;
        if (s.seq !== seals + 1) return bad(seals + 1, `seal ${seals + 1} is missing`);
        if (s.prevHash !== prev || s.fromId !== lastTo)
          return bad(s.seq, "does not follow the seal before it");
        if (audited.get(s.seq) !== s.hash) return bad(s.seq, "differs from its audit entry");
        let h = prev;
        let n = 0;
        for (let after = s.fromId; ; ) {
          const rows = await repo.rowsBetween(db, after, s.toId, 5000);
          if (rows.length === 0) break;
          h = chainRows(h, rows);
          n += rows.length;
          after = rows[rows.length - 1].id;
        }
        rowsChecked += n;
        if (n < s.rowCount)
          return bad(s.seq, `${s.rowCount - n} of the ${s.rowCount} rows it covers were removed`);
        if (n > s.rowCount) return bad(s.seq, `${n - s.rowCount} rows were slipped into its range`);
        if (h !== s.hash) return bad(s.seq, "a row it covers was changed");
        prev = s.hash;
        lastTo = s.toId;
        seals++;
      }
    }
    for (const seq of audited.keys()) {
      if (seq > seals) return bad(seq, "the audit trail records a seal that is missing here");
    }
    const unsealed = await repo.countAfter(db, lastTo);
    return { ok: true, seals, rowsChecked, unsealed, firstBad: null };
  }

  return {
    record,
    onRead,
    forPerson,
    allForPerson,
    policy,
    putPolicy,
    unusual,
    seal,
    verify,
    readPolicy,
    /** Waits until this process's queued rows are written (before the log is read, and at stop). */
    flush: writer.flush,
    /** The write-behind's queue: rows pending and failures (for /metrics and the logs). */
    writerState: writer.state,
  };
}

export type AccessLogService = ReturnType<typeof createAccessLogService>;
