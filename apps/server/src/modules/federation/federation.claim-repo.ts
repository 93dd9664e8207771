/**
 * The outbox's claims and leases (federation.repo.ts re-exports them): which due messages a delivery loop takes
 * for one peer, how it holds them while they travel, and how they are given back (docs/federation.md §10).
 */
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import { type Db, type DbOrTx, PRESENCE_LOCK, rowsOf, type Tx } from "../../db/client.js";
import { outbox } from "../../db/schema/index.js";
import type { OutboxRow } from "./federation.context.js";

/** The first key of the transaction-level advisory locks that make claims of one peer take turns. */
const CLAIM_LOCK = 7391002;

/**
 * Claims up to `limit` due messages for ONE active peer that has no batch in flight (no pending message of it
 * under a live lease, in any process), in sequence order, with a lease. One peer per claim, and never a peer
 * already being delivered to: a peer whose requests hang then holds one delivery loop at most, and every
 * other peer keeps flowing through the others (a claim across peers made a loop wait for the slowest of
 * them). The peer with the oldest due message goes first.
 *
 * Two statements in one transaction. The first picks the peer and takes a transaction-level advisory lock on
 * it (skipping peers another claim holds); the second, with a snapshot taken after that lock, checks again
 * that no batch of the peer is in flight and leases its first due messages. Two processes woken by the same
 * NOTIFY used to claim one peer at once in a single statement: the second, whose snapshot did not yet see the
 * first's lease, skipped the locked rows (SKIP LOCKED) and took the next ones, sending them ahead of the gap
 * (held by the receiver, whose answer then took twice as long).
 */
export function claimDue(
  db: Db,
  limit: number,
  leaseSeconds: number,
  leasedBy: number | null = null,
): Promise<OutboxRow[]> {
  return db.transaction((tx) => claimDueIn(tx, limit, leaseSeconds, leasedBy));
}

/**
 * `claimDue` inside a transaction of the caller's: the delivery claims its next batch in the transaction that
 * records the outcomes of the last one (one commit, two statements fewer per batch). The two statements must
 * run in one transaction (the claim lock of `pickPeerToClaim` lasts until its end).
 */
export async function claimDueIn(
  tx: Tx,
  limit: number,
  leaseSeconds: number,
  leasedBy: number | null = null,
): Promise<OutboxRow[]> {
  const [picked] = rowsOf<{ id: string }>(await tx.execute(pickPeerToClaim()));
  if (!picked) return [];
  return claimPeerStatement(tx, picked.id, limit, leaseSeconds, leasedBy);
}

/**
 * PostgreSQL: releases the live leases taken by processes that are gone (their presence lock, `holdPresence`,
 * is no longer held: a kill -9 or a crash closed their connection), so their batches are claimed again now
 * rather than when the lease expires, and the peer's link does not wait on a dead process. A process whose
 * presence connection merely dropped loses its leases too: its batch may then be sent twice, which the
 * receiver answers as REPLAYED. Returns how many rows were released.
 */
export async function releaseDeadLeases(db: Db): Promise<number> {
  const rows = await db.execute(sql`update fed_outbox set lease_until = null, leased_by = null
    where status = 'pending' and lease_until is not null and leased_by is not null
      and leased_by not in (select l.objid::bigint::int from pg_locks l
        where l.locktype = 'advisory' and l.classid = ${PRESENCE_LOCK}::int::oid and l.objsubid = 2 and l.granted)
    returning msg_id`);
  return rowsOf(rows).length;
}

/** PGlite, at the start of its one process: every lease is a dead process's. Returns how many were released. */
export async function releaseAllLeases(db: Db): Promise<number> {
  const rows = await db.execute(sql`update fed_outbox set lease_until = null, leased_by = null
    where status = 'pending' and lease_until is not null returning msg_id`);
  return rowsOf(rows).length;
}

/**
 * The active peer with the oldest due message and no batch in flight whose claim lock this transaction gets.
 * Materialized and in order, so the lock is tried one peer at a time and held for the one returned only.
 */
export function pickPeerToClaim(): SQL {
  return sql`with c as materialized (
      select p.id, w.due from fed_peers p
      cross join lateral (select min(d.next_attempt_at) as due from fed_outbox d
        where d.peer_id = p.id and d.status = 'pending' and d.next_attempt_at <= now()
          and (d.lease_until is null or d.lease_until < now())) w
      where p.state = 'active' and p.link_stop is null and w.due is not null
        and not exists (select 1 from fed_outbox f where f.peer_id = p.id and f.status = 'pending'
          and f.lease_until is not null and f.lease_until >= now())
      order by w.due)
    select id from c where pg_try_advisory_xact_lock(${CLAIM_LOCK}::int, hashtext(c.id)) limit 1`;
}

