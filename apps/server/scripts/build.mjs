#!/usr/bin/env node
// Precompiles the server into ES modules, dist/crossline.mjs and the chunks it imports: our TypeScript,
// @crossline/schemas and the packages it uses, so a process reads a few files instead of resolving and
// compiling ~900 (0.5 s of each start).
// Packages that read files beside their own code at run time (WebAssembly, native addons, fonts, static pages,
// their package.json) or start worker threads stay external and load from node_modules as usual.
// `--if-stale` does nothing when the bundle is newer than its sources. bin/crossline.mjs uses the bundle only
// while it is fresh.
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { BUNDLE, bundleIsFresh, SERVER_DIR } from "../bin/build-state.mjs";

if (process.argv.includes("--if-stale") && bundleIsFresh()) {
  process.stdout.write("server build is up to date (apps/server/dist)\n");
  process.exit(0);
}
const EXTERNAL = [
  "@electric-sql/pglite", // pglite.wasm, pglite.data and its extensions' archives beside its modules
  "@node-rs/argon2", // a native addon
  "pdfkit", // its font metrics files
  "@fastify/swagger-ui", // the documentation page's static files
  "@fastify/swagger", // reads its package.json
  "pino", // transports run in worker threads from its files
  "esbuild",
  "tsx",
  "pg-native", // optional, not installed
  "pinyin-pro", // required at the first Chinese name (src/lib/pinyin.ts), not loaded with the server
];
const started = performance.now();
const result = await build({
  entryPoints: { [path.basename(BUNDLE, ".mjs")]: path.join(SERVER_DIR, "src/cli/entry.ts") },
  outdir: path.dirname(BUNDLE),
  outExtension: { ".js": ".mjs" },
  // The code a command imports only when it runs (`import()`: the node's runtime, the demo's node creation,
  // backups) goes into chunks of its own, so a command that only talks to a running node (and `demo`, which
  // starts node processes and talks to them) loads a fraction of the server.
  splitting: true,
  chunkNames: "chunk-[hash]",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  external: EXTERNAL.flatMap((p) => [p, `${p}/*`]),
  // CommonJS packages inside an ES module call require(): give them node's.
  banner: {
    js: 'import { createRequire as __bundleRequire } from "node:module";\nconst require = __bundleRequire(import.meta.url);',
  },
  logLevel: "warning",
  metafile: true,
});
// Chunks of earlier builds that this one does not write would pile up (each name is a hash of its content).
const DIST = path.dirname(BUNDLE);
const written = new Set(Object.keys(result.metafile.outputs).map((f) => path.resolve(f)));
for (const f of readdirSync(DIST))
  if (/^chunk-.*\.mjs(\.map)?$/.test(f) && !written.has(path.resolve(DIST, f))) rmSync(path.join(DIST, f));
process.stdout.write(
  `server built in ${Math.round(performance.now() - started)} ms (${path.relative(process.cwd(), BUNDLE)})\n`,
);
