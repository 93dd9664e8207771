// Where the precompiled server lives and whether it is older than its sources (shared by bin/crossline.mjs and
// scripts/build.mjs). Plain JavaScript: it runs before any TypeScript loader.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const BUNDLE = path.join(SERVER_DIR, "dist", "crossline.mjs");
const INPUTS = [
  path.join(SERVER_DIR, "src"),
  path.join(SERVER_DIR, "package.json"),
  path.join(SERVER_DIR, "../../packages/schemas/src"),
  path.join(SERVER_DIR, "../../package-lock.json"),
];

/** The newest modification time under `p` (0 when it does not exist). */
function newest(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = s.mtimeMs;
  for (const e of readdirSync(p)) max = Math.max(max, newest(path.join(p, e)));
  return max;
}

/** True when dist/crossline.mjs exists and is newer than every file it is built from. */
export function bundleIsFresh() {
  if (!existsSync(BUNDLE)) return false;
  const builtAt = statSync(BUNDLE).mtimeMs;
  return INPUTS.every((p) => newest(p) < builtAt);
}
