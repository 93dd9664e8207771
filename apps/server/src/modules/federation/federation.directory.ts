import type { PublicKeyJwk } from "../../crypto/keys.js";
import type { DbOrTx, Tx } from "../../db/client.js";
import type { Clock } from "../../lib/clock.js";
import * as repo from "./federation.repo.js";
import type { AttachmentRef } from "./federation.types.js";

/**
 * The narrow read port other modules use to know the peers: names and state, none of the link's details
 * (keys, addresses, counters). Federation owns `fed_peers`; requests (and later domains) ask here
 * instead of reading the table. Each function takes the connection or transaction to read through.
 */
export interface PeerDirectory {
  /** The active peers, by id: whom a request can be addressed to. */
  activePeers(dbx: DbOrTx): Promise<{ id: string; name: string; nameZh: string | null }[]>;
  /** A peer's state, or undefined when this node does not know it. */
  peerState(dbx: DbOrTx, id: string): Promise<string | undefined>;
}

export const peerDirectory: PeerDirectory = {
  activePeers: (dbx) => repo.activePeerNames(dbx),
  async peerState(dbx, id) {
    return (await repo.findPeer(dbx, id))?.state;
  },
};

/**
 * A peer's public signing keys as this node holds them (the pairing's and those announced since): for a
 * domain that checks a peer's signature on a document it keeps (audit checkpoints, outcome lists). Keys
 * only, never the link's addresses or counters; empty for an unknown peer.
 */
export async function peerSigningKeys(dbx: DbOrTx, peerId: string): Promise<PublicKeyJwk[]> {
  const p = await repo.findPeer(dbx, peerId);
  return ((p?.publicKeys ?? []) as PublicKeyJwk[]).filter((k) => k.use === "sig");
}

/** The hotline tests (pings) sent to a peer in a period: the read port for reports on hotline use. */
export interface HotlineTestLog {
  between(
    dbx: DbOrTx,
    peerId: string,
    from: Date,
    to: Date,
  ): Promise<{ id: string; sentAt: Date; answeredAt: Date | null; rttMs: number | null }[]>;
}

export const hotlineTestLog: HotlineTestLog = { between: (dbx, p, f, t) => repo.pingsBetween(dbx, p, f, t) };

export type BlobRef = AttachmentRef;

/**
 * The read side of attachments for other modules: federation owns `fed_blobs` and its chunks; a domain
 * asks here for the bytes of an attachment it has decided the caller may see, and for which of its
 * references this node holds (so that only those go into an envelope's header).
 */
export interface BlobPort {
  /**
   * A complete attachment with this id from the first of `origins` that holds one; null when none has (yet), or
   * when it is marked for erasure.
   */
  findBlob(
    origins: readonly string[],
    id: string,
  ): Promise<{ origin: string; name: string | null; sha256: string; size: number; data: Buffer } | null>;
  /** Of `refs`, those whose bytes this node (`me`) holds complete with the same hash and size (and not marked for erasure). */
  storedAttachments(dbx: DbOrTx, me: string, refs: readonly BlobRef[]): Promise<BlobRef[]>;
  /**
   * Erasure (the record naming these files was erased): the bytes of these blobs of `origin` go, chunks and
   * row, complete or not, in the caller's transaction (which audits it). A blob an outgoing message still
   * waiting for delivery names is kept (its envelope carries the bytes: without them that peer's link would
   * stop) and returned in `kept`; it is marked for erasure, so it is served here no more (findBlob, and no new
   * envelope names it), and its bytes go once no message waiting for delivery names it (the federation
   * worker's sweep, audited `federation.attachment.erased`). Ids this node does not hold are in neither list.
   */
  eraseBlobs(tx: Tx, origin: string, ids: readonly string[]): Promise<{ erased: string[]; kept: string[] }>;
}

export function createBlobPort(db: DbOrTx, clock: Clock): BlobPort {
  return {
    async findBlob(origins, id) {
      if (!origins.length) return null;
      const b = await repo.findCompleteBlobAmong(db, [...origins], id);
      if (!b) return null;
      const data = Buffer.concat((await repo.chunksOf(db, b.origin, id)).map((x) => x.data));
      return { origin: b.origin, name: b.name, sha256: b.sha256, size: b.size, data };
    },
    async storedAttachments(dbx, me, refs) {
      if (!refs.length) return [];
      const rows = await repo.completeBlobs(
        dbx,
        me,
        refs.map((a) => a.id),
      );
      return refs.filter((a) =>
        rows.some((b) => b.id === a.id && b.sha256 === a.sha256 && b.size === a.size),
      );
    },
    async eraseBlobs(tx, origin, ids) {
      const held = await repo.blobIdsHeld(tx, origin, [...new Set(ids)]);
      const waiting = new Set(await repo.blobIdsAwaitingDelivery(tx, held));
      const erased = await repo.deleteBlobs(
        tx,
        origin,
        held.filter((id) => !waiting.has(id)),
      );
      const kept = held.filter((id) => waiting.has(id)).sort();
      await repo.markBlobsForErasure(tx, origin, kept, clock.now());
      return { erased: erased.sort(), kept };
    },
  };
}
