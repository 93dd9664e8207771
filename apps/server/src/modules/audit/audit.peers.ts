import { eq } from "drizzle-orm";
import type { PublicKeyJwk } from "../../crypto/keys.js";
import type { DbOrTx } from "../../db/client.js";
import { peers } from "../../db/schema/index.js";
import { peerDirectory } from "../federation/federation.directory.js";

/** What audit anchoring needs to know about peers: whom to send checkpoints to, and their signing keys. */
export interface PeerDirectory {
  activePeerIds(dbx: DbOrTx): Promise<string[]>;
  signingKeys(dbx: DbOrTx, peerId: string): Promise<PublicKeyJwk[]>;
}

/**
 * Whom to send to comes from federation's peer directory. Its port deliberately shows no keys, so the
 * signing keys are read from `fed_peers` here (one column, never written): a key port in federation would
 * replace this read.
 */
export const peerTableDirectory: PeerDirectory = {
  async activePeerIds(dbx) {
    return (await peerDirectory.activePeers(dbx)).map((p) => p.id);
  },
  async signingKeys(dbx, peerId) {
    const [p] = await dbx.select({ publicKeys: peers.publicKeys }).from(peers).where(eq(peers.id, peerId));
    return ((p?.publicKeys ?? []) as PublicKeyJwk[]).filter((k) => k.use === "sig");
  },
};
