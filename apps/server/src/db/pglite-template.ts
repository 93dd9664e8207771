import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { MIGRATIONS_DIR, openDatabase, runMigrations } from "./client.js";

/**
 * A PGlite data directory after initdb and every migration, built once per machine for each set of migrations
 * (and PGlite version) in the temporary directory, then copied for every node the demo (and a test) creates.
 * PGlite's initdb alone took 30 s of a node's set-up under CI-like load (migrations 4 s, a copy well under
 * 1 s); restore.test.ts spent 107 s in set-up, and the demo paid initdb once per node.
 */
async function template(): Promise<string> {
  const h = createHash("sha256");
  const require = createRequire(import.meta.url);
  // The package's own package.json is not exported: found above its entry point.
  h.update(readFileSync(path.join(path.dirname(require.resolve("@electric-sql/pglite")), "../package.json")));
  h.update(readFileSync(path.join(MIGRATIONS_DIR, "meta/_journal.json")));
  for (const f of readdirSync(MIGRATIONS_DIR).sort()) {
    if (f.endsWith(".sql")) h.update(f).update(readFileSync(path.join(MIGRATIONS_DIR, f)));
  }
  const dir = path.join(os.tmpdir(), `crossline-pglite-template-${h.digest("hex").slice(0, 16)}`);
  if (existsSync(path.join(dir, "ready"))) return path.join(dir, "pgdata");
  // Built aside and renamed into place, so parallel test files never copy a half-built template.
  const building = mkdtempSync(`${dir}-building-`);
  const database = await openDatabase({ dataDir: building, poolSize: 1 });
  try {
    await runMigrations(database);
  } finally {
    await database.close();
  }
  writeFileSync(path.join(building, "ready"), "");
  try {
    renameSync(building, dir);
  } catch {
    // another test file built it meanwhile
    rmSync(building, { recursive: true, force: true });
  }
  return path.join(dir, "pgdata");
}

let once: Promise<string> | null = null;

/**
 * Puts a migrated, empty PGlite database into `dataDir` (before `initNodeDir`, which then finds nothing to
 * migrate). The copy is private to the node: nothing identifies a node before `init`, which runs after.
 */
export async function seedPgliteDir(dataDir: string): Promise<void> {
  once ??= template();
  const from = await once;
  mkdirSync(dataDir, { recursive: true });
  cpSync(from, path.join(dataDir, "pgdata"), { recursive: true });
}
