import {
  ControlNoticeClaims,
  canonicalTlsPin,
  FederationInvitation,
  issue,
  issueRefOf,
  type KeyedIssue,
  linkProblemOf,
  NodeCard,
  nestedIssue,
  PairingProofClaims,
  PairingReplyClaims,
  type PeerAction,
  type PeerHealth,
  type PeerState,
  type PeerView,
} from "@crossline/schemas";
import { sha256Hex } from "../../crypto/hash.js";
import { isUuid, uuidv7 } from "../../crypto/ids.js";
import { fingerprint, type PublicKeyJwk } from "../../crypto/keys.js";
import { inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, notFound } from "../../lib/errors.js";
import { randomToken, safeEqual } from "../../lib/secrets.js";
import { ownTlsPin } from "../../runtime/tls.js";
import {
  CONTROL_TYP,
  errText,
  type FedContext,
  INVITATION_PREFIX,
  PAIRING_REPLY_TYP,
  PAIRING_TYP,
  type PeerRow,
  peerActor,
  sigKeys,
} from "./federation.context.js";
import type { LinkHealth } from "./federation.health.js";
import type { Outbox } from "./federation.outbox.js";
import * as repo from "./federation.repo.js";
import { peekStatement, signStatement, verifyStatement } from "./federation.signing.js";

const TRANSITIONS: Record<PeerAction, { from: PeerState[]; to: PeerState }> = {
  suspend: { from: ["active"], to: "suspended" },
  resume: { from: ["suspended"], to: "active" },
  revoke: { from: ["active", "suspended", "pending"], to: "revoked" },
};

const pairFingerprint = (a: PublicKeyJwk[], b: PublicKeyJwk[]) => fingerprint([...a, ...b]);

/**
 * Peers and pairing: invitations, the two halves of the pairing handshake, suspend / resume / revoke, and the
 * control notice that tells a peer it is revoked.
 */
