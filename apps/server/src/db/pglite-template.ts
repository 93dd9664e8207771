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
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { MIGRATIONS_DIR } from "../lib/paths.js";

/**
 * A PGlite data directory after initdb and every migration, built once per machine for each set of migrations
 * (and PGlite version) in the temporary directory, then copied for every node the demo (and a test) creates.
 * PGlite's initdb alone took 30 s of a node's set-up under CI-like load (migrations 4 s, a copy well under
 * 1 s); restore.test.ts spent 107 s in set-up, and the demo paid initdb once per node.
 *
 * One process builds it (`BUILDING_LOCK`), the others wait for it: the demo's node processes and parallel test
 * files used to build it side by side on a fresh machine, each twice as slowly on the shared cores (initdb
 * 5.5 s and migrations 1.4 s alone; 10 s each when the demo's two nodes both built it). `npm run demo`
 * prepares it beside the console's build (`crossline demo --prepare`), before the demo's start is timed.
 */
/** Where the template of this PGlite version and these migrations is (or will be), in the temporary directory. */
export function pgliteTemplateDir(): string {
  const h = createHash("sha256");
  const require = createRequire(import.meta.url);
  // The package's own package.json is not exported: found above its entry point.
  h.update(readFileSync(path.join(path.dirname(require.resolve("@electric-sql/pglite")), "../package.json")));
  h.update(readFileSync(path.join(MIGRATIONS_DIR, "meta/_journal.json")));
  for (const f of readdirSync(MIGRATIONS_DIR).sort()) {
    if (f.endsWith(".sql")) h.update(f).update(readFileSync(path.join(MIGRATIONS_DIR, f)));
  }
  return path.join(os.tmpdir(), `crossline-pglite-template-${h.digest("hex").slice(0, 16)}`);
}

/** Beside the template's directory while a process builds it: holds the builder's pid. */
const BUILDING_LOCK = ".building";

/**
 * Whether the process that took a building lock still runs (a lock of a killed builder is taken over). Two
 * processes that find the same dead builder's lock may both take it over and build: the rename into place
 * keeps that harmless (the second finds the template there), only slower.
 */
function builderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(lock, "pid"), "utf8"));
  } catch {
    // Just made, its pid not yet written (or just removed): look again later. A lock without a pid for 10 s
    // is a builder's killed between the two.
    try {
      return Date.now() - statSync(lock).mtimeMs < 10_000;
    } catch {
      return true;
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function build(dir: string): Promise<void> {
  // Built aside and renamed into place, so nothing ever copies a half-built template.
  const building = mkdtempSync(`${dir}-building-`);
  try {
    // Loaded only to build: a look that finds the template ready (every `npm run demo`) needs none of it.
    const { openDatabase, runMigrations } = await import("./client.js");
    const database = await openDatabase({ dataDir: building, poolSize: 1 });
    try {
      await runMigrations(database);
    } finally {
      await database.close();
    }
    writeFileSync(path.join(building, "ready"), "");
    renameSync(building, dir);
  } catch (e) {
    rmSync(building, { recursive: true, force: true });
    // a builder that did not hold the lock (an older release) may have put it in place meanwhile
    if (!existsSync(path.join(dir, "ready"))) throw e;
  }
}

async function template(): Promise<{ path: string; builtMs: number | null }> {
  const dir = pgliteTemplateDir();
  const ready = () => existsSync(path.join(dir, "ready"));
  const lock = `${dir}${BUILDING_LOCK}`;
  for (;;) {
    if (ready()) return { path: path.join(dir, "pgdata"), builtMs: null };
    try {
      mkdirSync(lock);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // another process builds it: wait for it, or take over from a builder that is gone
      if (!builderAlive(lock)) rmSync(lock, { recursive: true, force: true });
      else await sleep(100);
      continue;
    }
    try {
      writeFileSync(path.join(lock, "pid"), String(process.pid));
      if (ready()) continue;
      const started = performance.now();
      await build(dir);
      return { path: path.join(dir, "pgdata"), builtMs: Math.round(performance.now() - started) };
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

let once: ReturnType<typeof template> | null = null;

/**
 * Makes sure the template exists (built now if it did not, by this process or by another one it waits for).
 * `builtMs` says how long this process spent building it, null when it was there or another process built it.
 */
export function preparePgliteTemplate(): Promise<{ path: string; builtMs: number | null }> {
  once ??= template();
  return once;
}

/**
 * Puts a migrated, empty PGlite database into `dataDir` (before `initNodeDir`, which then finds nothing to
 * migrate). The copy is private to the node: nothing identifies a node before `init`, which runs after.
 */
export async function seedPgliteDir(dataDir: string): Promise<void> {
  const from = (await preparePgliteTemplate()).path;
  mkdirSync(dataDir, { recursive: true });
  cpSync(from, path.join(dataDir, "pgdata"), { recursive: true });
}
