import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

/**
 * Issue 10 point 10: `crossline demo` starts its node processes from a program that loads neither the whole CLI
 * nor the API's schemas and Zod (src/cli/entry.ts; about 0.2 s before the nodes could start), and a node loads the
 * libraries it rarely uses at their first use. This test resolves the imports that are loaded at once (static
 * ones) from each starting point, as the bundle does, and looks at what they reach.
 */
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src");

/** Every file reached by static imports from `entry` (dynamic `import()`s are left out, as they load later). */
async function staticGraph(entry: string): Promise<string[]> {
  const lazy = {
    name: "leave-dynamic-imports",
    setup(b: import("esbuild").PluginBuild) {
      b.onResolve({ filter: /.*/ }, (a) =>
        a.kind === "dynamic-import" ? { path: a.path, external: true } : undefined,
      );
    },
  };
  const r = await build({
    entryPoints: [path.join(SRC, entry)],
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    metafile: true,
    logLevel: "silent",
    plugins: [lazy],
    external: ["@electric-sql/pglite", "@node-rs/argon2", "pdfkit", "pino", "@fastify/*", "pg-native"],
  });
  return Object.keys(r.metafile.inputs);
}

describe("what the CLI loads at start", () => {
  it("`demo` reaches neither the whole CLI nor the API's schemas and Zod", async () => {
    const files = await staticGraph("cli/demo-command.ts");
    expect(files.some((f) => f.endsWith("cli/demo.ts"))).toBe(true);
    expect(
      files.filter((f) => /node_modules\/zod\/|packages\/schemas\/|cli\/main\.ts|lib\/actor\.ts/.test(f)),
    ).toEqual([]);
  });

  it("the whole CLI reaches the schemas (so the check above is not vacuous)", async () => {
    const files = await staticGraph("cli/main.ts");
    expect(files.some((f) => f.includes("node_modules/zod/"))).toBe(true);
    expect(files.some((f) => f.includes("packages/schemas/"))).toBe(true);
  });

  it("a serving node leaves pinyin-pro, nodemailer, qrcode and ical-generator to their first use", async () => {
    const files = await staticGraph("runtime/serve.ts");
    expect(files.some((f) => f.endsWith("http/app.ts"))).toBe(true);
    expect(
      files.filter((f) => /node_modules\/(pinyin-pro|nodemailer|qrcode|ical-generator)\//.test(f)),
    ).toEqual([]);
  });
});
