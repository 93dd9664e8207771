/**
 * The federation module's data access for the inbox (fed_inbox): storing a received batch with the page of what
 * may now be applied, the in-order walk's reads, the statuses a message moves through (held, applied, rejected,
 * deferred), and what the worker's duties look for. Re-exported by federation.repo.ts.
 */
import { and, asc, eq, gt, gte, inArray, lte, sql } from "drizzle-orm";
import { type Db, type DbOrTx, rowOf, rowsOf, type Tx } from "../../db/client.js";
import { inbox } from "../../db/schema/index.js";
import type { InboxRow } from "./federation.context.js";

type InboxInsert = typeof inbox.$inferInsert;

/** A received message as the inbox first stores it (attempts, last error and applied time start empty). */
/**
 * The statuses of a peer's messages that the in-order walk (applyReady) reads past `in_seq`: held ones wait for
 * their turn; rejected and deferred ones consumed their sequence number and are stepped over.
 */
const WAITING_STATUSES = sql.raw(`('held', 'rejected', 'deferred')`);

export type InboxArrival = Pick<
  InboxInsert,
  "peerId" | "msgId" | "seq" | "type" | "header" | "payload" | "jws" | "envelopeSha256" | "status" | "reason"
> & { receivedAt: Date; lastError: string | null };

/**
 * The first page of what may be applied after a batch is stored: the peer's held or content-rejected messages
 * after `afterSeq`, in order, the batch's new rows among them.
 * - `waiting` is that page; `more` says a further page may follow (read it with inboxWaiting).
 * - `inserted` holds the ids the batch stored now; a duplicate message id or sequence number is not stored.
 *
 * The batch goes as one JSON parameter read by `jsonb_to_recordset`, not one parameter per column and row: a
 * batch of 200 was 2,200 parameters that the query builder checked and the driver encoded one by one, about 7 %
 * of the receiver's CPU in the federation benchmark. The insert and the read are one statement, a round trip
 * fewer on every received batch's way to its receipt (docs/federation.md §18). The statement's read does not
 * see the rows its own insert adds (PostgreSQL runs a WITH's parts on one snapshot), so those come from the
 * insert's RETURNING and are merged in by `seq`. The caller holds the peer's row lock (lockPeer, a statement
 * before this one), so this statement's snapshot already holds every batch stored by an earlier holder of that
 * lock.
 * When the stored rows fill the page, the new rows after its last one are left to the next page (read after
 * this statement, which sees them), so a page never skips a stored row between two of its own.
 */
export async function insertInboxReadingWaiting(
  tx: Tx,
  peerId: string,
  rows: InboxArrival[],
  afterSeq: number,
  limit: number,
): Promise<{ inserted: Set<string>; waiting: InboxRow[]; more: boolean }> {
  const result = rowsOf<Record<string, unknown> & { new_row: boolean }>(
    await tx.execute(sql`
      with ins as (
        insert into fed_inbox (peer_id, msg_id, seq, type, header, payload, jws, envelope_sha256, status, reason,
                               received_at, last_error)
        select v."peerId", v."msgId", v.seq, v.type, v.header, v.payload, v.jws, v."envelopeSha256", v.status,
               v.reason, v."receivedAt", v."lastError"
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v("peerId" text, "msgId" uuid, seq bigint,
          type text, header jsonb, payload jsonb, jws text, "envelopeSha256" text, status text, reason text,
          "receivedAt" timestamptz, "lastError" text)
        on conflict do nothing
        returning *)
      select true as new_row, ins.* from ins
      union all
      (select false as new_row, w.* from fed_inbox w
        where w.peer_id = ${peerId} and w.seq > ${afterSeq} and w.status in ${WAITING_STATUSES}
        order by w.seq limit ${limit})`),
  );
  const inserted = new Set<string>();
  const stored: InboxRow[] = [];
  const fresh: InboxRow[] = [];
  for (const raw of result) {
    const row = rowOf(inbox, raw);
    if (raw.new_row) {
      inserted.add(row.msgId);
      if (row.seq > afterSeq) fresh.push(row);
    } else stored.push(row);
  }
  const more = stored.length === limit;
  const last = more ? stored[stored.length - 1].seq : Number.POSITIVE_INFINITY;
  const waiting = [...stored, ...fresh.filter((r) => r.seq < last)].sort((a, b) => a.seq - b.seq);
  return { inserted, waiting, more };
}

export function inboxByIds(tx: DbOrTx, peerId: string, msgIds: string[]) {
  return tx
    .select({
      msgId: inbox.msgId,
      receivedAt: inbox.receivedAt,
      sha: inbox.envelopeSha256,
      status: inbox.status,
      reason: inbox.reason,
    })
    .from(inbox)
    .where(and(eq(inbox.peerId, peerId), inArray(inbox.msgId, msgIds)));
}

/** Held or content-rejected messages of a peer after `afterSeq`, in order: those whose turn may have come. */
export function inboxWaiting(tx: Tx, peerId: string, afterSeq: number, limit: number): Promise<InboxRow[]> {
  return tx
    .select()
    .from(inbox)
    .where(
      and(
        eq(inbox.peerId, peerId),
        gt(inbox.seq, afterSeq),
        inArray(inbox.status, ["held", "rejected", "deferred"]),
      ),
    )
    .orderBy(asc(inbox.seq))
    .limit(limit);
}

