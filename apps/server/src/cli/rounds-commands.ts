import { readFileSync } from "node:fs";
import { OutcomeExport, type OutcomeVerification } from "@crossline/schemas";
import type { Command } from "commander";
import { z } from "zod";
import { jsonCommand } from "./command-kit.js";
import { CliError, EXIT } from "./exit.js";

/** Trusted keys: node id → its published signing keys (JWKs with kid and x), e.g. from each peer's node card. */
const TrustedKeys = z.record(
  z.string(),
  z.array(z.object({ kid: z.string(), x: z.string(), crv: z.literal("Ed25519") }).loose()),
);

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new CliError(`${what} ${file}: ${(e as Error).message}`, EXIT.USAGE);
  }
}

function text(r: OutcomeVerification, trusted: boolean): string {
  const lines = r.signatures.map(
    (s) =>
      `${s.node}: ${s.check.toUpperCase()}${s.kid ? ` (key ${s.kid}, fingerprint ${s.keyFingerprint})` : ""}`,
  );
  if (!trusted)
    lines.push(
      "Checked against the keys inside the file: compare the fingerprints with those the nodes publish.",
    );
  lines.push(r.valid ? "Outcome list VERIFIED: final, signed by both sides." : "Outcome list NOT verified.");
  return lines.join("\n");
}

/** `crossline rounds verify FILE`: offline, no node needed. */
export function addRoundsCommands(program: Command): void {
  const rounds = program.command("rounds").description("dialogue rounds and their outcome lists");
  jsonCommand(
    rounds
      .command("verify <file>")
      .description(
        "verify both signatures of an exported outcome list (JSON), offline; exits 1 unless both verify over its canonical text",
      )
      .option("--keys <file>", "JSON object: node id → its signing public keys (JWKs), to check against"),
    async (o, [file]) => {
      const parsed = OutcomeExport.safeParse(readJson(file, "export"));
      if (!parsed.success)
        throw new CliError(
          `${file} is not an outcome-list export: ${parsed.error.issues[0]?.message}`,
          EXIT.USAGE,
        );
      let trusted: z.infer<typeof TrustedKeys> | undefined;
      if (o.keys) {
        const k = TrustedKeys.safeParse(readJson(String(o.keys), "keys"));
        if (!k.success) throw new CliError(`--keys: ${k.error.issues[0]?.message}`, EXIT.USAGE);
        trusted = k.data;
      }
      const { verifyOutcomeExport } = await import("../modules/rounds/rounds.signing.js");
      const r = await verifyOutcomeExport(parsed.data, trusted);
      return {
        data: r,
        text: () => text(r, Boolean(trusted)),
        exitCode: r.valid ? EXIT.OK : EXIT.CHECK_FAILED,
      };
    },
  );
}
