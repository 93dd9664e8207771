import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * Test tiers: `unit` (pure code), and the database tiers `pglite` and `postgres`
 * that run the same integration and end-to-end suites once on each store.
 */
const dbSuites = ["apps/server/test/integration/**/*.test.ts", "apps/server/test/e2e/**/*.test.ts"];

export default defineConfig({
  test: {
    // Vitest's default in a run is one worker fewer than the cores: a single worker on this 2-core machine, so
    // every file waited for the one before. Most of a database or end-to-end file's time is spent waiting on
    // other processes (the database, the node processes it starts, Chromium), so two files at a time use the
    // machine better.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // The JSON report feeds .ci/slowest.mjs (the CI log's tail shows where the time went).
    reporters: ["default", ["json", { outputFile: ".crossline-test/vitest-report.json" }]],
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "packages/*/test/**/*.test.ts",
            "apps/server/test/unit/**/*.test.ts",
            "apps/console/test/**/*.test.ts",
          ],
          environment: "node",
        },
      },
      {
        test: {
          name: "pglite",
          include: dbSuites,
          env: { CROSSLINE_TEST_DB: "pglite" },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "postgres",
          include: dbSuites,
          env: { CROSSLINE_TEST_DB: "postgres" },
          globalSetup: ["apps/server/test/support/pg-global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
