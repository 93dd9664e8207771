import type { Command, OptionValues } from "commander";
import { loadConfig } from "../config.js";
import { connect, type NodeClient } from "./client.js";

/** What a command prints: `data` as JSON with --json, else `text()`; and its exit code when it is not 0. */
export interface Printed {
  data: unknown;
  text: () => string;
  exitCode?: number;
}

/** The node's configuration, from the environment and the global --data-dir. */
export function config(cmd: Command) {
  const o = cmd.optsWithGlobals() as { dataDir?: string };
  return loadConfig(process.env, o.dataDir ? { dataDir: o.dataDir } : {});
}

/** Runs `fn` with a client of the node (its API, or in process when it is stopped), closed afterwards. */
export async function withClient<T>(cmd: Command, fn: (c: NodeClient) => Promise<T>): Promise<T> {
  const client = await connect(config(cmd));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

function print(o: OptionValues, r: Printed): void {
  process.stdout.write(o.json ? `${JSON.stringify(r.data, null, 2)}\n` : `${r.text()}\n`);
  if (r.exitCode !== undefined) process.exitCode = r.exitCode;
}

/** Commander calls an action with the command's arguments, then its options, then the command itself. */
function actionArgs(all: unknown[]) {
  return { args: all.slice(0, -2) as string[], o: all.at(-2) as OptionValues, cmd: all.at(-1) as Command };
}

/**
 * Adds `--json` (after the command's own options) and an action that prints what `run` returns: as JSON
 * with --json, else as text.
 */
export function jsonCommand(
  cmd: Command,
  run: (o: OptionValues, args: string[], cmd: Command) => Promise<Printed>,
): Command {
  return cmd.option("--json", "machine-readable output").action(async (...all: unknown[]) => {
    const { args, o, cmd: self } = actionArgs(all);
    // A parent command with its own --json (`backup` of `backup verify`) takes the flag: it counts here too.
    const json = Boolean(o.json || self.optsWithGlobals().json);
    print({ ...o, json }, await run(o, args, self));
  });
}

/** The same for a command that works through the node: `run` gets a client, closed once the result is printed. */
export function nodeCommand(
  cmd: Command,
  run: (c: NodeClient, o: OptionValues, args: string[]) => Promise<Printed>,
): Command {
  return cmd.option("--json", "machine-readable output").action(async (...all: unknown[]) => {
    const { args, o, cmd: self } = actionArgs(all);
    await withClient(self, async (c) => print(o, await run(c, o, args)));
  });
}
