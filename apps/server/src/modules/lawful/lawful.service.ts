import {
  issue,
  type LawfulBasis,
  type LawfulKind,
  type LawfulRecordView,
  type LawfulStatus,
  type Permission,
  type RetentionDue,
  type RetentionDueItem,
  type RetentionDueList,
  RetentionPolicy,
} from "@crossline/schemas";
import type { z } from "zod";
import { type Db, type DbOrTx, inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, can, requirePermission, systemCtx } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import type { AuditService } from "../audit/audit.service.js";
import type { FederationPort } from "../federation/federation.types.js";
import type { PersonalDataSubject } from "../shared-objects/shared-objects.types.js";
import { type LawfulRecordRow, lawfulRepo as repo } from "./lawful.repo.js";
import { createScreening } from "./lawful.screening.js";
import { DEFAULT_RETENTION_POLICY, type LawfulKindDef, type LawfulPort } from "./lawful.types.js";

export interface LawfulDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  federation: FederationPort;
  /** This node's id (read in the caller's transaction when there is one). */
  nodeId: (dbx: DbOrTx) => Promise<string>;
}

/** The daily job runs at most once in this long, whichever process gets to it first. */
const JOB_EVERY_MS = 23 * 3600_000;
const BATCH = 500;
const LIST_LIMIT = 500;

