import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildCli } from "../../src/cli/main.js";
import { settingEnvNames } from "../../src/config.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const SYSTEMD = path.join(ROOT, "deploy/systemd");
const CONTAINER = path.join(ROOT, "deploy/container");
const read = (f: string) => readFileSync(f, "utf8");
const filesIn = (dir: string) => readdirSync(dir).map((f) => path.join(dir, f));
const deployFiles = [...filesIn(SYSTEMD), ...filesIn(CONTAINER)];
/** Read outside the configuration: by `backup`/`restore` (passphrase) and by loadConfig (another file). */
const OTHER_ENV = ["CROSSLINE_BACKUP_PASSPHRASE", "CROSSLINE_CONFIG"];

/** The command and options of `crossline …` words: checked against the CLI's own definition. */
function checkInvocation(words: string[], where: string) {
  let cmd: Command = buildCli();
  const options = new Set(cmd.options.map((o) => o.long));
  for (const w of words) {
    if (w.startsWith("--")) {
      expect(options, `${where}: ${words.join(" ")}`).toContain(w.split("=")[0]);
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === w);
    if (sub) {
      cmd = sub;
      for (const o of sub.options) options.add(o.long);
    }
  }
  expect(cmd.name(), `${where}: ${words.join(" ")} names no command`).not.toBe(buildCli().name());
}

/** Words after `crossline.mjs` up to the end of the command (a quote, a newline or `;`). */
const invocations = (text: string) =>
  [...text.matchAll(/crossline\.mjs"?,?\s+([^'\n;]*)/g)].map((m) =>
    m[1]
      .replace(/["\][,]/g, " ")
      .trim()
      .split(/\s+/),
  );

/**
 * The deployment files (issue 16 point 6): a systemd unit with a backup timer, a container image and a compose
 * file with PostgreSQL. They name commands, options, settings, files and ports of this repository; each is
 * checked here against the real CLI, configuration and tree, so a rename breaks this test rather than a
 * server. `systemd-analyze verify` checks the units where it is installed (required in CI).
 */
describe("deploy/: systemd unit, container image, compose file", () => {
  it("every setting they set is one the node reads", () => {
    const known = new Set([...settingEnvNames(), ...OTHER_ENV]);
    const used = new Set<string>();
    for (const f of [...deployFiles, path.join(ROOT, "docs/operations.md")]) {
      for (const m of read(f).matchAll(/\b(CROSSLINE_[A-Z0-9_]+|DATABASE_URL)\b/g)) {
        expect(known, `${path.relative(ROOT, f)}: ${m[1]}`).toContain(m[1]);
        used.add(m[1]);
      }
    }
    for (const s of [
      "DATABASE_URL",
      "CROSSLINE_MIGRATION_DATABASE_URL",
      "CROSSLINE_DATA_DIR",
      "CROSSLINE_PORT",
    ])
      expect(used).toContain(s);
  });

  it("every crossline command and option they run exists, and the files they run are in the tree", () => {
    const units = filesIn(SYSTEMD).filter((f) => f.endsWith(".service"));
    expect(units.map((f) => path.basename(f)).sort()).toEqual([
      "crossline-backup.service",
      "crossline.service",
    ]);
    for (const f of units) {
      const text = read(f);
      const found = invocations(text);
      expect(found.length, f).toBeGreaterThanOrEqual(1);
      for (const words of found) checkInvocation(words, path.basename(f));
      for (const m of text.matchAll(/\/opt\/crossline\/(\S+\.m?js)/g))
        expect(existsSync(path.join(ROOT, m[1]))).toBe(true);
    }
    // The image: ENTRYPOINT + CMD is `crossline serve`; compose's examples run other commands with it.
    const image = read(path.join(CONTAINER, "Containerfile"));
    const entry = /ENTRYPOINT \[(.*)\]/.exec(image)?.[1] ?? "";
    const cmd = /^CMD \[(.*)\]/m.exec(image)?.[1] ?? "";
    expect(entry).toContain("/opt/crossline/apps/server/bin/crossline.mjs");
    checkInvocation(JSON.parse(`[${cmd}]`), "Containerfile CMD");
    const compose = read(path.join(CONTAINER, "compose.yaml"));
    const runs = [...compose.matchAll(/run --rm node (.*)/g)].map((m) =>
      m[1].replace(/"[^"]*"/g, "X").split(/\s+/),
    );
    expect(runs.length).toBeGreaterThanOrEqual(1);
    for (const words of runs) checkInvocation(words, "compose.yaml");
  });

  it("ports, paths and the database roles agree across the files", () => {
    const image = read(path.join(CONTAINER, "Containerfile"));
    const compose = read(path.join(CONTAINER, "compose.yaml"));
    const unit = read(path.join(SYSTEMD, "crossline.service"));
    const port = /CROSSLINE_PORT=(\d+)/.exec(image)?.[1];
    expect(port).toBeDefined();
    expect(image).toContain(`EXPOSE ${port}`);
    expect(image).toContain(`http://127.0.0.1:${port}/readyz`);
    expect(compose).toContain(`"${port}:${port}"`);
    expect(unit).toContain(`CROSSLINE_PORT=${port}`);
    // The data directory is the same place everywhere, and the volume is mounted there.
    expect(image).toContain("CROSSLINE_DATA_DIR=/var/lib/crossline");
    expect(unit).toContain("CROSSLINE_DATA_DIR=/var/lib/crossline");
    expect(compose).toContain("data:/var/lib/crossline");
    // Files compose mounts or builds from exist (relative to deploy/container).
    const build = /context: (\S+)\s+dockerfile: (\S+)/.exec(compose);
    expect(build).not.toBeNull();
    expect(existsSync(path.join(CONTAINER, build?.[1] ?? "", build?.[2] ?? ""))).toBe(true);
    for (const m of compose.matchAll(/- (\.{1,2}\/[^:]+):/g)) {
      if (m[1] !== "./tls") expect(existsSync(path.join(CONTAINER, m[1])), m[1]).toBe(true);
    }
    // The roles the init script creates are the ones the node connects as (least privilege).
    const sql = read(path.join(ROOT, "deploy/postgres/least-privilege.sql"));
    expect(sql).toContain(':"app"');
    const init = read(path.join(CONTAINER, "initdb.sh"));
    for (const role of ["crossline_app", "crossline_owner"]) expect(init).toContain(role);
    expect(compose).toContain("postgres://crossline_app:");
    expect(compose).toContain("CROSSLINE_MIGRATION_DATABASE_URL: postgres://crossline_owner:");
    // The operations page documents every file.
    const doc = read(path.join(ROOT, "docs/operations.md"));
    for (const f of deployFiles) expect(doc, path.relative(ROOT, f)).toContain(path.relative(ROOT, f));
  });

  it("systemd-analyze verify accepts the units", () => {
    const tool = "/usr/bin/systemd-analyze";
    if (!existsSync(tool)) {
      if (process.env.CI === "true") throw new Error(`${tool} is missing: install Debian's systemd package`);
      console.warn(`SKIPPED: ${tool} is not installed; the units were not verified`);
      return;
    }
    // Verified as installed, with this machine's node where the unit expects /usr/bin/node.
    const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-units-"));
    try {
      const names = readdirSync(SYSTEMD);
      for (const f of names) {
        writeFileSync(
          path.join(dir, f),
          read(path.join(SYSTEMD, f)).replaceAll("/usr/bin/node", process.execPath),
        );
      }
      const r = spawnSync(tool, ["verify", "--man=no", ...names], { cwd: dir, encoding: "utf8" });
      expect(r.stderr + r.stdout).toBe("");
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
