import type { PublicKeyJwk } from "../../crypto/keys.js";
import type { DbOrTx } from "../../db/client.js";
import { peerDirectory, peerSigningKeys } from "../federation/federation.directory.js";

/** What audit anchoring needs to know about peers: whom to send checkpoints to, and their signing keys. */
export interface PeerDirectory {
  activePeerIds(dbx: DbOrTx): Promise<string[]>;
  signingKeys(dbx: DbOrTx, peerId: string): Promise<PublicKeyJwk[]>;
}

/** Both from federation's ports: its peer directory and its signing-key read (it owns `fed_peers`). */
export const peerTableDirectory: PeerDirectory = {
  async activePeerIds(dbx) {
    return (await peerDirectory.activePeers(dbx)).map((p) => p.id);
  },
  signingKeys: peerSigningKeys,
};
