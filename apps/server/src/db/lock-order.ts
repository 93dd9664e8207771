import { asc, inArray } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Tx } from "./client.js";

/**
 * Locks rows of one table for the rest of the transaction, in the order of their ids, and returns them. Two
 * transactions that each lock several rows of a table (a rectification's linked requests, a person merge's two
 * records, a list's fugitives) take them in the same order, so neither can hold one row while waiting for
 * another the other holds (no deadlock). Ids that are repeated are locked once; ids that are not there are skipped.
 */
export async function lockInIdOrder<T extends PgTable & { id: AnyPgColumn }>(
  tx: Tx,
  table: T,
  ids: readonly string[],
): Promise<T["$inferSelect"][]> {
  if (ids.length === 0) return [];
  const rows = await tx
    .select()
    .from(table as PgTable)
    .where(inArray(table.id, [...new Set(ids)]))
    .orderBy(asc(table.id))
    .for("update");
  return rows as T["$inferSelect"][];
}
