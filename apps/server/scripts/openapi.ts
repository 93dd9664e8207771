/**
 * Writes apps/server/openapi.json from the routes' schemas: `npm run openapi` at the repository root. It builds
 * a throwaway node (embedded database in a temporary directory) because the routes are registered by the app.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { OPENAPI_FILE, renderOpenApi } from "../src/http/openapi.js";
import { initNodeDir } from "../src/runtime/init.js";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "crossline-openapi-"));
try {
  const { runtime } = await initNodeDir(
    dataDir,
    {
      id: "OPENAPI",
      name: "OpenAPI",
      agencyName: "OpenAPI",
      timeZone: "UTC",
      adminUsername: "admin",
      adminDisplayName: "Admin",
      adminPassword: "openapi-generation-only",
    },
    { logLevel: "silent" },
    { env: {} },
  );
  writeFileSync(OPENAPI_FILE, renderOpenApi(runtime.app));
  await runtime.close();
  console.info(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