export function addMonths(at: Date, months: number): Date {
  const d = new Date(at.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}
export const addYears = (at: Date, years: number) => addMonths(at, 12 * years);

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * Personal data, one mechanism for every domain: the legal basis and retention of each record (the domain
 * registers its kind), the node's retention policy, the daily job that finds what is due for review or
 * erasure, erasure itself (anonymise or delete, audited), and the screening for lawful use
 * (lawful.screening.ts).
 */
export function createLawfulService(deps: LawfulDeps) {
  const { db, clock, audit } = deps;
  const kinds = new Map<LawfulKind, LawfulKindDef>();
  // The policy as last read or written by this process: the shared-objects hook (retentionEnd) is synchronous.
  let policyCache: RetentionPolicy = DEFAULT_RETENTION_POLICY;

  let unlinkPersons: ((tx: Tx, recordType: string, recordId: string) => Promise<string[]>) | null = null;

  /** The persons module's `unlinkRecord`: erasing a record of a kind with `personRecordType` unlinks its people. */
  function setPersonUnlinker(fn: (tx: Tx, recordType: string, recordId: string) => Promise<string[]>): void {
    unlinkPersons = fn;
  }

  function registerKind(def: LawfulKindDef): void {
    if (kinds.has(def.kind)) throw new Error(`lawful kind ${def.kind} is already registered`);
    kinds.set(def.kind, def);
  }

  function kindOf(kind: LawfulKind): LawfulKindDef {
    const def = kinds.get(kind);
    // A kind no domain of this node registered holds nothing here.
    assertThat(def, notFound("record"));
    return def;
  }

  const kindPolicy = (p: RetentionPolicy, kind: LawfulKind) =>
    p.kinds[kind] ??
    DEFAULT_RETENTION_POLICY.kinds[kind] ?? {
      retentionYears: 5,
      reviewMonths: 12,
      action: "anonymise" as const,
    };

  async function readPolicy(dbx: DbOrTx): Promise<RetentionPolicy> {
    const row = await repo.settings(dbx);
    const parsed = RetentionPolicy.safeParse(row?.policy);
    policyCache = parsed.success ? parsed.data : DEFAULT_RETENTION_POLICY;
    return policyCache;
  }

  /** Loads the policy into this process (at start-up; the daily job and every change refresh it too). */
  async function refreshPolicy(): Promise<RetentionPolicy> {
    return readPolicy(db);
  }

  async function getPolicy(ctx: Ctx): Promise<RetentionPolicy> {
    if (!can(ctx.actor, "policy:manage")) requirePermission(ctx.actor, "lawful:retention");
    return readPolicy(db);
  }

  async function putPolicy(ctx: Ctx, policy: z.output<typeof RetentionPolicy>): Promise<RetentionPolicy> {
    requirePermission(ctx.actor, "policy:manage");
    const now = clock.now();
    await inTransaction(db, async (tx) => {
      await repo.setSettings(tx, { policy }, now);
      // Records whose retention has started get their end from the new policy at once.
      for (const kind of kinds.keys())
        await repo.recomputeRetention(tx, kind, kindPolicy(policy, kind).retentionYears);
      await audit.record(tx, ctx, {
        action: "lawful.policy_update",
        targetType: "lawful_policy",
        details: { policy },
      });
    });
    return readPolicy(db);
  }

  /** The shared-objects personal-data hook: years from storage per shared type, else the shared-object policy. */
  function sharedObjectRetentionEnd(subject: PersonalDataSubject, at: Date): Date | null {
    const years =
      policyCache.sharedTypes[subject.type] ?? kindPolicy(policyCache, "shared_object").retentionYears;
    return addYears(at, years);
  }

  // ---- the record's basis

  const port: LawfulPort = {
    async declare(tx, r) {
      const now = clock.now();
      const p = kindPolicy(policyCache, r.kind);
      await repo.upsert(tx, {
        kind: r.kind,
        recordId: r.recordId,
        instrument: r.basis.instrument,
        article: r.basis.article ?? null,
        reference: r.basis.reference ?? null,
        purpose: r.purpose,
        ownerUnitId: r.ownerUnitId,
        reviewAt: addMonths(now, p.reviewMonths),
        action: p.action,
        createdAt: now,
        updatedAt: now,
      });
    },
    assertReleasable: (dbx, kind, recordId) => screening.assertReleasable(dbx, kind, recordId),
  };

  function recordView(row: LawfulRecordRow, title: string): LawfulRecordView {
    return {
      kind: row.kind,
      recordId: row.recordId,
      title,
      basis: row.instrument
        ? ({
            instrument: row.instrument,
            ...(row.article ? { article: row.article } : {}),
            ...(row.reference ? { reference: row.reference } : {}),
          } as LawfulBasis)
        : null,
      purpose: row.purpose,
      pendingReview: row.pendingReview,
      ownerUnitId: row.ownerUnitId,
      reviewAt: iso(row.reviewAt),
      retentionStart: iso(row.retentionStart),
      retainUntil: iso(row.retainUntil),
      action: row.action,
      erasedAt: iso(row.erasedAt),
    };
  }

  const isOfficer = (ctx: Ctx) => can(ctx.actor, "lawful:review") || can(ctx.actor, "lawful:retention");

  /**
   * Who may look at a record's lawful status or act on it as its domain's user: the legal reviewers node-wide,
   * else a holder of the kind's permission who can see the record in its domain (else NOT_FOUND).
   */
  async function authorize(ctx: Ctx, def: LawfulKindDef, recordId: string, perm: Permission): Promise<void> {
    if (isOfficer(ctx)) {
      const info = await def.describe(db, [recordId]);
      assertThat(info.has(recordId), notFound("record"));
      return;
    }
    requirePermission(ctx.actor, perm);
    assertThat(await def.visible(db, ctx, recordId), notFound("record"));
  }

  async function status(ctx: Ctx, kind: LawfulKind, recordId: string): Promise<LawfulStatus> {
    const def = kindOf(kind);
    await authorize(ctx, def, recordId, def.permissions.read);
    const [row, info] = await Promise.all([repo.find(db, kind, recordId), def.describe(db, [recordId])]);
    const s = await screening.statusOf(db, kind, recordId, info);
    return { record: row ? recordView(row, info.get(recordId)?.title ?? recordId) : null, ...s };
  }

  // ---- retention

  /**
   * The daily job: fills in the retention start of records that reached it (asking each kind), derives their
   * retention end, and counts what is due for review or erasure. One process at a time: the settings row is
   * claimed FOR UPDATE SKIP LOCKED, and a run within the last 23 hours is not repeated (unless forced).
   */
  async function runDailyJob(opts: { force?: boolean } = {}) {
    const now = clock.now();
    const result = await inTransaction(db, async (tx) => {
      const settings = await repo.claimSettings(tx, now);
      if (!settings) return { ran: false as const, reason: "busy" };
      if (!opts.force && settings.jobRunAt && now.getTime() - settings.jobRunAt.getTime() < JOB_EVERY_MS) {
        return { ran: false as const, reason: "recent" };
      }
      const policy = await readPolicy(tx);
      let started = 0;
      for (const def of kinds.values()) {
        if (!def.retentionStart) continue;
        const years = kindPolicy(policy, def.kind).retentionYears;
        let after = "";
        for (;;) {
          const batch = await repo.withoutStart(tx, def.kind, after, BATCH);
          if (!batch.length) break;
          after = batch[batch.length - 1].recordId;
          const starts = await def.retentionStart(
            tx,
            batch.map((b) => b.recordId),
          );
          for (const [recordId, start] of starts) {
            if (!start) continue;
            await repo.update(tx, def.kind, recordId, {
              retentionStart: start,
              retainUntil: addYears(start, years),
              updatedAt: now,
            });
            started++;
          }
          if (batch.length < BATCH) break;
        }
      }
      const items = await dueItems(tx, now);
      const counts = {
        started,
        dueReview: items.filter((i) => i.due === "review").length,
        dueDeletion: items.filter((i) => i.due === "deletion").length,
      };
      await repo.setSettings(tx, { jobRunAt: now }, now);
      await audit.record(tx, systemCtx(), {
        action: "lawful.retention_job",
        targetType: "lawful_policy",
        details: counts,
      });
      return { ran: true as const, ...counts };
    });
    return result;
  }

  async function dueItems(dbx: DbOrTx, now: Date): Promise<RetentionDueItem[]> {
    const items: RetentionDueItem[] = [];
    const rows = await repo.due(dbx, now, LIST_LIMIT);
    const byKind = new Map<LawfulKind, LawfulRecordRow[]>();
    for (const r of rows) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r]);
    for (const [kind, list] of byKind) {
      const def = kinds.get(kind);
      const info = def
        ? await def.describe(
            dbx,
            list.map((r) => r.recordId),
          )
        : new Map();
      for (const r of list) {
        const deletion = r.retainUntil !== null && r.retainUntil <= now;
        items.push({
          kind,
          recordId: r.recordId,
          title: info.get(r.recordId)?.title ?? r.recordId,
          due: deletion ? "deletion" : "review",
          dueAt: ((deletion ? r.retainUntil : r.reviewAt) as Date).toISOString(),
          action: r.action,
          ownerUnitId: r.ownerUnitId,
          pendingReview: r.pendingReview,
        });
      }
    }
    for (const def of kinds.values()) {
      if (!def.listDue) continue;
      const due = await def.listDue(dbx, now, LIST_LIMIT, kindPolicy(policyCache, def.kind));
      const info = await def.describe(
        dbx,
        due.map((d) => d.recordId),
      );
      const action = kindPolicy(policyCache, def.kind).action;
      for (const d of due) {
        items.push({
          kind: def.kind,
          recordId: d.recordId,
          title: info.get(d.recordId)?.title ?? d.recordId,
          due: "deletion",
          dueAt: d.dueAt.toISOString(),
          action,
          ownerUnitId: info.get(d.recordId)?.ownerUnitId ?? null,
          pendingReview: false,
        });
      }
    }
    return items.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  }

  /** The retention dashboard: what is due for review or for erasure now. */
  async function dueList(ctx: Ctx, due?: RetentionDue): Promise<RetentionDueList> {
    requirePermission(ctx.actor, "lawful:retention");
    const now = clock.now();
    const items = await dueItems(db, now);
    return { items: due ? items.filter((i) => i.due === due) : items, generatedAt: now.toISOString() };
  }

  /** A reviewer confirms or restates the basis and sets the next review. */
  async function review(
    ctx: Ctx,
    kind: LawfulKind,
    recordId: string,
    body: { basis?: LawfulBasis; purpose?: string; reviewAt?: string },
  ): Promise<LawfulStatus> {
    requirePermission(ctx.actor, "lawful:retention");
    kindOf(kind);
    const now = clock.now();
    const reviewAt = body.reviewAt
      ? new Date(body.reviewAt)
      : addMonths(now, kindPolicy(policyCache, kind).reviewMonths);
    if (reviewAt <= now) {
      throw new AppError("VALIDATION_FAILED", [
        { field: "body.reviewAt", issue: "the next review is in the future" },
      ]);
    }
    await inTransaction(db, async (tx) => {
      const row = await repo.lock(tx, kind, recordId);
      assertThat(row, notFound("record"));
      if (row.erasedAt) throw new AppError("CONFLICT", [{ issue: "the record's personal data is erased" }]);
      await repo.update(tx, kind, recordId, {
        ...(body.basis
          ? {
              instrument: body.basis.instrument,
              article: body.basis.article ?? null,
              reference: body.basis.reference ?? null,
            }
          : {}),
        ...(body.purpose ? { purpose: body.purpose } : {}),
        pendingReview: false,
        reviewAt,
        updatedAt: now,
      });
      await audit.record(tx, ctx, {
        action: "lawful.review",
        targetType: kind,
        targetId: recordId,
        details: {
          reviewAt: reviewAt.toISOString(),
          ...(body.basis ? { instrument: body.basis.instrument } : {}),
          ...(body.purpose ? { purposeChanged: true } : {}),
        },
      });
    });
    return status(ctx, kind, recordId);
  }

  /**
   * Erases a record's personal data now that its retention has ended: the kind's action (anonymise keeps the
   * statistics fields; delete, for shared objects, withdraws the copies at the peers). Audited with the action.
   */
  async function erase(ctx: Ctx, kind: LawfulKind, recordId: string, note?: string) {
    requirePermission(ctx.actor, "lawful:retention");
    const def = kindOf(kind);
    const now = clock.now();
    await inTransaction(db, async (tx) => {
      let action = kindPolicy(policyCache, kind).action;
      if (def.listDue) {
        // Under the record's lock: what is checked here is what gets erased.
        await def.lock?.(tx, recordId);
        const due = await def.listDue(tx, now, 1, kindPolicy(policyCache, kind), recordId);
        assertThat(
          due.some((d) => d.recordId === recordId),
          () => new AppError("CONFLICT", [{ issue: "the record is not due for erasure" }]),
        );
      } else {
        const row = await repo.lock(tx, kind, recordId);
        assertThat(row, notFound("record"));
        if (row.erasedAt)
          throw new AppError("CONFLICT", [{ issue: "the record's personal data is already erased" }]);
        if (!row.retainUntil || row.retainUntil > now) {
          throw new AppError("CONFLICT", [
            row.retainUntil
              ? issue("record.keptUntil", { date: row.retainUntil.toISOString() })
              : { issue: "the record's retention has not started (it is still open)" },
          ]);
        }
        action = row.action;
      }
      const details = await def.erase(tx, ctx, recordId, action);
      // The record names no one any more: the persons it named may start their own retention.
      if (def.personRecordType && unlinkPersons) {
        const persons = await unlinkPersons(tx, def.personRecordType, recordId);
        if (persons.length) details.persons = persons;
      }
      if (!def.listDue) {
        await repo.update(tx, kind, recordId, {
          erasedAt: now,
          updatedAt: now,
          article: null,
          reference: null,
        });
      }
      await audit.record(tx, ctx, {
        action: `lawful.${action}`,
        targetType: kind,
        targetId: recordId,
        details: { ...details, ...(note ? { note } : {}) },
      });
    });
    return { kind, recordId, erasedAt: now.toISOString() };
  }

  const screening = createScreening({ ...deps, kindOf, authorize, isOfficer });

  return {
    registerKind,
    setPersonUnlinker,
    port,
    refreshPolicy,
    getPolicy,
    putPolicy,
    sharedObjectRetentionEnd,
    status,
    runDailyJob,
    dueList,
    review,
    erase,
    ...screening.api,
    kinds: () => [...kinds.keys()],
  };
}

export type LawfulService = ReturnType<typeof createLawfulService>;
