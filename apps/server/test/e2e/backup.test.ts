import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCliAsync as runCli } from "../support/cli.js";
import { DB_KIND, describeDb, freshDatabaseUrl } from "../support/node.js";
import { createProcNode, type ProcNode } from "../support/proc.js";

const PASS = "backup-test-passphrase";
const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");

/**
 * `crossline backup`, `backup verify` and `restore` from the command line, and every bad input of issue 16: a
 * wrong passphrase, a truncated or altered archive, an archive of another node, a restore onto a target that
 * holds something. Each is a clear error with its exit code, and nothing is overwritten.
 */
describeDb("backup archive and its bad inputs", () => {
  let a: ProcNode;
  let work: string;
  let file: string;
  let dbUrl: string | undefined;
  const env = () => ({
    CROSSLINE_DATA_DIR: a.proc.dataDir,
    CROSSLINE_BACKUP_PASSPHRASE: PASS,
    DATABASE_URL: "",
  });

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), "crossline-backup-"));
    a = await createProcNode("CN-MPS", {}, { users: [{ username: "officer1", roles: ["case_officer"] }] });
    dbUrl = (
      JSON.parse(readFileSync(path.join(a.proc.dataDir, "crossline.json"), "utf8")) as {
        databaseUrl?: string;
      }
    ).databaseUrl;
    file = path.join(work, "node.clbk");
    const r = await runCli(["backup", file, "--json"], env());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await a?.cleanup();
    if (!process.env.CROSSLINE_KEEP_TEST_DIRS) rmSync(work, { recursive: true, force: true });
  });

  it("verifies an archive without restoring it: manifest, checksum, no master key in clear", async () => {
    const r = await runCli(["backup", "verify", file, "--json", "--node", "CN-MPS"], env());
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.manifest).toMatchObject({ nodeId: "CN-MPS", database: DB_KIND, peers: [] });
    expect(out.manifest.migrations.count).toBeGreaterThan(5);
    expect(out.manifest.auditHead.seq).toBeGreaterThan(0);
    expect(out.rows).toBeGreaterThan(5);
    const masterKey = JSON.parse(readFileSync(path.join(a.proc.dataDir, "crossline.json"), "utf8")).masterKey;
    const bytes = readFileSync(file);
    expect(bytes.includes(Buffer.from(masterKey))).toBe(false);
    expect(bytes.includes(Buffer.from("officer1"))).toBe(false);
    const text = await runCli(["backup", "verify", file], env());
    expect(text.stdout).toMatch(/^Archive OK: node CN-MPS, release \d+\.\d+\.\d+, \d+ migrations/);
  }, 120_000);

  it("refuses a wrong passphrase, a truncated, an altered or a foreign file, and another node's archive", async () => {
    const wrong = await runCli(["backup", "verify", file], {
      ...env(),
      CROSSLINE_BACKUP_PASSPHRASE: "not-the-passphrase",
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("the passphrase is wrong");

    const bytes = readFileSync(file);
    const truncated = path.join(work, "truncated.clbk");
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const t = await runCli(["backup", "verify", truncated], env());
    expect(t.code).toBe(3);
    expect(t.stderr).toContain("the archive is truncated");

    const altered = path.join(work, "altered.clbk");
    const copy = Buffer.from(bytes);
    copy[Math.floor(copy.length / 2)] ^= 0x01;
    writeFileSync(altered, copy);
    const al = await runCli(["backup", "verify", altered], env());
    expect(al.code).toBe(3);
    expect(al.stderr).toContain("checksum does not match: it was altered or damaged");

    const foreign = path.join(work, "foreign.clbk");
    writeFileSync(foreign, "just some text\n");
    const f = await runCli(["backup", "verify", foreign], env());
    expect(f.code).toBe(3);
    expect(f.stderr).toContain("not a Crossline backup archive");

    const other = await runCli(
      ["restore", file, "--node", "US-DOJ", "--data-dir", path.join(work, "x")],
      env(),
    );
    expect(other.code).toBe(3);
    expect(other.stderr).toContain("the archive is of node CN-MPS, not US-DOJ");
  }, 300_000);

  it("never overwrites: an existing archive file, a data directory or database that holds a node", async () => {
    const before = sha(file);
    const again = await runCli(["backup", file], env());
    expect(again.code).toBe(3);
    expect(again.stderr).toContain("exists: a backup never overwrites a file");
    expect(sha(file)).toBe(before);

    const short = await runCli(["backup", path.join(work, "short.clbk")], {
      ...env(),
      CROSSLINE_BACKUP_PASSPHRASE: "short",
    });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("at least 12 characters");

    const configFile = path.join(a.proc.dataDir, "crossline.json");
    const configBefore = sha(configFile);
    const onto = await runCli(["restore", file, "--data-dir", a.proc.dataDir], {
      ...env(),
      DATABASE_URL: dbUrl ?? "",
    });
    expect(onto.code).toBe(3);
    expect(onto.stderr).toContain("is not empty");
    expect(sha(configFile)).toBe(configBefore);

    if (dbUrl) {
      // A new directory, but the node's own (non-empty) database.
      const d = await runCli(["restore", file, "--data-dir", path.join(work, "onto-db")], {
        ...env(),
        DATABASE_URL: dbUrl,
      });
      expect(d.code).toBe(3);
      expect(d.stderr).toContain("the target database is not empty");
    }
  }, 300_000);

  it("restores into a new place: the same users", async () => {
    const dir = path.join(work, "restored");
    const url = (await freshDatabaseUrl()) ?? "";
    const r = await runCli(["restore", file, "--data-dir", dir, "--json"], { ...env(), DATABASE_URL: url });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const users = async (dataDir: string) =>
      JSON.parse(
        (
          await runCli(["user", "list", "--json"], {
            ...env(),
            CROSSLINE_DATA_DIR: dataDir,
            DATABASE_URL: "",
          })
        ).stdout,
      ).items.map((u: { username: string; roles: string[] }) => [u.username, u.roles]);
    expect(await users(dir)).toEqual(await users(a.proc.dataDir));
  }, 600_000);
});
