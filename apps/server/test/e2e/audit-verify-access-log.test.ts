import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AuditVerifyAnchoredResult } from "@crossline/schemas";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { inTransaction } from "../../src/db/client.js";
import { openNode } from "../../src/runtime/node-runtime.js";
import { runCliAsync as runCli } from "../support/cli.js";
import { describeDb, freshDatabaseUrl } from "../support/node.js";

/**
 * `crossline audit verify` covers the access log (issue 11): every seal is recomputed from the rows it covers
 * and matched with its audit entry, so a row rewritten or deleted behind the append-only triggers' back makes
 * the command fail (exit 1) naming the seal and what happened; the real CLI, on the node's own database.
 */
describeDb("crossline audit verify checks the access log's tie to the audit chain", () => {
  let dir: string;
  let env: Record<string, string | undefined>;

  /** Runs `fn` on the node's database with the node stopped (PGlite: one process at a time). */
  const withNode = async <T>(fn: (rt: Awaited<ReturnType<typeof openNode>>) => Promise<T>): Promise<T> => {
    const rt = await openNode(loadConfig(env, { dataDir: dir }));
    try {
      return await fn(rt);
    } finally {
      await rt.close();
    }
  };
  /** A change behind the triggers' back, as someone with the owner's rights could make it. */
  const tamper = (...statements: string[]) =>
    withNode((rt) =>
      inTransaction(rt.services.db, async (tx) => {
        await tx.execute(sql.raw("alter table access_log disable trigger user"));
        for (const s of statements) await tx.execute(sql.raw(s));
        await tx.execute(sql.raw("alter table access_log enable trigger user"));
      }),
    );
  const verify = async () => {
    const r = await runCli(["audit", "verify", "--wait", "0", "--json"], env);
    expect(r.stderr).toBe("");
    return { code: r.code, result: JSON.parse(r.stdout) as AuditVerifyAnchoredResult };
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "crossline-verify-log-"));
    env = { CROSSLINE_DATA_DIR: dir, DATABASE_URL: (await freshDatabaseUrl()) ?? "" };
    const init = await runCli(
      [
        "init",
        "--id",
        "AV-TEST",
        "--name",
        "Verify test",
        "--agency",
        "Test",
        "--time-zone",
        "UTC",
        "--json",
      ],
      env,
    );
    expect(init.code, init.stderr).toBe(0);
    // Three reads logged two minutes ago (older than the seal's margin), then sealed into the audit chain.
    await withNode(async (rt) => {
      await rt.services.db.execute(sql`
        insert into access_log (at, actor_id, actor_label, action, record_type, record_id, reason)
        select now() - interval '2 minutes', 'user-' || g, 'Officer ' || g, 'read', 'person', 'record-' || g,
               case when g = 2 then 'case review' end
          from generate_series(1, 3) g`);
      const seal = await rt.services.accessLog.seal();
      expect(seal).toMatchObject({ seq: 1, rowCount: 3 });
    });
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reports an intact log with its seals, then a rewritten row and a deleted row, each with exit 1", async () => {
    const intact = await verify();
    expect(intact.code).toBe(0);
    expect(intact.result).toMatchObject({
      ok: true,
      accessLog: { ok: true, seals: 1, rowsChecked: 3, unsealed: 0, firstBad: null },
    });

    // A reason rewritten: the hash chain of the audit trail itself is intact, the log's seal is not.
    await tamper("update access_log set reason = 'routine' where record_id = 'record-2'");
    const said = await runCli(["audit", "verify", "--wait", "0"], env);
    expect(said.code).toBe(1);
    expect(said.stdout).toMatch(/Hash chain intact/);
    expect(said.stdout).toMatch(/Access log BROKEN at seal 1: a row it covers was changed/);

    // Put back and a row deleted instead: reported as removed.
    await tamper(
      "update access_log set reason = 'case review' where record_id = 'record-2'",
      "delete from access_log where record_id = 'record-3'",
    );
    const deleted = await verify();
    expect(deleted.code).toBe(1);
    expect(deleted.result).toMatchObject({ ok: false, firstBad: null });
    expect(deleted.result.accessLog.firstBad).toEqual({
      seal: 1,
      reason: "1 of the 3 rows it covers were removed",
    });
  }, 600_000);
});
