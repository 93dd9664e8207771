import { and, eq, inArray } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import { agencies, nodeIdentity, nodeKeys, nodeSettings, units, users } from "../../db/schema/index.js";

export type NodeRow = typeof nodeIdentity.$inferSelect;
export type NodeKeyRow = typeof nodeKeys.$inferSelect;

export async function findNode(
  db: DbOrTx,
): Promise<(NodeRow & { agencyName: string; agencyNameZh: string | null }) | undefined> {
  const [row] = await db
    .select({ node: nodeIdentity, agencyName: agencies.name, agencyNameZh: agencies.nameZh })
    .from(nodeIdentity)
    .innerJoin(agencies, eq(agencies.id, nodeIdentity.agencyId))
    .limit(1);
  return row ? { ...row.node, agencyName: row.agencyName, agencyNameZh: row.agencyNameZh } : undefined;
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

/**
 * The rows a node starts with, in the caller's transaction: its agency, its identity, the first unit and
 * administrator (org's and users' tables: a node is created with them, see module-tables.test.ts), its keys.
 */
export async function insertAgency(tx: Tx, row: typeof agencies.$inferInsert): Promise<void> {
  await tx.insert(agencies).values(row);
}

export async function insertNodeIdentity(tx: Tx, row: typeof nodeIdentity.$inferInsert): Promise<void> {
  await tx.insert(nodeIdentity).values(row);
}

export async function insertFirstUnit(tx: Tx, row: typeof units.$inferInsert): Promise<void> {
  await tx.insert(units).values(row);
}

export async function insertFirstAdmin(tx: Tx, row: typeof users.$inferInsert): Promise<void> {
  await tx.insert(users).values(row);
}

export async function insertKey(tx: Tx, row: typeof nodeKeys.$inferInsert): Promise<void> {
  await tx.insert(nodeKeys).values(row);
}

/** The live keys, locked (FOR UPDATE) in `tx`: one rotation or retirement at a time, in every process. */
export function lockLiveKeys(tx: Tx): Promise<NodeKeyRow[]> {
  return tx
    .select()
    .from(nodeKeys)
    .where(inArray(nodeKeys.status, ["active", "retiring"]))
    .for("update");
}

/** The active keys start retiring (their overlap with the new ones). */
export async function markActiveKeysRetiring(tx: Tx): Promise<void> {
  await tx.update(nodeKeys).set({ status: "retiring" }).where(eq(nodeKeys.status, "active"));
}

/** The retiring keys are retired at `at`; returns their ids. */
export async function retireRetiringKeys(tx: Tx, at: Date): Promise<string[]> {
  const rows = await tx
    .update(nodeKeys)
    .set({ status: "retired", retiredAt: at })
    .where(eq(nodeKeys.status, "retiring"))
    .returning({ kid: nodeKeys.kid });
  return rows.map((r) => r.kid);
}
