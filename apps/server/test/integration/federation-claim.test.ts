import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { claimDue } from "../../src/modules/federation/federation.repo.js";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";

/**
 * The delivery worker's claim (federation.repo.ts `claimDue`: the peer under an advisory lock, then its rows): of claims
 * of one peer made at once (on PostgreSQL each on a connection of its own), one leases the peer's first
 * messages in sequence order and the others get nothing while that batch is in flight; the rows come back as
 * the delivery reads them. (The race the claim's advisory lock closes needs two snapshots interleaved just so
 * and is not reproduced reliably here; docs/federation.md section 10 gives the argument.)
 */
describeDb("federation outbox claim", () => {
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
});
