/**
 * The federation module's data access: its own tables only (fed_peers, fed_out_seq, fed_invitations,
 * fed_outbox, fed_inbox, fed_pings, fed_blobs, fed_blob_chunks). Every function takes the database or the
 * caller's transaction; inside a transaction, pass the transaction (on PGlite `db` would wait forever).
 */
import { and, asc, desc, eq, gt, inArray, isNull, type SQL, sql } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import { type Db, type DbOrTx, rowsOf, type Tx } from "../../db/client.js";
import {
  type InboxStatus,
  inbox,
  type OutboxStatus,
  outbox,
  outSeq,
  type PeerState,
  peerInvitations,
  peers,
  pings,
} from "../../db/schema/index.js";
import type { InboxRow, OutboxRow, PeerRow } from "./federation.context.js";
import { inboxAppliedUpdate } from "./federation.inbox-repo.js";

export * from "./federation.blobs-repo.js";
// Claims and leases of the outbox (what the delivery loops take, hold and give back) live in their own file.
export * from "./federation.claim-repo.js";
// The inbox's statements (fed_inbox) live in their own file.
export * from "./federation.inbox-repo.js";

type PeerInsert = typeof peers.$inferInsert;
/** Fields of a peer row to set (not its id). */
export type PeerUpdate = Partial<Omit<PeerInsert, "id">>;
type OutboxInsert = typeof outbox.$inferInsert;

// ------------------------------------------------------------------------------------------------- peers

export async function findPeer(dbx: DbOrTx, id: string): Promise<PeerRow | undefined> {
  const [p] = await dbx.select().from(peers).where(eq(peers.id, id));
  return p;
}

/**
 * The peer row, locked: the lock orders inbox writers, state changes and alerts of one peer. FOR NO KEY UPDATE
 * (it conflicts with itself, so the order holds) rather than FOR UPDATE: the foreign keys of outbox and inbox
 * rows take KEY SHARE on this row, which FOR UPDATE would block, so a transaction queueing a message to the
 * peer waited on the inbox writer while the writer waited on that transaction's rows (a deadlock across modules).
 */
export async function lockPeer(tx: Tx, id: string): Promise<PeerRow | undefined> {
  const [p] = await tx.select().from(peers).where(eq(peers.id, id)).for("no key update");
  return p;
}

export function listPeerRows(dbx: DbOrTx): Promise<PeerRow[]> {
  return dbx.select().from(peers).orderBy(asc(peers.id));
}

export function activePeerNames(dbx: DbOrTx): Promise<{ id: string; name: string; nameZh: string | null }[]> {
  return dbx
    .select({ id: peers.id, name: peers.name, nameZh: peers.nameZh })
    .from(peers)
    .where(eq(peers.state, "active"))
    .orderBy(asc(peers.id));
}

export async function peerIdsIn(tx: DbOrTx, states: PeerState[]): Promise<string[]> {
  const rows = await tx.select({ id: peers.id }).from(peers).where(inArray(peers.state, states));
  return rows.map((r) => r.id);
}

/** Inserts or replaces a peer (a pending one is overwritten by a new pairing) and its sequence counter. */
export async function upsertPeer(tx: Tx, id: string, row: Omit<PeerInsert, "id">): Promise<void> {
  await tx
    .insert(peers)
    .values({ id, ...row })
    .onConflictDoUpdate({ target: peers.id, set: row });
  await tx.insert(outSeq).values({ peerId: id, seq: 0 }).onConflictDoNothing();
}

export async function updatePeer(tx: Tx, id: string, set: PeerUpdate): Promise<void> {
  await tx.update(peers).set(set).where(eq(peers.id, id));
}

type PeerCounts = { delivered?: number; received?: number; rejected?: number; duplicates?: number };

/** The SET of countOnPeer: the counters incremented, the other fields as given. */
function peerCounters(add: PeerCounts, set: PeerUpdate): PgUpdateSetSource<typeof peers> {
  return {
    ...set,
    ...(add.delivered !== undefined
      ? { deliveredCount: sql`${peers.deliveredCount} + ${add.delivered}` }
      : {}),
    ...(add.received !== undefined ? { receivedCount: sql`${peers.receivedCount} + ${add.received}` } : {}),
    ...(add.rejected !== undefined ? { rejectedCount: sql`${peers.rejectedCount} + ${add.rejected}` } : {}),
    ...(add.duplicates ? { duplicateCount: sql`${peers.duplicateCount} + ${add.duplicates}` } : {}),
  };
}

