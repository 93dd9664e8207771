import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli, startServe } from "../support/cli.js";
import { DB_KIND, describeDb, freshDatabaseUrl } from "../support/node.js";
import { freePort } from "../support/pg-cluster.js";

describeDb("the crossline CLI", () => {
  let dir: string;
  let env: Record<string, string | undefined>;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "crossline-cli-"));
    port = await freePort();
    env = { CROSSLINE_DATA_DIR: dir, DATABASE_URL: (await freshDatabaseUrl()) ?? "" };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("exits 2 on bad usage of any command, the demo's included", () => {
    for (const args of [["--bogus"], ["token", "list", "--bogus"], ["user"], ["demo", "--bogus"]]) {
      const r = runCli(args, env);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(/unknown option '--bogus'|Usage: crossline user/);
    }
    const help = runCli(["demo", "--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("CROSSLINE_DEMO_PORT_OFFSET");
  });

  it("explains a missing or wrong setting and exits 2", () => {
    const r = runCli(["migrate"], { CROSSLINE_DATA_DIR: path.join(dir, "nothing-here"), DATABASE_URL: "" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CROSSLINE_MASTER_KEY \(masterKey\): is required/);
    const bad = runCli(["migrate"], { ...env, CROSSLINE_MASTER_KEY: "short", CROSSLINE_PORT: "99999" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/CROSSLINE_MASTER_KEY/);
    expect(bad.stderr).toMatch(/CROSSLINE_PORT/);
  });

  it("has --help everywhere", () => {
    const r = runCli(["user", "add", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--username/);
    expect(r.stdout).toMatch(/--json/);
  });

  it("prints its release, the server package's version, from the sources and from the bundle", () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(runCli(["--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect(runCli(["-V"], { CROSSLINE_NO_BUNDLE: "1" })).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("runs the same from the TypeScript sources as from the precompiled bundle", () => {
    // `npm test` builds dist/crossline.mjs first, so the other tests run the bundle; here tsx runs the sources.
    const fromSources = runCli(["migrate"], {
      CROSSLINE_DATA_DIR: path.join(dir, "nothing-here"),
      DATABASE_URL: "",
      CROSSLINE_NO_BUNDLE: "1",
    });
    const fromBundle = runCli(["migrate"], {
      CROSSLINE_DATA_DIR: path.join(dir, "nothing-here"),
      DATABASE_URL: "",
    });
    expect(fromSources.code).toBe(2);
    expect(fromSources.stderr).toMatch(/CROSSLINE_MASTER_KEY \(masterKey\): is required/);
    expect({ code: fromBundle.code, stderr: fromBundle.stderr }).toEqual({
      code: fromSources.code,
      stderr: fromSources.stderr,
    });
  });

  it("init creates the node with secrets it generates, once", () => {
    const r = runCli(
      [
        "init",
        "--id",
        "CLI-TEST",
        "--name",
        "CLI test",
        "--agency",
        "Test",
        "--time-zone",
        "Asia/Shanghai",
        "--port",
        String(port),
        "--json",
      ],
      env,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ nodeId: "CLI-TEST", admin: "admin" });
    expect(out.oneTimePassword).toMatch(/^[a-z0-9]{5}(-[a-z0-9]{5}){3}$/);
    // The configuration holding the master key is readable by its owner only.
    expect(statSync(path.join(dir, "crossline.json")).mode & 0o077).toBe(0);
    const again = runCli(
      ["init", "--id", "CLI-TEST", "--name", "x", "--agency", "x", "--time-zone", "UTC"],
      env,
    );
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/already holds a node/);
  });

  it("manages users and tokens with the node stopped, and verifies the audit trail", () => {
    const add = runCli(
      [
        "user",
        "add",
        "--username",
        "duty.one",
        "--display-name",
        "Duty One",
        "--role",
        "duty_officer",
        "--json",
      ],
      env,
    );
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout).user.roles).toEqual(["duty_officer"]);
    const tok = runCli(["token", "create", "--user", "duty.one", "--name", "script", "--json"], env);
    expect(tok.code).toBe(0);
    expect(JSON.parse(tok.stdout).secret).toMatch(/^clt_/);
    const cp = runCli(["audit", "checkpoint", "--json"], env);
    expect(cp.code).toBe(0);
    const checkpoint = JSON.parse(cp.stdout) as { seq: number; jws: string };
    expect(checkpoint.jws.split(".")).toHaveLength(3);
    const verify = runCli(["audit", "verify", "--json"], env);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({
      ok: true,
      firstBad: null,
      anchors: { ok: true, checked: 1, latestOwn: { seq: checkpoint.seq } },
    });
    const missing = runCli(["user", "disable", "nobody"], env);
    expect(missing.code).toBe(3);
  });

  it("talks to the running node instead of opening its database", async () => {
    const url = `http://127.0.0.1:${port}`;
    const server = await startServe(env, url);
    try {
      const list = runCli(["user", "list", "--json"], env);
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout).items.map((u: { username: string }) => u.username)).toContain(
        "duty.one",
      );
      const dis = runCli(["user", "disable", "duty.one", "--json"], env);
      expect(dis.code).toBe(0);
      expect(JSON.parse(dis.stdout).user.disabled).toBe(true);
      const verify = runCli(["audit", "verify", "--json"], env);
      expect(JSON.parse(verify.stdout).ok).toBe(true);
      if (DB_KIND === "pglite") {
        // A second server on the same embedded data directory is refused, not allowed to corrupt it.
        const second = runCli(["serve"], env);
        expect(second.code).toBe(3);
        expect(second.stderr).toMatch(/in use by Crossline process/);
      }
      // At each start the embedded store warns that it does not flush to disk (docs/operations.md); PostgreSQL does.
      await expect
        .poll(() => server.output().includes("does not flush its writes to disk"))
        .toBe(DB_KIND === "pglite");
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