/**
 * Leases the peer's first `limit` due messages in sequence order unless a batch of it is in flight (read by
 * the partial index on (peer_id, seq) of pending messages). SKIP LOCKED: rows another transaction is writing
 * (an outcome, a cancellation) wait for the next claim.
 */
export function claimPeerStatement(
  dbx: DbOrTx,
  peerId: string,
  limit: number,
  leaseSeconds: number,
  leasedBy: number | null = null,
) {
  return leaseRows(
    dbx,
    sql`(select o.msg_id from fed_outbox o
        where o.peer_id = ${peerId} and o.status = 'pending' and o.next_attempt_at <= now()
          and (o.lease_until is null or o.lease_until < now())
          and not exists (select 1 from fed_outbox f where f.peer_id = ${peerId} and f.status = 'pending'
            and f.lease_until is not null and f.lease_until >= now())
        order by o.seq limit ${limit} for update of o skip locked)`,
    leaseSeconds,
    leasedBy,
  );
}

/**
 * The batch after one in flight, claimed by the loop that sent it (docs/federation.md §10, "Pipelining"): up to
 * `limit` due messages of the peer after the batch's last sequence number, in order, with a lease, provided
 * no batch of the peer other than `inFlight` is in flight. No other claim can take the peer meanwhile: the
 * batch in flight holds its live lease, which every claim checks (`claimPeerStatement`).
 */
export function claimFollowing(
  db: DbOrTx,
  peerId: string,
  inFlight: { msgId: string; seq: number }[],
  limit: number,
  leaseSeconds: number,
  leasedBy: number | null = null,
) {
  const after = Math.max(...inFlight.map((r) => r.seq));
  const ids = sql.join(
    inFlight.map((r) => sql`${r.msgId}::uuid`),
    sql`, `,
  );
  return leaseRows(
    db,
    sql`(select o.msg_id from fed_outbox o
        where o.peer_id = ${peerId} and o.status = 'pending' and o.seq > ${after}
          and o.next_attempt_at <= now() and (o.lease_until is null or o.lease_until < now())
          and not exists (select 1 from fed_outbox f where f.peer_id = ${peerId} and f.status = 'pending'
            and f.lease_until is not null and f.lease_until >= now() and f.msg_id not in (${ids}))
        order by o.seq limit ${limit} for update of o skip locked)`,
    leaseSeconds,
    leasedBy,
  );
}

/**
 * Gives back a claimed batch that was not sent (the batch before it did not get through cleanly): its lease
 * goes, and the attempt its claim counted, so the next claim takes it as if it had never been claimed.
 */
export async function releaseClaim(tx: DbOrTx, msgIds: string[]): Promise<void> {
  if (!msgIds.length) return;
  await tx
    .update(outbox)
    .set({ leaseUntil: null, leasedBy: null, attempts: sql`greatest(${outbox.attempts} - 1, 0)` })
    .where(and(inArray(outbox.msgId, msgIds), eq(outbox.status, "pending")));
}

/**
 * Keeps the lease of a batch still in flight (a slow peer, a large attachment), so no other process claims
 * and sends it again meanwhile; only rows still pending and leased are touched.
 */
export async function extendLease(db: Db, msgIds: string[], leaseSeconds: number): Promise<void> {
  if (!msgIds.length) return;
  await db
    .update(outbox)
    .set({ leaseUntil: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where(
      and(inArray(outbox.msgId, msgIds), eq(outbox.status, "pending"), sql`${outbox.leaseUntil} is not null`),
    );
}

/** Leases the messages `ids` (a subquery of msg_ids) selects, counting an attempt each; returns their rows. */
function leaseRows(dbx: DbOrTx, ids: SQL, leaseSeconds: number, leasedBy: number | null) {
  return dbx
    .update(outbox)
    .set({
      leaseUntil: sql`now() + make_interval(secs => ${leaseSeconds})`,
      leasedBy,
      attempts: sql`${outbox.attempts} + 1`,
    })
    .where(inArray(outbox.msgId, ids))
    .returning();
}