/**
 * countOnPeer on the row locked first (as lockPeer, FOR NO KEY UPDATE, in a subquery the update joins), returning
 * its last success time from before this update, or undefined without the peer: a delivery's outcome
 * transaction takes the peer row and counts the batch on it in one round trip instead of two.
 */
export async function countOnLockedPeer(
  tx: Tx,
  id: string,
  add: PeerCounts,
  set: PeerUpdate = {},
): Promise<{ lastSuccessAt: Date | null } | undefined> {
  const before = tx
    .select({ id: peers.id, lastSuccessAt: peers.lastSuccessAt })
    .from(peers)
    .where(eq(peers.id, id))
    .for("no key update")
    .as("before");
  const [row] = await tx
    .update(peers)
    .set(peerCounters(add, set))
    .from(before)
    .where(eq(peers.id, before.id))
    .returning({ lastSuccessAt: before.lastSuccessAt });
  return row;
}

/** Adds to a peer's counters (`delivered`, `received`, `rejected`) and sets other fields with them. */
export async function countOnPeer(
  tx: Tx,
  id: string,
  add: PeerCounts,
  set: PeerUpdate = {},
  opts: {
    /** Also makes every backed-off message to the peer due now (resetBackoff), in the same statement. */
    resetBackoff?: boolean;
    /** Also marks these inbox messages of the peer applied (inboxApplied), in the same statement. */
    applied?: { msgIds: string[]; seqs: number[]; at: Date };
  } = {},
): Promise<void> {
  const update = tx.update(peers).set(peerCounters(add, set)).where(eq(peers.id, id));
  const ctes: SQL[] = [];
  if (opts.resetBackoff) ctes.push(sql`reset as (${backoffReset(id)})`);
  if (opts.applied?.msgIds.length) {
    const { msgIds, seqs, at } = opts.applied;
    ctes.push(sql`applied as (${inboxAppliedUpdate(tx, id, msgIds, seqs, at).getSQL()})`);
  }
  if (!ctes.length) {
    await update;
    return;
  }
  // One round trip for all: the other updates as data-modifying CTEs in front of the counters' update.
  await tx.execute(sql`with ${sql.join(ctes, sql`, `)} ${update.getSQL()}`);
}

// ------------------------------------------------------------------------------------------- invitations

export async function insertInvitation(tx: Tx, row: typeof peerInvitations.$inferInsert): Promise<void> {
  await tx.insert(peerInvitations).values(row);
}

export async function lockInvitation(tx: Tx, id: string) {
  const [inv] = await tx.select().from(peerInvitations).where(eq(peerInvitations.id, id)).for("update");
  return inv;
}

export async function markInvitationUsed(tx: Tx, id: string, by: string, at: Date): Promise<void> {
  await tx.update(peerInvitations).set({ usedAt: at, usedBy: by }).where(eq(peerInvitations.id, id));
}

/** The last sequence number handed out towards the peer (0 when none). */
export async function lastOutSeq(tx: DbOrTx, peerId: string): Promise<number> {
  const [r] = await tx.select({ seq: outSeq.seq }).from(outSeq).where(eq(outSeq.peerId, peerId));
  return r?.seq ?? 0;
}

/**
 * Re-pairing a revoked peer: its messages up to `lastSeq` were either applied here or cancelled by the
 * revocation on its side, so the next one expected is `lastSeq + 1`. Messages of the old pairing still held
 * here (they arrived ahead of a gap that will now never fill) are set aside as rejected; returns how many.
 */
export async function renewInbound(tx: Tx, peerId: string, lastSeq: number): Promise<number> {
  await tx.execute(sql`update fed_peers set in_seq = greatest(in_seq, ${lastSeq}) where id = ${peerId}`);
  const held = await tx
    .update(inbox)
    .set({ status: "rejected", reason: "PAIRING_RENEWED" })
    .where(and(eq(inbox.peerId, peerId), eq(inbox.status, "held"), sql`${inbox.seq} <= ${lastSeq}`))
    .returning({ msgId: inbox.msgId });
  return held.length;
}

// ------------------------------------------------------------------------------------------------ outbox

/** A message to queue: everything of the outbox row but its peer and sequence number (and the defaults). */
export type OutboxMessage = Pick<
  OutboxInsert,
  "msgId" | "type" | "schemaVersion" | "payload" | "conversation" | "inReplyTo" | "attachments" | "createdAt"
