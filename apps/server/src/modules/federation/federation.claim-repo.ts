/**
 * The outbox's claims and leases (federation.repo.ts re-exports them): which due messages a delivery loop takes
 * for one peer, how it holds them while they travel, and how they are given back (docs/federation.md §10).
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import {
  type Db,
  type DbOrTx,
  PRESENCE_LOCK,
  rowOf,
  rowsOf,
  runStatements,
  type Tx,
} from "../../db/client.js";
import { outbox, peers } from "../../db/schema/index.js";
import type { OutboxRow, PeerRow } from "./federation.context.js";

/**
 * Claims up to `limit` due messages for ONE active peer that has no batch in flight (no pending message of it
 * under a live lease, in any process), in sequence order, with a lease. One peer per claim, and never a peer
 * already being delivered to: a peer whose requests hang then holds one delivery loop at most, and every
 * other peer keeps flowing through the others (a claim across peers made a loop wait for the slowest of
 * them). The peer with the oldest due message goes first.
 *
 * Two statements in one transaction (`claimStatements`). The first picks the peer and takes a
 * transaction-level advisory lock on it (skipping peers another claim holds); the second, with a snapshot
 * taken after that lock, checks again that no batch of the peer is in flight and leases its first due
 * messages. Two processes woken by the same NOTIFY used to claim one peer at once in a single statement: the
 * second, whose snapshot did not yet see the first's lease, skipped the locked rows (SKIP LOCKED) and took the
 * next ones, sending them ahead of the gap (held by the receiver, whose answer then took twice as long).
 *
 * Sent in ONE round trip (`runStatements`, a simple-protocol string PostgreSQL runs as one implicit
 * transaction) with the picked peer's row read by a third statement, instead of `BEGIN`, pick, lease, `COMMIT`
 * and a read of the peer: five round trips on the path of every message that finds its peer idle, each paying
 * a sleeping process's wake-up (docs/federation.md §18). Committed without waiting for the WAL flush
 * (`synchronous_commit` off for this transaction only): a lease lost in a crash of the database only makes the
 * batch claimable again, and a batch sent twice is answered REPLAYED, as after a failed lease renewal.
 */
export async function claimDueWithPeer(
  db: Db,
  limit: number,
  leaseSeconds: number,
  leasedBy: number | null = null,
): Promise<{ rows: OutboxRow[]; peer: PeerRow | null }> {
  const { pick, lease, peer } = claimStatements(limit, leaseSeconds, leasedBy);
  const results = await runStatements(
    db,
    [`select set_config('synchronous_commit', 'off', true)`, pick, lease, peer].join(";\n"),
  );
  const rows = (results[2] ?? []).map((r) => rowOf(outbox, r));
  const [p] = results[3] ?? [];
  return { rows, peer: rows.length && p ? rowOf(peers, p) : null };
}

/**
 * The same claim inside a transaction of the caller's (the same two statements, one round trip each): the
 * delivery claims its next batch in the transaction that records the outcomes of the last one (one commit, two
 * statements fewer per batch). That transaction's commit stays durable (the outcomes).
 */
export async function claimDueIn(
  tx: Tx,
  limit: number,
  leaseSeconds: number,
  leasedBy: number | null = null,
): Promise<OutboxRow[]> {
  const { pick, lease } = claimStatements(limit, leaseSeconds, leasedBy);
  const [picked] = rowsOf<{ id: string }>(await tx.execute(sql.raw(pick)));
  if (!picked) return [];
  return rowsOf<Record<string, unknown>>(await tx.execute(sql.raw(lease))).map((r) => rowOf(outbox, r));
}

/** The first key of the transaction-level advisory locks that make claims of one peer take turns. */
const CLAIM_LOCK = 7391002;
/** The transaction-local setting that hands the picked peer from the first statement of a claim to the next. */
const CLAIM_PEER = "crossline.claim_peer";

/**
 * A claim's statements, as text (sent without parameters: only integers are inlined).
 *
 * - `pick`: the active peer with the oldest due message and no batch in flight whose claim lock this
 *   transaction gets, its id kept in the setting CLAIM_PEER. Materialized and in order, so the lock is tried one
 *   peer at a time and held for the one returned only.
 * - `lease`: the peer's first `limit` due messages in sequence order, leased, unless a batch of it is in flight
 *   (read by the partial index on (peer_id, seq) of pending messages). SKIP LOCKED: rows another transaction is
 *   writing (an outcome, a cancellation) wait for the next claim. Without a peer (none set, or the empty string
 *   a setting of an earlier transaction of the session reverts to) it matches nothing.
 * - `peer`: the picked peer's row.
 */
