import { and, asc, desc, eq, gt, lt, type SQL, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import { auditHead, auditLog } from "../../db/schema/index.js";
import { canonicalJson } from "../../lib/canonical-json.js";
import { type AuditFields, hashedFields } from "./audit.hash.js";

export type AuditRow = typeof auditLog.$inferSelect;

export type NewAuditEntry = Omit<AuditFields, "seq" | "prevHash" | "at"> & { at: Date };

/**
 * Appends one entry inside the caller's transaction, in one statement (one round trip): it locks the
 * `audit_head` row, inserts the entry chained to the head and moves the head. The row lock serialises writers
 * across every process of the node, so `seq` is gap-free and the chain never forks. Call it last in a
 * transaction to hold the lock briefly.
 *
 * The hash is computed by the database, as `auditHash` computes it (the test "the database chains an entry as
 * auditHash does" holds them together): the canonical JSON of the entry is sent in two parts, around the
 * `seq` that only the locked head knows (keys are sorted, and `seq` falls between `requestId` and `targetId`).
 */
export async function appendAudit(tx: Tx, entry: NewAuditEntry): Promise<void> {
  const { before, after } = canonicalAround(entry);
  await tx.execute(sql`
    with head as (
      select seq + 1 as seq, hash as prev from ${auditHead} where id = 1 for update
    ), entry as (
      insert into ${auditLog} (seq, at, actor_type, actor_id, actor_label, action, target_type, target_id,
                               outcome, ip, request_id, details, prev_hash, hash)
      select head.seq, ${entry.at.toISOString()}::timestamptz, ${entry.actorType}, ${entry.actorId},
             ${entry.actorLabel}, ${entry.action}, ${entry.targetType}, ${entry.targetId}, ${entry.outcome},
             ${entry.ip}, ${entry.requestId}, ${JSON.stringify(entry.details)}::jsonb, head.prev,
             encode(sha256(convert_to(head.prev || chr(10) || ${before} || head.seq::text || ${after}, 'UTF8')), 'hex')
      from head
      returning seq, hash
    )
    update ${auditHead} set seq = entry.seq, hash = entry.hash from entry where ${auditHead}.id = 1`);
}

/** The canonical JSON of an entry's hashed fields (hashedFields) before and after the value of `seq`. */
export function canonicalAround(entry: NewAuditEntry): { before: string; after: string } {
  const { seq: _, ...fields } = hashedFields({ ...entry, seq: 0 });
  // canonicalJson sorts keys: those below "seq" come before it
  const part = (below: boolean) =>
    canonicalJson(Object.fromEntries(Object.entries(fields).filter(([k]) => k < "seq" === below)));
  const head = part(true);
  const tail = part(false);
  return {
    before: `${head.slice(0, -1)}${head.length > 2 ? "," : ""}"seq":`,
    after: tail.length > 2 ? `,${tail.slice(1)}` : "}",
  };
}

export async function listAudit(
  db: DbOrTx,
  q: { limit: number; before?: number; action?: string; actorId?: string },
): Promise<AuditRow[]> {
  const where: SQL[] = [];
  if (q.before) where.push(lt(auditLog.seq, q.before));
  if (q.action) where.push(eq(auditLog.action, q.action));
  if (q.actorId) where.push(eq(auditLog.actorId, q.actorId));
  return db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.seq))
    .limit(q.limit);
}

export async function auditPageAfter(db: DbOrTx, afterSeq: number, limit: number): Promise<AuditRow[]> {
  return db.select().from(auditLog).where(gt(auditLog.seq, afterSeq)).orderBy(asc(auditLog.seq)).limit(limit);
}

export async function readAuditHead(db: DbOrTx): Promise<{ seq: number; hash: string }> {
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  return head;
}
