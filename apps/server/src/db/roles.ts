import pg from "pg";

/** Tables whose rows the node adds but never changes or removes: the audit trail, its checkpoints, the access log. */
export const APPEND_ONLY_TABLES = [
  "audit_log",
  "audit_checkpoints",
  "audit_peer_checkpoints",
  "case_custody",
  "access_log",
  "access_log_seals",
  "audit_peer_restores",
] as const;

const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** The role a PostgreSQL URL signs in as. */
export function roleOf(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).username);
}

/**
 * Gives the node's own role what it needs on the tables the owner just migrated, and no more: rows of
 * every table, but no UPDATE, DELETE or TRUNCATE on the append-only ones, and temporary tables. The role owns nothing, so it can
 * neither drop nor disable the triggers; not being a superuser, it cannot `SET session_replication_role`.
 * Run by the owner after every migration, so tables added by an upgrade are covered too.
 */
export async function grantAppRole(owner: pg.Client, appRole: string): Promise<void> {
  const r = ident(appRole);
  await owner.query(`GRANT USAGE ON SCHEMA public TO ${r}`);
  await owner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${r}`);
  await owner.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${r}`);
  await owner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${APPEND_ONLY_TABLES.join(", ")} FROM ${r}`);
  // Bulk imports stage their rows in temporary tables (COPY, then one INSERT ... SELECT): TEMPORARY on the
  // database, which least-privilege.sql takes from PUBLIC. The owner owns the database, so it may give it.
  const { rows } = await owner.query<{ db: string }>("select current_database() as db");
  await owner.query(`GRANT TEMPORARY ON DATABASE ${ident(rows[0].db)} TO ${r}`);
}

/**
 * Why the role the node runs as could rewrite the audit trail unnoticed by the database itself (a
 * superuser, or the owner of the trail's table, can switch its triggers off), or null when it cannot.
 */
export async function roleWarning(databaseUrl: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ superuser: boolean; owner: boolean }>(
      `select r.rolsuper as superuser,
              coalesce(pg_has_role(current_user, t.tableowner, 'USAGE'), false) as owner
         from pg_roles r left join pg_tables t on t.schemaname = 'public' and t.tablename = 'audit_log'
        where r.rolname = current_user`,
    );
    const me = rows[0];
    if (me?.superuser) return `the node connects as ${roleOf(databaseUrl)}, a superuser`;
    if (me?.owner) return `the node connects as ${roleOf(databaseUrl)}, which owns the audit tables`;
    return null;
  } finally {
    await client.end();
  }
}
