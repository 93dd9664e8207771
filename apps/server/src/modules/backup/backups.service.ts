import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Config } from "../../config.js";
import type { Database, Db } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import { type BackupProgress, type BackupResult, writeBackup } from "./backup.service.js";

/** Backups as a service of the node: permission, the archive, its audit entry. */
export function createBackupsService(deps: { db: Db; config: Config; clock: Clock; audit: AuditService }) {
  const { db, config, clock, audit } = deps;
  const database: Pick<Database, "db" | "kind"> = { db, kind: config.databaseUrl ? "postgres" : "pglite" };

  /** Writes an archive to `file` (default: `<dataDir>/backups/`), then records it in the audit trail. */
  async function create(
    ctx: Ctx,
    passphrase: string,
    file?: string,
    onProgress?: (p: BackupProgress) => void,
  ): Promise<BackupResult> {
    requirePermission(ctx.actor, "node:manage");
    let target = file;
    if (!target) {
      const dir = path.join(config.dataDir, "backups");
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      target = path.join(dir, `crossline-${clock.now().toISOString().replace(/[:.]/g, "-")}.clbk`);
    }
    const r = await writeBackup({ database, config, clock, file: target, passphrase, onProgress });
    // After the snapshot, in its own transaction: the archive cannot hold its own entry.
    await audit.recordAlone(ctx, {
      action: "node.backup",
      targetType: "node",
      targetId: r.manifest.nodeId,
      details: {
        sha256: r.sha256,
        bytes: r.bytes,
        auditHead: r.manifest.auditHead,
        migrations: r.manifest.migrations.count,
        peers: r.manifest.peers,
      },
    });
    return r;
  }

  /** When the last backup was written (for /metrics and its alert). */
  const lastBackupAt = () => audit.latestAt("node.backup");

  return { create, lastBackupAt };
}

export type BackupsService = ReturnType<typeof createBackupsService>;