>;

/** A jsonb parameter as Drizzle would bind it: null stays SQL NULL, anything else is its JSON text. */
const jsonParam = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/**
 * Queues messages to one peer in one statement: reserves the next `msgs.length` sequence numbers (the seq row
 * lock orders enqueuers of one peer across every process until commit) and inserts the messages numbered from
 * there, in their order. Returns the first number, or null when the peer is neither active nor suspended (then
 * nothing is queued). With `notifyChannel` the same statement NOTIFYs it with the peer's id (sent at commit, to
 * every process; nothing on rollback).
 */
export async function enqueueToPeer(
  tx: Tx,
  peerId: string,
  msgs: OutboxMessage[],
  notifyChannel?: string,
): Promise<number | null> {
  const n = msgs.length;
  const values = sql.join(
    msgs.map(
      (m, i) =>
        sql`(${m.msgId}::uuid, ${i}::int, ${m.type}::text, ${m.schemaVersion}::int, ${jsonParam(m.payload)}::jsonb,
          ${m.conversation ?? null}::text, ${m.inReplyTo ?? null}::text, ${jsonParam(m.attachments)}::jsonb,
          ${m.createdAt.toISOString()}::timestamptz)`,
    ),
    sql`, `,
  );
  const rows = rowsOf<{ first: string | number }>(
    await tx.execute(sql`
      with reserved as (
        update fed_out_seq s set seq = s.seq + ${n} from fed_peers p
        where s.peer_id = ${peerId} and p.id = s.peer_id and p.state in ('active', 'suspended')
        returning s.seq - ${n} + 1 as first${notifyChannel ? sql`, pg_notify(${notifyChannel}, s.peer_id)` : sql``}
      ), queued as (
        insert into fed_outbox (msg_id, peer_id, seq, type, schema_version, payload, conversation, in_reply_to,
                                attachments, created_at)
        select v.msg_id, ${peerId}, r.first + v.ord, v.type, v.schema_version, v.payload, v.conversation,
               v.in_reply_to, v.attachments, v.created_at
        from reserved r
        cross join (values ${values}) as v(msg_id, ord, type, schema_version, payload, conversation, in_reply_to,
                                           attachments, created_at)
        returning 1
      )
      select first from reserved`),
  );
  return rows.length ? Number(rows[0].first) : null;
}

/** Cancels every pending message to the peer; returns how many. */
export async function cancelPendingTo(tx: Tx, peerId: string, by: string, at: Date): Promise<number> {
  const r = await tx
    .update(outbox)
    .set({ status: "cancelled", cancelledAt: at, cancelledBy: by, leaseUntil: null })
    .where(and(eq(outbox.peerId, peerId), eq(outbox.status, "pending")))
    .returning({ msgId: outbox.msgId });
  return r.length;
}

/** The active peers a pending message of `type` waits for (one id per message). */
export async function activePeersAwaiting(tx: DbOrTx, type: string): Promise<string[]> {
  const rows = await tx
    .select({ peerId: outbox.peerId })
    .from(outbox)
    .innerJoin(peers, eq(peers.id, outbox.peerId))
    .where(and(eq(outbox.type, type), eq(outbox.status, "pending"), eq(peers.state, "active")));
  return rows.map((r) => r.peerId);
}

/**
 * The link to the peer is seen healthy (it answered, or sent us something we accepted): its pending messages
 * that were backing off are due now, so one message with many failed attempts does not hold the link behind
 * it for minutes.
 */
export async function resetBackoff(tx: Tx, peerId: string, seq?: number): Promise<void> {
  await tx.execute(backoffReset(peerId, seq));
}

/** The statement of resetBackoff; the messages in `except` keep their times. */
function backoffReset(peerId: string, seq?: number, except: string[] = []): SQL {
  return sql`update fed_outbox set next_attempt_at = now()
    where peer_id = ${peerId} and status = 'pending' and next_attempt_at > now()
      ${seq === undefined ? sql`` : sql`and seq = ${seq}`}
      ${
        except.length
          ? sql`and msg_id not in (${sql.join(
              except.map((m) => sql`${m}::uuid`),
              sql`, `,
            )})`
          : sql``
      }`;
}

