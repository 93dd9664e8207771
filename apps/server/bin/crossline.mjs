#!/usr/bin/env node
// Runs the precompiled server (dist/crossline.mjs, `npm run build -w @crossline/server`, which `npm run demo`
// does when the sources changed) when it is newer than every source file; otherwise the TypeScript sources
// through tsx's loader, so no build step is ever needed. The bundle holds our code and most packages
// (scripts/build.mjs lists those left in node_modules) and starts in about a quarter of tsx's time.
import { pathToFileURL } from "node:url";
import { BUNDLE, bundleIsFresh } from "./build-state.mjs";

let main;
if (process.env.CROSSLINE_NO_BUNDLE !== "1" && bundleIsFresh()) {
  ({ main } = await import(pathToFileURL(BUNDLE).href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/entry.ts"));
}
await main(process.argv);
