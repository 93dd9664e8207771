#!/usr/bin/env node
// Precompiles the server into one ES module, dist/crossline.mjs (our TypeScript and @crossline/schemas; every
// other package stays external and is loaded from node_modules as usual). `--if-stale` does nothing when the
// bundle is newer than its sources. bin/crossline.mjs uses the bundle only while it is fresh.
import { readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { BUNDLE, bundleIsFresh, SERVER_DIR } from "../bin/build-state.mjs";

if (process.argv.includes("--if-stale") && bundleIsFresh()) {
  process.stdout.write("server build is up to date (apps/server/dist)\n");
  process.exit(0);
}
const pkg = JSON.parse(readFileSync(path.join(SERVER_DIR, "package.json"), "utf8"));
const started = performance.now();
await build({
  entryPoints: [path.join(SERVER_DIR, "src/cli/main.ts")],
  outfile: BUNDLE,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  external: Object.keys(pkg.dependencies).filter((d) => !d.startsWith("@crossline/")),
  logLevel: "warning",
});
process.stdout.write(
  `server built in ${Math.round(performance.now() - started)} ms (${path.relative(process.cwd(), BUNDLE)})\n`,
);