export function inboxByIdFull(tx: Tx, peerId: string, msgId: string): Promise<InboxRow[]> {
  return tx
    .select()
    .from(inbox)
    .where(and(eq(inbox.peerId, peerId), eq(inbox.msgId, msgId)))
    .for("update");
}

/** Peers from which messages wait here for a release that reads them (status `deferred`). */
export async function peersWithDeferred(db: DbOrTx): Promise<string[]> {
  const rows = await db
    .selectDistinct({ peerId: inbox.peerId })
    .from(inbox)
    .where(eq(inbox.status, "deferred"));
  return rows.map((r) => r.peerId);
}

/** A page of the peer's deferred messages after `afterSeq`, in order. */
export function inboxDeferred(tx: Tx, peerId: string, afterSeq: number, limit: number): Promise<InboxRow[]> {
  return tx
    .select()
    .from(inbox)
    .where(and(eq(inbox.peerId, peerId), eq(inbox.status, "deferred"), gt(inbox.seq, afterSeq)))
    .orderBy(asc(inbox.seq))
    .limit(limit);
}

/**
 * A message whose handler found it carries what this release cannot read yet (NotYetReadable): deferred, its
 * sequence number consumed; `error` says why. Attempts are not counted: nothing failed.
 */
export async function inboxDeferredByHandler(
  tx: Tx,
  peerId: string,
  msgId: string,
  error: string,
): Promise<void> {
  await tx
    .update(inbox)
    .set({ status: "deferred", reason: "DEFERRED", lastError: error })
    .where(and(eq(inbox.peerId, peerId), eq(inbox.msgId, msgId)));
}

/** A held message rejected for good: its sequence number is consumed (applyReady passes over it). */
export async function inboxRejected(
  tx: Tx,
  peerId: string,
  msgId: string,
  reason: string,
  error: string,
): Promise<void> {
  await tx
    .update(inbox)
    .set({ status: "rejected", reason, lastError: error })
    .where(and(eq(inbox.peerId, peerId), eq(inbox.msgId, msgId)));
}

export async function inboxFailed(tx: Tx, peerId: string, msgId: string, error: string): Promise<void> {
  await tx
    .update(inbox)
    .set({ attempts: sql`${inbox.attempts} + 1`, lastError: error })
    .where(and(eq(inbox.peerId, peerId), eq(inbox.msgId, msgId)));
}

/** Marks the peer's inbox messages `msgIds` applied; `seqs` are their sequence numbers. */
export async function inboxApplied(
  tx: Tx,
  peerId: string,
  msgIds: string[],
  seqs: number[],
  at: Date,
): Promise<void> {
  await inboxAppliedUpdate(tx, peerId, msgIds, seqs, at);
}

/**
 * The statement of inboxApplied (countOnPeer runs it inside its own). Bounded by the messages' lowest and highest
 * sequence numbers as well: with the peer alone, PostgreSQL planned by statistics taken while the inbox was small
 * and read every message ever received from the peer (2,500 rows for a batch of 200 in the federation benchmark,
 * and more with each batch); with the bounds it reads the batch's range of the (peer, seq) index whatever the
 * statistics say.
 */
export function inboxAppliedUpdate(tx: Tx, peerId: string, msgIds: string[], seqs: number[], at: Date) {
  const lowest = seqs.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  const highest = seqs.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  return tx
    .update(inbox)
    .set({ status: "applied", appliedAt: at, lastError: null })
    .where(
      and(
        eq(inbox.peerId, peerId),
        gte(inbox.seq, lowest),
        lte(inbox.seq, highest),
        inArray(inbox.msgId, msgIds),
      ),
    );
}

/** Whether active peer `p`'s next message in order is waiting in the inbox (a handler failed earlier). */
const READY_HELD = sql`exists (select 1 from fed_inbox i
  where i.peer_id = p.id and i.status in ${WAITING_STATUSES} and i.seq = p.in_seq + 1)`;

/**
 * Which of the housekeeping loop's fallback duties have anything to do, in one statement: a peer waiting to be
 * reconciled after a restore, a held message whose turn has come, a file marked for erasure. An idle node asks
 * this once a second instead of running the three duties' own reads (each still looks again before it acts).
 */
export async function housekeepingDue(
  db: Db,
): Promise<{ reconcile: boolean; retryHeld: boolean; eraseBlobs: boolean }> {
  const [row] = rowsOf<{ reconcile: boolean; retry_held: boolean; erase_blobs: boolean }>(
    await db.execute(sql`select
      exists (select 1 from fed_peers where state = 'active' and link_stop->>'reason' = 'RESTORED') as reconcile,
      exists (select 1 from fed_peers p where p.state = 'active' and ${READY_HELD}) as retry_held,
      exists (select 1 from fed_blobs where erase_requested_at is not null) as erase_blobs`),
  );
  return {
    reconcile: row?.reconcile === true,
    retryHeld: row?.retry_held === true,
    eraseBlobs: row?.erase_blobs === true,
  };
}

/** Active peers whose next message in order is waiting in the inbox (a handler failed earlier). */
export async function peersWithReadyHeld(db: Db): Promise<string[]> {
  const rows = rowsOf<{ peer_id: string }>(
    await db.execute(sql`select p.id as peer_id from fed_peers p where p.state = 'active' and ${READY_HELD}`),
  );
  return rows.map((r) => r.peer_id);
}
