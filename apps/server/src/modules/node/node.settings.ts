import type { z } from "zod";
import type { DbOrTx, Tx } from "../../db/client.js";
import type { Clock } from "../../lib/clock.js";
import { readSetting, writeSetting } from "./node.repo.js";

/**
 * The node's settings port: each domain keeps its policy (requests, cases, notices, …) as one setting under
 * its own key. The node module owns the table; a domain reads and writes its key here, parsed by its own
 * schema. A stored value that no longer parses (an older shape) gives the domain's default.
 */
export interface SettingsPort {
  read<T>(dbx: DbOrTx, key: string, schema: z.ZodType<T>, fallback: T): Promise<T>;
  /** Read without parsing: for a domain that merges the stored value over its defaults first. */
  raw(dbx: DbOrTx, key: string): Promise<unknown>;
  write(tx: Tx, key: string, value: unknown): Promise<void>;
}

export function createSettingsPort(deps: { clock: Clock }): SettingsPort {
  return {
    async read(dbx, key, schema, fallback) {
      const stored = await readSetting(dbx, key);
      if (stored === undefined) return fallback;
      const parsed = schema.safeParse(stored);
      return parsed.success ? parsed.data : fallback;
    },
    raw: (dbx, key) => readSetting(dbx, key),
    write: (tx, key, value) => writeSetting(tx, key, value, deps.clock.now()),
  };
}
