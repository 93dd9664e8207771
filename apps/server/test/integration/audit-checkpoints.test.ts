import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { PublicKeyJwk } from "../../src/crypto/keys.js";
import { generateSigningKey } from "../../src/crypto/keys.js";
import { inTransaction } from "../../src/db/client.js";
import { auditCheckpoints, auditLog, auditPeerCheckpoints, peers } from "../../src/db/schema/index.js";
import { systemCtx } from "../../src/lib/actor.js";
import { signCheckpoint } from "../../src/modules/audit/audit.checkpoint.js";
import { cliActor } from "../../src/modules/node/node.service.js";
import { openNode } from "../../src/runtime/node-runtime.js";
import { DB_KIND, describeDb } from "../support/node.js";
import { type TwoNodes, twoNodes } from "../support/requests-fixtures.js";

const MIN = 60_000;

describeDb("audit checkpoints: periodic signing and what a peer keeps", () => {
  let t: TwoNodes;
  beforeEach(async () => {
    t = await twoNodes();
    // Pairing leaves each node with the other's public keys: US-DOJ learns CN-MPS's signing key.
    const cnKeys = (await t.cn.rt.services.node.publicInfo()).publicKeys.map((k) => ({
      ...k,
      status: k.status === "retiring" ? ("retiring" as const) : ("active" as const),
    }));
    await t.us.rt.services.db.update(peers).set({ publicKeys: cnKeys }).where(eq(peers.id, "CN-MPS"));
  });
  afterEach(() => t?.close());

  const cnCheckpoints = () => t.cn.rt.services.db.select().from(auditCheckpoints);
  const heldByUs = () =>
    t.us.rt.services.db.select().from(auditPeerCheckpoints).where(eq(auditPeerCheckpoints.peerId, "CN-MPS"));

  it("signs one checkpoint per interval, only when something was recorded since, and the peer confirms it", async () => {
    const anchors = t.cn.rt.services.auditAnchors;
    // The first period runs from the node's first audit entry.
    expect(await anchors.checkpointIfDue(systemCtx())).toBeNull();
    t.clock.advance(61 * MIN);
    const first = await anchors.checkpointIfDue(systemCtx());
    expect(first).not.toBeNull();
    expect(await anchors.checkpointIfDue(systemCtx())).toBeNull(); // within the interval
    t.clock.advance(61 * MIN);
    expect(await anchors.checkpointIfDue(systemCtx())).toBeNull(); // nothing but its own entry since
    await t.cn.unit("New unit");
    const second = await anchors.checkpointIfDue(systemCtx());
    expect(second?.seq).toBeGreaterThan(first?.seq ?? 0);
    expect((await cnCheckpoints()).length).toBe(2);

    await t.hub.flush();
    expect((await heldByUs()).map((h) => h.seq).sort((a, b) => a - b)).toEqual([first?.seq, second?.seq]);
    const auditorCtx = { actor: cliActor("test"), ip: null, requestId: null };
    const list = await anchors.listCheckpoints(auditorCtx, 10);
    expect(list[0].confirmedBy).toEqual([{ peerId: "US-DOJ", at: expect.any(String) }]);
    const sent = t.hub.delivered.filter((d) => d.type === "audit.checkpoint");
    expect(sent).toHaveLength(2);
  });

  it("signs one checkpoint when several processes of the node ask at once", async () => {
    await t.cn.unit("Busy unit");
    t.clock.advance(61 * MIN);
    const anchors = [t.cn.rt.services.auditAnchors];
    // On PostgreSQL a second process on the same database; PGlite has one process per data directory.
    const second = DB_KIND === "postgres" ? await openNode(t.cn.rt.config, { clock: t.clock }) : null;
    if (second) anchors.push(second.services.auditAnchors);
    try {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => anchors[i % anchors.length].checkpointIfDue(systemCtx())),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect((await cnCheckpoints()).length).toBe(1);
    } finally {
      await second?.close();
    }
  });

  it("keeps no checkpoint that does not verify with the sender's key, and audits the refusal", async () => {
    const cnPort = t.cn.rt.services.federation;
    const kid = ((await t.cn.rt.services.node.publicInfo()).publicKeys as PublicKeyJwk[]).find(
      (k) => k.use === "sig",
    )?.kid as string;
    const impostor = generateSigningKey();
    const [head] = await t.cn.rt.services.db.select().from(auditLog).where(eq(auditLog.seq, 1));
    const forged = await signCheckpoint(
      { nodeId: "CN-MPS", seq: 1, hash: head.hash, time: new Date(t.clock.t).toISOString() },
      { kid, privateJwk: impostor.privateJwk },
    );
    const ofAnother = await signCheckpoint(
      { nodeId: "XX-OTHER", seq: 1, hash: head.hash, time: new Date(t.clock.t).toISOString() },
      await t.cn.rt.services.node.keys().then((k) => k.signing),
    );
    await inTransaction(t.cn.rt.services.db, async (tx) => {
      for (const jws of [forged, ofAnother]) {
        await cnPort.enqueue(tx, systemCtx(), {
          peerId: "US-DOJ",
          type: "audit.checkpoint",
          payload: { jws },
        });
      }
    });
    await t.hub.flush();
    expect(await heldByUs()).toEqual([]);
    const refused = await t.us.rt.services.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "audit.peer_checkpoint"), eq(auditLog.outcome, "rejected")));
    expect(refused.map((r) => (r.details as { reason: string }).reason)).toEqual([
      "checkpoint signature does not verify",
      "checkpoint is of node XX-OTHER",
    ]);
    // Nothing was acknowledged back.
    expect(t.hub.delivered.filter((d) => d.type === "audit.checkpoint.ack")).toEqual([]);
  });
});
