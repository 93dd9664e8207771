import { asc, eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { peers } from "../../db/schema/index.js";

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
  activePeers(dbx) {
    return dbx
      .select({ id: peers.id, name: peers.name, nameZh: peers.nameZh })
      .from(peers)
      .where(eq(peers.state, "active"))
      .orderBy(asc(peers.id));
  },
  async peerState(dbx, id) {
    const [p] = await dbx.select({ state: peers.state }).from(peers).where(eq(peers.id, id));
    return p?.state;
  },
};
