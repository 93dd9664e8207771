/**
 * Makes the upgrade fixture: a small node made by this release, kept as a backup archive in
 * `test/fixtures/upgrade/` (an archive is the node's whole database at its migration level, the sealed keys
 * and the configuration, in 20 KB where a PGlite data directory takes 40 MB). `upgrade.test.ts` restores every
 * fixture there with the current code, which migrates it forward; keep the old files when a release adds one.
 *
 *   npx tsx apps/server/scripts/upgrade-fixture.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { knownMigrations } from "../src/db/migrations.js";
import { cliActor } from "../src/modules/node/node.service.js";
import { initNodeDir } from "../src/runtime/init.js";

const UPGRADE_FIXTURE_PASSPHRASE = "upgrade-fixture-passphrase";

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-fixture-"));
const r = await initNodeDir(
  dir,
  {
    id: "FX-NODE",
    name: "Fixture node",
    agencyName: "Fixture agency",
    timeZone: "Asia/Shanghai",
    adminUsername: "admin",
    adminDisplayName: "Fixture Admin",
    adminPassword: "fixture-password-1",
  },
  { mfaRequired: false },
  { env: {} },
);
const { services } = r.runtime;
const ctx = { actor: cliActor("fixture"), ip: null, requestId: null };
try {
  const unitId = (await services.org.listUnits(ctx))[0].id;
  await services.users.create(ctx, {
    username: "officer1",
    displayName: "Wen Fixture",
    unitId,
    roles: ["case_officer"],
    language: "zh-CN",
    password: "fixture-password-2",
  });
  const file = path.join(
    here,
    "../test/fixtures/upgrade",
    `node-${String(knownMigrations().length).padStart(4, "0")}.clbk`,
  );
  const b = await services.backups.create(ctx, UPGRADE_FIXTURE_PASSPHRASE, file);
  console.log(`${file}: ${b.bytes} bytes, ${b.manifest.migrations.count} migrations`);
} finally {
  await r.runtime.close();
  rmSync(dir, { recursive: true, force: true });
}
