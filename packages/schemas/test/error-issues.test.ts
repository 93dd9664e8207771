import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ISSUE_PATTERNS_ZH, ISSUES_ZH, issueInChinese } from "../src/index.js";

const SRC = new URL("../src/", import.meta.url);

/**
 * Every string literal used as a custom message in the schemas: `message: "…"`, `error: "…"` and the
 * identifier checks' `fail("…")`, template literals included.
 */
function customMessages(): { file: string; literal: string }[] {
  const re =
    /(?:\b(?:message|error)\s*:\s*|\bfail\(\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`)/gs;
  const out: { file: string; literal: string }[] = [];
  for (const file of readdirSync(SRC).filter((f) => f.endsWith(".ts") && f !== "error-issues.ts")) {
    const text = readFileSync(new URL(file, SRC), "utf8");
    for (const m of text.matchAll(re)) out.push({ file, literal: m[1] });
  }
  return out;
}

/** A template literal's shape with each `${…}` (or a pattern's `{name}`) as `{}`. */
const shape = (s: string) => s.replace(/\$\{[^}]*\}|\{[a-zA-Z0-9]+\}/g, "{}");

describe("Chinese for our issue texts", () => {
  const found = customMessages();

  it("finds the custom messages of the schemas", () => {
    expect(found.length).toBeGreaterThan(70);
    expect(found.map((f) => f.literal)).toContain(
      '"give the romanised form of a name written in a non-Latin script"',
    );
  });

  it("has an entry for every fixed custom message", () => {
    const missing = found
      .filter((f) => !f.literal.startsWith("`") || !f.literal.includes("${"))
      .map((f) => ({ file: f.file, text: f.literal.slice(1, -1).replace(/\\(.)/g, "$1") }))
      .filter((f) => issueInChinese(f.text) === undefined);
    expect(missing).toEqual([]);
  });

  it("has a pattern for every parametrised custom message", () => {
    const patterns = new Set(ISSUE_PATTERNS_ZH.map((p) => shape(p.en)));
    const missing = found
      .filter((f) => f.literal.startsWith("`") && f.literal.includes("${"))
      .filter((f) => !patterns.has(shape(f.literal.slice(1, -1))));
    expect(missing).toEqual([]);
  });

  it("fills the patterns, translating known values", () => {
    expect(issueInChinese("say why the request is urgent")).toBe("请说明请求为何加急");
    expect(issueInChinese("say why the request is emergency")).toBe("请说明请求为何紧急");
    expect(issueInChinese("must point at one of the 3 subjects")).toBe("必须指向 3 个对象之一");
    expect(issueInChinese("preservation lasts at least 60 days")).toBe("保全期限至少 60 天");
    expect(issueInChinese("domain: must not be empty")).toBe("域名：不能为空");
    expect(issueInChinese("request not found")).toBe("未找到请求");
    expect(issueInChinese("send is not allowed in status answered")).toBe("在已答复状态下不允许“send”");
  });

  it("leaves texts it does not know alone", () => {
    expect(issueInChinese("Invalid input: expected string, received number")).toBeUndefined();
    expect(issueInChinese("something new")).toBeUndefined();
  });

  it("has no empty or untranslated entries", () => {
    for (const [en, zh] of Object.entries(ISSUES_ZH)) {
      expect(zh.trim(), en).not.toBe("");
      expect(zh, en).not.toBe(en);
    }
    for (const p of ISSUE_PATTERNS_ZH) {
      const names = (s: string) => [...s.matchAll(/\{([a-zA-Z0-9]+)\}/g)].map((m) => m[1]).sort();
      expect(names(p.zh), p.en).toEqual(names(p.en));
    }
  });
});