export function createPeers(c: FedContext, parts: { outbox: Outbox; health: LinkHealth }) {
  const { db, config, clock, audit, node } = c;
  const { outbox, health } = parts;

  function view(r: PeerRow, h: PeerHealth): PeerView {
    return {
      id: r.id,
      name: r.name,
      nameZh: r.nameZh,
      baseUrl: r.baseUrl,
      state: r.state,
      fingerprint: r.fingerprint,
      tlsPin: r.tlsPin,
      release: r.release,
      keys: r.publicKeys.map((k) => ({ kid: k.kid, use: k.use, status: k.status })),
      stateChangedAt: r.stateChangedAt.toISOString(),
      createdAt: r.createdAt.toISOString(),
      health: h,
    };
  }

  async function listPeers(ctx: Ctx): Promise<PeerView[]> {
    requirePermission(ctx.actor, "peers:read");
    const rows = await repo.listPeerRows(db);
    const h = await health.healthOf(rows);
    return rows.map((r) => view(r, h.get(r.id) as PeerHealth));
  }

  async function peerView(ctx: Ctx, id: string): Promise<PeerView> {
    requirePermission(ctx.actor, "peers:read");
    const r = await repo.findPeer(db, id);
    if (!r) throw notFound("peer");
    const h = await health.healthOf([r]);
    return view(r, h.get(r.id) as PeerHealth);
  }

  /** Whom a domain may address: the active peers, names only (none of the link's details). */
  function activePeers(): Promise<{ id: string; name: string; nameZh: string | null }[]> {
    return repo.activePeerNames(db);
  }

  async function myCard(): Promise<NodeCard> {
    const info = await node.publicInfo();
    return {
      id: info.id,
      name: info.name,
      nameZh: info.nameZh ?? null,
      url: c.selfUrl(),
      publicKeys: info.publicKeys.map((k) => ({
        kty: "OKP" as const,
        crv: k.crv,
        x: k.x,
        kid: k.kid,
        use: k.use,
        alg: k.alg,
        status: k.status === "retiring" ? ("retiring" as const) : ("active" as const),
      })),
    };
  }

  async function invite(
    ctx: Ctx,
  ): Promise<{ invitation: string; expiresAt: string; nodeFingerprint: string; tlsPin: string | null }> {
    requirePermission(ctx.actor, "peers:manage");
    const card = await myCard();
    const id = uuidv7();
    const secret = randomToken(24);
    const expiresAt = new Date(clock.now().getTime() + config.fedInvitationTtlMinutes * 60_000);
    await inTransaction(db, async (tx) => {
      await repo.insertInvitation(tx, {
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
      tlsPin: ownTlsPin(config),
    };
  }

  function parseInvitation(text: string): FederationInvitation {
    const t = text.trim();
    if (!t.startsWith(INVITATION_PREFIX) || t.length > 20_000) {
      throw new AppError("VALIDATION_FAILED", [
        { field: "invitation", ...issue("pairing.invitationPrefix", { prefix: INVITATION_PREFIX }) },
      ]);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(t.slice(INVITATION_PREFIX.length), "base64url").toString("utf8"));
    } catch {
      throw new AppError("VALIDATION_FAILED", [{ field: "invitation", issue: "is not readable" }]);
    }
    const r = FederationInvitation.safeParse(parsed);
    if (!r.success)
      throw new AppError("VALIDATION_FAILED", [{ field: "invitation", issue: "is not a valid invitation" }]);
    return r.data;
  }

  async function insertPeer(
    tx: Tx,
    card: NodeCard,
    state: PeerState,
    fp: string,
    tlsPin: string | null = null,
  ): Promise<void> {
    await repo.upsertPeer(tx, card.id, {
      tlsPin,
      name: card.name,
      nameZh: card.nameZh ?? null,
      baseUrl: card.url,
      state,
      publicKeys: card.publicKeys,
      fingerprint: fp,
      stateChangedAt: clock.now(),
    });
  }

  /**
   * Accepts another node's invitation: registers it here and completes the pairing on its side. With `tlsPin`
   * (the inviting node's certificate pin, read out with its fingerprint) the pairing request itself and every
   * later one go only to a server holding that key.
   */
  async function accept(
    ctx: Ctx,
    invitationText: string,
    tlsPinInput?: string,
  ): Promise<{ peer: PeerView; fingerprint: string }> {
    requirePermission(ctx.actor, "peers:manage");
    const inv = parseInvitation(invitationText);
    const pin = tlsPinInput ? canonicalTlsPin(tlsPinInput) : null;
    const me = await myCard();
    if (inv.id === me.id) throw new AppError("CONFLICT", [{ issue: "this is this node's own invitation" }]);
    if (Date.parse(inv.expiresAt) < clock.now().getTime()) {
      throw new AppError("CONFLICT", [{ issue: "the invitation has expired" }]);
    }
    const existing = await repo.findPeer(db, inv.id);
    // A revoked peer can be paired again: new keys and fingerprint, its history (messages, receipts, audit)
    // kept, the sequence numbers carried on (see `renewInbound`).
    if (existing && existing.state !== "pending" && existing.state !== "revoked") {
      throw new AppError("CONFLICT", [issue("peer.already", { node: inv.id, state: existing.state })]);
    }
    const fp = pairFingerprint(inv.publicKeys, me.publicKeys);
    await inTransaction(db, async (tx) => {
      await insertPeer(tx, inv, "pending", fp, pin);
      await audit.record(tx, ctx, {
        action: "federation.peer.pending",
        targetType: "peer",
        targetId: inv.id,
        details: {
          url: inv.url,
          fingerprint: fp,
          ...(pin ? { tlsPin: pin } : {}),
          invitationId: inv.invitationId,
          ...(existing?.state === "revoked"
            ? { renewed: true, previousFingerprint: existing.fingerprint }
            : {}),
        },
      });
    });
    const keys = await c.currentKeys();
    const proof = await signStatement(
      PAIRING_TYP,
      {
        invitationId: inv.invitationId,
        secret: inv.secret,
        recipient: inv.id,
        node: me,
        lastSeq: await repo.lastOutSeq(db, inv.id),
      },
      keys.signing,
    );
    let reply: Response;
    try {
      reply = await c.peerFetch(
        `${inv.url}/federation/v1/pairing`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ proof }),
          signal: AbortSignal.timeout(config.fedRequestTimeoutMs),
        },
        pin,
      );
    } catch (e) {
      const error = errText(e);
      throw new AppError("NODE_BUSY", [
        issue("pairing.unreachable", { url: inv.url, problem: linkProblemOf(error).kind, error }),
      ]);
    }
    const body = (await reply.json().catch(() => null)) as {
      reply?: string;
      error?: { code: string; details?: { issue: string; key?: string; params?: unknown }[] };
    } | null;
    if (!reply.ok || !body?.reply) {
      const said = body?.error;
      if (!said) throw new AppError("CONFLICT", [issue("pairing.refusedStatus", { status: reply.status })]);
      // the inviting node's reason in the reader's language: by its message key when it is one of ours
      // (the node answered in English, with the key and parameters beside the text), else as it said it
      const details = said.details ?? [];
      const ref = details.length === 1 ? issueRefOf(details[0]) : undefined;
      const reason = ref
        ? nestedIssue({ issue: String(details[0].issue), ...ref })
        : nestedIssue(details.map((d) => String(d.issue)).join("; "));
      throw new AppError("CONFLICT", [issue("pairing.refused", { code: String(said.code), ...reason })]);
    }
    const claims = PairingReplyClaims.safeParse(
      await verifyStatement(PAIRING_REPLY_TYP, body.reply, sigKeys(inv)),
    ).data;
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
      await repo.updatePeer(tx, inv.id, { state: "active", stateChangedAt: clock.now() });
      const setAside = claims.lastSeq ? await repo.renewInbound(tx, inv.id, claims.lastSeq) : 0;
      await audit.record(tx, ctx, {
        action: "federation.peer.paired",
        targetType: "peer",
        targetId: inv.id,
        details: {
          url: inv.url,
          fingerprint: fp,
          ...(pin ? { tlsPin: pin } : {}),
          keys: inv.publicKeys.map((k) => k.kid),
          ...(existing?.state === "revoked"
            ? { renewed: true, peerLastSeq: claims.lastSeq ?? 0, heldSetAside: setAside }
            : {}),
        },
      });
    });
    return { peer: await peerView(ctx, inv.id), fingerprint: fp };
  }

  /** The inviting side of pairing: called by the accepting node, authenticated by the invitation secret and its key. */
  async function completePairing(proof: string, ip: string | null): Promise<{ reply: string }> {
    const peeked = peekStatement(proof);
    const card = NodeCard.safeParse(peeked?.claims.node);
    const refuse = async (issue: string | KeyedIssue) => {
      const detail = typeof issue === "string" ? { issue } : issue;
      await audit.recordAlone(
        { actor: peerActor(card.success ? card.data.id : "unknown"), ip, requestId: null },
        {
          action: "federation.pairing.refused",
          targetType: "invitation",
          targetId:
            typeof peeked?.claims.invitationId === "string" ? peeked.claims.invitationId.slice(0, 64) : null,
          outcome: "rejected",
          details: { issue: detail.issue },
        },
      );
      return new AppError("FORBIDDEN", [detail]);
    };
    if (!peeked || !card.success) throw await refuse("the pairing proof is malformed");
    const verified = await verifyStatement(PAIRING_TYP, proof, sigKeys(card.data));
    const me = await myCard();
    if (!verified) throw await refuse("the pairing proof is not signed by the key it presents");
    const parsed = PairingProofClaims.safeParse(verified);
    if (!parsed.success) throw await refuse("the pairing proof is malformed");
    const claims = parsed.data;
    if (claims.recipient !== me.id) throw await refuse("the invitation is for another node");
    const invitationId = claims.invitationId;
    if (!isUuid(invitationId)) throw await refuse("unknown invitation");
    const fp = pairFingerprint(me.publicKeys, card.data.publicKeys);
    const ctx: Ctx = { actor: peerActor(card.data.id), ip, requestId: null };
    const error = await inTransaction(db, async (tx) => {
      const inv = await repo.lockInvitation(tx, invitationId);
      if (!inv || !safeEqual(inv.secretHash, sha256Hex(claims.secret))) return "unknown invitation";
      if (inv.usedAt) return "the invitation has already been used";
      if (inv.expiresAt.getTime() < clock.now().getTime()) return "the invitation has expired";
      const existing = await repo.findPeer(tx, card.data.id);
      if (existing && existing.state !== "pending" && existing.state !== "revoked")
        return issue("peer.already", { node: card.data.id, state: existing.state });
      await insertPeer(tx, card.data, "active", fp);
      const setAside = claims.lastSeq ? await repo.renewInbound(tx, card.data.id, claims.lastSeq) : 0;
      await repo.markInvitationUsed(tx, invitationId, card.data.id, clock.now());
      await audit.record(tx, ctx, {
        action: "federation.peer.paired",
        targetType: "peer",
        targetId: card.data.id,
        details: {
          url: card.data.url,
          fingerprint: fp,
          invitationId,
          keys: card.data.publicKeys.map((k) => k.kid),
          ...(existing?.state === "revoked"
            ? {
                renewed: true,
                previousFingerprint: existing.fingerprint,
                peerLastSeq: claims.lastSeq ?? 0,
                heldSetAside: setAside,
              }
            : {}),
        },
      });
      return null;
    });
    if (error) throw await refuse(error);
    const keys = await c.currentKeys();
    const reply = await signStatement(
      PAIRING_REPLY_TYP,
      {
        invitationId,
        peer: card.data.id,
        fingerprint: fp,
        node: me.id,
        lastSeq: await repo.lastOutSeq(db, card.data.id),
      },
      keys.signing,
    );
    return { reply };
  }

  /**
   * Sets (or, with null, removes) the pin of a peer's TLS certificate: after pairing on the inviting side, or
   * when the peer's administrator announces a new key. Audited with the pin before and after.
   */
  async function setTlsPin(ctx: Ctx, id: string, tlsPin: string | null): Promise<PeerView> {
    requirePermission(ctx.actor, "peers:manage");
    const pin = tlsPin === null ? null : canonicalTlsPin(tlsPin);
    await inTransaction(db, async (tx) => {
      const p = await repo.lockPeer(tx, id);
      if (!p) throw notFound("peer");
      await repo.updatePeer(tx, id, { tlsPin: pin });
      // What backed off while the pin did not match is due again at once.
      await repo.resetBackoff(tx, id);
      await c.claimableAgain(tx, id);
      await audit.record(tx, ctx, {
        action: "federation.peer.tls_pin",
        targetType: "peer",
        targetId: id,
        details: { from: p.tlsPin, to: pin },
      });
    });
    c.nudge();
    return peerView(ctx, id);
  }

  async function setState(ctx: Ctx, id: string, action: PeerAction): Promise<PeerView> {
    requirePermission(ctx.actor, "peers:manage");
    const t = TRANSITIONS[action];
    await inTransaction(db, async (tx) => {
      const p = await repo.lockPeer(tx, id);
      if (!p) throw notFound("peer");
      if (!t.from.includes(p.state)) {
        throw new AppError("INVALID_TRANSITION", [
          { ...issue("peer.transitionNotAllowed", { action, state: p.state }), allowed: t.from },
        ]);
      }
      await repo.updatePeer(tx, id, { state: t.to, stateChangedAt: clock.now() });
      let cancelled = 0;
      if (t.to === "revoked") cancelled = await outbox.cancelAllPending(tx, id, ctx.actor.label);
      if (action === "resume") await c.claimableAgain(tx, id);
      await audit.record(tx, ctx, {
        action: `federation.peer.${action}`,
        targetType: "peer",
        targetId: id,
        details: { from: p.state, to: t.to, ...(t.to === "revoked" ? { cancelledMessages: cancelled } : {}) },
      });
    });
    if (action === "resume") c.nudge();
    if (action === "revoke") await notifyRevocation(id).catch(() => undefined);
    return peerView(ctx, id);
  }

  /**
   * The peer has revoked the pairing on its side (a control notice, or a receipt saying so): revoke it here
   * too, once (the row lock orders concurrent news of it), cancel what still waits for it, and audit how we
   * learnt it (`how`).
   */
  async function revokedByPeer(tx: Tx, ctx: Ctx, peerId: string, how: Record<string, string>): Promise<void> {
    const cur = await repo.lockPeer(tx, peerId);
    if (!cur || cur.state === "revoked") return;
    await repo.updatePeer(tx, peerId, { state: "revoked", stateChangedAt: clock.now() });
    const cancelled = await outbox.cancelAllPending(tx, peerId, `peer:${peerId}`);
    await audit.record(tx, ctx, {
      action: "federation.peer.revoked_by_peer",
      targetType: "peer",
      targetId: peerId,
      details: { from: cur.state, cancelledMessages: cancelled, ...how },
    });
  }

  /** Tells the peer at once that it is revoked (best effort: its envelopes are refused here anyway). */
  async function notifyRevocation(peerId: string): Promise<void> {
    const p = await repo.findPeer(db, peerId);
    if (!p) return;
    const me = await c.me();
    const keys = await c.currentKeys();
    const notice = await signStatement(
      CONTROL_TYP,
      { action: "revoke", sender: me, recipient: peerId, at: clock.now().toISOString(), nonce: uuidv7() },
      keys.signing,
    );
    await c.peerFetch(
      `${p.baseUrl}/federation/v1/control`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ notice }),
        signal: AbortSignal.timeout(config.fedRequestTimeoutMs),
      },
      p.tlsPin,
    );
  }

  /** A signed control notice from a peer (today: "you are revoked"). */
  async function receiveControl(notice: string, ip: string | null): Promise<{ ok: true }> {
    const peeked = peekStatement(notice);
    const sender = typeof peeked?.claims.sender === "string" ? peeked.claims.sender.slice(0, 64) : "";
    const p = sender ? await repo.findPeer(db, sender) : undefined;
    const me = await c.me();
    const verified = p ? await verifyStatement(CONTROL_TYP, notice, sigKeys(p)) : null;
    const claims = verified ? ControlNoticeClaims.safeParse(verified).data : undefined;
    const ctx: Ctx = { actor: peerActor(sender || "unknown"), ip, requestId: null };
    if (!p || !claims || claims.recipient !== me || claims.action !== "revoke") {
      const reason = !p
        ? "UNKNOWN_SENDER"
        : !verified
          ? "BAD_SIGNATURE"
          : !claims
            ? "MALFORMED"
            : "WRONG_RECIPIENT";
      await audit.recordAlone(ctx, {
        action: "federation.control.rejected",
        targetType: "peer",
        targetId: sender || null,
        outcome: "rejected",
        details: { reason },
      });
      throw new AppError("FORBIDDEN", [{ issue: "the control notice is not valid" }]);
    }
    await inTransaction(db, (tx) => revokedByPeer(tx, ctx, sender, { at: claims.at }));
    return { ok: true };
  }

  return {
    listPeers,
    peerView,
    activePeers,
    invite,
    accept,
    completePairing,
    setState,
    setTlsPin,
    revokedByPeer,
    receiveControl,
  };
}

export type Peers = ReturnType<typeof createPeers>;
