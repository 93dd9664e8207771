import { copyFileSync, existsSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import type { Command, OptionValues } from "commander";
import { loadConfig } from "../config.js";
import { cliActor } from "../lib/actor.js";
import type { BackupResult } from "../modules/backup/backup.service.js";
import { acquireLock, controlTokenPath, readLock } from "../runtime/lock.js";
import { config, jsonCommand } from "./command-kit.js";
import { CliError, EXIT } from "./exit.js";

/** The server's code these commands use, loaded when one runs: the other commands load none of it. */
async function serverCode() {
  const [client, clock, audit, archive, restore, backup, backups, runtime] = await Promise.all([
    import("../db/client.js"),
    import("../lib/clock.js"),
    import("../modules/audit/audit.service.js"),
    import("../modules/backup/backup.archive.js"),
    import("../modules/backup/backup.restore.js"),
    import("../modules/backup/backup.service.js"),
    import("../modules/backup/backups.service.js"),
    import("../runtime/node-runtime.js"),
  ]);
  return {
    openDatabase: client.openDatabase,
    systemClock: clock.systemClock,
    createAuditService: audit.createAuditService,
    ArchiveError: archive.ArchiveError,
    loadArchive: restore.loadArchive,
    RestoreRefused: restore.RestoreRefused,
    verifyBackup: backup.verifyBackup,
    createBackupsService: backups.createBackupsService,
    openNode: runtime.openNode,
  };
}

/** The passphrase: from a file (first line) or CROSSLINE_BACKUP_PASSPHRASE; never from the command line. */
function passphrase(o: OptionValues, forWriting: boolean): string {
  let p: string | undefined;
  if (o.passphraseFile) {
    try {
      p = readFileSync(o.passphraseFile, "utf8").split("\n")[0];
    } catch {
      throw new CliError(`--passphrase-file: cannot read ${o.passphraseFile}`, EXIT.USAGE);
    }
  } else p = process.env.CROSSLINE_BACKUP_PASSPHRASE;
  if (!p) {
    throw new CliError(
      "no passphrase: give --passphrase-file FILE or set CROSSLINE_BACKUP_PASSPHRASE",
      EXIT.USAGE,
    );
  }
  if (forWriting && p.length < 12)
    throw new CliError("the passphrase needs at least 12 characters", EXIT.USAGE);
  return p;
}

/** Archive problems as the CLI reports them: a wrong passphrase is bad input (2), a bad file a wrong state (3). */
async function archiveFailure(e: unknown): Promise<never> {
  const { ArchiveError, RestoreRefused } = await serverCode();
  if (e instanceof ArchiveError) {
    throw new CliError(e.message, e.problem === "WRONG_PASSPHRASE" ? EXIT.USAGE : EXIT.STATE);
  }
  if (e instanceof RestoreRefused) throw new CliError(e.message, EXIT.STATE);
  throw e;
}

/** Progress on a terminal (stderr), one line rewritten; nothing when not a terminal. */
function progress(enabled: boolean) {
  let last = 0;
  return (table: string, rows: number) => {
    if (!enabled || Date.now() - last < 100) return;
    last = Date.now();
    process.stderr.write(`\r\x1b[K  ${table}: ${rows} rows`);
  };
}

function summary(m: { nodeId: string; release: string; createdAt: string; migrations: { count: number } }) {
  return `node ${m.nodeId}, release ${m.release}, ${m.migrations.count} migrations, made ${m.createdAt}`;
}

export function addBackupCommands(program: Command): void {
  const backup = program
    .command("backup")
    .description("write an encrypted backup archive of the node (database, sealed keys, configuration)")
    .argument("<file>", "the archive to write (must not exist)")
    .option(
      "--passphrase-file <file>",
      "file whose first line is the passphrase (else $CROSSLINE_BACKUP_PASSPHRASE)",
    )
    .addHelpText(
      "after",
      "\nConsistent while the node serves (one snapshot). On PGlite a running node writes it; keep the passphrase apart from the archive.",
    );
  jsonCommand(backup, async (o, [file], cmd) => {
    const pass = passphrase(o, true);
    const target = path.resolve(file);
    if (existsSync(target))
      throw new CliError(`${target} exists: a backup never overwrites a file`, EXIT.STATE);
    const cfg = config(cmd);
    const show = progress(Boolean(process.stderr.isTTY) && !o.json);
    const ctx = { actor: cliActor(`cli@${hostname()}`), ip: null, requestId: null };
    let r: BackupResult;
    const holder = cfg.databaseUrl ? null : readLock(cfg.dataDir);
    if (holder?.url) {
      // PGlite served by a running process: it alone can read the database, so it writes the archive.
      const token = readFileSync(controlTokenPath(cfg.dataDir), "utf8").trim();
      const res = await fetch(`${holder.url.replace("0.0.0.0", "127.0.0.1")}/api/v1/node/backups`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ passphrase: pass }),
      });
      const body = (await res.json()) as BackupResult & { error?: { message: string } };
      if (!res.ok) throw new CliError(`the node refused: ${body.error?.message ?? res.status}`, EXIT.FAILED);
      try {
        renameSync(body.file, target);
      } catch {
        copyFileSync(body.file, target);
        unlinkSync(body.file);
      }
      r = { ...body, file: target };
    } else {
      if (holder)
        throw new CliError(`The node (pid ${holder.pid}) is starting; try again in a moment.`, EXIT.STATE);
      // No migrations here: a backup reads the database as it is.
      const lock = cfg.databaseUrl ? null : acquireLock(cfg.dataDir);
      const { openDatabase, createAuditService, createBackupsService, systemClock } = await serverCode();
      const database = await openDatabase({
        dataDir: cfg.dataDir,
        databaseUrl: cfg.databaseUrl,
        poolSize: 2,
      });
      try {
        const audit = createAuditService({ db: database.db, clock: systemClock });
        const svc = createBackupsService({ db: database.db, config: cfg, clock: systemClock, audit });
        r = await svc.create(ctx, pass, target, (p) => show(p.table, p.rows));
      } finally {
        await database.close();
        lock?.release();
      }
    }
    if (process.stderr.isTTY && !o.json) process.stderr.write("\r\x1b[K");
    return {
      data: { file: r.file, sha256: r.sha256, bytes: r.bytes, manifest: r.manifest },
      text: () =>
        `Backup written to ${r.file} (${r.bytes} bytes, sha256 ${r.sha256})\n${summary(r.manifest)}`,
    };
  });

  jsonCommand(
    backup
      .command("verify")
      .description("check an archive completely (checksum, passphrase, manifest) without restoring it")
      .argument("<file>")
      .option("--passphrase-file <file>", "file whose first line is the passphrase")
      .option("--node <id>", "the node the archive must belong to"),
    async (o, [file]) => {
      const { verifyBackup } = await serverCode();
      const a = await verifyBackup(path.resolve(file), passphrase(o, false)).catch(archiveFailure);
      if (o.node && a.manifest.nodeId !== o.node) {
        throw new CliError(`the archive is of node ${a.manifest.nodeId}, not ${o.node}`, EXIT.STATE);
      }
      return {
        data: { ok: true, sha256: a.sha256, rows: a.rows, manifest: a.manifest },
        text: () => `Archive OK: ${summary(a.manifest)}, ${a.manifest.tables} tables, ${a.rows} rows`,
      };
    },
  );

  jsonCommand(
    program
      .command("restore")
      .description(
        "restore an archive into a new, empty data directory (--data-dir) or database (DATABASE_URL); the node then reconciles with its peers before sending anything",
      )
      .argument("<file>")
      .option("--passphrase-file <file>", "file whose first line is the passphrase")
      .option("--node <id>", "the node the archive must belong to"),
    async (o, [file], cmd) => {
      const { verifyBackup, loadArchive, openNode } = await serverCode();
      const a = await verifyBackup(path.resolve(file), passphrase(o, false)).catch(archiveFailure);
      if (o.node && a.manifest.nodeId !== o.node) {
        throw new CliError(`the archive is of node ${a.manifest.nodeId}, not ${o.node}`, EXIT.STATE);
      }
      const g = cmd.optsWithGlobals() as { dataDir?: string };
      const dataDir = path.resolve(g.dataDir ?? process.env.CROSSLINE_DATA_DIR ?? "./.crossline");
      const target = {
        dataDir,
        databaseUrl: process.env.DATABASE_URL || undefined,
        migrationDatabaseUrl: process.env.CROSSLINE_MIGRATION_DATABASE_URL || undefined,
      };
      if (readLock(dataDir)) throw new CliError(`${dataDir} is in use by a running node`, EXIT.STATE);
      const show = progress(Boolean(process.stderr.isTTY) && !o.json);
      await loadArchive(a, target, show).catch(archiveFailure);
      if (process.stderr.isTTY && !o.json) process.stderr.write("\r\x1b[K");
      // Opening the node applies this release's newer migrations; then the restore is audited and every peer
      // link waits for reconciliation.
      const { CROSSLINE_CONFIG: _elsewhere, ...env } = process.env;
      const rt = await openNode(loadConfig(env, { dataDir }));
      let peers: string[];
      try {
        const ctx = { actor: cliActor(`cli@${hostname()}`), ip: null, requestId: null };
        peers = await rt.services.federationService.markRestored(ctx, {
          backupAt: a.manifest.createdAt,
          auditBase: a.manifest.auditHead,
          archiveSha256: a.sha256,
          details: { manifest: a.manifest },
        });
      } finally {
        await rt.close();
      }
      return {
        data: { restored: true, dataDir, manifest: a.manifest, peersToReconcile: peers },
        text: () =>
          [
            `Restored ${summary(a.manifest)} into ${target.databaseUrl ? "the database" : dataDir}.`,
            peers.length
              ? `On start the node reconciles with ${peers.join(", ")} before sending anything.`
              : "The node has no peers.",
            "Start it with: crossline serve",
          ].join("\n"),
      };
    },
  );
}
