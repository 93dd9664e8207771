// Prints the slowest test files of the last run (from vitest's JSON report), so a CI log that keeps only its
// tail still shows where the time went. Usage: node .ci/slowest.mjs [report.json] [count]
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2] ?? ".crossline-test/vitest-report.json";
const count = Number(process.argv[3] ?? 12);
if (!existsSync(file)) process.exit(0);
const report = JSON.parse(readFileSync(file, "utf8"));
const rows = report.testResults
  .map((r) => ({
    ms: (r.endTime ?? 0) - (r.startTime ?? 0),
    name: r.name.replace(`${process.cwd()}/`, ""),
    // describeDb titles end in [pglite] or [postgres]; the same file runs once per database
    tier: /\[(pglite|postgres)\]/.exec(r.assertionResults?.[0]?.fullName ?? "")?.[1] ?? "",
    status: r.status,
  }))
  .sort((a, b) => b.ms - a.ms);
const total = rows.reduce((s, r) => s + r.ms, 0);
console.log(
  `Slowest ${count} of ${rows.length} test files (sum of file times ${(total / 1000).toFixed(0)} s):`,
);
for (const r of rows.slice(0, count))
  console.log(
    `${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.status.padEnd(6)} ${r.tier.padEnd(8)} ${r.name}`,
  );
