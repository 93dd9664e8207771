import { type SQL, sql } from "drizzle-orm";

/** `column in ('a', 'b', …)` from one of the enumerations of @crossline/schemas, so SQL refuses what Zod refuses. */
export function oneOf(column: SQL | ReturnType<typeof sql.identifier>, values: readonly string[]): SQL {
  const list = values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", ");
  return sql`${column} in (${sql.raw(list)})`;
}

/** A column by its SQL name, for CHECK constraints (drizzle's column objects are not available there). */
export const col = (name: string) => sql.identifier(name);
