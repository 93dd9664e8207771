import type { Agency, Unit } from "@crossline/schemas";
import { asc, eq, inArray } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import { agencies, units } from "../../db/schema/index.js";

export type AgencyRow = typeof agencies.$inferSelect;
export type UnitRow = typeof units.$inferSelect;

const unitView = { id: units.id, agencyId: units.agencyId, name: units.name, nameZh: units.nameZh };

export function listAgencies(db: DbOrTx): Promise<Agency[]> {
  return db.select({ id: agencies.id, name: agencies.name, nameZh: agencies.nameZh }).from(agencies);
}

export async function findAgency(db: DbOrTx, id: string): Promise<AgencyRow | undefined> {
  const [a] = await db.select().from(agencies).where(eq(agencies.id, id));
  return a;
}

/** Every unit, by name. */
export function listUnits(db: DbOrTx): Promise<Unit[]> {
  return db.select(unitView).from(units).orderBy(asc(units.name));
}

export async function findUnit(db: DbOrTx, id: string): Promise<Unit | undefined> {
  const [u] = await db.select(unitView).from(units).where(eq(units.id, id));
  return u;
}

export async function findUnitByName(db: DbOrTx, name: string): Promise<UnitRow | undefined> {
  const [u] = await db.select().from(units).where(eq(units.name, name));
  return u;
}

export async function insertUnit(tx: Tx, unit: typeof units.$inferInsert): Promise<void> {
  await tx.insert(units).values(unit);
}

export function unitsByIds(db: DbOrTx, ids: string[]): Promise<Unit[]> {
  if (!ids.length) return Promise.resolve([]);
  return db.select(unitView).from(units).where(inArray(units.id, ids));
}

/** The node's oldest unit (by creation, then id). */
export async function firstUnitId(db: DbOrTx): Promise<string | undefined> {
  const [u] = await db
    .select({ id: units.id })
    .from(units)
    .orderBy(asc(units.createdAt), asc(units.id))
    .limit(1);
  return u?.id;
}
