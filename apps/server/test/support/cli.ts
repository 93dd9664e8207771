import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/crossline.mjs");

/**
 * A random CROSSLINE_DEMO_PORT_OFFSET for a test's demo: its ports (4100, 4200, 4300 plus the offset) stay from
 * 14,100 to 19,999, below the ports `freePort` hands out (20,000 up to the kernel's ephemeral ports, from which
 * every outgoing connection and every `listen(0)` takes its port). Offsets of 20,000–40,000 put a demo's ports
 * inside the ephemeral range, and a demo once found XA-NCU's port 41787 in use there.
 */
export function demoPortOffset(): number {
  const from = 10_000;
  return from + Math.floor(Math.random() * (20_000 - 4300 - from));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `crossline` CLI in a child process. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, CROSSLINE_LOG_LEVEL: "warn", ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs the CLI without blocking the test's event loop (spawnSync would: HTTP connections the test keeps to
 * running nodes then miss the server closing them, and the next request fails with "other side closed").
 */
export function runCliAsync(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  return runScriptAsync(BIN, args, env);
}

/** Runs a Node script of the repository (the CLI, `npm run demo`'s script) as `runCliAsync` runs the CLI. */
export function runScriptAsync(
  script: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, CROSSLINE_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

/** Starts `crossline serve` and resolves once /readyz answers. */
export async function startServe(env: Record<string, string | undefined>, url: string) {
  const child = spawn(process.execPath, [BIN, "serve"], {
    env: { ...process.env, CROSSLINE_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not yet listening
    }
    if (Date.now() > deadline) throw new Error(`serve not ready: ${output}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    child,
    output: () => output,
    stop: () =>
      new Promise<number | null>((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.on("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}
