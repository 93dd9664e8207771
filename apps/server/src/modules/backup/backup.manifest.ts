import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, rowsOf } from "../../db/client.js";
import { serverPath } from "../../lib/paths.js";
import { migrationLevel } from "./backup.dump.js";

/** The release that wrote an archive (the server package's version). */
export const RELEASE: string = (
  JSON.parse(readFileSync(serverPath("package.json"), "utf8")) as { version: string }
).version;

export const PeerSeqs = z.strictObject({
  peerId: z.string(),
  state: z.string(),
  /** The last sequence number this node gave a message to the peer. */
  outSeq: z.number().int(),
  /** The highest sequence number from the peer applied here. */
  inSeq: z.number().int(),
});

export const Manifest = z.strictObject({
  kind: z.literal("manifest"),
  nodeId: z.string(),
  release: z.string(),
  database: z.enum(["pglite", "postgres"]),
  migrations: z.strictObject({ count: z.number().int(), lastHash: z.string().nullable() }),
  createdAt: z.string(),
  auditHead: z.strictObject({ seq: z.number().int(), hash: z.string() }),
  peers: z.array(PeerSeqs),
  tables: z.number().int().optional(),
});
export type Manifest = z.infer<typeof Manifest>;

/**
 * The figures the manifest names, read inside the dump's snapshot so they describe exactly the rows dumped.
 * The backup is the whole database by nature, so this reads the tables of node, audit and federation directly;
 * it writes nothing.
 */
export async function readManifest(
  tx: DbOrTx,
  at: Date,
  database: "pglite" | "postgres",
): Promise<Omit<Manifest, "tables">> {
  const [node] = rowsOf<{ id: string }>(await tx.execute(sql`select id from node_identity limit 1`));
  if (!node) throw new Error("the node is not initialised: nothing to back up");
  const [head] = rowsOf<{ seq: string | number; hash: string }>(
    await tx.execute(sql`select seq, hash from audit_head where id = 1`),
  );
  const peers = rowsOf<{
    id: string;
    state: string;
    out_seq: string | number | null;
    in_seq: string | number;
  }>(
    await tx.execute(sql`select p.id, p.state, s.seq as out_seq, p.in_seq from fed_peers p
      left join fed_out_seq s on s.peer_id = p.id order by p.id`),
  );
  return {
    kind: "manifest",
    nodeId: node.id,
    release: RELEASE,
    database,
    migrations: await migrationLevel(tx),
    createdAt: at.toISOString(),
    auditHead: { seq: Number(head?.seq ?? 0), hash: head?.hash ?? "" },
    peers: peers.map((p) => ({
      peerId: p.id,
      state: p.state,
      outSeq: Number(p.out_seq ?? 0),
      inSeq: Number(p.in_seq),
    })),
  };
}
