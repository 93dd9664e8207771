import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** Finds the newest installed PostgreSQL server binaries, if any. */
export function findPgBin(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], "bin") : null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export interface PgCluster {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts a throwaway PostgreSQL cluster on 127.0.0.1. initdb refuses to run as
 * root, so as root the cluster belongs to the `postgres` user (runuser).
 */
export async function startPgCluster(
  opts: {
    fsync?: boolean;
    /** Loads pg_stat_statements (for benchmarks that print where the database's time goes). */
    statements?: boolean;
  } = {},
): Promise<PgCluster> {
  const bin = findPgBin();
  if (!bin) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin");
  const isRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-pg-"));
  const run = (cmd: string, args: string[]) =>
    isRoot
      ? (["runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args]] as const)
      : ([path.join(bin, cmd), args] as const);
  if (isRoot) {
    const pw = execFileSync("id", ["-u", "postgres"]).toString().trim();
    const gr = execFileSync("id", ["-g", "postgres"]).toString().trim();
    chownSync(dir, Number(pw), Number(gr));
  }
  const data = path.join(dir, "data");
  const [initCmd, initArgs] = run("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-instructions",
  ]);
  execFileSync(initCmd, [...initArgs], { stdio: "pipe" });
  const port = await freePort();
  const settings = [
    "-c",
    `port=${port}`,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=${dir}`,
    "-c",
    "max_connections=300",
    "-c",
    "shared_buffers=256MB",
    ...(opts.statements
      ? [
          "-c",
          "shared_preload_libraries=pg_stat_statements",
          "-c",
          "pg_stat_statements.track=all",
          "-c",
          "pg_stat_statements.track_planning=on",
        ]
      : []),
    ...(opts.fsync === false
      ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
      : []),
  ];
  const [pgCmd, pgArgs] = run("postgres", ["-D", data, ...settings]);
  const proc = spawn(pgCmd, [...pgArgs], { stdio: ["ignore", "ignore", "pipe"], detached: false });
  let stderr = "";
  proc.stderr?.on("data", (d) => {
    stderr += d.toString();
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, "127.0.0.1", () => {
        sock.end();
        resolve(true);
      });
      sock.on("error", () => resolve(false));
    });
    if (ok && stderr.includes("ready to accept connections")) break;
    if (proc.exitCode !== null) throw new Error(`postgres exited: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`postgres did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    dir,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.on("exit", r));
        // As root the child is runuser, which does not pass signals on: ask the postmaster itself to stop.
        const [ctlCmd, ctlArgs] = run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
        try {
          execFileSync(ctlCmd, [...ctlArgs], { stdio: "pipe", timeout: 30_000 });
        } catch {
          proc.kill("SIGINT");
        }
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
