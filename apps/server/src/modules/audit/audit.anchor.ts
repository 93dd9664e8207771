import type {
  AccessLogVerifyResult,
  AuditAnchorResult,
  AuditCheckpoint,
  AuditVerifyAnchoredResult,
} from "@crossline/schemas";
import { z } from "zod";
import { uuidv7 } from "../../crypto/ids.js";
import type { Db, DbOrTx, Tx } from "../../db/client.js";
import { inTransaction } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { defineHandler, type FederationPort } from "../federation/federation.types.js";
import type { NodeService } from "../node/node.service.js";
import {
  type CheckpointClaims,
  CheckpointError,
  signCheckpoint,
  verifyCheckpoint,
} from "./audit.checkpoint.js";
import type { PeerDirectory } from "./audit.peers.js";
import * as repo from "./audit.repo.js";
import type { AuditService } from "./audit.service.js";
import { verifyAuditChain } from "./audit.service.js";

/** Checkpoints a peer returns when asked (newest first): the newest decides, older ones say since when. */
const ANSWER_LIMIT = 10;
/** Own checkpoints compared by `verify` (newest first). */
const OWN_LIMIT = 500;

const Jws = z.string().min(1).max(8192);
export const CheckpointPayload = z.strictObject({ jws: Jws });
export const CheckpointAckPayload = z.strictObject({
  seq: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export const AnchorQueryPayload = z.strictObject({ queryId: z.uuid() });
export const AnchorAnswerPayload = z.strictObject({
  queryId: z.uuid(),
  checkpoints: z.array(Jws).max(ANSWER_LIMIT),
});

type Anchor = { source: string; claims: CheckpointClaims };

type Problem = AuditAnchorResult["problems"][number];

/**
 * Anchors the audit trail outside the database. The node signs its audit head (a checkpoint) on demand and
 * periodically, keeps it, and sends it to every active peer, which keeps it too. `verify` asks the peers
 * for the checkpoints they hold for us (a query/answer message pair over the federation, so it rides the
 * signed, receipted transport and waits out a link that is down) and compares every checkpoint with the
 * local trail: whoever rewrites the trail and its local checkpoints cannot rewrite the peers' copies, nor
 * sign new ones without the node's private key, which is sealed under the master key outside the database.
 */
export function createAuditAnchorService(deps: {
  db: Db;
  clock: Clock;
  audit: AuditService;
  node: Pick<NodeService, "summary" | "keys" | "signingPublicKeys">;
  federation: FederationPort;
  peers: PeerDirectory;
  intervalMinutes: number;
  /**
   * The access log's check (access-log.service.ts verify): its seals are audit entries, so a verify of the
   * trail covers the log it vouches for.
   */
  accessLog: { verify(ctx: Ctx): Promise<AccessLogVerifyResult> };
}) {
  const { db, clock, audit, node, federation, peers } = deps;

  async function view(dbx: DbOrTx, rows: repo.CheckpointRow[]): Promise<AuditCheckpoint[]> {
    if (rows.length === 0) return [];
    const me = await node.summary();
    const acks = await repo.checkpointAcks(
      dbx,
      rows.map((r) => r.seq),
    );
    return rows.map((r) => ({
      nodeId: me.id,
      seq: r.seq,
      hash: r.hash,
      signedAt: r.signedAt.toISOString(),
      jws: r.jws,
      confirmedBy: acks
        .filter((a) => a.seq === r.seq)
        .sort((a, b) => a.peerId.localeCompare(b.peerId))
        .map((a) => ({ peerId: a.peerId, at: a.ackedAt.toISOString() })),
    }));
  }

  /**
   * Signs the current audit head and sends it to every active peer. With `onlyIfDue` (the worker) it does
   * nothing when the newest checkpoint is younger than the interval or nothing but it was recorded since:
   * the `audit_head` row lock orders every process of the node, so two never sign the same period.
   */
  async function sign(ctx: Ctx, opts: { onlyIfDue: boolean }): Promise<AuditCheckpoint | null> {
    // Key opening and the node's id before the transaction: it should hold the head lock only briefly.
    const me = await node.summary();
    const { signing } = await node.keys();
    const row = await inTransaction(db, async (tx) => {
      const head = await repo.lockAuditHead(tx);
      const [latest] = await repo.latestCheckpoints(tx, 1);
      const now = clock.now();
      if (opts.onlyIfDue) {
        // The first period starts with the trail itself: a node set up a minute ago is not due yet.
        const oldest = latest ? undefined : await repo.firstAuditEntryAt(tx);
        const since = latest?.signedAt ?? oldest ?? now;
        if (now.getTime() - since.getTime() < deps.intervalMinutes * 60_000) return null;
        // The checkpoint's own audit entry is the one after it: nothing else happened since.
        if (latest && head.seq <= latest.seq + 1) return null;
      }
      if (latest && latest.seq === head.seq) return latest;
      const jws = await signCheckpoint(
        { nodeId: me.id, seq: head.seq, hash: head.hash, time: now.toISOString() },
        signing,
      );
      const created = await repo.insertCheckpoint(tx, { seq: head.seq, hash: head.hash, signedAt: now, jws });
      const to = await peers.activePeerIds(tx);
      for (const peerId of to) {
        await federation.enqueue(tx, ctx, { peerId, type: "audit.checkpoint", payload: { jws } });
      }
      await audit.record(tx, ctx, {
        action: "audit.checkpoint",
        targetType: "audit_checkpoint",
        targetId: String(head.seq),
        details: { seq: head.seq, hash: head.hash, sentTo: to, periodic: Boolean(opts.onlyIfDue) },
      });
      return created;
    });
    if (!row) return null;
    const [v] = await view(db, [row]);
    return v;
  }

  /** On demand (an auditor or an administrator): always returns the checkpoint of the current head. */
  async function checkpoint(ctx: Ctx): Promise<AuditCheckpoint> {
    requirePermission(ctx.actor, "audit:verify");
    const c = await sign(ctx, { onlyIfDue: false });
    if (!c) throw new Error("unreachable: an on-demand checkpoint is always signed");
    return c;
  }

  /** The worker's call: a checkpoint when one is due, else null. */
  function checkpointIfDue(ctx: Ctx): Promise<AuditCheckpoint | null> {
    return sign(ctx, { onlyIfDue: true });
  }

  async function listCheckpoints(ctx: Ctx, limit: number): Promise<AuditCheckpoint[]> {
    requirePermission(ctx.actor, "audit:read");
    const rows = await repo.latestCheckpoints(db, limit);
    return view(db, rows);
  }

  /** Asks every active peer for the checkpoints it holds for us; returns the query ids. */
  async function askPeers(ctx: Ctx): Promise<string[]> {
    return inTransaction(db, async (tx) => {
      const to = await peers.activePeerIds(tx);
      const ids: string[] = [];
      for (const peerId of to) {
        const id = uuidv7();
        await repo.insertAnchorQuery(tx, { id, peerId, askedAt: clock.now() });
        await federation.enqueue(tx, ctx, {
          peerId,
          type: "audit.checkpoints.query",
          payload: { queryId: id },
        });
        ids.push(id);
      }
      await audit.record(tx, ctx, { action: "audit.anchor.query", details: { peers: to } });
      return ids;
    });
  }

  async function waitForAnswers(ids: string[], waitMs: number): Promise<void> {
    const until = Date.now() + waitMs;
    while (ids.length > 0 && Date.now() < until) {
      const open = await repo.unansweredAnchorQueries(db, ids);
      if (open.length === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Compares every checkpoint (own, and the peers' latest answers) with the local trail. */
  async function compareAnchors(): Promise<AuditAnchorResult> {
    const me = await node.summary();
    const keys = await node.signingPublicKeys();
    const problems: Problem[] = [];
    const anchors: Anchor[] = [];
    const check = async (source: string, jws: string): Promise<CheckpointClaims | null> => {
      try {
        const claims = await verifyCheckpoint(jws, keys);
        if (claims.nodeId !== me.id) throw new CheckpointError(`checkpoint is of node ${claims.nodeId}`);
        anchors.push({ source, claims });
        return claims;
      } catch (e) {
        const reason = e instanceof CheckpointError ? e.message : "checkpoint cannot be read";
        problems.push({ source, kind: "bad_signature", seq: 0, sinceSeq: 0, signedAt: null, reason });
        return null;
      }
    };
    const own = await repo.latestCheckpoints(db, OWN_LIMIT);
    for (const r of own) {
      const c = await check("own", r.jws);
      if (c && (c.seq !== r.seq || c.hash !== r.hash)) {
        problems.push({
          source: "own",
          kind: "rewritten",
          seq: r.seq,
          sinceSeq: 0,
          signedAt: c.time,
          reason: `the stored checkpoint ${r.seq} does not match its own signature (edited)`,
        });
      }
    }
    const latestOwn = own[0]
      ? { seq: own[0].seq, hash: own[0].hash, signedAt: own[0].signedAt.toISOString() }
      : null;

    const peerRows: AuditAnchorResult["peers"] = [];
    const known = new Set(await peers.activePeerIds(db));
    const asked = await repo.latestAnchorQueryPerPeer(db);
    for (const q of asked) known.add(q.peerId);
    for (const peerId of [...known].sort()) {
      const q = asked.find((a) => a.peerId === peerId);
      if (!q) {
        peerRows.push({ peerId, state: "not_asked", askedAt: null, answeredAt: null, held: 0, latest: null });
        continue;
      }
      const base = {
        peerId,
        askedAt: q.askedAt.toISOString(),
        answeredAt: q.answeredAt?.toISOString() ?? null,
      };
      if (!q.answeredAt) {
        peerRows.push({ ...base, state: "no_answer", held: 0, latest: null });
        continue;
      }
      const list = z.array(z.string()).safeParse(q.checkpoints);
      const jwss = list.success ? list.data : [];
      let latest: { seq: number; signedAt: string } | null = null;
      for (const jws of jwss) {
        const c = await check(peerId, jws);
        if (c && (!latest || c.seq > latest.seq)) latest = { seq: c.seq, signedAt: c.time };
      }
      peerRows.push({ ...base, state: "ok", held: jwss.length, latest });
    }

    // Every anchored (seq, hash) against the local trail and its head.
    const head = await repo.readAuditHead(db);
    const seqs = [...new Set(anchors.map((a) => a.claims.seq))];
    const rows = await repo.auditEntryHashes(db, seqs);
    const hashAt = new Map(rows.map((r) => [r.seq, r.hash]));
    const matching = anchors
      .filter((a) => a.claims.seq <= head.seq && hashAt.get(a.claims.seq) === a.claims.hash)
      .map((a) => a.claims.seq);
    for (const { source, claims } of anchors) {
      const lastGood = Math.max(0, ...matching.filter((s) => s < claims.seq));
      if (claims.seq > head.seq || !hashAt.has(claims.seq)) {
        problems.push({
          source,
          kind: "truncated",
          seq: claims.seq,
          sinceSeq: lastGood,
          signedAt: claims.time,
          reason: `the trail ends at entry ${head.seq}, but a checkpoint signed at ${claims.time} anchors entry ${claims.seq}: entries were removed from the end (since entry ${lastGood})`,
        });
      } else if (hashAt.get(claims.seq) !== claims.hash) {
        problems.push({
          source,
          kind: "rewritten",
          seq: claims.seq,
          sinceSeq: lastGood,
          signedAt: claims.time,
          reason: `entry ${claims.seq} no longer has the hash signed at ${claims.time}: the trail was rewritten after entry ${lastGood} and at or before entry ${claims.seq}`,
        });
      }
    }
    for (const p of peerRows) {
      if (problems.some((x) => x.source === p.peerId)) p.state = "disagrees";
    }
    problems.sort((a, b) => a.seq - b.seq || a.source.localeCompare(b.source));
    return { ok: problems.length === 0, checked: anchors.length, latestOwn, peers: peerRows, problems };
  }

  /**
   * The chain check plus the anchors. With `waitSeconds` > 0 the peers are asked first and their answers
   * awaited that long (a peer that does not answer in time is reported `no_answer`).
   */
  async function verify(ctx: Ctx, opts: { waitSeconds: number }): Promise<AuditVerifyAnchoredResult> {
    requirePermission(ctx.actor, "audit:verify");
    if (opts.waitSeconds > 0) {
      const ids = await askPeers(ctx);
      await waitForAnswers(ids, opts.waitSeconds * 1000);
    }
    const chain = await verifyAuditChain(db, clock);
    const anchors = await compareAnchors();
    const accessLog = await deps.accessLog.verify(ctx);
    return { ...chain, ok: chain.ok && anchors.ok && accessLog.ok, anchors, accessLog };
  }

  /** The message types of audit anchoring, applied in the inbox transaction of the receiving node. */
  function registerHandlers(): void {
    federation.registerHandler(
      defineHandler("audit.checkpoint", CheckpointPayload, async (tx, msg, ctx) => {
        await keepPeerCheckpoint(tx, ctx, msg.peerId, msg.payload.jws);
      }),
    );
    federation.registerHandler(
      defineHandler("audit.checkpoint.ack", CheckpointAckPayload, async (tx, msg) => {
        const mine = await repo.findCheckpoint(tx, msg.payload.seq);
        // An acknowledgement of a checkpoint we never signed (or of another hash) confirms nothing.
        if (!mine || mine.hash !== msg.payload.hash) return;
        await repo.insertCheckpointAck(tx, {
          peerId: msg.peerId,
          seq: msg.payload.seq,
          ackedAt: clock.now(),
        });
      }),
    );
    federation.registerHandler(
      defineHandler("audit.checkpoints.query", AnchorQueryPayload, async (tx, msg, ctx) => {
        const held = await repo.heldPeerCheckpoints(tx, msg.peerId, ANSWER_LIMIT);
        await federation.enqueue(tx, ctx, {
          peerId: msg.peerId,
          type: "audit.checkpoints.answer",
          payload: { queryId: msg.payload.queryId, checkpoints: held.map((h) => h.jws) },
          inReplyTo: msg.msgId,
        });
      }),
    );
    federation.registerHandler(
      defineHandler("audit.checkpoints.answer", AnchorAnswerPayload, async (tx, msg) => {
        await repo.answerAnchorQuery(tx, {
          queryId: msg.payload.queryId,
          peerId: msg.peerId,
          checkpoints: msg.payload.checkpoints,
          at: clock.now(),
        });
      }),
    );
  }

  /**
   * Keeps a peer's checkpoint once its signature verifies with the peer's key, and acknowledges it. A bad
   * one is audited and dropped rather than thrown, so it cannot hold the link behind it.
   */
  async function keepPeerCheckpoint(tx: Tx, ctx: Ctx, peerId: string, jws: string): Promise<void> {
    let claims: CheckpointClaims;
    try {
      claims = await verifyCheckpoint(jws, await peers.signingKeys(tx, peerId));
      if (claims.nodeId !== peerId) throw new CheckpointError(`checkpoint is of node ${claims.nodeId}`);
    } catch (e) {
      await audit.record(tx, ctx, {
        action: "audit.peer_checkpoint",
        outcome: "rejected",
        targetType: "peer",
        targetId: peerId,
        details: { reason: e instanceof CheckpointError ? e.message : "unreadable" },
      });
      return;
    }
    const held = await repo.heldPeerCheckpointAt(tx, peerId, claims.seq);
    if (held && held.hash !== claims.hash) {
      // The peer signed two different trails at one position: keep the first, and leave a trace.
      await audit.record(tx, ctx, {
        action: "audit.peer_checkpoint",
        outcome: "rejected",
        targetType: "peer",
        targetId: peerId,
        details: {
          reason: "conflicts with a checkpoint held",
          seq: claims.seq,
          held: held.hash,
          got: claims.hash,
        },
      });
      return;
    }
    if (!held) {
      await repo.insertPeerCheckpoint(tx, {
        peerId,
        seq: claims.seq,
        hash: claims.hash,
        signedAt: new Date(claims.time),
        jws,
        receivedAt: clock.now(),
      });
    }
    await federation.enqueue(tx, ctx, {
      peerId,
      type: "audit.checkpoint.ack",
      payload: { seq: claims.seq, hash: claims.hash },
    });
  }

  /**
   * A peer was restored from a backup (federation.restore.ts tells us, in its transaction): the checkpoints of
   * it held after the backup's audit head describe a trail it lost; they stay (insert only) but are set aside,
   * so its new checkpoints at those positions are kept and `verify` on its side compares with them.
   */
  async function peerRestored(
    tx: Tx,
    peerId: string,
    r: { auditBase: { seq: number; hash: string }; at: Date },
  ): Promise<Record<string, unknown>> {
    const aside = await repo.heldPeerCheckpointsAfter(tx, peerId, r.auditBase.seq);
    await repo.insertPeerRestore(tx, {
      peerId,
      restoredAt: r.at,
      baseSeq: r.auditBase.seq,
      baseHash: r.auditBase.hash,
    });
    return { checkpointsSetAside: aside.slice(0, 100), checkpointsSetAsideCount: aside.length };
  }

  /** Per active peer: when the newest own checkpoint it confirmed was signed (null: none yet). */
  async function confirmations(): Promise<{ peerId: string; signedAt: Date | null }[]> {
    const ids = await peers.activePeerIds(db);
    const rows = await repo.newestAckedPerPeer(db);
    return ids.map((peerId) => {
      const r = rows.find((x) => x.peerId === peerId);
      return { peerId, signedAt: r?.signedAt ? new Date(r.signedAt) : null };
    });
  }

  return {
    confirmations,
    checkpoint,
    checkpointIfDue,
    listCheckpoints,
    askPeers,
    compareAnchors,
    verify,
    registerHandlers,
    peerRestored,
  };
}

export type AuditAnchorService = ReturnType<typeof createAuditAnchorService>;
