import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The server package's own directory (apps/server), found by walking up from this module to the package.json
 * named `@crossline/server`. Files shipped beside the code (migrations, the OpenAPI document, the STIX schemas,
 * the console build, bin/) are resolved from here, so they are found both from the TypeScript sources run by
 * tsx (src/lib/paths.ts) and from the precompiled bundle (dist/crossline.mjs), whose depths differ.
 */
function findServerRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "@crossline/server"
    ) {
      return dir;
    }
    const up = path.dirname(dir);
    if (up === dir)
      throw new Error(`the @crossline/server package.json was not found above ${import.meta.url}`);
    dir = up;
  }
}

export const SERVER_ROOT = findServerRoot();

/** A path inside the server package. */
export function serverPath(...parts: string[]): string {
  return path.join(SERVER_ROOT, ...parts);
}

/** The SQL migrations (drizzle-kit's output): one set for PGlite and PostgreSQL. */
export const MIGRATIONS_DIR = serverPath("drizzle");

/** A node's configuration file in its data directory. */
export function configFilePath(dataDir: string): string {
  return path.join(dataDir, "crossline.json");
}
