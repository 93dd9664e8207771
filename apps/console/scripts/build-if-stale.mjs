#!/usr/bin/env node
// Builds the console unless dist/ is newer than everything it is built from: `npm run demo` starts with this,
// and a build that changes nothing cost the demo's second start most of its time.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const inputs = [
  "src",
  "public",
  "index.html",
  "vite.config.ts",
  "package.json",
  "../../packages/schemas/src",
  "../../package-lock.json",
].map((p) => path.join(root, p));

/** The newest modification time under `p` (0 when it does not exist). */
function newest(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = s.mtimeMs;
  for (const e of readdirSync(p)) max = Math.max(max, newest(path.join(p, e)));
  return max;
}

const built = path.join(root, "dist", "index.html");
const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
if (builtAt > Math.max(...inputs.map(newest))) {
  process.stdout.write("console build is up to date (apps/console/dist)\n");
} else {
  const r = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  process.exit(r.status ?? 1);
}
