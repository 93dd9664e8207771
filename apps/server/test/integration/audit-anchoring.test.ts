import type { AuditCheckpoint, AuditVerifyAnchoredResult } from "@crossline/schemas";
import { asc, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { inTransaction } from "../../src/db/client.js";
import {
  auditAnchorQueries,
  auditCheckpointAcks,
  auditCheckpoints,
  auditHead,
  auditLog,
  auditPeerCheckpoints,
} from "../../src/db/schema/index.js";
import { auditHash, GENESIS_HASH } from "../../src/modules/audit/audit.hash.js";
import type { AuditRow } from "../../src/modules/audit/audit.repo.js";
import {
  type FederationWorker,
  startFederationWorker,
} from "../../src/modules/federation/federation.worker.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { freePort } from "../support/pg-cluster.js";
import { waitFor } from "../support/wait.js";

async function listeningNode(id: string) {
  const port = await freePort();
  const node = await createTestNode({
    id,
    settings: {
      publicUrl: `http://127.0.0.1:${port}`,
      fedPollMs: 25,
      fedBackoffBaseMs: 50,
      fedBackoffMaxMs: 400,
    },
  });
  await node.rt.app.listen({ host: "127.0.0.1", port });
  return node;
}

type Entry = Omit<AuditRow, "seq" | "prevHash" | "hash">;

/**
 * What someone with owner rights on the database can do: switch the append-only triggers off, replace the
 * trail with `entries` re-chained from the genesis hash (every hash recomputed, so the chain verifies),
 * rewind `audit_head`, and remove every local trace that could betray it: the node's own checkpoints, the
 * peers' acknowledgements and the answers already fetched.
 */
async function rewriteTrail(node: TestNode, edit: (rows: AuditRow[]) => Entry[]) {
  await inTransaction(node.rt.services.db, async (tx) => {
    await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for("update");
    const rows = await tx.select().from(auditLog).orderBy(asc(auditLog.seq));
    const entries = edit(rows);
    await tx.execute(sql.raw("alter table audit_log disable trigger user"));
    await tx.execute(sql.raw("alter table audit_checkpoints disable trigger user"));
    await tx.delete(auditLog);
    let prevHash = GENESIS_HASH;
    const chained = entries.map((e, i) => {
      const fields = { ...e, seq: i + 1, prevHash, details: e.details as Record<string, unknown> };
      const hash = auditHash(fields);
      prevHash = hash;
      return { ...fields, hash };
    });
    for (let i = 0; i < chained.length; i += 200) await tx.insert(auditLog).values(chained.slice(i, i + 200));
    await tx.update(auditHead).set({ seq: chained.length, hash: prevHash }).where(eq(auditHead.id, 1));
    await tx.delete(auditCheckpoints);
    await tx.delete(auditCheckpointAcks);
    await tx.delete(auditAnchorQueries);
    await tx.execute(sql.raw("alter table audit_checkpoints enable trigger user"));
    await tx.execute(sql.raw("alter table audit_log enable trigger user"));
  });
}

const strip = ({ seq: _s, prevHash: _p, hash: _h, ...e }: AuditRow): Entry => e;

describeDb("audit anchoring: checkpoints held by a peer reveal a rewritten trail", () => {
  let cn: TestNode;
  let us: TestNode;
  let auditor: Agent;
  const workers: FederationWorker[] = [];
  const silent = { info() {}, warn() {}, error() {} };
  let saved: {
    log: AuditRow[];
    cps: (typeof auditCheckpoints.$inferSelect)[];
    head: { seq: number; hash: string };
  };
  let first: AuditCheckpoint;
  let second: AuditCheckpoint;

  const verifyWithPeers = async () => {
    const r = await auditor.req<{ result: AuditVerifyAnchoredResult }>("POST", "/api/v1/audit/verify", {
      waitSeconds: 20,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.result;
  };
  const verifyLocally = async () =>
    (await auditor.req<{ result: AuditVerifyAnchoredResult }>("GET", "/api/v1/audit/verify")).body.result;

  beforeAll(async () => {
    cn = await listeningNode("CN-MPS");
    us = await listeningNode("US-DOJ");
    for (const n of [cn, us])
      workers.push(startFederationWorker(n.rt.services.federationService, n.rt.config, silent));
    const inv = await cn
      .bearer(cn.rt.controlToken)
      .req<{ invitation: string }>("POST", "/api/v1/peers/invitations");
    const acc = await us
      .bearer(us.rt.controlToken)
      .req("POST", "/api/v1/peers/accept", { invitation: inv.body.invitation });
    expect(acc.status, JSON.stringify(acc.body)).toBe(201);
    // The node's own CLI (auditor and administrator): no password hashing on a busy test machine.
    auditor = cn.bearer(cn.rt.controlToken);
    for (const name of ["u1", "u2", "u3"]) await cn.unit(name);

    const c1 = await auditor.req<{ checkpoint: AuditCheckpoint }>("POST", "/api/v1/audit/checkpoints");
    expect(c1.status, JSON.stringify(c1.body)).toBe(201);
    first = c1.body.checkpoint;
    for (const name of ["u4", "u5", "u6", "u7", "u8", "u9"]) await cn.unit(name);
    const c2 = await auditor.req<{ checkpoint: AuditCheckpoint }>("POST", "/api/v1/audit/checkpoints");
    expect(c2.status).toBe(201);
    second = c2.body.checkpoint;
    for (const name of ["u10", "u11"]) await cn.unit(name);

    // The peer keeps both and acknowledges them.
    await waitFor("US-DOJ to acknowledge both checkpoints", async () => {
      const list = await auditor.req<{ items: AuditCheckpoint[] }>("GET", "/api/v1/audit/checkpoints");
      return (
        list.body.items.length === 2 && list.body.items.every((c) => c.confirmedBy[0]?.peerId === "US-DOJ")
      );
    });
    const db = cn.rt.services.db;
    saved = {
      log: await db.select().from(auditLog).orderBy(asc(auditLog.seq)),
      cps: await db.select().from(auditCheckpoints),
      head: (await db.select().from(auditHead))[0],
    };
  }, 600_000);

  afterEach(async () => {
    // Put the genuine trail back for the next scenario.
    await rewriteTrail(cn, () => saved.log.map(strip));
    await inTransaction(cn.rt.services.db, async (tx) => {
      await tx.insert(auditCheckpoints).values(saved.cps);
    });
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await cn?.close();
    await us?.close();
  });

  it("signs a standard JWS the peer verifies and keeps; an intact trail agrees with every checkpoint", async () => {
    expect(second.seq).toBeGreaterThan(first.seq);
    expect(first.jws.split(".")).toHaveLength(3);
    const held = await us.rt.services.db
      .select()
      .from(auditPeerCheckpoints)
      .where(eq(auditPeerCheckpoints.peerId, "CN-MPS"))
      .orderBy(asc(auditPeerCheckpoints.seq));
    expect(held.map((h) => [h.seq, h.hash])).toEqual([
      [first.seq, first.hash],
      [second.seq, second.hash],
    ]);
    const r = await verifyWithPeers();
    expect(r.ok).toBe(true);
    expect(r.anchors.peers).toEqual([
      expect.objectContaining({
        peerId: "US-DOJ",
        state: "ok",
        held: 2,
        latest: expect.objectContaining({ seq: second.seq }),
      }),
    ]);
    expect(r.anchors.checked).toBe(4); // two own, two held by the peer
    expect(r.anchors.latestOwn?.seq).toBe(second.seq);
  });

  it("detects a cut tail with audit_head rewound", async () => {
    // Cut back to the first checkpoint: the entries `verify` itself adds do not reach the second one again.
    await rewriteTrail(cn, (rows) => rows.slice(0, first.seq).map(strip));
    // The chain alone, and what is left locally, see nothing wrong.
    const local = await verifyLocally();
    expect(local.ok).toBe(true);
    const r = await verifyWithPeers();
    expect(r.ok).toBe(false);
    expect(r.anchors.peers[0]).toMatchObject({ peerId: "US-DOJ", state: "disagrees" });
    expect(r.anchors.problems).toEqual([
      expect.objectContaining({ source: "US-DOJ", kind: "truncated", seq: second.seq }),
    ]);
    expect(r.anchors.problems[0].reason).toMatch(new RegExp(`since entry ${first.seq}`));
  });

  it("detects an edited entry with every later hash recomputed", async () => {
    const target = first.seq + 2;
    await rewriteTrail(cn, (rows) =>
      rows.map((row) => (row.seq === target ? { ...strip(row), details: { name: "forged" } } : strip(row))),
    );
    expect((await verifyLocally()).ok).toBe(true);
    const r = await verifyWithPeers();
    expect(r.ok).toBe(false);
    // The first checkpoint still matches; the second does not: rewritten between the two.
    expect(r.anchors.problems).toEqual([
      expect.objectContaining({ source: "US-DOJ", kind: "rewritten", seq: second.seq }),
    ]);
    expect(r.anchors.problems[0].reason).toMatch(new RegExp(`after entry ${first.seq}`));
  });

  it("detects a deleted entry with the later ones renumbered and re-hashed", async () => {
    await rewriteTrail(cn, (rows) => rows.filter((row) => row.seq !== 3).map(strip));
    expect((await verifyLocally()).ok).toBe(true);
    const r = await verifyWithPeers();
    expect(r.ok).toBe(false);
    expect(r.anchors.problems.map((p) => [p.source, p.kind, p.seq])).toEqual([
      ["US-DOJ", "rewritten", first.seq],
      ["US-DOJ", "rewritten", second.seq],
    ]);
    expect(r.anchors.problems[0].reason).toMatch(/after entry 0 /);
  });

  it("the node's own checkpoints alone reveal a rewound head, peers or not", async () => {
    // Someone rewound the head but kept the node's own checkpoints: those alone betray it, peers or not.
    await inTransaction(cn.rt.services.db, async (tx) => {
      await tx.execute(sql.raw("alter table audit_log disable trigger user"));
      await tx.delete(auditLog).where(sql`${auditLog.seq} > ${first.seq}`);
      const [last] = await tx.select().from(auditLog).where(eq(auditLog.seq, first.seq));
      await tx.update(auditHead).set({ seq: first.seq, hash: last.hash }).where(eq(auditHead.id, 1));
      await tx.execute(sql.raw("alter table audit_log enable trigger user"));
    });
    const r = await verifyLocally();
    expect(r.ok).toBe(false);
    expect(r.anchors.problems).toContainEqual(
      expect.objectContaining({ source: "own", kind: "truncated", seq: second.seq }),
    );
  });
});
