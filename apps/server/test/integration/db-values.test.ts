import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  date,
  interval,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Database, openDatabase, rowOf, runStatements } from "../../src/db/client.js";
import { describeDb, freshDatabaseUrl } from "../support/node.js";
import { seedPgliteDir } from "../support/pglite-template.js";

/**
 * The values a column gives back are the same on both databases, whichever way a query goes: Drizzle's builder,
 * a transaction, a raw `sql` statement, or `runStatements` mapped by `rowOf`. On PGlite the date and time
 * parsers Drizzle wants are the client's own (set once, not merged into every query: db/client.ts).
 */
const values = pgTable("db_values_probe", {
  id: text("id").primaryKey(),
  at: timestamp("at", { withTimezone: true, mode: "date" }).notNull(),
  day: date("day", { mode: "string" }).notNull(),
  span: interval("span").notNull(),
  amount: numeric("amount").notNull(),
  doc: jsonb("doc").$type<{ a: (number | string)[] }>().notNull(),
  tags: text("tags").array().notNull(),
  n: bigint("n", { mode: "number" }).notNull(),
  done: boolean("done").notNull(),
});

const row = {
  id: "r1",
  at: new Date("2026-12-07T12:34:56.789Z"),
  day: "2016-12-07",
  span: "1 day 02:03:04",
  amount: "12.50",
  doc: { a: [1, "二"] },
  tags: ["x", "y z"],
  n: 9007199254740991,
  done: true,
};

describeDb("values read back from the database", () => {
  let database: Database;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "crossline-db-values-"));
    const databaseUrl = await freshDatabaseUrl();
    // On PGlite a copy of the migrated template, as every test node starts from (initdb takes seconds).
    if (!databaseUrl) await seedPgliteDir(dataDir);
    database = await openDatabase({ dataDir, databaseUrl });
    await database.db.execute(
      sql.raw(`create table db_values_probe (id text primary key, at timestamptz not null, day date not null,
        span interval not null, amount numeric not null, doc jsonb not null, tags text[] not null,
        n bigint not null, done boolean not null)`),
    );
    await database.db.insert(values).values(row);
  });

  afterAll(async () => {
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("through the query builder, outside and inside a transaction", async () => {
    expect(await database.db.select().from(values).where(eq(values.id, "r1"))).toEqual([row]);
    const inTx = await database.db.transaction((tx) => tx.select().from(values));
    expect(inTx).toEqual([row]);
  });

  it("through a raw statement: date and time values as the database's text", async () => {
    const r = await database.db.execute(
      sql`select at, day, span, amount, doc, tags, n::text as n from db_values_probe`,
    );
    const [raw] = (r as unknown as { rows: Record<string, unknown>[] }).rows;
    expect(raw).toMatchObject({ day: "2016-12-07", span: "1 day 02:03:04", amount: "12.50" });
    expect(raw?.doc).toEqual(row.doc);
    expect(raw?.tags).toEqual(row.tags);
    expect(new Date(String(raw?.at)).getTime()).toBe(row.at.getTime());
  });

  it("through runStatements and rowOf, as the builder maps them", async () => {
    const [, rows] = await runStatements(
      database.db,
      "select 1; select id, at, doc, tags, n, done from db_values_probe",
    );
    const mapped = rowOf(values, rows?.[0] ?? {});
    expect(mapped).toMatchObject({
      id: "r1",
      at: row.at,
      doc: row.doc,
      tags: row.tags,
      n: row.n,
      done: true,
    });
    expect(mapped.at).toBeInstanceOf(Date);
  });
});
