import { hostname } from "node:os";
import type { NotificationParams, PeerHealth, PeerView } from "@crossline/schemas";
import { and, arrayOverlaps, asc, desc, eq, gt, inArray, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Config } from "../../config.js";
import {
  EnvelopeError,
  type EnvelopeHeader,
  type EnvelopeRouting,
  envelopeSha256,
  type OpenedEnvelope,
  openEnvelope,
  peekEnvelope,
  type ReceiptClaims,
  sealEnvelope,
  signReceipt,
  verifyReceipt,
} from "../../crypto/envelope.js";
import { sha256Hex } from "../../crypto/hash.js";
import { isUuid, uuidv7 } from "../../crypto/ids.js";
import {
  fingerprint,
  generateEncryptionKey,
  generateSigningKey,
  type PublicKeyJwk,
  sealPrivateKey,
} from "../../crypto/keys.js";
import {
  afterCommit,
  type Db,
  type DbOrTx,
  inSavepoint,
  inTransaction,
  rowsOf,
  type Tx,
} from "../../db/client.js";
import {
  blobChunks,
  blobs,
  inbox,
  nodeKeys,
  outbox,
  outSeq,
  type PeerState,
  peerInvitations,
  peers,
  pings,
  users,
} from "../../db/schema/index.js";
import { type Ctx, makeActor, requirePermission, systemCtx } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, notFound } from "../../lib/errors.js";
import { randomToken, safeEqual } from "../../lib/secrets.js";
import type { AuditService } from "../audit/audit.service.js";
import type { NodeKeys, NodeService } from "../node/node.service.js";
import { FINAL_FOR_SENDER, SEQ_CONSUMING } from "./federation.codes.js";
import { peekStatement, signStatement, verifyStatement } from "./federation.signing.js";
import type {
  EnqueuedMessage,
  FederationPort,
  IncomingMessage,
  MessageHandler,
  OutgoingMessage,
} from "./federation.types.js";

export type PeerRow = typeof peers.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
type InboxRow = typeof inbox.$inferSelect;
export type PeerKey = PublicKeyJwk & { status: "active" | "retiring" };

export const PAIRING_TYP = "crossline-pairing+jws";
export const PAIRING_REPLY_TYP = "crossline-pairing-reply+jws";
export const CONTROL_TYP = "crossline-control+jws";
export const CHUNK_TYP = "crossline-chunk+jws";
export const INVITATION_PREFIX = "CLINV1.";

const MAX_TYPE_LEN = 100;
/** Which process delivered a batch (several processes may serve one node). */
const WORKER_ID = `${hostname()}:${process.pid}`;
const TYPE_RE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export interface FederationDeps {
  db: Db;
  config: Config;
  clock: Clock;
  audit: AuditService;
  node: NodeService;
  /** Notifies users (console and e-mail) in the caller's transaction: used for link-down alerts. */
  notify?: (
    tx: Tx,
    n: {
      userIds: readonly string[];
      kind: string;
      severity: "info" | "urgent" | "emergency";
      /** A key of NOTIFICATION_MESSAGES (@crossline/schemas), rendered for each reader. */
      key: "link_down";
      params: NotificationParams;
      email?: boolean;
    },
  ) => Promise<number>;
}

export interface EnvelopeResult {
  status: "accepted" | "rejected";
  reason?: string;
  /** Signed receipt (absent only when the envelope is too malformed to address one). */
  receipt?: string;
  /** For REPLAYED: the receipt of the copy received first. */
  original?: string;
}

const PeerKeySchema = z.object({
  kty: z.literal("OKP"),
  crv: z.enum(["Ed25519", "X25519"]),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  kid: z.string().min(1).max(100),
  use: z.enum(["sig", "enc"]),
  alg: z.string().max(20).optional(),
  status: z.enum(["active", "retiring"]).default("active"),
});
const PeerKeys = z.array(PeerKeySchema).min(2).max(8);

const NodeCard = z.object({
  id: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  nameZh: z.string().max(200).nullish(),
  url: z.url().max(500),
  publicKeys: PeerKeys,
});
type NodeCard = z.infer<typeof NodeCard>;

const Invitation = NodeCard.extend({
  v: z.literal(1),
  invitationId: z.uuid(),
  secret: z.string().min(20).max(100),
  expiresAt: z.string().max(40),
});

/** What the hotline test and the other built-in message types carry. */
export const PingPayload = z.strictObject({ pingId: z.uuid(), sentAt: z.string().max(40) });
export const PongPayload = z.strictObject({ pingId: z.uuid(), pingSentAt: z.string().max(40) });
export const KeysPayload = z.strictObject({ publicKeys: PeerKeys });
export const VoidPayload = z.strictObject({
  cancelledType: z.string().max(MAX_TYPE_LEN),
  reason: z.string().max(500),
});
export const NoticePayload = z.strictObject({
  text: z.string().min(1).max(4000),
  language: z.enum(["en", "zh-CN"]),
});

const peerActor = (peerId: string) =>
  makeActor({
    type: "peer",
    id: peerId,
    label: `peer:${peerId}`,
    userId: null,
    unitId: null,
    agencyId: null,
    roles: [],
  });

function sigKeys(p: { publicKeys: unknown }): PublicKeyJwk[] {
  return (p.publicKeys as PeerKey[]).filter((k) => k.use === "sig");
}

function encKeyOf(p: { publicKeys: unknown }): PublicKeyJwk {
  const keys = (p.publicKeys as PeerKey[]).filter((k) => k.use === "enc");
  const k = keys.find((x) => x.status === "active") ?? keys[keys.length - 1];
  if (!k) throw new Error("peer has no encryption key");
  return k;
}

/** Retry delay after `attempts` failures: exponential from `base`, capped at `max`, half of it random (jitter). */
export function backoffMs(attempts: number, base: number, max: number): number {
  const exp = Math.min(max, base * 2 ** Math.max(0, Math.min(30, attempts - 1)));
  // "equal jitter": half fixed, half random, so retries of many messages do not align
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

function errText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.slice(0, 500);
}

