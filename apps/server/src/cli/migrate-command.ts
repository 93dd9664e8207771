import type { Command } from "commander";
import type { pendingMigrations } from "../db/migrations.js";
import { acquireLock } from "../runtime/lock.js";
import { config, jsonCommand } from "./command-kit.js";
import { CliError, EXIT } from "./exit.js";

/**
 * `crossline migrate [--dry-run]`: migrations only go forward, on PostgreSQL under the advisory lock every
 * process takes (docs/operations.md, "Upgrading"). `--dry-run` opens the database without migrating and lists
 * what would run, so an operator sees the steps before rolling several `serve` processes.
 */
export function addMigrateCommand(program: Command): void {
  jsonCommand(
    program
      .command("migrate")
      .description("apply pending database migrations (forward only; on PostgreSQL under an advisory lock)")
      .option("--dry-run", "list the migrations that would run, and apply nothing"),
    async (o, _args, cmd) => {
      const cfg = config(cmd);
      const [{ openDatabase }, migrations, { openNode }] = await Promise.all([
        import("../db/client.js"),
        import("../db/migrations.js"),
        import("../runtime/node-runtime.js"),
      ]);
      // On PGlite the data directory's lock: a serving node holds it (DataDirBusyError, exit code 3).
      const lock = cfg.databaseUrl ? null : acquireLock(cfg.dataDir);
      let before: Awaited<ReturnType<typeof pendingMigrations>>;
      let kind: string;
      try {
        // The schema owner's connection when there is one: the node's own role may not read drizzle's table.
        const database = await openDatabase({
          dataDir: cfg.dataDir,
          databaseUrl: cfg.migrationDatabaseUrl ?? cfg.databaseUrl,
          poolSize: 1,
        });
        kind = database.kind;
        try {
          before = await migrations.pendingMigrations(database.db);
        } finally {
          await database.close();
        }
      } finally {
        lock?.release();
      }
      if (before.ahead) {
        throw new CliError(
          "the database was migrated by a newer release than this one: run that release (migrations only go forward)",
          EXIT.STATE,
        );
      }
      const tags = before.pending.map((m) => m.tag);
      if (o.dryRun) {
        return {
          data: { dryRun: true, database: kind, applied: before.applied, pending: tags },
          text: () =>
            tags.length
              ? `${tags.length} migration(s) would run (${kind}, ${before.applied} applied):\n${tags.map((t) => `  ${t}`).join("\n")}`
              : `Nothing to migrate (${kind}, ${before.applied} applied).`,
        };
      }
      const rt = await openNode(cfg);
      await rt.close();
      return {
        data: { migrated: true, database: rt.database.kind, ran: tags },
        text: () =>
          tags.length
            ? `Migrations applied (${rt.database.kind}): ${tags.join(", ")}.`
            : `Nothing to migrate (${rt.database.kind}).`,
      };
    },
  );
}
