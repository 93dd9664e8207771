import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, expect, it } from "vitest";
import { PGLITE_SHARED_BUFFERS_MB } from "../../src/config.js";
import { type Database, openDatabase, rowsOf } from "../../src/db/client.js";
import { DB_KIND, describeDb } from "../support/node.js";
import { seedPgliteDir } from "../support/pglite-template.js";

// PGlite allocates PostgreSQL's shared buffers inside its WebAssembly memory at start: the node's idle
// memory depends on the setting (config pgliteSharedBuffersMb). PostgreSQL servers keep their own setting.
describeDb("the embedded database's shared buffers", () => {
  const dirs: string[] = [];
  const opened: Database[] = [];
  afterAll(async () => {
    for (const d of opened) await d.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function open(mb?: number): Promise<Database> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-pglite-memory-"));
    dirs.push(dir);
    await seedPgliteDir(dir);
    const d = await openDatabase({ dataDir: dir, pgliteSharedBuffersMb: mb });
    opened.push(d);
    return d;
  }

  const sharedBuffers = async (d: Database) =>
    rowsOf<{ shared_buffers: string }>(await d.db.execute(sql`show shared_buffers`))[0]?.shared_buffers;

  it.skipIf(DB_KIND !== "pglite")(
    "are a quarter of PostgreSQL's default unless configured, and smaller memory",
    async () => {
      const usual = await open();
      expect(await sharedBuffers(usual)).toBe(`${PGLITE_SHARED_BUFFERS_MB}MB`);
      const large = await open(128);
      expect(await sharedBuffers(large)).toBe("128MB");
      const usualBytes = usual.memoryBytes();
      const largeBytes = large.memoryBytes();
      expect(usualBytes).not.toBeNull();
      // 128 MB of buffers need more WebAssembly memory than 32 MB do
      expect(largeBytes as number).toBeGreaterThan(usualBytes as number);
    },
  );
});
