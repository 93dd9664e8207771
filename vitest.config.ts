import { accessSync, chmodSync, constants, mkdirSync, statfsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * Where the tests' temporary files go: the data directory of every node and PGlite database a test starts, the
 * migrated PGlite template they are copied from, the throwaway PostgreSQL clusters, Chromium's profiles. On a
 * memory file system (`/dev/shm`) when the machine has one with at least 4 GiB free, else the system's
 * temporary directory. Each node's data directory is a copy of the 43 MB, 1,463-file template, removed at the
 * end of its test: on this machine's disk (ext4 on a virtual disk, written to by everything else the run does)
 * creating and deleting those files was a third of the database test workers' CPU (kernel time in `copyFile`
 * and `unlink`) and varied tenfold with the disk's state (0.1–0.9 s a copy); the integration files `a*` took
 * 82 s there and 51 s on `/dev/shm`. Nothing the tests check depends on the disk. `CROSSLINE_TEST_TMPDIR`
 * names another directory; the chosen one is exported as `TMPDIR`, which the test workers, the processes they
 * start and PostgreSQL's tools inherit.
 */
function testTmpDir(): string | undefined {
  if (process.env.CROSSLINE_TEST_TMPDIR) return process.env.CROSSLINE_TEST_TMPDIR;
  const dir = "/dev/shm/crossline-test";
  try {
    const fs = statfsSync("/dev/shm");
    if (fs.bavail * fs.bsize < 4 * 1024 ** 3) return undefined;
    mkdirSync(dir, { recursive: true });
    // like /tmp: every user may create entries (the PostgreSQL clusters belong to `postgres` when run as root)
    if ((statSync(dir).mode & 0o1777) !== 0o1777) chmodSync(dir, 0o1777);
    accessSync(dir, constants.W_OK);
    return dir;
  } catch {
    return undefined; // no /dev/shm, or another user's directory there
  }
}
const tmp = testTmpDir();
if (tmp) process.env.TMPDIR = tmp;

/**
 * Test tiers: `unit` (pure code), and the database tiers `pglite` and `postgres`
 * that run the same integration and end-to-end suites once on each store.
 */
const dbSuites = ["apps/server/test/integration/**/*.test.ts", "apps/server/test/e2e/**/*.test.ts"];

/**
 * The database tiers run their files one after another in each worker process instead of a fresh process per
 * file (`isolate: false`): a fresh process evaluated the server's whole module graph again for every file,
 * 573 s of a 1,690 s run (vitest's "import"); without it 56 s, the run 1,413 s. Every file closes its nodes, databases and
 * browsers in afterAll, nothing in src keeps per-test state at module level (only caches: imported keys, the
 * compiled PGlite module, the seeded PGlite template, which files now share), and no test mocks a module.
 */
const sharedWorker = { isolate: false };

/**
 * What `expect.poll` waits for before it fails: 15 s instead of vitest's 1 s, like the browser's own waits (20 s).
 * A poll waits for something another process, a worker or a browser does in its own time (a page that filters
 * and redraws, a stream, a sweep); on the 2-core machine with two files, PostgreSQL and Chromium at once, that
 * took over a second now and then (requests-story's audit filter failed so at load average 12). Only a failing
 * poll waits the longer; a passing one returns as soon as it holds.
 */
const pollAsTheBrowserWaits = { expect: { poll: { timeout: 15_000 } } };

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
          ...sharedWorker,
          ...pollAsTheBrowserWaits,
          include: dbSuites,
          env: { CROSSLINE_TEST_DB: "pglite" },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "postgres",
          ...sharedWorker,
          ...pollAsTheBrowserWaits,
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
