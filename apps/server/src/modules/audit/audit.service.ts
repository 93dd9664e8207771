import type { AuditEntry, AuditVerifyResult } from "@crossline/schemas";
import type { Db, Tx } from "../../db/client.js";
import { inTransaction } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { auditHash, GENESIS_HASH } from "./audit.hash.js";
import { type AuditRow, appendAudit, auditPageAfter, listAudit, readAuditHead } from "./audit.repo.js";

export interface AuditEvent {
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  outcome?: "success" | "failure" | "denied" | "rejected";
  details?: Record<string, unknown>;
}

export function toAuditEntry(r: AuditRow): AuditEntry {
  return {
    seq: r.seq,
    at: r.at.toISOString(),
    actorType: r.actorType as AuditEntry["actorType"],
    actorId: r.actorId,
    actorLabel: r.actorLabel,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    outcome: r.outcome as AuditEntry["outcome"],
    ip: r.ip,
    requestId: r.requestId,
    details: r.details as Record<string, unknown>,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}

/** Walks the whole chain in seq order and reports the first entry that breaks it. */
export async function verifyAuditChain(
  db: Db,
  clock: Clock,
  onProgress?: (checked: number, headSeq: number) => void,
): Promise<AuditVerifyResult> {
  const head = await readAuditHead(db);
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  const result = (firstBad: AuditVerifyResult["firstBad"]): AuditVerifyResult => ({
    ok: firstBad === null,
    checked,
    headSeq: head.seq,
    firstBad,
    verifiedAt: clock.now().toISOString(),
  });
  for (;;) {
    const page = await auditPageAfter(db, expectedSeq - 1, 2000);
    if (page.length === 0) break;
    for (const r of page) {
      if (r.seq !== expectedSeq) {
        return result({
          seq: expectedSeq,
          reason: `entry ${expectedSeq} is missing (next present is ${r.seq})`,
        });
      }
      if (r.prevHash !== prevHash) {
        return result({
          seq: r.seq,
          reason: "does not link to the entry before it (removed, inserted or reordered)",
        });
      }
      const recomputed = auditHash({ ...r, details: r.details as Record<string, unknown> });
      if (recomputed !== r.hash) {
        return result({ seq: r.seq, reason: "content does not match its hash (edited)" });
      }
      prevHash = r.hash;
      expectedSeq++;
      checked++;
    }
    onProgress?.(checked, head.seq);
  }
  if (checked !== head.seq || prevHash !== head.hash) {
    return result({
      seq: checked + 1,
      reason: `the chain ends at ${checked} but the head records ${head.seq} (entries removed from the end)`,
    });
  }
  return result(null);
}

export function createAuditService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  /** Writes an entry in the caller's transaction: the change and its record commit together. */
  async function record(tx: Tx, ctx: Ctx, e: AuditEvent): Promise<void> {
    await appendAudit(tx, {
      at: clock.now(),
      actorType: ctx.actor.type,
      actorId: ctx.actor.id,
      actorLabel: ctx.actor.label,
      action: e.action,
      targetType: e.targetType ?? null,
      targetId: e.targetId ?? null,
      outcome: e.outcome ?? "success",
      ip: ctx.ip,
      requestId: ctx.requestId,
      details: e.details ?? {},
    });
  }

  /** For events with no other change (a refused attempt): an entry in a transaction of its own. */
  function recordAlone(ctx: Ctx, e: AuditEvent): Promise<void> {
    return inTransaction(db, (tx) => record(tx, ctx, e));
  }

  async function list(ctx: Ctx, q: { limit: number; before?: number; action?: string; actorId?: string }) {
    requirePermission(ctx.actor, "audit:read");
    const rows = await listAudit(db, { ...q, limit: q.limit + 1 });
    const more = rows.length > q.limit;
    const items = rows.slice(0, q.limit).map(toAuditEntry);
    return { items, nextCursor: more ? String(items[items.length - 1].seq) : null };
  }

  /**
   * Entries of one action for an integrity check whose caller checked its own permission (the access log's
   * seals, for audit:verify): not a reading of the trail.
   */
  async function entriesForCheck(q: { limit: number; before?: number; action: string }) {
    const rows = await listAudit(db, { ...q, limit: q.limit + 1 });
    const more = rows.length > q.limit;
    const items = rows.slice(0, q.limit).map(toAuditEntry);
    return { items, nextCursor: more ? String(items[items.length - 1].seq) : null };
  }

  async function verify(ctx: Ctx) {
    requirePermission(ctx.actor, "audit:verify");
    return verifyAuditChain(db, clock);
  }

  /** When an action was last recorded (a narrow read for /metrics: the last backup). */
  async function latestAt(action: string): Promise<Date | null> {
    const [row] = await listAudit(db, { limit: 1, action });
    return row?.at ?? null;
  }

  return { record, recordAlone, list, entriesForCheck, verify, latestAt };
}

export type AuditService = ReturnType<typeof createAuditService>;
