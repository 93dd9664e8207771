import type { TestProject } from "vitest/node";
import { findPgBin, type PgCluster, startPgCluster } from "./pg-cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

let cluster: PgCluster | undefined;

/**
 * The `postgres` test tier: uses DATABASE_URL when set, else starts a throwaway
 * cluster. Without PostgreSQL the tier is skipped loudly, except in CI, where it fails.
 */
export async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide("pgUrl", process.env.DATABASE_URL);
    return;
  }
  if (!findPgBin()) {
    const msg =
      "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: the postgres test tier cannot run. Install them (apt-get install postgresql) or set DATABASE_URL.";
    if (process.env.CI) throw new Error(msg);
    process.stderr.write(
      `\n${"!".repeat(100)}\n!! SKIPPING the postgres tier: ${msg}\n${"!".repeat(100)}\n\n`,
    );
    project.provide("pgUrl", "");
    return;
  }
  cluster = await startPgCluster({ fsync: false });
  project.provide("pgUrl", cluster.url);
}

export async function teardown() {
  await cluster?.stop();
}
