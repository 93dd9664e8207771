#!/usr/bin/env node
// `npm run demo [-- options]`: builds what is stale, then starts the demo (`crossline demo`, options passed on).
// Two things run side by side first, on the two cores: the console's build, and the server's build followed by
// the demo's database template (`crossline demo --prepare`, once per machine and set of migrations: initdb and
// every migration, about 7 s). Each is skipped when up to date; the demo's start is timed after them.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(ROOT, "apps/server/bin/crossline.mjs");
const node = process.execPath;

/** Runs a step with the terminal's output; rejects with its exit code when it fails. */
function step(args, cwd = ROOT) {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { cwd, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0
        ? resolve()
        : reject(Object.assign(new Error(`${args.join(" ")}: ${signal ?? code}`), { code })),
    );
  });
}

// Ctrl-C reaches every process of the terminal's group: the demo stops its nodes itself and this one waits.
for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => {});

try {
  await Promise.all([
    step(["scripts/build-if-stale.mjs"], path.join(ROOT, "apps/console")),
    step(["apps/server/scripts/build.mjs", "--if-stale"]).then(() => step([BIN, "demo", "--prepare"])),
  ]);
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(typeof e.code === "number" && e.code > 0 ? e.code : 1);
}
const demo = spawn(node, [BIN, "demo", ...process.argv.slice(2)], { stdio: "inherit" });
demo.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
