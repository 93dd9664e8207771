import type { Command } from "commander";
import { parseDemoNodeCount, runDemo } from "./demo.js";

/**
 * `crossline demo --prepare` (`npm run demo` runs it beside the console's build): the migrated template each
 * node's database is copied from, built here if it is missing (a fresh machine, new migrations, a cleared
 * temporary directory) rather than by the demo's node processes while its start is timed.
 */
async function prepareDemo(json: boolean): Promise<void> {
  const { preparePgliteTemplate } = await import("../db/pglite-template.js");
  const { path, builtMs } = await preparePgliteTemplate();
  process.stdout.write(
    json
      ? `${JSON.stringify({ template: path, builtMs })}\n`
      : builtMs === null
        ? "The demo's database template is ready.\n"
        : `The demo's database template is built (${(builtMs / 1000).toFixed(1)} s, once per machine and set of migrations).\n`,
  );
}

/** `crossline demo`: in the whole CLI (main.ts), and alone in the program `crossline demo` starts from (entry.ts). */
export function addDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("start the two-node demo (CN-MPS and US-DOJ) on the embedded database")
    .option("--reset", "delete the demo's data and start over")
    .option("--nodes <count>", "2 (default), or 3 for a third, fictitious agency (XA-NCU) paired with both")
    .option("--dir <dir>", "demo directory (default $CROSSLINE_DEMO_DIR or ./.crossline-demo)")
    .option(
      "--prepare",
      "only build what the demo's nodes start from (the embedded database, migrated: once per machine and set of migrations) and exit",
    )
    .option(
      "--json",
      "with --prepare: say it as JSON ({ template, builtMs }, builtMs null when it was there)",
    )
    .addHelpText(
      "after",
      [
        "",
        "Environment:",
        "  CROSSLINE_DEMO_DIR          the demo directory (as --dir)",
        "  CROSSLINE_DEMO_PORT_OFFSET  added to every port (CN-MPS 4100, US-DOJ 4200, XA-NCU 4300), e.g. 1000 for 5100 and 5200,",
        "                              to run a second demo beside the first or avoid a port in use",
      ].join("\n"),
    )
    .action(async (o) => {
      if (o.prepare) return prepareDemo(Boolean(o.json));
      return runDemo({ reset: Boolean(o.reset), dir: o.dir, nodes: parseDemoNodeCount(o.nodes) });
    });
}
