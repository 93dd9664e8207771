#!/usr/bin/env node
// What `npm test` runs before the tests, side by side on the machine's cores instead of one after another: the
// package scripts `check:server` and `check:console` (the two halves of `npm run check`, ~30 s each), `lint` and
// the server's `build` (the bundle the end-to-end tests start), each run through npm as its script says. Each step's output is printed
// whole when it ends, under its name and time, so two steps' lines never interleave. Exits 1 when any step
// failed, after every step has ended.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** name → npm's arguments (the package scripts hold the commands). */
const STEPS = [
  ["types (server, schemas, tests, benches)", npm, ["run", "-s", "check:server"]],
  ["types (console)", npm, ["run", "-s", "check:console"]],
  ["lint", npm, ["run", "-s", "lint"]],
  ["server build", npm, ["run", "-s", "build", "-w", "@crossline/server"]],
];

/** Runs one step with its output captured; resolves with its exit code, output and seconds. */
function run([name, command, args]) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, FORCE_COLOR: "1" } });
    const out = [];
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => out.push(b));
    let ended = false;
    const done = (code, error) => {
      if (ended) return; // 'error' (the command could not start) may be followed by 'close'
      ended = true;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const text = Buffer.concat(out).toString() + (error ? `${error.message}\n` : "");
      process.stdout.write(
        `── ${name}: ${code === 0 ? "ok" : `failed (exit ${code})`} in ${seconds} s\n${text}`,
      );
      resolve(code);
    };
    child.on("error", (error) => done(1, error));
    child.on("close", (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

const codes = await Promise.all(STEPS.map(run));
process.exit(codes.every((c) => c === 0) ? 0 : 1);
