import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { type Config, loadConfig } from "../config.js";
import { generateMasterKey } from "../crypto/keys.js";
import type { Clock } from "../lib/clock.js";
import { configFilePath } from "../lib/paths.js";
import type { FederationPort } from "../modules/federation/federation.types.js";
import { cliActor, type InitNodeInput } from "../modules/node/node.service.js";
import { type NodeRuntime, openNode } from "./node-runtime.js";

export interface InitResult {
  config: Config;
  adminUsername: string;
  adminPassword: string;
  adminId: string;
}

/**
 * Creates a node in `dataDir`: writes its configuration file with a freshly
 * generated master key (mode 0600), creates the database, keys and first admin.
 * Leaves the runtime open when `keepOpen` so a caller (the demo) can seed more.
 */
export async function initNodeDir(
  dataDir: string,
  input: InitNodeInput,
  settings: Record<string, unknown> = {},
  opts: { env?: NodeJS.ProcessEnv; clock?: Clock; federation?: FederationPort } = {},
): Promise<InitResult & { runtime: NodeRuntime }> {
  const env = opts.env ?? process.env;
  mkdirSync(dataDir, { recursive: true });
  const file = configFilePath(dataDir);
  if (existsSync(file)) throw new Error(`${file} exists: this data directory already holds a node`);
  writeFileSync(file, `${JSON.stringify({ masterKey: generateMasterKey(), ...settings }, null, 2)}\n`, {
    mode: 0o600,
  });
  const config = loadConfig({ ...env, CROSSLINE_DATA_DIR: path.resolve(dataDir) });
  const runtime = await openNode(config, { clock: opts.clock, federation: opts.federation });
  try {
    const ctx = { actor: cliActor(`cli@${hostname()}`), ip: null, requestId: null };
    const r = await runtime.services.node.init(input, ctx);
    return {
      config,
      runtime,
      adminUsername: input.adminUsername,
      adminPassword: r.adminPassword,
      adminId: r.adminId,
    };
  } catch (e) {
    await runtime.close();
    throw e;
  }
}
