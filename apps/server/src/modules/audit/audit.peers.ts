import { eq } from "drizzle-orm";
import type { PublicKeyJwk } from "../../crypto/keys.js";
import type { DbOrTx } from "../../db/client.js";
import { peers } from "../../db/schema/index.js";

/** What audit anchoring needs to know about peers: whom to send checkpoints to, and their signing keys. */
export interface PeerDirectory {
  activePeerIds(dbx: DbOrTx): Promise<string[]>;
  signingKeys(dbx: DbOrTx, peerId: string): Promise<PublicKeyJwk[]>;
}

/**
 * Read-only view of the federation's peer table. The FederationPort has no peer directory yet, so this
 * reads `fed_peers` itself (two columns, never written here); it belongs behind the port once it has one.
 */
export const peerTableDirectory: PeerDirectory = {
  async activePeerIds(dbx) {
    const rows = await dbx.select({ id: peers.id }).from(peers).where(eq(peers.state, "active"));
    return rows.map((r) => r.id).sort();
  },
  async signingKeys(dbx, peerId) {
    const [p] = await dbx.select({ publicKeys: peers.publicKeys }).from(peers).where(eq(peers.id, peerId));
    return ((p?.publicKeys ?? []) as PublicKeyJwk[]).filter((k) => k.use === "sig");
  },
};
