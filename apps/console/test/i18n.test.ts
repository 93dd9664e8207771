import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { AuditEntry, ERROR_CODES, LABEL_VALUES, ROLES } from "@crossline/schemas";
import { describe, expect, it } from "vitest";
import { LABEL_PATHS, resourceTree } from "../src/i18n/resources";

/**
 * Both interface languages must be complete: every key present and non-empty in
 * each file, and every literal key used in the source present in both.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const srcDir = join(root, "src");
const LANGS = { en: "src/i18n/en.json", "zh-CN": "src/i18n/zh-CN.json" } as const;
type Lang = keyof typeof LANGS;

type Tree = { [key: string]: Tree | string };

/** The tree i18next is given: the JSON file with the shared labels of `@crossline/schemas` merged in. */
function load(lang: Lang): Tree {
  return resourceTree(lang);
}

/** key → value for every leaf; non-string leaves are reported as problems. */
function flatten(tree: Tree, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) flatten(v, key, out);
    else out.set(key, v);
  }
  return out;
}

const flat: Record<Lang, Map<string, unknown>> = { en: flatten(load("en")), "zh-CN": flatten(load("zh-CN")) };

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Literal keys: t("a.b"), t('a.b'), t(`a.b`) without interpolation, and i18nKey="a.b". */
function literalKeys(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const patterns = [/\bt\(\s*(["'`])([A-Za-z0-9_.-]+)\1/g, /\bi18nKey=\{?\s*(["'`])([A-Za-z0-9_.-]+)\1/g];
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, "utf8");
    for (const re of patterns) {
      for (const m of text.matchAll(re)) {
        const key = m[2]!;
        const where = relative(root, file);
        found.set(key, [...(found.get(key) ?? []), where]);
      }
    }
  }
  return found;
}

function missingIn(lang: Lang, keys: Iterable<string>): string[] {
  const out: string[] = [];
  for (const key of keys) {
    // a key used with a count resolves to its plural forms (key_one, key_other); "other" must exist
    const v = flat[lang].get(key) ?? flat[lang].get(`${key}_other`);
    if (typeof v !== "string" || v.trim() === "") out.push(key);
  }
  return out.sort();
}

describe("i18n resources", () => {
  it("every leaf is a non-empty string in both languages", () => {
    const problems: string[] = [];
    for (const lang of Object.keys(LANGS) as Lang[]) {
      for (const [key, v] of flat[lang]) {
        if (typeof v !== "string" || v.trim() === "") problems.push(`${lang}: ${key} is empty or not text`);
      }
    }
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("both languages have the same keys", () => {
    const en = [...flat.en.keys()];
    const zh = [...flat["zh-CN"].keys()];
    const problems = [
      ...missingIn("zh-CN", en).map((k) => `zh-CN lacks ${k}`),
      ...missingIn("en", zh).map((k) => `en lacks ${k}`),
    ];
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("every literal key used in src/ exists in both languages", () => {
    const used = literalKeys();
    expect(used.size).toBeGreaterThan(50);
    const problems: string[] = [];
    for (const lang of Object.keys(LANGS) as Lang[]) {
      for (const key of missingIn(lang, used.keys())) {
        problems.push(`${lang} lacks ${key} (used in ${[...new Set(used.get(key))].join(", ")})`);
      }
    }
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("keys built at run time exist: error codes, roles, audit outcomes, actor types and every shared label", () => {
    const dynamic = [
      ...ERROR_CODES.map((c) => `errors.${c}`),
      "errors.NETWORK",
      "errors.UNEXPECTED_RESPONSE",
      ...ROLES.map((r) => `roles.${r}`),
      ...AuditEntry.shape.outcome.options.map((o) => `audit.outcomes.${o}`),
      ...AuditEntry.shape.actorType.options.map((a) => `audit.actorTypes.${a}`),
      ...(Object.keys(LABEL_PATHS) as (keyof typeof LABEL_PATHS)[]).flatMap((kind) =>
        LABEL_VALUES[kind].map((v) => `${LABEL_PATHS[kind]}.${v}`),
      ),
    ];
    const problems = (Object.keys(LANGS) as Lang[]).flatMap((lang) =>
      missingIn(lang, dynamic).map((k) => `${lang} lacks ${k}`),
    );
    expect(problems, problems.join("\n")).toEqual([]);
  });
});