export function createFederationService(deps: FederationDeps) {
  const { db, config, clock, audit, node } = deps;
  const handlers = new Map<string, MessageHandler>();
  const nudgeListeners = new Set<(committed: boolean) => void>();
  /**
   * Where this process spends its federation time, in milliseconds since start (exported on /metrics):
   * sending (seal, POST round trip, receipt verification, outbox commit) and receiving (open, inbox commit,
   * receipt signing).
   */
  const timing = {
    sealMs: 0,
    postMs: 0,
    verifyReceiptsMs: 0,
    outboxCommitMs: 0,
    envelopesOut: 0,
    openMs: 0,
    inboxCommitMs: 0,
    signReceiptsMs: 0,
    envelopesIn: 0,
  };

  /**
   * The node's keys, cached for two seconds: opening them costs a query and four decryptions, and every
   * delivery batch and inbox batch needs them. Rotation and retirement in this process clear the cache; other
   * processes of the node pick the change up within the two seconds (both keys are valid during the overlap).
   */
  let keysCache: { at: number; keys: Promise<NodeKeys> } | null = null;
  const currentKeys = (): Promise<NodeKeys> => {
    if (!keysCache || Date.now() - keysCache.at > 2000) {
      const keys = node.keys();
      keysCache = { at: Date.now(), keys };
      keys.catch(() => {
        keysCache = null;
      });
    }
    return keysCache.keys;
  };

  const selfUrl = () => config.publicUrl ?? `http://${config.host}:${config.port}`;

  // -------------------------------------------------------------------------------------------------------
  // The port other domains use

  async function enqueue(tx: Tx, ctx: Ctx, msg: OutgoingMessage): Promise<EnqueuedMessage> {
    const [m] = await enqueueMany(tx, ctx, [msg]);
    return m;
  }

  /**
   * Queues several envelopes in the caller's transaction with three statements whatever their number (one
   * sequence-number reservation per peer, one insert): what a producer with many messages should use.
   */
  async function enqueueMany(tx: Tx, ctx: Ctx, msgs: OutgoingMessage[]): Promise<EnqueuedMessage[]> {
    void ctx;
    const byPeer = new Map<string, number>();
    for (const msg of msgs) {
      if (typeof msg.type !== "string" || msg.type.length > MAX_TYPE_LEN || !TYPE_RE.test(msg.type)) {
        throw new AppError("VALIDATION_FAILED", [
          { field: "type", issue: "a dotted lower-case message type" },
        ]);
      }
      if (JSON.stringify(msg.payload ?? null).length > config.fedMaxEnvelopeBytes / 2) {
        throw new AppError("PAYLOAD_TOO_LARGE", [
          { issue: "the message payload is too large for an envelope" },
        ]);
      }
      byPeer.set(msg.peerId, (byPeer.get(msg.peerId) ?? 0) + 1);
    }
    // Reserve seq numbers: the seq row lock orders enqueuers of one peer across every process until commit.
    const next = new Map<string, number>();
    for (const [peerId, n] of byPeer) {
      const rows = rowsOf<{ seq: string | number }>(
        await tx.execute(sql`update fed_out_seq s set seq = s.seq + ${n} from fed_peers p
          where s.peer_id = ${peerId} and p.id = s.peer_id and p.state in ('active', 'suspended')
          returning s.seq`),
      );
      if (!rows.length) {
        const p = await getPeer(tx, peerId);
        if (!p) throw notFound("peer");
        throw new AppError("CONFLICT", [
          { issue: `peer ${peerId} is ${p.state}: nothing can be sent to it` },
        ]);
      }
      next.set(peerId, Number(rows[0].seq) - n + 1);
    }
    const now = clock.now();
    const out: EnqueuedMessage[] = [];
    const values = msgs.map((msg) => {
      const seq = next.get(msg.peerId) as number;
      next.set(msg.peerId, seq + 1);
      const msgId = uuidv7();
      out.push({ msgId, seq });
      return {
        msgId,
        peerId: msg.peerId,
        seq,
        type: msg.type,
        schemaVersion: msg.schemaVersion ?? 1,
        payload: msg.payload ?? null,
        conversation: msg.conversation ?? null,
        inReplyTo: msg.inReplyTo ?? null,
        attachments: msg.attachments ?? null,
        createdAt: now,
      };
    });
    if (values.length) {
      await tx.insert(outbox).values(values);
      // Wake this process's workers as soon as the rows are visible: right after the commit when the
      // transaction came from `inTransaction`, else now (the worker then looks again a few times shortly).
      if (!afterCommit(tx, () => nudge(true))) nudge(false);
    }
    return out;
  }

  function registerHandler(handler: MessageHandler): void {
    if (handlers.has(handler.type)) throw new Error(`a handler for ${handler.type} is already registered`);
    handlers.set(handler.type, handler);
  }

  /**
   * Wakes this process's delivery workers (other processes find the work by polling). `committed`: the work
   * is already visible (called after the commit); otherwise it may be a moment before it is.
   */
  function nudge(committed = true): void {
    const wake = () => {
      for (const l of nudgeListeners) l(committed);
    };
    if (committed) setImmediate(wake);
    else setTimeout(wake, 1);
  }
  function onNudge(l: (committed: boolean) => void): () => void {
    nudgeListeners.add(l);
    return () => nudgeListeners.delete(l);
  }

  // -------------------------------------------------------------------------------------------------------
  // Peers and pairing

  async function getPeer(dbx: DbOrTx, id: string): Promise<PeerRow | undefined> {
    const [p] = await dbx.select().from(peers).where(eq(peers.id, id));
    return p;
  }

  async function healthOf(rows: PeerRow[]): Promise<Map<string, PeerHealth>> {
    const ids = rows.map((r) => r.id);
    const out = new Map<string, PeerHealth>();
    if (!ids.length) return out;
    const stats = rowsOf<{
      peer_id: string;
      depth: string | number;
      oldest: Date | string | null;
      sent: string | number;
    }>(
      await db.execute(sql`select peer_id,
          count(*) filter (where status = 'pending') as depth,
          min(created_at) filter (where status = 'pending') as oldest,
          count(*) as sent
        from fed_outbox where peer_id in ${ids} group by peer_id`),
    );
    const now = clock.now().getTime();
    for (const r of rows) {
      const s = stats.find((x) => x.peer_id === r.id);
      const oldest = s?.oldest ? new Date(s.oldest) : null;
      const age = oldest ? Math.max(0, (now - oldest.getTime()) / 1000) : null;
      out.set(r.id, {
        outboxDepth: Number(s?.depth ?? 0),
        oldestUndeliveredAt: oldest?.toISOString() ?? null,
        oldestUndeliveredAgeSeconds: age === null ? null : Math.round(age * 10) / 10,
        sent: Number(s?.sent ?? 0),
        delivered: Number(r.deliveredCount),
        received: Number(r.receivedCount),
        rejected: Number(r.rejectedCount),
        lastSuccessAt: r.lastSuccessAt?.toISOString() ?? null,
        lastErrorAt: r.lastErrorAt?.toISOString() ?? null,
        lastError: r.lastError,
        rttMs: r.rttMs,
        pingRttMs: r.pingRttMs,
        linkDown: r.state === "active" && age !== null && age > config.fedLinkDownAlertMinutes * 60,
        linkAlertAt: r.linkAlertAt?.toISOString() ?? null,
      });
    }
    return out;
  }

  function view(r: PeerRow, h: PeerHealth): PeerView {
    return {
      id: r.id,
      name: r.name,
      nameZh: r.nameZh,
      baseUrl: r.baseUrl,
      state: r.state,
      fingerprint: r.fingerprint,
      keys: (r.publicKeys as PeerKey[]).map((k) => ({ kid: k.kid, use: k.use, status: k.status })),
      stateChangedAt: r.stateChangedAt.toISOString(),
      createdAt: r.createdAt.toISOString(),
      health: h,
    };
  }

  async function listPeers(ctx: Ctx): Promise<PeerView[]> {
    requirePermission(ctx.actor, "peers:read");
    const rows = await db.select().from(peers).orderBy(asc(peers.id));
    const h = await healthOf(rows);
    return rows.map((r) => view(r, h.get(r.id) as PeerHealth));
  }

  async function peerView(ctx: Ctx, id: string): Promise<PeerView> {
    requirePermission(ctx.actor, "peers:read");
    const r = await getPeer(db, id);
    if (!r) throw notFound("peer");
    const h = await healthOf([r]);
    return view(r, h.get(r.id) as PeerHealth);
  }

  async function myCard(): Promise<NodeCard> {
    const info = await node.publicInfo();
    return {
      id: info.id,
      name: info.name,
      nameZh: info.nameZh ?? null,
      url: selfUrl(),
      publicKeys: info.publicKeys.map((k) => ({
        kty: "OKP" as const,
        crv: k.crv as "Ed25519" | "X25519",
        x: k.x,
        kid: k.kid,
        use: k.use as "sig" | "enc",
        alg: k.alg,
        status: k.status === "retiring" ? ("retiring" as const) : ("active" as const),
      })),
    };
  }

  const pairFingerprint = (a: PublicKeyJwk[], b: PublicKeyJwk[]) => fingerprint([...a, ...b]);

  async function invite(
    ctx: Ctx,
  ): Promise<{ invitation: string; expiresAt: string; nodeFingerprint: string }> {
    requirePermission(ctx.actor, "peers:manage");
    const card = await myCard();
    const id = uuidv7();
    const secret = randomToken(24);
    const expiresAt = new Date(clock.now().getTime() + config.fedInvitationTtlMinutes * 60_000);
    await inTransaction(db, async (tx) => {
      await tx.insert(peerInvitations).values({
        id,
        secretHash: sha256Hex(secret),
        createdBy: ctx.actor.label,
        expiresAt,
      });
      await audit.record(tx, ctx, {
        action: "federation.invitation.create",
        targetType: "invitation",
        targetId: id,
        details: { expiresAt: expiresAt.toISOString(), url: card.url },
      });
    });
    const body = { v: 1, ...card, invitationId: id, secret, expiresAt: expiresAt.toISOString() };
    return {
      invitation: INVITATION_PREFIX + Buffer.from(JSON.stringify(body)).toString("base64url"),
      expiresAt: expiresAt.toISOString(),
      nodeFingerprint: fingerprint(card.publicKeys),
    };
  }

  function parseInvitation(text: string): z.infer<typeof Invitation> {
    const t = text.trim();
    if (!t.startsWith(INVITATION_PREFIX) || t.length > 20_000) {
      throw new AppError("VALIDATION_FAILED", [
        { field: "invitation", issue: `must start with ${INVITATION_PREFIX}` },
      ]);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(t.slice(INVITATION_PREFIX.length), "base64url").toString("utf8"));
    } catch {
      throw new AppError("VALIDATION_FAILED", [{ field: "invitation", issue: "is not readable" }]);
    }
    const r = Invitation.safeParse(parsed);
    if (!r.success)
      throw new AppError("VALIDATION_FAILED", [{ field: "invitation", issue: "is not a valid invitation" }]);
    return r.data;
  }

  async function insertPeer(tx: Tx, card: NodeCard, state: PeerState, fp: string): Promise<void> {
    const row = {
      name: card.name,
      nameZh: card.nameZh ?? null,
      baseUrl: card.url,
      state,
      publicKeys: card.publicKeys,
      fingerprint: fp,
      stateChangedAt: clock.now(),
    };
    await tx
      .insert(peers)
      .values({ id: card.id, ...row })
      .onConflictDoUpdate({ target: peers.id, set: row });
    await tx.insert(outSeq).values({ peerId: card.id, seq: 0 }).onConflictDoNothing();
  }

  /** Accepts another node's invitation: registers it here and completes the pairing on its side. */
  async function accept(ctx: Ctx, invitationText: string): Promise<{ peer: PeerView; fingerprint: string }> {
    requirePermission(ctx.actor, "peers:manage");
    const inv = parseInvitation(invitationText);
    const me = await myCard();
    if (inv.id === me.id) throw new AppError("CONFLICT", [{ issue: "this is this node's own invitation" }]);
    if (Date.parse(inv.expiresAt) < clock.now().getTime()) {
      throw new AppError("CONFLICT", [{ issue: "the invitation has expired" }]);
    }
    const existing = await getPeer(db, inv.id);
    if (existing && existing.state !== "pending") {
      throw new AppError("CONFLICT", [{ issue: `${inv.id} is already a peer (${existing.state})` }]);
    }
    const fp = pairFingerprint(inv.publicKeys, me.publicKeys);
    await inTransaction(db, async (tx) => {
      await insertPeer(tx, inv, "pending", fp);
      await audit.record(tx, ctx, {
        action: "federation.peer.pending",
        targetType: "peer",
        targetId: inv.id,
        details: { url: inv.url, fingerprint: fp, invitationId: inv.invitationId },
      });
    });
    const keys = await currentKeys();
    const proof = await signStatement(
      PAIRING_TYP,
      { invitationId: inv.invitationId, secret: inv.secret, recipient: inv.id, node: me },
      keys.signing,
    );
    let reply: Response;
    try {
      reply = await fetch(`${inv.url}/federation/v1/pairing`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ proof }),
        signal: AbortSignal.timeout(config.fedRequestTimeoutMs),
      });
    } catch (e) {
      throw new AppError("NODE_BUSY", [
        { issue: `cannot reach ${inv.url}: ${errText(e)}; the peer stays pending, accept again later` },
      ]);
    }
    const body = (await reply.json().catch(() => null)) as {
      reply?: string;
      error?: { code: string; details?: { issue: string }[] };
    } | null;
    if (!reply.ok || !body?.reply) {
      const why = body?.error
        ? `${body.error.code} ${body.error.details?.map((d) => d.issue).join("; ") ?? ""}`
        : `HTTP ${reply.status}`;
      throw new AppError("CONFLICT", [{ issue: `the inviting node refused the pairing: ${why}` }]);
    }
    const claims = await verifyStatement(PAIRING_REPLY_TYP, body.reply, sigKeys(inv));
    if (
      !claims ||
      claims.invitationId !== inv.invitationId ||
      claims.peer !== me.id ||
      claims.fingerprint !== fp
    ) {
      throw new AppError("CONFLICT", [
        { issue: "the inviting node's reply is not signed by the invitation's keys" },
      ]);
    }
    await inTransaction(db, async (tx) => {
      await tx
        .update(peers)
        .set({ state: "active", stateChangedAt: clock.now() })
        .where(eq(peers.id, inv.id));
      await audit.record(tx, ctx, {
        action: "federation.peer.paired",
        targetType: "peer",
        targetId: inv.id,
        details: { url: inv.url, fingerprint: fp, keys: inv.publicKeys.map((k) => k.kid) },
      });
    });
    return { peer: await peerView(ctx, inv.id), fingerprint: fp };
  }

  /** The inviting side of pairing: called by the accepting node, authenticated by the invitation secret and its key. */
  async function completePairing(proof: string, ip: string | null): Promise<{ reply: string }> {
    const peeked = peekStatement(proof);
    const card = NodeCard.safeParse(peeked?.claims.node);
    const refuse = async (issue: string) => {
      await audit.recordAlone(
        { actor: peerActor(card.success ? card.data.id : "unknown"), ip, requestId: null },
        {
          action: "federation.pairing.refused",
          targetType: "invitation",
          targetId:
            typeof peeked?.claims.invitationId === "string" ? peeked.claims.invitationId.slice(0, 64) : null,
          outcome: "rejected",
          details: { issue },
        },
      );
      return new AppError("FORBIDDEN", [{ issue }]);
    };
    if (!peeked || !card.success) throw await refuse("the pairing proof is malformed");
    const claims = await verifyStatement(PAIRING_TYP, proof, sigKeys(card.data));
    const me = await myCard();
    if (!claims) throw await refuse("the pairing proof is not signed by the key it presents");
    if (claims.recipient !== me.id) throw await refuse("the invitation is for another node");
    const invitationId = String(claims.invitationId);
    if (!isUuid(invitationId)) throw await refuse("unknown invitation");
    const fp = pairFingerprint(me.publicKeys, card.data.publicKeys);
    const ctx: Ctx = { actor: peerActor(card.data.id), ip, requestId: null };
    const error = await inTransaction(db, async (tx) => {
      const [inv] = await tx
        .select()
        .from(peerInvitations)
        .where(eq(peerInvitations.id, invitationId))
        .for("update");
      if (!inv || !safeEqual(inv.secretHash, sha256Hex(String(claims.secret)))) return "unknown invitation";
      if (inv.usedAt) return "the invitation has already been used";
      if (inv.expiresAt.getTime() < clock.now().getTime()) return "the invitation has expired";
      const existing = await getPeer(tx, card.data.id);
      if (existing && existing.state !== "pending")
        return `${card.data.id} is already a peer (${existing.state})`;
      await insertPeer(tx, card.data, "active", fp);
      await tx
        .update(peerInvitations)
        .set({ usedAt: clock.now(), usedBy: card.data.id })
        .where(eq(peerInvitations.id, invitationId));
      await audit.record(tx, ctx, {
        action: "federation.peer.paired",
        targetType: "peer",
        targetId: card.data.id,
        details: {
          url: card.data.url,
          fingerprint: fp,
          invitationId,
          keys: card.data.publicKeys.map((k) => k.kid),
        },
      });
      return null;
    });
    if (error) throw await refuse(error);
    const keys = await currentKeys();
    const reply = await signStatement(
      PAIRING_REPLY_TYP,
      { invitationId, peer: card.data.id, fingerprint: fp, node: me.id },
      keys.signing,
    );
    return { reply };
  }

  const TRANSITIONS: Record<"suspend" | "resume" | "revoke", { from: PeerState[]; to: PeerState }> = {
    suspend: { from: ["active"], to: "suspended" },
    resume: { from: ["suspended"], to: "active" },
    revoke: { from: ["active", "suspended", "pending"], to: "revoked" },
  };

  async function setState(ctx: Ctx, id: string, action: "suspend" | "resume" | "revoke"): Promise<PeerView> {
    requirePermission(ctx.actor, "peers:manage");
    const t = TRANSITIONS[action];
    await inTransaction(db, async (tx) => {
      const [p] = await tx.select().from(peers).where(eq(peers.id, id)).for("update");
      if (!p) throw notFound("peer");
      if (!t.from.includes(p.state)) {
        throw new AppError("INVALID_TRANSITION", [
          { issue: `cannot ${action} a ${p.state} peer`, allowed: t.from },
        ]);
      }
      await tx.update(peers).set({ state: t.to, stateChangedAt: clock.now() }).where(eq(peers.id, id));
      let cancelled = 0;
      if (t.to === "revoked") cancelled = await cancelAllPending(tx, id, ctx.actor.label);
      await audit.record(tx, ctx, {
        action: `federation.peer.${action}`,
        targetType: "peer",
        targetId: id,
        details: { from: p.state, to: t.to, ...(t.to === "revoked" ? { cancelledMessages: cancelled } : {}) },
      });
    });
    if (action === "resume") nudge();
    if (action === "revoke") await notifyRevocation(id).catch(() => undefined);
    return peerView(ctx, id);
  }

  async function cancelAllPending(tx: Tx, peerId: string, by: string): Promise<number> {
    const r = await tx
      .update(outbox)
      .set({ status: "cancelled", cancelledAt: clock.now(), cancelledBy: by, leaseUntil: null })
      .where(and(eq(outbox.peerId, peerId), eq(outbox.status, "pending")))
      .returning({ msgId: outbox.msgId });
    return r.length;
  }

  /**
   * The peer has revoked the pairing on its side (a control notice, or a receipt saying so): revoke it here
   * too, once (the row lock orders concurrent news of it), cancel what still waits for it, and audit how we
   * learnt it (`how`).
   */
  async function revokedByPeer(tx: Tx, ctx: Ctx, peerId: string, how: Record<string, string>): Promise<void> {
    const [cur] = await tx
      .select({ state: peers.state })
      .from(peers)
      .where(eq(peers.id, peerId))
      .for("update");
    if (cur.state === "revoked") return;
    await tx.update(peers).set({ state: "revoked", stateChangedAt: clock.now() }).where(eq(peers.id, peerId));
    const cancelled = await cancelAllPending(tx, peerId, `peer:${peerId}`);
    await audit.record(tx, ctx, {
      action: "federation.peer.revoked_by_peer",
      targetType: "peer",
      targetId: peerId,
      details: { from: cur.state, cancelledMessages: cancelled, ...how },
    });
  }

  /** Tells the peer at once that it is revoked (best effort: its envelopes are refused here anyway). */
  async function notifyRevocation(peerId: string): Promise<void> {
    const p = await getPeer(db, peerId);
    if (!p) return;
    const me = (await node.summary()).id;
    const keys = await currentKeys();
    const notice = await signStatement(
      CONTROL_TYP,
      { action: "revoke", sender: me, recipient: peerId, at: clock.now().toISOString(), nonce: uuidv7() },
      keys.signing,
    );
    await fetch(`${p.baseUrl}/federation/v1/control`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ notice }),
      signal: AbortSignal.timeout(config.fedRequestTimeoutMs),
    });
  }

  /** A signed control notice from a peer (today: "you are revoked"). */
  async function receiveControl(notice: string, ip: string | null): Promise<{ ok: true }> {
    const peeked = peekStatement(notice);
    const sender = typeof peeked?.claims.sender === "string" ? peeked.claims.sender.slice(0, 64) : "";
    const p = sender ? await getPeer(db, sender) : undefined;
    const me = (await node.summary()).id;
    const claims = p ? await verifyStatement(CONTROL_TYP, notice, sigKeys(p)) : null;
    const ctx: Ctx = { actor: peerActor(sender || "unknown"), ip, requestId: null };
    if (!p || !claims || claims.recipient !== me || claims.action !== "revoke") {
      await audit.recordAlone(ctx, {
        action: "federation.control.rejected",
        targetType: "peer",
        targetId: sender || null,
        outcome: "rejected",
        details: { reason: !p ? "UNKNOWN_SENDER" : !claims ? "BAD_SIGNATURE" : "WRONG_RECIPIENT" },
      });
      throw new AppError("FORBIDDEN", [{ issue: "the control notice is not valid" }]);
    }
    await inTransaction(db, (tx) => revokedByPeer(tx, ctx, sender, { at: String(claims.at) }));
    return { ok: true };
  }

  // -------------------------------------------------------------------------------------------------------
  // Inbox: verify, de-duplicate, apply in per-peer order, exactly once; answer with signed receipts.

  interface Received {
    jwe: string;
    sha: string;
    routing?: EnvelopeRouting;
    peer?: PeerRow;
    opened?: OpenedEnvelope;
    status: "accepted" | "rejected";
    reason?: string;
    detail?: string;
    original?: { receivedAt: Date; sha: string; status: string; reason: string | null };
  }

  function rejectionFor(p: PeerRow): string | null {
    if (p.state === "active") return null;
    return p.state === "suspended"
      ? "PEER_SUSPENDED"
      : p.state === "revoked"
        ? "PEER_REVOKED"
        : "PEER_PENDING";
  }

  async function receiveEnvelopes(envelopes: string[], ip: string | null): Promise<EnvelopeResult[]> {
    const me = (await node.summary()).id;
    const keys = await currentKeys();
    const receivedAt = clock.now();
    const peerCache = new Map<string, PeerRow | undefined>();
    const lookup = async (id: string) => {
      if (!peerCache.has(id)) peerCache.set(id, await getPeer(db, id));
      return peerCache.get(id);
    };
    const items: Received[] = [];
    const tOpen = performance.now();
    for (const jwe of envelopes) {
      const it: Received = { jwe, sha: envelopeSha256(jwe), status: "rejected" };
      items.push(it);
      // The size bound comes first (docs/federation.md §2.4): nothing of an oversize envelope is parsed.
      if (jwe.length > config.fedMaxEnvelopeBytes) {
        it.reason = "OVERSIZE";
        it.detail = `${jwe.length} bytes, maximum ${config.fedMaxEnvelopeBytes}`;
        continue;
      }
      try {
        it.routing = peekEnvelope(jwe, { maxBytes: config.fedMaxEnvelopeBytes });
      } catch (e) {
        it.reason = e instanceof EnvelopeError ? e.code : "MALFORMED";
        it.detail = errText(e);
        continue;
      }
      if (it.routing.recipient !== me) {
        it.reason = "WRONG_RECIPIENT";
        it.detail = `addressed to ${it.routing.recipient.slice(0, 64)}`;
        continue;
      }
      const p = await lookup(it.routing.sender);
      if (!p) {
        it.reason = "UNKNOWN_SENDER";
        continue;
      }
      it.peer = p;
      const stateReason = rejectionFor(p);
      if (stateReason) {
        it.reason = stateReason;
        continue;
      }
      try {
        it.opened = await openEnvelope(jwe, {
          decryptionKeys: keys.decryption,
          senderSigningKeys: sigKeys(p),
          expectedRecipient: me,
          maxBytes: config.fedMaxEnvelopeBytes,
        });
      } catch (e) {
        it.reason = e instanceof EnvelopeError ? e.code : "MALFORMED";
        it.detail = errText(e);
        continue;
      }
      const h = it.opened.header;
      const handler = handlers.get(h.type);
      if (!handler) {
        it.reason = "UNKNOWN_TYPE";
        it.detail = h.type;
      } else {
        const parsed = handler.schema.safeParse(it.opened.payload);
        if (!parsed.success) {
          it.reason = "SCHEMA_INVALID";
          it.detail = parsed.error.issues
            .slice(0, 5)
            .map((i) => `${i.path.join(".")}: ${i.message}`)
            .join("; ")
            .slice(0, 500);
        } else if (h.attachments?.length && !(await attachmentsPresent(p.id, h.attachments))) {
          it.reason = "ATTACHMENT_MISSING";
          it.opened = undefined;
          continue;
        }
      }
      it.status = it.reason ? "rejected" : "accepted";
    }

    const tStore = performance.now();
    timing.openMs += tStore - tOpen;
    timing.envelopesIn += envelopes.length;
    // Envelopes refused before they could be trusted: anyone can send them, so one audit entry per claimed
    // sender and reason in the batch (with a count and the first few fingerprints), not one each; the route
    // counts every one in metrics and limits calls per source.
    const early = items.filter((i) => !i.opened);
    if (early.length) {
      const groups = new Map<string, Received[]>();
      for (const i of early) {
        const k = `${i.routing?.sender.slice(0, 64) ?? ""}\n${i.reason}`;
        groups.set(k, [...(groups.get(k) ?? []), i]);
      }
      await inTransaction(db, async (tx) => {
        for (const group of groups.values()) {
          const [first] = group;
          const peerRow = first.peer;
          if (peerRow) {
            await tx
              .update(peers)
              .set({ rejectedCount: sql`${peers.rejectedCount} + ${group.length}` })
              .where(eq(peers.id, peerRow.id));
          }
          const claimedSender = first.routing?.sender.slice(0, 64) ?? null;
          await audit.record(
            tx,
            { actor: peerActor(claimedSender ?? "unknown"), ip, requestId: null },
            {
              action: "federation.envelope.rejected",
              targetType: "envelope",
              targetId: group.length === 1 ? (first.routing?.msgId ?? null) : null,
              outcome: "rejected",
              details: {
                reason: first.reason,
                count: group.length,
                ...(first.detail ? { detail: first.detail } : {}),
                claimedSender,
                seq: first.routing?.seq ?? null,
                envelopeSha256: first.sha,
                ...(group.length > 1 ? { sampleSha256: group.slice(0, 5).map((i) => i.sha) } : {}),
              },
            },
          );
        }
      });
    }

    // Trusted envelopes, per peer: store, de-duplicate, apply in order, in one transaction.
    const byPeer = new Map<string, Received[]>();
    for (const i of items) {
      if (!i.opened || !i.peer) continue;
      const list = byPeer.get(i.peer.id) ?? [];
      list.push(i);
      byPeer.set(i.peer.id, list);
    }
    // (a handler that queues a reply wakes the workers itself, after the inbox transaction commits)
    for (const [peerId, list] of byPeer) await storeAndApply(peerId, list, receivedAt, ip);

    // Receipts, signed after the commit.
    const tSign = performance.now();
    timing.inboxCommitMs += tSign - tStore;
    const results = await Promise.all(
      items.map(async (i): Promise<EnvelopeResult> => {
        const res: EnvelopeResult = { status: i.status, ...(i.reason ? { reason: i.reason } : {}) };
        if (!i.routing) return res;
        const base = { msgId: i.routing.msgId, sender: me, recipient: i.routing.sender, seq: i.routing.seq };
        const claims: ReceiptClaims = {
          ...base,
          status: i.status,
          receivedAt: receivedAt.toISOString(),
          envelopeSha256: i.sha,
          ...(i.reason ? { reason: i.reason } : {}),
        };
        res.receipt = await signReceipt(claims, keys.signing);
        if (i.original) res.original = await originalReceipt(base, i.original, keys);
        return res;
      }),
    );
    timing.signReceiptsMs += performance.now() - tSign;
    return results;
  }

  function originalReceipt(
    base: { msgId: string; sender: string; recipient: string; seq: number },
    o: { receivedAt: Date; sha: string; status: string; reason: string | null },
    keys: NodeKeys,
  ): Promise<string> {
    const rejected = o.status === "rejected";
    return signReceipt(
      {
        ...base,
        status: rejected ? "rejected" : "accepted",
        receivedAt: o.receivedAt.toISOString(),
        envelopeSha256: o.sha,
        ...(rejected && o.reason ? { reason: o.reason } : {}),
      },
      keys.signing,
    );
  }

  async function storeAndApply(
    peerId: string,
    list: Received[],
    receivedAt: Date,
    ip: string | null,
  ): Promise<void> {
    const ctx: Ctx = { actor: peerActor(peerId), ip, requestId: null };
    await inTransaction(db, async (tx) => {
      // The peer row lock orders inbox writers of one peer across every process of the node.
      const [p] = await tx.select().from(peers).where(eq(peers.id, peerId)).for("update");
      const stateReason = rejectionFor(p);
      if (stateReason) {
        for (const i of list) {
          i.status = "rejected";
          i.reason = stateReason;
        }
        return;
      }
      const rows = list.map((i) => {
        const h = i.opened?.header as EnvelopeHeader;
        return {
          peerId,
          msgId: h.msgId,
          seq: h.seq,
          type: h.type,
          header: h,
          payload: (i.opened?.payload ?? null) as unknown,
          jws: i.opened?.jws as string,
          envelopeSha256: i.sha,
          status: (i.reason && SEQ_CONSUMING.has(i.reason) ? "rejected" : "held") as "rejected" | "held",
          reason: i.reason ?? null,
          receivedAt,
        };
      });
      const inserted = new Set(
        (await tx.insert(inbox).values(rows).onConflictDoNothing().returning({ msgId: inbox.msgId })).map(
          (r) => r.msgId,
        ),
      );
      const dupes = list.filter((i) => !inserted.has(i.opened?.header.msgId as string));
      if (dupes.length) {
        const ids = dupes.map((i) => i.opened?.header.msgId as string);
        const existing = await tx
          .select({
            msgId: inbox.msgId,
            receivedAt: inbox.receivedAt,
            sha: inbox.envelopeSha256,
            status: inbox.status,
            reason: inbox.reason,
          })
          .from(inbox)
          .where(and(eq(inbox.peerId, peerId), inArray(inbox.msgId, ids)));
        for (const i of dupes) {
          const e = existing.find((x) => x.msgId === i.opened?.header.msgId);
          i.status = "rejected";
          i.reason = "REPLAYED";
          i.detail = e ? "message id already received" : "sequence number already used";
          if (e) i.original = { receivedAt: e.receivedAt, sha: e.sha, status: e.status, reason: e.reason };
        }
      }
      const { inSeq, applied } = await applyReady(tx, peerId, Number(p.inSeq), ctx);
      const newlyRejected = list.filter((i) => i.reason);
      await tx
        .update(peers)
        .set({
          inSeq,
          receivedCount: sql`${peers.receivedCount} + ${inserted.size}`,
          rejectedCount: sql`${peers.rejectedCount} + ${newlyRejected.length}`,
          lastSuccessAt: receivedAt,
        })
        .where(eq(peers.id, peerId));
      for (const i of newlyRejected) {
        await audit.record(tx, ctx, {
          action: "federation.envelope.rejected",
          targetType: "envelope",
          targetId: i.opened?.header.msgId ?? null,
          outcome: "rejected",
          details: {
            reason: i.reason,
            ...(i.detail ? { detail: i.detail } : {}),
            seq: i.opened?.header.seq ?? null,
            type: i.opened?.header.type ?? null,
            envelopeSha256: i.sha,
          },
        });
      }
      const stored = list.filter((i) => !i.reason);
      if (stored.length || applied.length) {
        await audit.record(tx, ctx, {
          action: "federation.inbox.received",
          targetType: "peer",
          targetId: peerId,
          details: {
            received: stored.map((i) => i.opened?.header.seq),
            applied: applied.length ? [applied[0], applied[applied.length - 1]] : [],
            appliedCount: applied.length,
            inSeq,
          },
        });
      }
    });
  }

  /**
   * Applies held messages of a peer whose turn has come (seq = inSeq + 1, …), each in a savepoint so a handler
   * that throws rolls back alone; it stays held (later ones wait behind it) and is retried by the worker.
   */
  async function applyReady(
    tx: Tx,
    peerId: string,
    fromSeq: number,
    ctx: Ctx,
  ): Promise<{ inSeq: number; applied: number[] }> {
    let cur = fromSeq;
    const applied: number[] = [];
    const appliedIds: string[] = [];
    const PAGE = 500;
    outer: for (;;) {
      const rows = await tx
        .select()
        .from(inbox)
        .where(and(eq(inbox.peerId, peerId), gt(inbox.seq, cur), inArray(inbox.status, ["held", "rejected"])))
        .orderBy(asc(inbox.seq))
        .limit(PAGE);
      for (const r of rows) {
        const seq = Number(r.seq);
        if (seq !== cur + 1) break outer;
        if (r.status === "rejected") {
          cur = seq;
          continue;
        }
        const handler = handlers.get(r.type);
        const h = r.header as EnvelopeHeader;
        try {
          if (!handler) throw new Error(`no handler for ${r.type}`);
          const payload = handler.schema.parse(r.payload);
          const msg: IncomingMessage = {
            msgId: r.msgId,
            peerId,
            seq,
            type: r.type,
            schemaVersion: h.schemaVersion,
            created: h.created,
            ...(h.conversation ? { conversation: h.conversation } : {}),
            ...(h.inReplyTo ? { inReplyTo: h.inReplyTo } : {}),
            ...(h.attachments ? { attachments: h.attachments } : {}),
            payload,
          };
          await inSavepoint(tx, (sp) => handler.apply(sp, msg, ctx));
        } catch (e) {
          await tx
            .update(inbox)
            .set({ attempts: sql`${inbox.attempts} + 1`, lastError: errText(e) })
            .where(and(eq(inbox.peerId, peerId), eq(inbox.msgId, r.msgId)));
          break outer;
        }
        cur = seq;
        applied.push(seq);
        appliedIds.push(r.msgId);
      }
      if (rows.length < PAGE) break;
    }
    if (appliedIds.length) {
      await tx
        .update(inbox)
        .set({ status: "applied", appliedAt: clock.now(), lastError: null })
        .where(and(eq(inbox.peerId, peerId), inArray(inbox.msgId, appliedIds)));
    }
    return { inSeq: cur, applied };
  }

  /** Worker duty: retries held messages whose turn has come (a handler failed earlier). */
  async function retryHeld(): Promise<number> {
    const due = rowsOf<{ peer_id: string }>(
      await db.execute(sql`select p.id as peer_id from fed_peers p
        where p.state = 'active' and exists (select 1 from fed_inbox i
          where i.peer_id = p.id and i.status in ('held', 'rejected') and i.seq = p.in_seq + 1)`),
    );
    let n = 0;
    for (const { peer_id } of due) {
      await inTransaction(db, async (tx) => {
        const [p] = await tx.select().from(peers).where(eq(peers.id, peer_id)).for("update");
        const ctx: Ctx = { actor: peerActor(peer_id), ip: null, requestId: null };
        const r = await applyReady(tx, peer_id, Number(p.inSeq), ctx);
        if (r.inSeq !== Number(p.inSeq)) {
          await tx.update(peers).set({ inSeq: r.inSeq }).where(eq(peers.id, peer_id));
          await audit.record(tx, ctx, {
            action: "federation.inbox.applied",
            targetType: "peer",
            targetId: peer_id,
            details: {
              applied: [r.applied[0], r.applied[r.applied.length - 1]],
              appliedCount: r.applied.length,
            },
          });
        }
        n += r.applied.length;
      });
    }
    return n;
  }

  // -------------------------------------------------------------------------------------------------------
  // Outbox delivery

  /** Claims due envelopes (SKIP LOCKED + a lease, so several processes share the work), delivers, records. */
  async function deliverDue(limit = config.fedBatchSize, onClaimed?: (n: number) => void): Promise<number> {
    // One statement, so no explicit transaction: it is atomic on its own, and BEGIN/COMMIT would only add two
    // round trips (and, on PGlite, hold the single connection longer).
    const claimed = await db
      .update(outbox)
      .set({
        leaseUntil: sql`now() + make_interval(secs => ${config.fedLeaseSeconds})`,
        attempts: sql`${outbox.attempts} + 1`,
      })
      .where(
        inArray(
          outbox.msgId,
          sql`(select o.msg_id from fed_outbox o join fed_peers p on p.id = o.peer_id
              where o.status = 'pending' and o.next_attempt_at <= now()
                and (o.lease_until is null or o.lease_until < now()) and p.state = 'active'
              order by o.peer_id, o.seq limit ${limit} for update of o skip locked)`,
        ),
      )
      .returning();
    if (!claimed.length) return 0;
    onClaimed?.(claimed.length);
    const byPeer = new Map<string, OutboxRow[]>();
    for (const r of claimed) {
      const l = byPeer.get(r.peerId) ?? [];
      l.push(r);
      byPeer.set(r.peerId, l);
    }
    await Promise.all(
      [...byPeer].map(([peerId, rows]) =>
        deliverToPeer(
          peerId,
          rows.sort((a, b) => a.seq - b.seq),
        ),
      ),
    );
    return claimed.length;
  }

  interface Outcome {
    msg_id: string;
    status: "pending" | "delivered" | "rejected";
    envelope: string | null;
    receipt: string | null;
    reason: string | null;
    next_at: string | null;
    error: string | null;
  }

  async function deliverToPeer(peerId: string, rows: OutboxRow[]): Promise<void> {
    const p = await getPeer(db, peerId);
    if (!p) return;
    const me = (await node.summary()).id;
    const keys = await currentKeys();
    const recipientEncKey = encKeyOf(p);
    const t0 = performance.now();
    const outcomes: Outcome[] = [];
    const retry = (
      r: OutboxRow,
      error: string,
      reason: string | null = null,
      receipt: string | null = null,
      envelope: string | null = null,
    ): Outcome => ({
      msg_id: r.msgId,
      status: "pending",
      envelope,
      receipt,
      reason,
      next_at: new Date(
        clock.now().getTime() + backoffMs(r.attempts, config.fedBackoffBaseMs, config.fedBackoffMaxMs),
      ).toISOString(),
      error,
    });
    const sealed: { row: OutboxRow; jwe: string }[] = [];
    for (const r of rows) {
      const header: EnvelopeHeader = {
        msgId: r.msgId,
        sender: me,
        recipient: p.id,
        seq: Number(r.seq),
        created: r.createdAt.toISOString(),
        type: r.type,
        schemaVersion: r.schemaVersion,
        ...(r.conversation ? { conversation: r.conversation } : {}),
        ...(r.inReplyTo ? { inReplyTo: r.inReplyTo } : {}),
        ...(r.attachments ? { attachments: r.attachments as EnvelopeHeader["attachments"] } : {}),
      };
      try {
        if (header.attachments?.length) await uploadAttachments(p, me, keys, header.attachments);
        const jwe = await sealEnvelope({
          header,
          payload: r.payload,
          signingKey: keys.signing,
          recipientEncKey,
          maxBytes: config.fedMaxEnvelopeBytes,
        });
        sealed.push({ row: r, jwe });
      } catch (e) {
        outcomes.push(retry(r, errText(e)));
      }
    }
    const tSealed = performance.now();
    let httpMs = 0;
    if (sealed.length) {
      let results: EnvelopeResult[] | null = null;
      let failure = "";
      const h0 = performance.now();
      try {
        const res = await fetch(`${p.baseUrl}/federation/v1/envelopes`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ envelopes: sealed.map((s) => s.jwe) }),
          signal: AbortSignal.timeout(config.fedRequestTimeoutMs),
        });
        const body = (await res.json().catch(() => null)) as { results?: EnvelopeResult[] } | null;
        if (res.ok && Array.isArray(body?.results) && body.results.length === sealed.length)
          results = body.results;
        else failure = `HTTP ${res.status}${body ? `: ${JSON.stringify(body).slice(0, 300)}` : ""}`;
      } catch (e) {
        failure = errText(e);
      }
      httpMs = performance.now() - h0;
      if (!results) {
        for (const s of sealed) outcomes.push(retry(s.row, failure));
      } else {
        const peerSig = sigKeys(p);
        for (let i = 0; i < sealed.length; i++) {
          const { row, jwe } = sealed[i];
          const r = results[i];
          outcomes.push(await judgeReceipt(row, jwe, r, peerSig, me, p.id, retry));
        }
      }
    }
    const tDone = performance.now();
    const delivered = outcomes.filter((o) => o.status === "delivered").length;
    const finalRejected = outcomes.filter((o) => o.status === "rejected");
    const revoked = finalRejected.some((o) => o.reason === "PEER_REVOKED");
    const firstError = outcomes.find((o) => o.error)?.error ?? null;
    await inTransaction(db, async (tx) => {
      await tx.execute(sql`update fed_outbox o set
          status = v.status,
          envelope = coalesce(v.envelope, o.envelope),
          receipt = coalesce(v.receipt, o.receipt),
          receipt_reason = v.reason,
          delivered_at = case when v.status = 'delivered' then clock_timestamp() else o.delivered_at end,
          next_attempt_at = coalesce(v.next_at, o.next_attempt_at),
          last_error = v.error,
          lease_until = null
        from jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb)
          as v(msg_id uuid, status text, envelope text, receipt text, reason text, next_at timestamptz, error text)
        where o.msg_id = v.msg_id and o.status = 'pending'`);
      const stats: Partial<typeof peers.$inferInsert> = {};
      if (delivered || finalRejected.length) {
        stats.lastSuccessAt = clock.now();
        stats.rttMs = Math.round(httpMs);
        stats.linkAlertAt = null;
      }
      if (firstError) {
        stats.lastErrorAt = clock.now();
        stats.lastError = firstError;
      }
      await tx
        .update(peers)
        .set({ ...stats, deliveredCount: sql`${peers.deliveredCount} + ${delivered}` })
        .where(eq(peers.id, peerId));
      const ctx = systemCtx();
      if (delivered) {
        await audit.record(tx, ctx, {
          action: "federation.outbox.delivered",
          targetType: "peer",
          targetId: peerId,
          details: { count: delivered, seqs: [rows[0].seq, rows[rows.length - 1].seq], by: WORKER_ID },
        });
      }
      for (const o of finalRejected) {
        await audit.record(tx, ctx, {
          action: "federation.outbox.rejected",
          targetType: "envelope",
          targetId: o.msg_id,
          outcome: "rejected",
          details: { peer: peerId, reason: o.reason },
        });
      }
      if (revoked) await revokedByPeer(tx, ctx, peerId, { via: "receipt" });
    });
    timing.sealMs += tSealed - t0;
    timing.postMs += httpMs;
    timing.verifyReceiptsMs += tDone - tSealed - httpMs;
    timing.outboxCommitMs += performance.now() - tDone;
    timing.envelopesOut += rows.length;
    finishedSinceVacuum += rows.length;
  }

  /**
   * Every row that leaves `pending` leaves a dead entry in the outbox's due index, which each claim reads until
   * the table is vacuumed. PGlite has no autovacuum at all (claims grew from 0.7 to 3.5 ms over 12,000
   * messages, and on without bound), and PostgreSQL's waits for a fifth of the table to change; so the worker
   * vacuums the outbox itself after every VACUUM_EVERY rows this process finished. SKIP_LOCKED: a vacuum already
   * running in another process is enough. A failure (e.g. not the table owner) is ignored.
   */
  let finishedSinceVacuum = 0;
  const VACUUM_EVERY = 1000;
  async function maintainOutbox(): Promise<boolean> {
    if (finishedSinceVacuum < VACUUM_EVERY) return false;
    finishedSinceVacuum = 0;
    await db.execute(sql`vacuum (skip_locked) fed_outbox`).catch(() => undefined);
    return true;
  }

  async function judgeReceipt(
    row: OutboxRow,
    jwe: string,
    r: EnvelopeResult,
    peerSig: PublicKeyJwk[],
    me: string,
    peerId: string,
    retry: (
      r: OutboxRow,
      error: string,
      reason?: string | null,
      receipt?: string | null,
      envelope?: string | null,
    ) => Outcome,
  ): Promise<Outcome> {
    if (!r?.receipt) return retry(row, `no receipt (${r?.reason ?? "no reason"})`, r?.reason ?? null);
    let claims: ReceiptClaims;
    try {
      claims = await verifyReceipt(r.receipt, peerSig);
    } catch (e) {
      return retry(row, `receipt does not verify: ${errText(e)}`);
    }
    if (
      claims.msgId !== row.msgId ||
      claims.seq !== Number(row.seq) ||
      claims.sender !== peerId ||
      claims.recipient !== me ||
      claims.envelopeSha256 !== envelopeSha256(jwe)
    ) {
      return retry(row, "receipt does not match the envelope sent");
    }
    const done = (status: "delivered" | "rejected", receipt: string, reason: string | null): Outcome => ({
      msg_id: row.msgId,
      status,
      envelope: jwe,
      receipt,
      reason,
      next_at: null,
      error: null,
    });
    if (claims.status === "accepted") return done("delivered", r.receipt, null);
    const reason = claims.reason ?? "UNKNOWN";
    if (reason === "REPLAYED") {
      // Received before (our record of it was lost, e.g. we died after sending): keep the first receipt.
      if (r.original) {
        try {
          const o = await verifyReceipt(r.original, peerSig);
          if (o.msgId === row.msgId && o.recipient === me) {
            return done(o.status === "accepted" ? "delivered" : "rejected", r.original, o.reason ?? null);
          }
        } catch {
          // fall through: the REPLAYED receipt still proves the peer holds the message id
        }
      }
      return done("delivered", r.receipt, "REPLAYED");
    }
    if (FINAL_FOR_SENDER.has(reason)) return done("rejected", r.receipt, reason);
    return retry(row, `rejected: ${reason}`, reason, r.receipt, jwe);
  }

  // -------------------------------------------------------------------------------------------------------
  // Outbox administration

  /** The caller may read peers, and the peer exists (else 404). */
  async function requireReadablePeer(ctx: Ctx, peerId: string): Promise<void> {
    requirePermission(ctx.actor, "peers:read");
    if (!(await getPeer(db, peerId))) throw notFound("peer");
  }

  type SeqPageArgs = [peerId: string, filter: SQL | undefined, q: { limit: number; afterSeq?: number }];
  /** A page of the peer's outbox or inbox in sequence order: rows matching `filter`, after `q.afterSeq` if given. */
  function inSeqOrder(t: typeof outbox, ...a: SeqPageArgs): Promise<OutboxRow[]>;
  function inSeqOrder(t: typeof inbox, ...a: SeqPageArgs): Promise<InboxRow[]>;
  function inSeqOrder(
    t: typeof outbox | typeof inbox,
    ...[peerId, filter, q]: SeqPageArgs
  ): Promise<unknown[]> {
    const where = [eq(t.peerId, peerId), filter];
    if (q.afterSeq !== undefined) where.push(gt(t.seq, q.afterSeq));
    // Both tables have peerId and seq; the rows are those of `t` (the overloads say which).
    return db
      .select()
      .from(t as typeof outbox)
      .where(and(...where))
      .orderBy(asc(t.seq))
      .limit(q.limit);
  }

  async function listOutbox(
    ctx: Ctx,
    peerId: string,
    q: { status?: string; limit: number; afterSeq?: number },
  ) {
    await requireReadablePeer(ctx, peerId);
    const rows = await inSeqOrder(
      outbox,
      peerId,
      q.status ? eq(outbox.status, q.status as "pending") : undefined,
      q,
    );
    return rows.map((r) => ({
      msgId: r.msgId,
      seq: Number(r.seq),
      type: r.type,
      originalType: r.originalType,
      status: r.status,
      attempts: r.attempts,
      createdAt: r.createdAt.toISOString(),
      nextAttemptAt: r.nextAttemptAt.toISOString(),
      deliveredAt: r.deliveredAt?.toISOString() ?? null,
      cancelledAt: r.cancelledAt?.toISOString() ?? null,
      lastError: r.lastError,
      receiptReason: r.receiptReason,
      receipt: r.receipt,
      inReplyTo: r.inReplyTo,
    }));
  }

  async function listInbox(ctx: Ctx, peerId: string, q: { type?: string; limit: number; afterSeq?: number }) {
    await requireReadablePeer(ctx, peerId);
    const rows = await inSeqOrder(inbox, peerId, q.type ? eq(inbox.type, q.type) : undefined, q);
    return rows.map((r) => ({
      msgId: r.msgId,
      seq: Number(r.seq),
      type: r.type,
      status: r.status,
      reason: r.reason,
      header: r.header as Record<string, unknown>,
      payload: r.payload,
      jws: r.jws,
      receivedAt: r.receivedAt.toISOString(),
      appliedAt: r.appliedAt?.toISOString() ?? null,
      attempts: r.attempts,
      lastError: r.lastError,
    }));
  }

  /**
   * Cancels an undelivered message. Its sequence number still travels, as a "federation.void" tombstone, so
   * the peer's later messages are not held back behind a gap.
   */
  async function cancel(ctx: Ctx, peerId: string, msgId: string) {
    requirePermission(ctx.actor, "peers:manage");
    await inTransaction(db, async (tx) => {
      const [r] = await tx
        .select()
        .from(outbox)
        .where(and(eq(outbox.peerId, peerId), eq(outbox.msgId, msgId)))
        .for("update");
      if (!r) throw notFound("message");
      if (r.status === "delivered" || r.status === "cancelled" || r.type === "federation.void") {
        throw new AppError("INVALID_TRANSITION", [{ issue: `the message is ${r.status}` }]);
      }
      if (r.leaseUntil && r.leaseUntil.getTime() > Date.now()) {
        throw new AppError("CONFLICT", [
          { issue: "the message is being delivered right now; try again in a moment" },
        ]);
      }
      await tx
        .update(outbox)
        .set({
          type: "federation.void",
          originalType: r.type,
          payload: { cancelledType: r.type, reason: `cancelled by ${ctx.actor.label}`.slice(0, 500) },
          attachments: null,
          status: "pending",
          cancelledAt: clock.now(),
          cancelledBy: ctx.actor.label,
          nextAttemptAt: clock.now(),
          attempts: 0,
        })
        .where(eq(outbox.msgId, msgId));
      await audit.record(tx, ctx, {
        action: "federation.outbox.cancel",
        targetType: "envelope",
        targetId: msgId,
        details: {
          peer: peerId,
          seq: Number(r.seq),
          type: r.type,
          payloadSha256: sha256Hex(JSON.stringify(r.payload)),
        },
      });
    });
    nudge();
    return { msgId, cancelled: true };
  }

  // -------------------------------------------------------------------------------------------------------
  // Hotline test

  async function ping(ctx: Ctx, peerId: string, count: number) {
    requirePermission(ctx.actor, "peers:ping");
    const out: { pingId: string; msgId: string; seq: number }[] = [];
    await inTransaction(db, async (tx) => {
      const p = await getPeer(tx, peerId);
      if (!p) throw notFound("peer");
      if (p.state !== "active") throw new AppError("CONFLICT", [{ issue: `peer ${peerId} is ${p.state}` }]);
      const sentAt = clock.now();
      const ids = Array.from({ length: count }, () => uuidv7());
      const ms = await enqueueMany(
        tx,
        ctx,
        ids.map((pingId) => ({
          peerId,
          type: "federation.ping",
          payload: { pingId, sentAt: sentAt.toISOString() },
        })),
      );
      await tx
        .insert(pings)
        .values(
          ids.map((id, i) => ({ id, peerId, msgId: ms[i].msgId, sentAt, requestedBy: ctx.actor.label })),
        );
      ids.forEach((pingId, i) => {
        out.push({ pingId, ...ms[i] });
      });
      await audit.record(tx, ctx, {
        action: "federation.ping",
        targetType: "peer",
        targetId: peerId,
        details: { count, pingIds: out.map((o) => o.pingId).slice(0, 50) },
      });
    });
    return out;
  }

  async function listPings(ctx: Ctx, peerId: string, q: { ids?: string[]; limit: number }) {
    await requireReadablePeer(ctx, peerId);
    const where = [eq(pings.peerId, peerId)];
    if (q.ids?.length) where.push(inArray(pings.id, q.ids));
    const rows = await db
      .select()
      .from(pings)
      .where(and(...where))
      .orderBy(desc(pings.sentAt))
      .limit(q.limit);
    return rows.map((r) => ({
      pingId: r.id,
      msgId: r.msgId,
      sentAt: r.sentAt.toISOString(),
      answeredAt: r.answeredAt?.toISOString() ?? null,
      rttMs: r.rttMs,
      requestedBy: r.requestedBy,
    }));
  }

  async function sendNotice(
    ctx: Ctx,
    peerId: string,
    input: { text: string; language: "en" | "zh-CN"; attachment?: { name: string; contentBase64: string } },
  ) {
    requirePermission(ctx.actor, "peers:manage");
    const bytes = input.attachment ? Buffer.from(input.attachment.contentBase64, "base64") : null;
    // Read before the transaction (putAttachment needs it; on PGlite `db` cannot be used inside one).
    await node.summary();
    return inTransaction(db, async (tx) => {
      const att = bytes ? await putAttachment(tx, bytes, input.attachment?.name) : null;
      const m = await enqueue(tx, ctx, {
        peerId,
        type: "federation.notice",
        payload: { text: input.text, language: input.language },
        ...(att ? { attachments: [att] } : {}),
      });
      await audit.record(tx, ctx, {
        action: "federation.notice.send",
        targetType: "peer",
        targetId: peerId,
        details: { msgId: m.msgId, attachment: att },
      });
      return { ...m, attachment: att };
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Attachments: chunked, resumable, verified by the SHA-256 the signed envelope names.

  /** Stores an outgoing attachment (call node.summary() once before, outside the transaction). */
  async function putAttachment(
    tx: Tx,
    bytes: Buffer,
    name?: string,
  ): Promise<{ id: string; sha256: string; size: number; name?: string }> {
    const me = (await node.summary()).id;
    const id = uuidv7();
    const sha256 = sha256Hex(bytes);
    const chunk = config.fedChunkBytes;
    await tx.insert(blobs).values({
      origin: me,
      id,
      sha256,
      size: bytes.length,
      name: name ?? null,
      chunkSize: chunk,
      completedAt: clock.now(),
    });
    for (let i = 0, idx = 0; i < bytes.length || idx === 0; i += chunk, idx++) {
      await tx.insert(blobChunks).values({ origin: me, blobId: id, idx, data: bytes.subarray(i, i + chunk) });
      if (bytes.length === 0) break;
    }
    return name ? { id, sha256, size: bytes.length, name } : { id, sha256, size: bytes.length };
  }

  async function readBlob(origin: string, id: string): Promise<Buffer | null> {
    const [b] = await db
      .select()
      .from(blobs)
      .where(and(eq(blobs.origin, origin), eq(blobs.id, id)));
    if (!b?.completedAt) return null;
    const chunks = await db
      .select()
      .from(blobChunks)
      .where(and(eq(blobChunks.origin, origin), eq(blobChunks.blobId, id)))
      .orderBy(asc(blobChunks.idx));
    return Buffer.concat(chunks.map((c) => c.data));
  }

  /**
   * An attachment of an operational notice received from a peer, once complete and verified (the download
   * route). Notices go to administrators; any other attachment (a request's) is reached through its domain,
   * under that domain's need to know, so here it does not exist.
   */
  async function readAttachment(ctx: Ctx, peerId: string, id: string) {
    requirePermission(ctx.actor, "peers:manage");
    const [notice] = await db
      .select({ msgId: inbox.msgId })
      .from(inbox)
      .where(
        and(
          eq(inbox.peerId, peerId),
          eq(inbox.type, "federation.notice"),
          sql`${inbox.header}->'attachments' @> ${JSON.stringify([{ id }])}::jsonb`,
        ),
      )
      .limit(1);
    const [b] = notice
      ? await db
          .select()
          .from(blobs)
          .where(and(eq(blobs.origin, peerId), eq(blobs.id, id)))
      : [];
    const data = b ? await readBlob(peerId, id) : null;
    if (!b || !data) throw notFound("attachment");
    return { name: b.name, sha256: b.sha256, size: Number(b.size), data };
  }

  async function attachmentsPresent(peerId: string, atts: NonNullable<EnvelopeHeader["attachments"]>) {
    for (const a of atts) {
      const [b] = await db
        .select()
        .from(blobs)
        .where(and(eq(blobs.origin, peerId), eq(blobs.id, a.id)));
      if (!b?.completedAt || b.sha256 !== a.sha256 || Number(b.size) !== a.size) return false;
    }
    return true;
  }

  const chunkCount = (size: number, chunk: number) => Math.max(1, Math.ceil(size / chunk));

  async function uploadAttachments(
    p: PeerRow,
    me: string,
    keys: NodeKeys,
    atts: NonNullable<EnvelopeHeader["attachments"]>,
  ): Promise<void> {
    for (const a of atts) {
      const [b] = await db
        .select()
        .from(blobs)
        .where(and(eq(blobs.origin, me), eq(blobs.id, a.id)));
      if (!b?.completedAt) throw new Error(`attachment ${a.id} is not stored on this node`);
      const statusAuth = await signStatement(
        CHUNK_TYP,
        { sender: me, recipient: p.id, attachmentId: a.id, op: "status" },
        keys.signing,
      );
      const st = await fetch(`${p.baseUrl}/federation/v1/attachments/${me}/${a.id}`, {
        headers: { "x-crossline-auth": statusAuth },
        signal: AbortSignal.timeout(config.fedRequestTimeoutMs),
      });
      const have = st.ok
        ? ((await st.json()) as { complete: boolean; chunks: number[] })
        : { complete: false, chunks: [] };
      if (have.complete) continue;
      const n = chunkCount(Number(b.size), b.chunkSize);
      for (let idx = 0; idx < n; idx++) {
        if (have.chunks.includes(idx)) continue;
        const [c] = await db
          .select()
          .from(blobChunks)
          .where(and(eq(blobChunks.origin, me), eq(blobChunks.blobId, a.id), eq(blobChunks.idx, idx)));
        const auth = await signStatement(
          CHUNK_TYP,
          {
            sender: me,
            recipient: p.id,
            attachmentId: a.id,
            op: "put",
            idx,
            chunkSha256: sha256Hex(c.data),
            sha256: b.sha256,
            size: Number(b.size),
            chunkSize: b.chunkSize,
            name: b.name,
          },
          keys.signing,
        );
        const res = await fetch(`${p.baseUrl}/federation/v1/attachments/${me}/${a.id}/chunks/${idx}`, {
          method: "PUT",
          headers: { "content-type": "application/octet-stream", "x-crossline-auth": auth },
          body: c.data,
          signal: AbortSignal.timeout(config.fedRequestTimeoutMs),
        });
        if (!res.ok) throw new Error(`attachment ${a.id} chunk ${idx}: HTTP ${res.status}`);
      }
    }
  }

  async function authChunk(origin: string, id: string, auth: string | undefined, op: "status" | "put") {
    const p = await getPeer(db, origin);
    const me = (await node.summary()).id;
    const claims = p && auth ? await verifyStatement(CHUNK_TYP, auth, sigKeys(p)) : null;
    if (
      p?.state !== "active" ||
      !claims ||
      claims.sender !== origin ||
      claims.recipient !== me ||
      claims.attachmentId !== id ||
      claims.op !== op
    ) {
      await audit.recordAlone(
        { actor: peerActor(origin.slice(0, 64)), ip: null, requestId: null },
        {
          action: "federation.attachment.rejected",
          targetType: "attachment",
          targetId: id,
          outcome: "rejected",
          details: {
            reason: !p
              ? "UNKNOWN_SENDER"
              : p.state !== "active"
                ? `PEER_${p.state.toUpperCase()}`
                : "BAD_SIGNATURE",
            op,
          },
        },
      );
      throw new AppError("FORBIDDEN", [{ issue: "the chunk authorisation is not valid" }]);
    }
    return claims;
  }

  async function chunkStatus(origin: string, id: string, auth: string | undefined) {
    await authChunk(origin, id, auth, "status");
    const [b] = await db
      .select()
      .from(blobs)
      .where(and(eq(blobs.origin, origin), eq(blobs.id, id)));
    if (!b) return { complete: false, chunks: [] as number[] };
    const chunks = await db
      .select({ idx: blobChunks.idx })
      .from(blobChunks)
      .where(and(eq(blobChunks.origin, origin), eq(blobChunks.blobId, id)));
    return { complete: Boolean(b.completedAt), chunks: chunks.map((c) => c.idx) };
  }

  async function putChunk(origin: string, id: string, idx: number, data: Buffer, auth: string | undefined) {
    const c = await authChunk(origin, id, auth, "put");
    const size = Number(c.size);
    const chunkSize = Number(c.chunkSize);
    const sha = String(c.sha256);
    if (
      c.idx !== idx ||
      c.chunkSha256 !== sha256Hex(data) ||
      !Number.isSafeInteger(size) ||
      !Number.isSafeInteger(chunkSize) ||
      chunkSize < 1 ||
      idx >= chunkCount(size, chunkSize) ||
      !/^[0-9a-f]{64}$/.test(sha)
    ) {
      throw new AppError("VALIDATION_FAILED", [{ issue: "the chunk does not match its signed description" }]);
    }
    const r = await inTransaction(db, async (tx): Promise<{ complete: boolean; corrupt?: true }> => {
      await tx
        .insert(blobs)
        .values({
          origin,
          id,
          sha256: sha,
          size,
          chunkSize,
          name: typeof c.name === "string" ? c.name.slice(0, 300) : null,
        })
        .onConflictDoNothing();
      const [b] = await tx
        .select()
        .from(blobs)
        .where(and(eq(blobs.origin, origin), eq(blobs.id, id)))
        .for("update");
      if (b.completedAt) return { complete: true };
      if (b.sha256 !== sha || Number(b.size) !== size || b.chunkSize !== chunkSize) {
        throw new AppError("CONFLICT", [{ issue: "the attachment was announced with another hash or size" }]);
      }
      await tx.insert(blobChunks).values({ origin, blobId: id, idx, data }).onConflictDoNothing();
      const have = await tx
        .select({ idx: blobChunks.idx, data: blobChunks.data })
        .from(blobChunks)
        .where(and(eq(blobChunks.origin, origin), eq(blobChunks.blobId, id)))
        .orderBy(asc(blobChunks.idx));
      if (have.length < chunkCount(size, chunkSize)) return { complete: false };
      const all = Buffer.concat(have.map((h) => h.data));
      if (all.length !== size || sha256Hex(all) !== sha) {
        // A corrupt chunk: drop them all, the sender uploads again.
        await tx.delete(blobChunks).where(and(eq(blobChunks.origin, origin), eq(blobChunks.blobId, id)));
        return { complete: false, corrupt: true };
      }
      await tx
        .update(blobs)
        .set({ completedAt: clock.now() })
        .where(and(eq(blobs.origin, origin), eq(blobs.id, id)));
      await audit.record(
        tx,
        { actor: peerActor(origin), ip: null, requestId: null },
        {
          action: "federation.attachment.received",
          targetType: "attachment",
          targetId: id,
          details: { sha256: sha, size },
        },
      );
      return { complete: true };
    });
    if (r.corrupt) {
      // committed: the chunks are gone, so the sender uploads them again
      throw new AppError("CONFLICT", [{ issue: "the assembled attachment does not match its SHA-256" }]);
    }
    return { complete: r.complete };
  }

  // -------------------------------------------------------------------------------------------------------
  // Key rotation

  async function rotateKeys(ctx: Ctx) {
    requirePermission(ctx.actor, "node:manage");
    const sig = generateSigningKey();
    const enc = generateEncryptionKey();
    await inTransaction(db, async (tx) => {
      const live = await tx
        .select()
        .from(nodeKeys)
        .where(inArray(nodeKeys.status, ["active", "retiring"]))
        .for("update");
      if (live.some((k) => k.status === "retiring")) {
        throw new AppError("CONFLICT", [
          { issue: "a rotation is already in progress: retire the old keys first" },
        ]);
      }
      await tx.update(nodeKeys).set({ status: "retiring" }).where(eq(nodeKeys.status, "active"));
      for (const k of [sig, enc]) {
        await tx.insert(nodeKeys).values({
          kid: k.kid,
          use: k.use,
          publicJwk: k.publicJwk,
          privateSealed: sealPrivateKey(k.privateJwk, config.masterKey, k.kid),
          status: "active",
        });
      }
      const announced = await announceKeys(tx, ctx);
      await audit.record(tx, ctx, {
        action: "node.keys.rotate",
        targetType: "node",
        details: { added: [sig.kid, enc.kid], retiring: live.map((k) => k.kid), announcedTo: announced },
      });
    });
    keysCache = null;
    return { added: [sig.kid, enc.kid] };
  }

  async function retireKeys(ctx: Ctx, force = false) {
    requirePermission(ctx.actor, "node:manage");
    const retired: string[] = [];
    await inTransaction(db, async (tx) => {
      const waiting = await tx
        .select({ peerId: outbox.peerId })
        .from(outbox)
        .innerJoin(peers, eq(peers.id, outbox.peerId))
        .where(
          and(eq(outbox.type, "federation.keys"), eq(outbox.status, "pending"), eq(peers.state, "active")),
        );
      if (waiting.length && !force) {
        throw new AppError("CONFLICT", [
          {
            issue: `peers have not yet received the new keys: ${[...new Set(waiting.map((w) => w.peerId))].join(", ")}`,
          },
        ]);
      }
      const rows = await tx
        .update(nodeKeys)
        .set({ status: "retired", retiredAt: clock.now() })
        .where(eq(nodeKeys.status, "retiring"))
        .returning({ kid: nodeKeys.kid });
      if (!rows.length) throw new AppError("CONFLICT", [{ issue: "no keys are retiring: rotate first" }]);
      retired.push(...rows.map((r) => r.kid));
      const announced = await announceKeys(tx, ctx);
      await audit.record(tx, ctx, {
        action: "node.keys.retire",
        targetType: "node",
        details: { retired, announcedTo: announced, forced: force && waiting.length > 0 },
      });
    });
    keysCache = null;
    return { retired };
  }

  /** Queues this node's live public keys to every active or suspended peer. */
  async function announceKeys(tx: Tx, ctx: Ctx): Promise<string[]> {
    const live = await tx
      .select()
      .from(nodeKeys)
      .where(inArray(nodeKeys.status, ["active", "retiring"]));
    const publicKeys = live.map((k) => ({
      ...(k.publicJwk as PublicKeyJwk),
      status: k.status as "active" | "retiring",
    }));
    const targets = await tx
      .select({ id: peers.id })
      .from(peers)
      .where(inArray(peers.state, ["active", "suspended"]));
    for (const t of targets)
      await enqueue(tx, ctx, { peerId: t.id, type: "federation.keys", payload: { publicKeys } });
    return targets.map((t) => t.id);
  }

  // -------------------------------------------------------------------------------------------------------
  // Link health alerts

  /** Raises (once per outage) an alert for each active peer whose oldest undelivered envelope is too old. */
  async function checkLinks(log?: (msg: string, data: Record<string, unknown>) => void): Promise<string[]> {
    const threshold = new Date(clock.now().getTime() - config.fedLinkDownAlertMinutes * 60_000);
    const down = rowsOf<{ id: string; oldest: Date | string }>(
      await db.execute(sql`select p.id, min(o.created_at) as oldest from fed_peers p
        join fed_outbox o on o.peer_id = p.id and o.status = 'pending'
        where p.state = 'active' and p.link_alert_at is null
        group by p.id having min(o.created_at) < ${threshold.toISOString()}::timestamptz`),
    );
    const alerted: string[] = [];
    for (const d of down) {
      const raised = await inTransaction(db, async (tx) => {
        const [p] = await tx.select().from(peers).where(eq(peers.id, d.id)).for("update");
        if (p.linkAlertAt) return false;
        await tx.update(peers).set({ linkAlertAt: clock.now() }).where(eq(peers.id, d.id));
        await audit.record(tx, systemCtx(), {
          action: "federation.link.down",
          targetType: "peer",
          targetId: d.id,
          outcome: "failure",
          details: {
            oldestUndelivered: new Date(d.oldest).toISOString(),
            thresholdMinutes: config.fedLinkDownAlertMinutes,
            lastError: p.lastError,
            notify: ["admin", "duty_officer"],
          },
        });
        if (deps.notify) {
          const recipients = await tx
            .select({ id: users.id })
            .from(users)
            .where(and(arrayOverlaps(users.roles, ["admin", "duty_officer"]), eq(users.disabled, false)));
          await deps.notify(tx, {
            userIds: recipients.map((r) => r.id),
            kind: "federation.link_down",
            severity: "urgent",
            key: "link_down",
            params: {
              peer: d.id,
              since: { at: new Date(d.oldest).toISOString() },
              lastError: p.lastError ?? "—",
            },
            email: true,
          });
        }
        return true;
      });
      if (raised) {
        alerted.push(d.id);
        log?.("federation link down: alerting admins and duty officers", { peer: d.id, since: d.oldest });
      }
    }
    return alerted;
  }

  async function metricsSnapshot() {
    const rows = await db.select().from(peers);
    const h = await healthOf(rows);
    return rows.map((r) => ({ id: r.id, state: r.state, health: h.get(r.id) as PeerHealth }));
  }

  const port: FederationPort & { enqueueMany: typeof enqueueMany } = {
    enqueue,
    enqueueMany,
    registerHandler,
  };

  return {
    port,
    enqueue,
    enqueueMany,
    registerHandler,
    onNudge,
    nudge,
    // peers
    listPeers,
    peerView,
    invite,
    accept,
    completePairing,
    setState,
    receiveControl,
    // transport
    receiveEnvelopes,
    deliverDue,
    maintainOutbox,
    retryHeld,
    checkLinks,
    timing,
    // admin
    listOutbox,
    listInbox,
    cancel,
    ping,
    listPings,
    sendNotice,
    metricsSnapshot,
    // attachments
    putAttachment,
    readAttachment,
    chunkStatus,
    putChunk,
    // keys
    rotateKeys,
    retireKeys,
  };
}

export type FederationService = ReturnType<typeof createFederationService>;