/** The highest sequence number held from a peer. */
export async function inboxHighestSeq(tx: Tx, peerId: string): Promise<number> {
  const rows = rowsOf<{ m: string | number | null }>(
    await tx.execute(sql`select max(seq) as m from fed_inbox where peer_id = ${peerId}`),
  );
  return Number(rows[0]?.m ?? 0);
}

/**
 * Renumbers the peer's pending messages, in their order, from `firstSeq` on, and moves the peer's counter past
 * them; returns the old and new numbers. Two steps through negative numbers, because the (peer, seq) index
 * is checked row by row.
 */
export async function resequencePending(
  tx: Tx,
  peerId: string,
  firstSeq: number,
  /** Only the pending messages numbered above this (all by default). */
  above = Number.MIN_SAFE_INTEGER,
): Promise<{ msgId: string; from: number; to: number }[]> {
  // The counter's lock keeps enqueuers out until commit; nothing already sent or settled is renumbered, and
  // nothing is numbered at or below a settled message.
  await tx.execute(sql`select seq from fed_out_seq where peer_id = ${peerId} for update`);
  const settled = rowsOf<{ m: string | number | null }>(
    await tx.execute(
      sql`select max(seq) as m from fed_outbox where peer_id = ${peerId} and status <> 'pending'`,
    ),
  );
  const from = Math.max(firstSeq, Number(settled[0]?.m ?? 0) + 1);
  const rows = await tx
    .select({ msgId: outbox.msgId, seq: outbox.seq })
    .from(outbox)
    .where(and(eq(outbox.peerId, peerId), eq(outbox.status, "pending"), gt(outbox.seq, above)))
    .orderBy(asc(outbox.seq));
  const moves = rows.map((r, i) => ({ msgId: r.msgId, from: r.seq, to: from + i }));
  for (const m of moves) await tx.update(outbox).set({ seq: -m.to }).where(eq(outbox.msgId, m.msgId));
  await tx.execute(sql`update fed_outbox set seq = -seq, next_attempt_at = now(), lease_until = null,
    envelope = null, receipt = null, receipt_reason = null
    where peer_id = ${peerId} and seq < 0`);
  const last = from + moves.length - 1;
  await tx.execute(sql`update fed_out_seq set seq = greatest(seq, ${last}) where peer_id = ${peerId}`);
  return moves;
}

/** One outbox row's fate after a delivery attempt. */
export interface DeliveryOutcome {
  msg_id: string;
  status: "pending" | "delivered" | "rejected";
  envelope: string | null;
  receipt: string | null;
  reason: string | null;
  next_at: string | null;
  error: string | null;
}

/**
 * Writes the outcomes of a batch in one statement (only rows still pending: a cancel may have won). A final
 * outcome without an envelope clears the one kept: it is not the envelope the receipt names.
 */
export async function recordOutcomes(
  tx: Tx,
  outcomes: DeliveryOutcome[],
  /**
   * Also, in the same statement, makes the peer's other backed-off messages due now (resetBackoff), or only the
   * one numbered `seq`: the messages of this batch keep the times recorded here.
   */
  reset?: { peerId: string; seq?: number },
): Promise<void> {
  const values = sql`jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb)
      as v(msg_id uuid, status text, envelope text, receipt text, reason text, next_at timestamptz, error text)`;
  const resetCte = reset
    ? sql`with reset as (${backoffReset(
        reset.peerId,
        reset.seq,
        outcomes.map((o) => o.msg_id),
      )})`
    : sql``;
  await tx.execute(sql`${resetCte} update fed_outbox o set
      status = v.status,
      envelope = case when v.status <> 'pending' and v.envelope is null then null
        else coalesce(v.envelope, o.envelope) end,
      receipt = coalesce(v.receipt, o.receipt),
      receipt_reason = v.reason,
      delivered_at = case when v.status = 'delivered' then clock_timestamp() else o.delivered_at end,
      next_attempt_at = coalesce(v.next_at, o.next_attempt_at),
      last_error = v.error,
      lease_until = null
    from ${values}
    where o.msg_id = v.msg_id and o.status = 'pending'`);
}

/**
 * The peer refused a delivered message for good when applying it; returns whether it was ours to mark. Pending
 * too: the peer's word may come before we recorded its receipt (that update then leaves the row alone).
 */
