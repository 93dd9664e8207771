import { unlinkSync } from "node:fs";
import { sql } from "drizzle-orm";
import type { Config } from "../../config.js";
import { type Database, rowsOf } from "../../db/client.js";
import type { Clock } from "../../lib/clock.js";
import { ArchiveError, openArchiveWriter, readArchive } from "./backup.archive.js";
import { dumpDatabase } from "./backup.dump.js";
import { Manifest, readManifest } from "./backup.manifest.js";

/** Settings that belong to the place a node runs, not to the node: never archived, never restored. */
const PLACE_SETTINGS = ["dataDir", "databaseUrl", "migrationDatabaseUrl"] as const;

/** The configuration as archived: everything but where it ran (the master key is in it, encrypted). */
export function archivedConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const k of PLACE_SETTINGS) delete out[k];
  return out;
}

export interface BackupProgress {
  table: string;
  rows: number;
}

export interface BackupResult {
  file: string;
  sha256: string;
  bytes: number;
  manifest: Manifest;
}

/**
 * Writes the archive of a node: manifest, configuration, then every table, from one snapshot taken while the
 * node keeps serving. A failure removes the partial file.
 */
export async function writeBackup(opts: {
  database: Pick<Database, "db" | "kind">;
  config: Config;
  clock: Clock;
  file: string;
  passphrase: string;
  onProgress?: (p: BackupProgress) => void;
}): Promise<BackupResult> {
  const { database, clock } = opts;
  const [node] = rowsOf<{ id: string }>(await database.db.execute(sql`select id from node_identity limit 1`));
  if (!node) throw new ArchiveError("CORRUPT", "the node is not initialised: nothing to back up");
  const at = clock.now();
  const writer = await openArchiveWriter(opts.file, opts.passphrase, node.id, at.toISOString());
  let tables = 0;
  try {
    const manifest = await dumpDatabase(
      database.db,
      async (tx) => {
        const m = await readManifest(tx, at, database.kind);
        await writer.write(m);
        await writer.write({ kind: "config", config: archivedConfig(opts.config) });
        return m;
      },
      async (chunk) => {
        if (chunk.kind === "table") tables++;
        await writer.write(chunk);
      },
      (table, rows) => opts.onProgress?.({ table, rows }),
    );
    await writer.write({ kind: "end", tables });
    const { sha256, bytes } = await writer.finish();
    return { file: opts.file, sha256, bytes, manifest: { ...manifest, tables } };
  } catch (e) {
    writer.abort();
    try {
      unlinkSync(opts.file);
    } catch {
      // nothing was written
    }
    throw e;
  }
}

export interface VerifiedArchive {
  manifest: Manifest;
  config: Record<string, unknown>;
  sha256: string;
  /** The dump's chunks, in order (after manifest and configuration). */
  chunks: unknown[];
  rows: number;
}

/** Reads and checks an archive completely: checksum, decryption, manifest, configuration, end marker. */
export async function verifyBackup(file: string, passphrase: string): Promise<VerifiedArchive> {
  const { lines, sha256, header } = await readArchive(file, passphrase);
  const manifest = Manifest.safeParse(lines[0]);
  const cfg = lines[1] as { kind?: string; config?: Record<string, unknown> } | undefined;
  const end = lines.at(-1) as { kind?: string; tables?: number } | undefined;
  if (!manifest.success || cfg?.kind !== "config" || !cfg.config || end?.kind !== "end") {
    throw new ArchiveError(
      "CORRUPT",
      "the archive decrypts but lacks its manifest, configuration or end marker",
    );
  }
  if (manifest.data.nodeId !== header.nodeId) {
    throw new ArchiveError("CORRUPT", "the archive's header and manifest name different nodes");
  }
  const chunks = lines.slice(2, -1);
  let rows = 0;
  for (const c of chunks) {
    const r = c as { kind?: string; rows?: unknown[] };
    if (r.kind === "rows") rows += r.rows?.length ?? 0;
  }
  return { manifest: { ...manifest.data, tables: end.tables }, config: cfg.config, sha256, chunks, rows };
}
