import type { Command } from "commander";

/** A command's failure, with the exit code the CLI ends with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Exit codes of every command. */
export const EXIT = { OK: 0, CHECK_FAILED: 1, USAGE: 2, STATE: 3, FAILED: 4 } as const;

/**
 * Runs a CLI program: a failure ends as one line on stderr and its exit code. `explain` names the exit code of
 * the errors a program knows beyond `CliError` (null: not one of them). Bad usage of any command (an unknown
 * option, a missing argument, a group without its subcommand) exits 2, as the help says.
 */
export async function runProgram(
  program: Command,
  argv: string[],
  explain: (e: unknown) => { message: string; exitCode: number } | null = () => null,
): Promise<void> {
  // Every command, not only the program: a subcommand's own parse errors otherwise ended the process with 1.
  const override = (c: Command): void => {
    c.exitOverride();
    for (const sub of c.commands) override(sub);
  };
  override(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code?.startsWith("commander.")) {
      process.exitCode =
        err.code === "commander.helpDisplayed" || err.code === "commander.version" ? 0 : EXIT.USAGE;
      return;
    }
    const known = e instanceof CliError ? { message: e.message, exitCode: e.exitCode } : explain(e);
    process.stderr.write(`crossline: ${known?.message ?? err.message}\n`);
    process.exitCode = known?.exitCode ?? EXIT.FAILED;
  }
}