export async function markRejectedByPeer(
  tx: Tx,
  peerId: string,
  msgId: string,
  reason: "HANDLER_REJECTED" | "SKIPPED_BY_OPERATOR",
  error: string,
): Promise<{ type: string; payload: unknown } | undefined> {
  const [r] = await tx
    .update(outbox)
    .set({ status: "rejected", receiptReason: reason, lastError: error })
    .where(
      and(
        eq(outbox.peerId, peerId),
        eq(outbox.msgId, msgId),
        inArray(outbox.status, ["delivered", "pending"]),
      ),
    )
    .returning({ type: outbox.type, payload: outbox.payload });
  return r;
}

export async function lockOutboxRow(tx: Tx, peerId: string, msgId: string): Promise<OutboxRow | undefined> {
  const [r] = await tx
    .select()
    .from(outbox)
    .where(and(eq(outbox.peerId, peerId), eq(outbox.msgId, msgId)))
    .for("update");
  return r;
}

export async function updateOutboxRow(tx: Tx, msgId: string, set: Partial<OutboxInsert>): Promise<void> {
  await tx.update(outbox).set(set).where(eq(outbox.msgId, msgId));
}

/** Per peer: pending messages, the oldest pending one's time, and all messages ever queued. */
export async function outboxStats(
  dbx: DbOrTx,
  peerIds: string[],
): Promise<
  { peer_id: string; depth: string | number; oldest: Date | string | null; sent: string | number }[]
> {
  return rowsOf(
    await dbx.execute(sql`select peer_id,
        count(*) filter (where status = 'pending') as depth,
        min(created_at) filter (where status = 'pending') as oldest,
        count(*) as sent
      from fed_outbox where peer_id in ${peerIds} group by peer_id`),
  );
}

/** Active peers not yet alerted whose oldest pending message is older than `threshold`. */
export async function linksDownSince(
  dbx: DbOrTx,
  threshold: Date,
): Promise<{ id: string; oldest: Date | string }[]> {
  return rowsOf(
    await dbx.execute(sql`select p.id, min(o.created_at) as oldest from fed_peers p
      join fed_outbox o on o.peer_id = p.id and o.status = 'pending'
      where p.state = 'active' and p.link_alert_at is null
      group by p.id having min(o.created_at) < ${threshold.toISOString()}::timestamptz`),
  );
}

/**
 * SKIP_LOCKED: a vacuum already running in another process is enough. A failure is ignored. Returns the outbox's
 * rows as the vacuum counted them (`pg_class.reltuples`), or null when unknown.
 */
export async function vacuumOutbox(db: Db): Promise<number | null> {
  try {
    await db.execute(sql`vacuum (skip_locked) fed_outbox`);
    const [r] = rowsOf<{ n: string | number | null }>(
      await db.execute(sql`select reltuples::bigint as n from pg_class where oid = 'fed_outbox'::regclass`),
    );
    const n = Number(r?.n);
    return Number.isFinite(n) && n >= 0 ? n : null;
  } catch {
    return null;
  }
}

type SeqPageArgs = [peerId: string, filter: SQL | undefined, q: { limit: number; afterSeq?: number }];
/** A page of the peer's outbox or inbox in sequence order: rows matching `filter`, after `q.afterSeq` if given. */
function inSeqOrder(dbx: DbOrTx, t: typeof outbox, ...a: SeqPageArgs): Promise<OutboxRow[]>;
function inSeqOrder(dbx: DbOrTx, t: typeof inbox, ...a: SeqPageArgs): Promise<InboxRow[]>;
function inSeqOrder(
  dbx: DbOrTx,
  t: typeof outbox | typeof inbox,
  ...[peerId, filter, q]: SeqPageArgs
): Promise<unknown[]> {
  const where = [eq(t.peerId, peerId), filter];
  if (q.afterSeq !== undefined) where.push(gt(t.seq, q.afterSeq));
  // Both tables have peerId and seq; the rows are those of `t` (the overloads say which).
  return dbx
    .select()
    .from(t as typeof outbox)
    .where(and(...where))
    .orderBy(asc(t.seq))
    .limit(q.limit);
}

/** A page of the peer's outbox in sequence order, optionally of one status. */
export function outboxPage(
  dbx: DbOrTx,
  peerId: string,
  q: { status?: OutboxStatus; limit: number; afterSeq?: number },
): Promise<OutboxRow[]> {
  return inSeqOrder(dbx, outbox, peerId, q.status ? eq(outbox.status, q.status) : undefined, q);
}

