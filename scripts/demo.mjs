#!/usr/bin/env node
// `npm run demo [-- options]`: builds what is stale, then starts the demo (`crossline demo`, options passed on).
// Two things run side by side first, on the two cores: the console's build, and the server's build followed by
// the demo's database template (`crossline demo --prepare`, once per machine and set of migrations: initdb and
// every migration, about 6 s). Each is skipped when up to date; the demo's start is timed after them.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(ROOT, "apps/server/bin/crossline.mjs");
const node = process.execPath;
/** The steps running now, and then the demo: a signal sent to this process alone goes on to them. */
const running = new Set();

/** Starts a process with the terminal's output; resolves with its exit code (or 1 when a signal ended it). */
function start(args, cwd = ROOT) {
  const child = spawn(node, args, { cwd, stdio: "inherit" });
  running.add(child);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      running.delete(child);
      resolve(code ?? 1);
    });
  });
}

/** A build step: rejects with its exit code when it fails. */
async function step(args, cwd) {
  const code = await start(args, cwd);
  if (code !== 0)
    throw Object.assign(new Error(`${path.basename(args[0])} ${args.slice(1).join(" ")}: exit ${code}`), {
      code,
    });
}

// Ctrl-C reaches every process of the terminal's group, the demo included, which stops its nodes itself; a
// signal sent to this process alone (npm passing on a SIGTERM) is passed on, and this process waits for them.
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => {
    for (const child of running) if (child.exitCode === null) child.kill(signal);
  });

try {
  await Promise.all([
    step(["scripts/build-if-stale.mjs"], path.join(ROOT, "apps/console")),
    step(["apps/server/scripts/build.mjs", "--if-stale"]).then(() => step([BIN, "demo", "--prepare"])),
  ]);
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(typeof e.code === "number" && e.code > 0 ? e.code : 1);
}
process.exit(await start([BIN, "demo", ...process.argv.slice(2)]));
