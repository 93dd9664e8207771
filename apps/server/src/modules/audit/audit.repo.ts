import { and, asc, desc, eq, gt, lt, type SQL } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import { auditHead, auditLog } from "../../db/schema/index.js";
import { type AuditFields, auditHash } from "./audit.hash.js";

export type AuditRow = typeof auditLog.$inferSelect;

export type NewAuditEntry = Omit<AuditFields, "seq" | "prevHash" | "at"> & { at: Date };

/**
 * Appends one entry inside the caller's transaction. The `audit_head` row lock
 * serialises writers across every process of the node, so `seq` is gap-free and
 * the chain never forks. Call it last in a transaction to hold the lock briefly.
 */
export async function appendAudit(tx: Tx, entry: NewAuditEntry): Promise<AuditRow> {
  const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for("update");
  const fields: AuditFields = { ...entry, seq: head.seq + 1, prevHash: head.hash };
  const hash = auditHash(fields);
  const [row] = await tx
    .insert(auditLog)
    .values({ ...fields, hash })
    .returning();
  await tx.update(auditHead).set({ seq: fields.seq, hash }).where(eq(auditHead.id, 1));
  return row;
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
