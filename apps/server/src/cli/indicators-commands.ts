import { createReadStream, statSync } from "node:fs";
import path from "node:path";
import { Transform } from "node:stream";
import type { ImportReport } from "@crossline/schemas";
import type { Command } from "commander";
import { nodeCommand } from "./command-kit.js";
import { CliError, EXIT } from "./exit.js";

/** A one-line progress bar on a terminal (stderr, so --json output stays clean). */
function progressBar(total: number) {
  let last = 0;
  return (done: number, final = false) => {
    const now = Date.now();
    if (!final && now - last < 100) return;
    last = now;
    const f = total ? Math.min(1, done / total) : 1;
    const width = 30;
    const bar = "#".repeat(Math.round(f * width)).padEnd(width, ".");
    process.stderr.write(
      `\r[${bar}] ${(f * 100).toFixed(0).padStart(3)}%  ${(done / 1048576).toFixed(1)} MiB${final ? "\n" : ""}`,
    );
  };
}

function reportText(r: ImportReport): string {
  const lines = [
    `Import ${r.id} (${r.format}${r.fileName ? `, ${r.fileName}` : ""}): ${r.read} read, ${r.added} added, ${r.duplicates} already held, ${r.rejected} refused${r.objectsKept ? `, ${r.objectsKept} STIX objects kept` : ""}.`,
  ];
  for (const p of r.problems.slice(0, 20))
    lines.push(`  ${p.line !== null ? `line ${p.line}` : p.objectId}: ${p.code} ${p.issue}`);
  if (r.problems.length > 20) lines.push(`  … ${r.rejected - 20} more in the report (--json).`);
  return lines.join("\n");
}

export function addIndicatorCommands(program: Command) {
  const ind = program.command("indicators").description("Indicators of compromise: bulk import");
  nodeCommand(
    ind
      .command("import")
      .description(
        "Import a CSV file or a STIX 2.1 bundle, streamed (any size), as the officer whose API token is given",
      )
      .argument("<file>", "a .csv file (header: kind,value,…) or a .json STIX bundle")
      .option("--token <token>", "an API token of the officer importing (or CROSSLINE_TOKEN)")
      .option("--format <format>", "csv or stix (default: from the file name)")
      .option("--tlp <level>", "the marking of rows that carry none", "AMBER"),
    async (c, o, args) => {
      const file = args[0];
      const token = (o.token as string | undefined) ?? process.env.CROSSLINE_TOKEN;
      if (!token)
        throw new CliError(
          "give --token (or CROSSLINE_TOKEN): an API token of the importing officer",
          EXIT.USAGE,
        );
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        throw new CliError(`cannot read ${file}`, EXIT.USAGE);
      }
      const format = (o.format as string | undefined) ?? (/\.json$/i.test(file) ? "stix" : "csv");
      if (format !== "csv" && format !== "stix") throw new CliError("--format is csv or stix", EXIT.USAGE);
      const tty = Boolean(process.stderr.isTTY) && !o.json;
      const draw = tty ? progressBar(size) : null;
      let sent = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          sent += chunk.length;
          draw?.(sent);
          done(null, chunk);
        },
      });
      const q = new URLSearchParams({
        format,
        fileName: path.basename(file).slice(0, 200),
        tlp: String(o.tlp),
      });
      const r = await c.upload<{ import: ImportReport }>(
        `/api/v1/indicators/imports?${q}`,
        createReadStream(file, { highWaterMark: 1 << 20 }).pipe(counter),
        {
          authorization: `Bearer ${token}`,
          "content-type": format === "csv" ? "text/csv" : "application/stix+json",
        },
      );
      draw?.(size, true);
      return {
        data: r.import,
        text: () => reportText(r.import),
        exitCode: r.import.rejected ? EXIT.CHECK_FAILED : undefined,
      };
    },
  );
}
