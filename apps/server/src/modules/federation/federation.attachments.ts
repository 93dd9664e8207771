import { ChunkAuthClaims, ChunkPutClaims } from "@crossline/schemas";
import type { EnvelopeAttachment } from "../../crypto/envelope.js";
import { sha256Hex } from "../../crypto/hash.js";
import { uuidv7 } from "../../crypto/ids.js";
import { inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission, systemCtx } from "../../lib/actor.js";
import { AppError, notFound } from "../../lib/errors.js";
import type { NodeKeys } from "../node/node.service.js";
import { CHUNK_TYP, type FedContext, type PeerRow, peerActor, sigKeys } from "./federation.context.js";
import * as repo from "./federation.repo.js";
import { signStatement, verifyStatement } from "./federation.signing.js";
import type { AttachmentRef } from "./federation.types.js";

const chunkCount = (size: number, chunk: number) => Math.max(1, Math.ceil(size / chunk));

/**
 * Attachments: chunked, resumable, verified by the SHA-256 the signed envelope names. The one way any module
 * stores or reads the bytes (`fed_blobs`, `fed_blob_chunks`): outgoing ones (origin = this node) and those
 * received from peers (origin = the peer).
 */
export function createAttachments(c: FedContext) {
  const { db, config, clock, audit } = c;

  /** Stores an outgoing attachment (call node.summary() once before, outside the transaction). */
  async function putAttachment(tx: Tx, bytes: Buffer, name?: string): Promise<AttachmentRef> {
    const me = await c.me();
    const id = uuidv7();
    const sha256 = sha256Hex(bytes);
    const chunk = config.fedChunkBytes;
    await repo.insertBlob(tx, {
      origin: me,
      id,
      sha256,
      size: bytes.length,
      name: name ?? null,
      chunkSize: chunk,
      completedAt: clock.now(),
    });
    for (let i = 0, idx = 0; i < bytes.length || idx === 0; i += chunk, idx++) {
      await repo.insertChunk(tx, { origin: me, blobId: id, idx, data: bytes.subarray(i, i + chunk) });
      if (bytes.length === 0) break;
    }
    return name ? { id, sha256, size: bytes.length, name } : { id, sha256, size: bytes.length };
  }

  /** The bytes of a complete blob, or null (also when it is marked for erasure). */
  async function readBlob(origin: string, id: string): Promise<Buffer | null> {
    const b = await repo.findBlobRow(db, origin, id);
    if (!b?.completedAt || b.eraseRequestedAt) return null;
    const chunks = await repo.chunksOf(db, origin, id);
    return Buffer.concat(chunks.map((x) => x.data));
  }

  /** An attachment received from a peer, once complete and verified (for domains and the download route). */
  /**
   * An attachment of an operational notice received from a peer, once complete and verified (the download
   * route). Notices go to administrators; any other attachment (a request's) is reached through its domain,
   * under that domain's need to know, so here it does not exist.
   */
  async function readAttachment(ctx: Ctx, peerId: string, id: string) {
    requirePermission(ctx.actor, "peers:manage");
    const b = (await repo.noticeHasAttachment(db, peerId, id))
      ? await repo.findBlobRow(db, peerId, id)
      : undefined;
    const data = b ? await readBlob(peerId, id) : null;
    if (!b || !data) throw notFound("attachment");
    return { name: b.name, sha256: b.sha256, size: b.size, data };
  }

  async function attachmentsPresent(peerId: string, atts: readonly EnvelopeAttachment[]) {
    for (const a of atts) {
      const b = await repo.findBlobRow(db, peerId, a.id);
      if (!b?.completedAt || b.sha256 !== a.sha256 || b.size !== a.size) return false;
    }
    return true;
  }

  /** Sends the peer the chunks of each attachment it does not hold yet (asked first: transfers resume). */
  async function uploadAttachments(
    p: PeerRow,
    me: string,
    keys: NodeKeys,
    atts: readonly EnvelopeAttachment[],
  ): Promise<void> {
    for (const a of atts) {
      const b = await repo.findBlobRow(db, me, a.id);
      if (!b?.completedAt) throw new Error(`attachment ${a.id} is not stored on this node`);
      const statusAuth = await signStatement(
        CHUNK_TYP,
        { sender: me, recipient: p.id, attachmentId: a.id, op: "status" },
        keys.signing,
      );
      const st = await c.peerFetch(
        `${p.baseUrl}/federation/v1/attachments/${me}/${a.id}`,
        {
          headers: { "x-crossline-auth": statusAuth },
          signal: AbortSignal.timeout(config.fedRequestTimeoutMs),
        },
        p.tlsPin,
      );
      const have = st.ok
        ? ((await st.json()) as { complete: boolean; chunks: number[] })
        : { complete: false, chunks: [] };
      if (have.complete) continue;
      const n = chunkCount(b.size, b.chunkSize);
      for (let idx = 0; idx < n; idx++) {
        if (have.chunks.includes(idx)) continue;
        const ch = await repo.findChunk(db, me, a.id, idx);
        const auth = await signStatement(
          CHUNK_TYP,
          {
            sender: me,
            recipient: p.id,
            attachmentId: a.id,
            op: "put",
            idx,
            chunkSha256: sha256Hex(ch.data),
            sha256: b.sha256,
            size: b.size,
            chunkSize: b.chunkSize,
            name: b.name,
          },
          keys.signing,
        );
        const res = await c.peerFetch(
          `${p.baseUrl}/federation/v1/attachments/${me}/${a.id}/chunks/${idx}`,
          {
            method: "PUT",
            headers: { "content-type": "application/octet-stream", "x-crossline-auth": auth },
            body: ch.data,
            signal: AbortSignal.timeout(config.fedRequestTimeoutMs),
          },
          p.tlsPin,
        );
        if (!res.ok) throw new Error(`attachment ${a.id} chunk ${idx}: HTTP ${res.status}`);
      }
    }
  }

  async function authChunk(origin: string, id: string, auth: string | undefined, op: "status" | "put") {
    const p = await repo.findPeer(db, origin);
    const me = await c.me();
    const verified = p && auth ? await verifyStatement(CHUNK_TYP, auth, sigKeys(p)) : null;
    const claims = verified ? ChunkAuthClaims.safeParse(verified).data : undefined;
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
    return verified;
  }

  async function chunkStatus(origin: string, id: string, auth: string | undefined) {
    await authChunk(origin, id, auth, "status");
    const b = await repo.findBlobRow(db, origin, id);
    if (!b) return { complete: false, chunks: [] as number[] };
    return { complete: Boolean(b.completedAt), chunks: await repo.chunkIndexes(db, origin, id) };
  }

  async function putChunk(origin: string, id: string, idx: number, data: Buffer, auth: string | undefined) {
    const ch = ChunkPutClaims.safeParse(await authChunk(origin, id, auth, "put")).data;
    if (
      !ch ||
      ch.idx !== idx ||
      ch.chunkSha256 !== sha256Hex(data) ||
      idx >= chunkCount(ch.size, ch.chunkSize)
    ) {
      throw new AppError("VALIDATION_FAILED", [{ issue: "the chunk does not match its signed description" }]);
    }
    const { size, chunkSize, sha256: sha } = ch;
    const r = await inTransaction(db, async (tx): Promise<{ complete: boolean; corrupt?: true }> => {
      await repo.insertBlob(
        tx,
        {
          origin,
          id,
          sha256: sha,
          size,
          chunkSize,
          name: ch.name?.slice(0, 300) ?? null,
        },
        true,
      );
      const b = await repo.lockBlobRow(tx, origin, id);
      if (!b) throw new Error("the blob row just inserted is missing");
      if (b.completedAt) return { complete: true };
      if (b.sha256 !== sha || b.size !== size || b.chunkSize !== chunkSize) {
        throw new AppError("CONFLICT", [{ issue: "the attachment was announced with another hash or size" }]);
      }
      await repo.insertChunk(tx, { origin, blobId: id, idx, data }, true);
      const have = await repo.chunksOf(tx, origin, id);
      if (have.length < chunkCount(size, chunkSize)) return { complete: false };
      const all = Buffer.concat(have.map((h) => h.data));
      if (all.length !== size || sha256Hex(all) !== sha) {
        // A corrupt chunk: drop them all, the sender uploads again.
        await repo.deleteChunks(tx, origin, id);
        return { complete: false, corrupt: true };
      }
      await repo.completeBlob(tx, origin, id, clock.now());
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

  /**
   * Erasure deferred (BlobPort.eraseBlobs kept a blob for an envelope waiting for delivery): the bytes of up to
   * `limit` marked blobs that no outgoing message waiting for delivery names any more go, chunks and row, in one
   * transaction audited once with their origins and ids. Run by the federation worker's housekeeping in every
   * process: the blobs are claimed FOR UPDATE SKIP LOCKED. Returns how many went.
   */
  async function eraseReleased(limit = 500): Promise<number> {
    if (!(await repo.anyBlobMarked(db))) return 0;
    return inTransaction(db, async (tx) => {
      const claimed = await repo.claimReleasedBlobs(tx, limit);
      if (!claimed.length) return 0;
      const erased: { origin: string; ids: string[] }[] = [];
      for (const origin of [...new Set(claimed.map((b) => b.origin))].sort()) {
        const ids = claimed.filter((b) => b.origin === origin).map((b) => b.id);
        erased.push({ origin, ids: (await repo.deleteBlobs(tx, origin, ids)).sort() });
      }
      await audit.record(tx, systemCtx(), {
        action: "federation.attachment.erased",
        targetType: "attachment",
        targetId: claimed.length === 1 ? (claimed[0]?.id ?? null) : null,
        details: { erased },
      });
      return claimed.length;
    });
  }

  return {
    eraseReleased,
    putAttachment,
    readBlob,
    readAttachment,
    attachmentsPresent,
    uploadAttachments,
    chunkStatus,
    putChunk,
  };
}

export type Attachments = ReturnType<typeof createAttachments>;