export function claimStatements(
  limit: number,
  leaseSeconds: number,
  leasedBy: number | null,
): { pick: string; lease: string; peer: string } {
  const int = (n: number) => Number.isInteger(n) && n >= 1;
  if (!int(limit) || !int(leaseSeconds) || (leasedBy !== null && !Number.isInteger(leasedBy)))
    throw new Error(`claim: bad limit ${limit}, lease ${leaseSeconds} or holder ${leasedBy}`);
  const peer = `current_setting('${CLAIM_PEER}', true)`;
  return {
    pick: `with c as materialized (
      select p.id, w.due from fed_peers p
      cross join lateral (select min(d.next_attempt_at) as due from fed_outbox d
        where d.peer_id = p.id and d.status = 'pending' and d.next_attempt_at <= now()
          and (d.lease_until is null or d.lease_until < now())) w
      where p.state = 'active' and p.link_stop is null and w.due is not null
        and not exists (select 1 from fed_outbox f where f.peer_id = p.id and f.status = 'pending'
          and f.lease_until is not null and f.lease_until >= now())
      order by w.due)
    select set_config('${CLAIM_PEER}', id, true) as id
    from (select id from c where pg_try_advisory_xact_lock(${CLAIM_LOCK}, hashtext(c.id)) limit 1) picked`,
    lease: `update fed_outbox set lease_until = now() + make_interval(secs => ${leaseSeconds}),
      leased_by = ${leasedBy ?? "null"}, attempts = attempts + 1
    where msg_id in (select o.msg_id from fed_outbox o
      where o.peer_id = ${peer} and o.status = 'pending'
        and o.next_attempt_at <= now() and (o.lease_until is null or o.lease_until < now())
        and not exists (select 1 from fed_outbox f where f.peer_id = ${peer} and f.status = 'pending'
          and f.lease_until is not null and f.lease_until >= now())
      order by o.seq limit ${limit} for update of o skip locked)
    returning *`,
    peer: `select * from fed_peers where id = ${peer}`,
  };
}

/**
 * NOTIFYs the outbox channel at the caller's commit, for messages that became claimable without an enqueue (a
 * peer resumed, a backoff reset, a link stop lifted, a message cancelled): every process's delivery workers look.
 */
export async function notifyOutboxChannel(tx: Tx, channel: string, peerId: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${channel}, ${peerId})`);
}

/**
 * Milliseconds until a claim could next find something (0: now), or null when no message is pending for an
 * active peer whose link runs. A pending message counts from when it is due, or from when its lease ends if
 * it is leased (a batch in flight: its peer's later messages then count as due now, as they are, though the
 * claim skips them until that batch is answered). The same per-peer scan as the claim's `pick`. Read by an
 * idle delivery worker to set its next look (federation.worker.ts).
 */
export async function nextClaimableInMs(db: Db): Promise<number | null> {
  const [r] = rowsOf<{ ms: number | string | null }>(
    await db.execute(sql`select (extract(epoch from min(w.due) - now()) * 1000)::float8 as ms
      from fed_peers p
      cross join lateral (select min(greatest(d.next_attempt_at, coalesce(d.lease_until, d.next_attempt_at))) as due
        from fed_outbox d where d.peer_id = p.id and d.status = 'pending') w
      where p.state = 'active' and p.link_stop is null and w.due is not null`),
  );
  return r?.ms === null || r?.ms === undefined ? null : Math.max(0, Math.ceil(Number(r.ms)));
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
 * The batch after one in flight, claimed by the loop that sent it (docs/federation.md §10, "Pipelining"): up to
 * `limit` due messages of the peer after the batch's last sequence number, in order, with a lease, provided
 * no batch of the peer other than `inFlight` is in flight. No other claim can take the peer meanwhile: the
 * batch in flight holds its live lease, which every claim checks (`claimPeerStatement`).
 *
 * Returns the peer's row too, read by the same statement and only when something was claimed (sealing needs
 * its address and keys as they are now): the row used to be read by a statement of its own beside every
 * such claim, which at low rates finds nothing most of the time, and on PGlite, whose one connection runs
 * statements one after the other, that read stood on the path of every batch's outcome (§18).
 * Both come back as JSON (`to_jsonb`), one row each, decoded by `rowOf` as a plain select's would be.
 */
export async function claimFollowing(
  db: DbOrTx,
  peerId: string,
  inFlight: { msgId: string; seq: number }[],
  limit: number,
  leaseSeconds: number,
  leasedBy: number | null = null,
): Promise<{ rows: OutboxRow[]; peer: PeerRow | null }> {
  const after = Math.max(...inFlight.map((r) => r.seq));
  const ids = sql.join(
    inFlight.map((r) => sql`${r.msgId}::uuid`),
    sql`, `,
  );
  const result = rowsOf<{ kind: "o" | "p"; row: Record<string, unknown> }>(
    await db.execute(sql`
      with l as (
        update fed_outbox set lease_until = now() + make_interval(secs => ${leaseSeconds}),
          leased_by = ${leasedBy}, attempts = attempts + 1
        where msg_id in (select o.msg_id from fed_outbox o
          where o.peer_id = ${peerId} and o.status = 'pending' and o.seq > ${after}
            and o.next_attempt_at <= now() and (o.lease_until is null or o.lease_until < now())
            and not exists (select 1 from fed_outbox f where f.peer_id = ${peerId} and f.status = 'pending'
              and f.lease_until is not null and f.lease_until >= now() and f.msg_id not in (${ids}))
          order by o.seq limit ${limit} for update of o skip locked)
        returning *)
      select 'o' as kind, to_jsonb(l) as row from l
      union all
      select 'p' as kind, to_jsonb(p) as row from fed_peers p where p.id = ${peerId} and exists (select 1 from l)`),
  );
  const rows = result.filter((r) => r.kind === "o").map((r) => rowOf(outbox, r.row));
  const p = result.find((r) => r.kind === "p");
  return { rows, peer: p ? rowOf(peers, p.row) : null };
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