/** A page of the peer's inbox in sequence order, optionally of one message type and one status. */
export function inboxPage(
  dbx: DbOrTx,
  peerId: string,
  q: { type?: string; status?: InboxStatus; limit: number; afterSeq?: number },
): Promise<InboxRow[]> {
  const filters = [
    ...(q.type ? [eq(inbox.type, q.type)] : []),
    ...(q.status ? [eq(inbox.status, q.status)] : []),
  ];
  return inSeqOrder(dbx, inbox, peerId, filters.length ? and(...filters) : undefined, q);
}

// ------------------------------------------------------------------------------------------------- pings

export async function insertPings(tx: Tx, rows: (typeof pings.$inferInsert)[]): Promise<void> {
  await tx.insert(pings).values(rows);
}

/** The hotline tests sent to a peer in [from, to), oldest first. */
export function pingsBetween(dbx: DbOrTx, peerId: string, from: Date, to: Date) {
  return dbx
    .select({ id: pings.id, sentAt: pings.sentAt, answeredAt: pings.answeredAt, rttMs: pings.rttMs })
    .from(pings)
    .where(and(eq(pings.peerId, peerId), sql`${pings.sentAt} >= ${from}`, sql`${pings.sentAt} < ${to}`))
    .orderBy(asc(pings.sentAt));
}

export function listPingRows(dbx: DbOrTx, peerId: string, q: { ids?: string[]; limit: number }) {
  const where = [eq(pings.peerId, peerId)];
  if (q.ids?.length) where.push(inArray(pings.id, q.ids));
  return dbx
    .select()
    .from(pings)
    .where(and(...where))
    .orderBy(desc(pings.sentAt))
    .limit(q.limit);
}

/** Records a pong: the ping's answer time and round trip, if it is ours and unanswered; returns the rtt. */
export async function answerPing(tx: Tx, peerId: string, pingId: string, now: Date): Promise<number | null> {
  const [p] = await tx
    .select()
    .from(pings)
    .where(and(eq(pings.id, pingId), eq(pings.peerId, peerId), isNull(pings.answeredAt)));
  if (!p) return null;
  const rttMs = Math.max(0, now.getTime() - p.sentAt.getTime());
  await tx.update(pings).set({ answeredAt: now, rttMs }).where(eq(pings.id, p.id));
  return rttMs;
}

/** The last sequence number given to a message for the peer. */
export async function outSeqOf(dbx: DbOrTx, peerId: string): Promise<number> {
  const [r] = await dbx.select({ seq: outSeq.seq }).from(outSeq).where(eq(outSeq.peerId, peerId));
  return r?.seq ?? 0;
}

/**
 * After a restore: the next message to the peer is numbered after `highest` (what the peer holds from us), so
 * no number is given twice. Returns the counter as it was.
 */
export async function continueOutSeqAfter(tx: Tx, peerId: string, highest: number): Promise<number> {
  const [before] = await tx
    .select({ seq: outSeq.seq })
    .from(outSeq)
    .where(eq(outSeq.peerId, peerId))
    .for("update");
  await tx.execute(sql`update fed_out_seq set seq = greatest(seq, ${highest}) where peer_id = ${peerId}`);
  return before?.seq ?? 0;
}

/**
 * The peer was restored and holds our messages up to `afterSeq` only: everything after it that it had received
 * (delivered, or refused in a way that consumed its number) is due again, as the very envelope sent before.
 * Returns how many.
 */
export async function resendAfter(tx: Tx, peerId: string, afterSeq: number): Promise<number> {
  const r = await tx
    .update(outbox)
    .set({ status: "pending", nextAttemptAt: sql`now()`, leaseUntil: null, attempts: 0 })
    .where(
      and(
        eq(outbox.peerId, peerId),
        gt(outbox.seq, afterSeq),
        inArray(outbox.status, ["delivered", "rejected"]),
      ),
    )
    .returning({ msgId: outbox.msgId });
  await resetBackoff(tx, peerId);
  return r.length;
}

/** Messages held per peer (received, waiting for a gap to fill or a handler to succeed), for /metrics. */
export async function heldByPeer(
  dbx: DbOrTx,
): Promise<{ peer_id: string; held: string | number; deferred: string | number }[]> {
  return rowsOf(
    await dbx.execute(
      sql`select peer_id, count(*) filter (where status = 'held') as held,
                 count(*) filter (where status = 'deferred') as deferred
          from fed_inbox where status in ('held', 'deferred') group by peer_id`,
    ),
  );
}
