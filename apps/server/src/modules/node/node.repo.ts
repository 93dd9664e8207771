import { and, eq, inArray } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { agencies, nodeIdentity, nodeKeys, nodeSettings } from "../../db/schema/index.js";

export type NodeRow = typeof nodeIdentity.$inferSelect;
export type NodeKeyRow = typeof nodeKeys.$inferSelect;

export async function findNode(db: DbOrTx): Promise<(NodeRow & { agencyName: string }) | undefined> {
  const [row] = await db
    .select({ node: nodeIdentity, agencyName: agencies.name })
    .from(nodeIdentity)
    .innerJoin(agencies, eq(agencies.id, nodeIdentity.agencyId))
    .limit(1);
  return row ? { ...row.node, agencyName: row.agencyName } : undefined;
}

/** Keys that are still in use: the active one and any in their rotation overlap. */
export function liveKeys(db: DbOrTx): Promise<NodeKeyRow[]> {
  return db
    .select()
    .from(nodeKeys)
    .where(inArray(nodeKeys.status, ["active", "retiring"]));
}

export function allKeys(db: DbOrTx): Promise<NodeKeyRow[]> {
  return db.select().from(nodeKeys);
}

/** A node-wide setting's stored value (node_settings, scope "node"), or undefined when never set. */
export async function readSetting(db: DbOrTx, key: string): Promise<unknown> {
  const [row] = await db
    .select({ value: nodeSettings.value })
    .from(nodeSettings)
    .where(and(eq(nodeSettings.scope, "node"), eq(nodeSettings.key, key)));
  return row?.value;
}

export async function writeSetting(db: DbOrTx, key: string, value: unknown, at: Date): Promise<void> {
  await db
    .insert(nodeSettings)
    .values({ scope: "node", key, value, updatedAt: at })
    .onConflictDoUpdate({ target: [nodeSettings.scope, nodeSettings.key], set: { value, updatedAt: at } });
}
