import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { inTransaction, PRESENCE_LOCK, rowsOf } from "../../src/db/client.js";
import { vacuumInterval } from "../../src/modules/federation/federation.delivery.js";
import {
  claimDueIn,
  claimDueWithPeer,
  findPeer,
  releaseAllLeases,
  releaseClaim,
  releaseDeadLeases,
  vacuumOutbox,
} from "../../src/modules/federation/federation.repo.js";
import { createTestNode, DB_KIND, describeDb, type TestNode } from "../support/node.js";

/**
 * The delivery worker's claim (federation.repo.ts `claimDueWithPeer`: the peer under an advisory lock, then its rows): of claims
 * of one peer made at once (on PostgreSQL each on a connection of its own), one leases the peer's first
 * messages in sequence order and the others get nothing while that batch is in flight; the rows come back as
 * the delivery reads them. (The race the claim's advisory lock closes needs two snapshots interleaved just so
 * and is not reproduced reliably here; docs/federation.md section 10 gives the argument.)
 */
describeDb("federation outbox claim", () => {
  /** The claim's rows (the delivery also takes the peer's row it reads with them). */
  const claimDue = async (...args: Parameters<typeof claimDueWithPeer>) =>
    (await claimDueWithPeer(...args)).rows;
  let node: TestNode;
  const db = () => node.rt.database.db;

  beforeAll(async () => {
    node = await createTestNode({ id: "CLAIM-A" });
    await db().execute(sql`insert into fed_peers (id, name, base_url, state, public_keys, fingerprint)
      values ('CLAIM-P', 'CLAIM-P', 'http://127.0.0.1:1/', 'active', '[]'::jsonb, 'test')`);
    await db().execute(sql`insert into fed_outbox
        (msg_id, peer_id, seq, type, schema_version, payload, created_at, status, next_attempt_at)
      select gen_random_uuid(), 'CLAIM-P', g, 'federation.notice', 1, '{"text":"claim"}'::jsonb, now(),
        'pending', now() - interval '1 minute'
      from generate_series(1, 30) g`);
  }, 120_000);
  afterAll(async () => {
    await node?.close();
  });

  it("of eight claims of one peer at once, one leases its first messages in order and the others get none", async () => {
    const claims = await Promise.all(Array.from({ length: 8 }, () => claimDue(db(), 10, 30)));
    const taken = claims.filter((c) => c.length);
    expect(taken).toHaveLength(1);
    const [batch] = taken;
    expect(batch.map((r) => r.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    // Mapped as the rest of the delivery reads them: numbers, dates, the payload parsed.
    expect(batch[0]).toMatchObject({
      peerId: "CLAIM-P",
      status: "pending",
      attempts: 1,
      payload: { text: "claim" },
    });
    expect(batch[0].createdAt).toBeInstanceOf(Date);
    expect(batch[0].leaseUntil?.getTime()).toBeGreaterThan(Date.now() + 20_000);

    // While that batch is in flight, nothing more of the peer is claimed; once it is done, the next ten go.
    expect(await claimDue(db(), 10, 30)).toEqual([]);
    await db().execute(sql`update fed_outbox set status = 'delivered', lease_until = null, delivered_at = now()
      where peer_id = 'CLAIM-P' and seq <= 10`);
    const next = await Promise.all(Array.from({ length: 4 }, () => claimDue(db(), 10, 30)));
    expect(next.filter((c) => c.length)).toHaveLength(1);
    expect(
      next
        .flat()
        .map((r) => r.seq)
        .sort((x, y) => x - y),
    ).toEqual(Array.from({ length: 10 }, (_, i) => i + 11));
  });

  const seqs = (rows: { seq: number }[]) => rows.map((r) => r.seq).sort((x, y) => x - y);
  const pending = async () => {
    await db().execute(sql`update fed_outbox set status = 'delivered', lease_until = null, delivered_at = now()
      where peer_id = 'CLAIM-P' and status = 'pending' and seq <= 20`);
  };

  it.runIf(DB_KIND === "postgres")(
    "a batch leased by a process that is gone is claimed again at once, not when its lease expires",
    async () => {
      await pending();
      // Another process of the node: its presence lock held on a connection of its own.
      const other = new pg.Client({ connectionString: node.rt.database.databaseUrl });
      await other.connect();
      await other.query("select pg_advisory_lock($1::int, $2::int)", [PRESENCE_LOCK, 4242]);
      const first = await claimDue(db(), 5, 30, 4242);
      expect(seqs(first)).toEqual([21, 22, 23, 24, 25]);
      // Alive: its lease stands, and its peer stays in flight.
      expect(await releaseDeadLeases(db())).toBe(0);
      expect(await claimDue(db(), 5, 30, 7)).toEqual([]);
      // kill -9: its connection closes, the lock goes with it, and its lease is released at the next look.
      await other.end();
      expect(await releaseDeadLeases(db())).toBe(5);
      const again = await claimDue(db(), 5, 30, 7);
      expect(seqs(again)).toEqual([21, 22, 23, 24, 25]);
      // A lease without a presence key (taken before the lock was held) waits for its expiry as before.
      await db().execute(sql`update fed_outbox set leased_by = null where peer_id = 'CLAIM-P' and seq <= 25`);
      expect(await releaseDeadLeases(db())).toBe(0);
      expect(await claimDue(db(), 5, 30, 7)).toEqual([]);
      await db().execute(sql`update fed_outbox set lease_until = null where peer_id = 'CLAIM-P'`);
    },
  );

  it("at the start of the one PGlite process, every lease is released (it was a dead process's)", async () => {
    await db().execute(sql`update fed_outbox set lease_until = null where peer_id = 'CLAIM-P'`);
    const before = await claimDue(db(), 5, 30);
    expect(before).toHaveLength(5);
    expect(await claimDue(db(), 5, 30)).toEqual([]);
    expect(await releaseAllLeases(db())).toBe(5);
    expect(seqs(await claimDue(db(), 5, 30))).toEqual(seqs(before));
  });

  it("the claim sent in one round trip reads the peer's row with its batch; claimed in a transaction, the same batch", async () => {
    await db().execute(sql`update fed_outbox set lease_until = null where peer_id = 'CLAIM-P'`);
    await db().execute(sql`update fed_peers set last_success_at = now(), rtt_ms = 12, in_seq = 41
      where id = 'CLAIM-P'`);
    const { rows, peer } = await claimDueWithPeer(db(), 3, 30);
    expect(rows).toHaveLength(3);
    // the row as the rest of the delivery reads it elsewhere: numbers, dates, jsonb parsed
    expect(peer).toEqual(await findPeer(db(), "CLAIM-P"));
    expect(peer).toMatchObject({ id: "CLAIM-P", inSeq: 41, rttMs: 12, publicKeys: [] });
    expect(peer?.lastSuccessAt).toBeInstanceOf(Date);
    // nothing claimed (the peer's batch in flight): no row, no peer
    expect(await claimDueWithPeer(db(), 3, 30)).toEqual({ rows: [], peer: null });
    // given back as the delivery gives back a batch it did not send
    await releaseClaim(
      db(),
      rows.map((r) => r.msgId),
    );
    const inTx = await inTransaction(db(), (tx) => claimDueIn(tx, 3, 30));
    expect(inTx.map((r) => ({ ...r, leaseUntil: null }))).toEqual(
      rows.map((r) => ({ ...r, leaseUntil: null })),
    );
    await db().execute(sql`update fed_outbox set lease_until = null where peer_id = 'CLAIM-P'`);
  });

  it("the worker's vacuum of the outbox counts its rows, and the next one waits longer the more it holds", async () => {
    const [{ n }] = rowsOf<{ n: number }>(await db().execute(sql`select count(*)::int as n from fed_outbox`));
    const counted = await vacuumOutbox(db());
    expect(counted).toBe(n);
    // Small outboxes: every 1,000 finished rows, as before; large ones less often (a vacuum reads the whole indexes
    // of every message ever sent), not so rarely that claims walk past too many dead entries: √(300·rows).
    expect(vacuumInterval(counted)).toBe(1000);
    expect(vacuumInterval(null)).toBe(1000);
    expect(vacuumInterval(1_000_000)).toBe(17_321);
    expect(vacuumInterval(10_000_000)).toBe(54_773);
  });
});
