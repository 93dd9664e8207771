import { and, asc, desc, eq, gt, inArray, isNull, lt, type SQL, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import {
  auditAnchorQueries,
  auditCheckpointAcks,
  auditCheckpoints,
  auditHead,
  auditLog,
  auditPeerCheckpoints,
  auditPeerRestores,
} from "../../db/schema/index.js";
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

// Anchoring (audit.anchor.ts): own checkpoints and the peers' acknowledgements, the peers' checkpoints kept
// here, the queries asking peers for ours.

export type CheckpointRow = typeof auditCheckpoints.$inferSelect;
export type CheckpointAckRow = typeof auditCheckpointAcks.$inferSelect;
export type AnchorQueryRow = typeof auditAnchorQueries.$inferSelect;
export type PeerCheckpointRow = typeof auditPeerCheckpoints.$inferSelect;

/** The audit head, locked (FOR UPDATE) in `tx`: orders every process signing a checkpoint. */
export async function lockAuditHead(tx: Tx): Promise<{ seq: number; hash: string }> {
  const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for("update");
  return head;
}

/** When the trail began (its first entry), if it has one. */
export async function firstAuditEntryAt(db: DbOrTx): Promise<Date | undefined> {
  const [oldest] = await db.select({ at: auditLog.at }).from(auditLog).where(eq(auditLog.seq, 1));
  return oldest?.at;
}

/** The hash of each of these entries of the trail that exists. */
export function auditEntryHashes(db: DbOrTx, seqs: number[]): Promise<{ seq: number; hash: string }[]> {
  if (!seqs.length) return Promise.resolve([]);
  return db
    .select({ seq: auditLog.seq, hash: auditLog.hash })
    .from(auditLog)
    .where(inArray(auditLog.seq, seqs));
}

/** Own checkpoints, newest first. */
export function latestCheckpoints(db: DbOrTx, limit: number): Promise<CheckpointRow[]> {
  return db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.seq)).limit(limit);
}

export async function findCheckpoint(db: DbOrTx, seq: number): Promise<CheckpointRow | undefined> {
  const [c] = await db.select().from(auditCheckpoints).where(eq(auditCheckpoints.seq, seq));
  return c;
}

export async function insertCheckpoint(
  tx: Tx,
  row: typeof auditCheckpoints.$inferInsert,
): Promise<CheckpointRow> {
  const [created] = await tx.insert(auditCheckpoints).values(row).returning();
  return created;
}

/** The peers' acknowledgements of these own checkpoints. */
export function checkpointAcks(db: DbOrTx, seqs: number[]): Promise<CheckpointAckRow[]> {
  return db.select().from(auditCheckpointAcks).where(inArray(auditCheckpointAcks.seq, seqs));
}

/** Records a peer's acknowledgement (once: a repeat changes nothing). */
export async function insertCheckpointAck(
  tx: Tx,
  row: typeof auditCheckpointAcks.$inferInsert,
): Promise<void> {
  await tx.insert(auditCheckpointAcks).values(row).onConflictDoNothing();
}

/** Per peer that acknowledged any: when the newest own checkpoint it acknowledged was signed. */
export function newestAckedPerPeer(db: DbOrTx): Promise<{ peerId: string; signedAt: Date | string }[]> {
  return db
    .select({
      peerId: auditCheckpointAcks.peerId,
      signedAt: sql<Date | string>`max(${auditCheckpoints.signedAt})`,
    })
    .from(auditCheckpointAcks)
    .innerJoin(auditCheckpoints, eq(auditCheckpoints.seq, auditCheckpointAcks.seq))
    .groupBy(auditCheckpointAcks.peerId);
}

export async function insertAnchorQuery(tx: Tx, row: typeof auditAnchorQueries.$inferInsert): Promise<void> {
  await tx.insert(auditAnchorQueries).values(row);
}

/** Those of these queries not answered yet. */
export function unansweredAnchorQueries(db: DbOrTx, ids: string[]): Promise<{ id: string }[]> {
  return db
    .select({ id: auditAnchorQueries.id })
    .from(auditAnchorQueries)
    .where(and(inArray(auditAnchorQueries.id, ids), isNull(auditAnchorQueries.answeredAt)));
}

/** The latest query to each peer asked. */
export function latestAnchorQueryPerPeer(db: DbOrTx): Promise<AnchorQueryRow[]> {
  return db
    .selectDistinctOn([auditAnchorQueries.peerId])
    .from(auditAnchorQueries)
    .orderBy(auditAnchorQueries.peerId, desc(auditAnchorQueries.askedAt));
}

/** Records the peer's answer to its query (the first answer only). */
export async function answerAnchorQuery(
  tx: Tx,
  a: { queryId: string; peerId: string; checkpoints: string[]; at: Date },
): Promise<void> {
  await tx
    .update(auditAnchorQueries)
    .set({ answeredAt: a.at, checkpoints: a.checkpoints })
    .where(
      and(
        eq(auditAnchorQueries.id, a.queryId),
        eq(auditAnchorQueries.peerId, a.peerId),
        isNull(auditAnchorQueries.answeredAt),
      ),
    );
}

/** A peer's checkpoint not set aside by a restore of that peer received after it (see `insertPeerRestore`). */
const notSetAside = sql`not exists (select 1 from audit_peer_restores r
  where r.peer_id = ${auditPeerCheckpoints.peerId} and r.base_seq < ${auditPeerCheckpoints.seq}
    and r.restored_at > ${auditPeerCheckpoints.receivedAt})`;

/** The checkpoints held for a peer (not set aside), newest first. */
export function heldPeerCheckpoints(db: DbOrTx, peerId: string, limit: number): Promise<{ jws: string }[]> {
  return db
    .select({ jws: auditPeerCheckpoints.jws })
    .from(auditPeerCheckpoints)
    .where(and(eq(auditPeerCheckpoints.peerId, peerId), notSetAside))
    .orderBy(desc(auditPeerCheckpoints.seq))
    .limit(limit);
}

/** The checkpoint held for a peer at one position (not set aside), the latest received. */
export async function heldPeerCheckpointAt(
  db: DbOrTx,
  peerId: string,
  seq: number,
): Promise<PeerCheckpointRow | undefined> {
  const [held] = await db
    .select()
    .from(auditPeerCheckpoints)
    .where(and(eq(auditPeerCheckpoints.peerId, peerId), eq(auditPeerCheckpoints.seq, seq), notSetAside))
    .orderBy(desc(auditPeerCheckpoints.receivedAt))
    .limit(1);
  return held;
}

export async function insertPeerCheckpoint(
  tx: Tx,
  row: typeof auditPeerCheckpoints.$inferInsert,
): Promise<void> {
  await tx.insert(auditPeerCheckpoints).values(row);
}

/** The checkpoints held for a peer past `seq` (not set aside), by position. */
export function heldPeerCheckpointsAfter(
  db: DbOrTx,
  peerId: string,
  seq: number,
): Promise<{ seq: number; hash: string }[]> {
  return db
    .select({ seq: auditPeerCheckpoints.seq, hash: auditPeerCheckpoints.hash })
    .from(auditPeerCheckpoints)
    .where(
      and(eq(auditPeerCheckpoints.peerId, peerId), sql`${auditPeerCheckpoints.seq} > ${seq}`, notSetAside),
    )
    .orderBy(auditPeerCheckpoints.seq);
}

/** Records a restore of a peer: its checkpoints past the base received before it are set aside from then on. */
export async function insertPeerRestore(tx: Tx, row: typeof auditPeerRestores.$inferInsert): Promise<void> {
  await tx.insert(auditPeerRestores).values(row).onConflictDoNothing();
}
