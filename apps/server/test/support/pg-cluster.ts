import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
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

/** The first port of the kernel's range of ephemeral ports (32768 unless configured otherwise; not Linux: 32768). */
function ephemeralPortsFrom(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return low > 21_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Ports this process has handed out, not handed out again (a node may not be listening on its port yet). */
const handedOut = new Set<number>();

/**
 * A port on 127.0.0.1 for a test's server, PostgreSQL cluster or node process, free when this returns. It is
 * taken from 20,000 up to the kernel's ephemeral ports (32768 by default), never from that range: a port given
 * by `listen(0)` there could be taken by any outgoing connection's local port between this call and the
 * server's `listen` (a second or two while a node starts), and once was (EADDRINUSE in CI). Each vitest worker
 * draws from its own quarter of the range (`VITEST_POOL_ID`; workers 1–4 never draw the same port, more share
 * quarters), and a process never hands out a port twice; the demo's ports stay below 20,000 (`demoPortOffset`).
 */
export async function freePort(): Promise<number> {
  const from = 20_000;
  const size = Math.floor((ephemeralPortsFrom() - from) / 4);
  const slice = (Number(process.env.VITEST_POOL_ID ?? 1) - 1) % 4;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + slice * size + Math.floor(Math.random() * size);
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${from + slice * size}–${from + (slice + 1) * size - 1}`);
}

/** Whether a server can listen on 127.0.0.1:`port` now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
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
