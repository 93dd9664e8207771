import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  BoardQuery,
  ISSUE_MESSAGES,
  ISSUES_ZH,
  issue,
  issueInChinese,
  issueText,
  nestedIssue,
  zodIssue,
} from "../src/index.js";

const SRC = new URL("../src/", import.meta.url);

/**
 * Every string literal used as a custom message in the schemas: `message: "…"`, `error: "…"`, a checker's
 * returned `issue: "…"` (the indicator and identifier normalisers) and the identifier checks' `fail("…")`,
 * template literals included.
 */
function customMessages(): { file: string; literal: string }[] {
  const re =
    /(?:\b(?:message|error|issue)\s*:\s*|\bfail\(\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`)/gs;
  const out: { file: string; literal: string }[] = [];
  // error-issues.ts, issues.ts and issue-keys.ts hold the translations themselves, not messages
  const own = new Set(["error-issues.ts", "issues.ts", "issue-keys.ts"]);
  for (const file of readdirSync(SRC).filter((f) => f.endsWith(".ts") && !own.has(f))) {
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

  it("has no parametrised text left as a template literal: those are message keys", () => {
    const literals = found.filter((f) => f.literal.startsWith("`") && f.literal.includes("${"));
    // the one left is a constant (PRESERVATION_MIN_DAYS), a fixed text with its entry in ISSUES_ZH
    expect(literals.map((f) => shape(f.literal.slice(1, -1)))).toEqual([
      "preservation lasts at least {} days",
    ]);
  });

  it("words each key in both languages, enumerated values by their shared labels in Chinese", () => {
    expect(issueText({ key: "request.urgencyReason", params: { urgency: "urgent" } }, "zh-CN")).toBe(
      "请说明请求为何加急",
    );
    expect(issueText({ key: "request.urgencyReason", params: { urgency: "emergency" } }, "en")).toBe(
      "say why the request is emergency",
    );
    expect(issueText({ key: "request.subjectIndex", params: { count: 3 } }, "zh-CN")).toBe(
      "必须指向 3 个对象之一",
    );
    expect(issueText({ key: "domain.issue", params: { issue: "must not be empty" } }, "zh-CN")).toBe(
      "域名：不能为空",
    );
    expect(issueText({ key: "record.notFound", params: { what: "request" } }, "zh-CN")).toBe("未找到请求");
    expect(
      issueText({ key: "transition.notAllowed", params: { event: "send", status: "answered" } }, "zh-CN"),
    ).toBe("在“已答复”状态下不允许“发送”");
    expect(issue("draft.changed", { version: 4 })).toEqual({
      issue: "the draft changed (now version 4)",
      key: "draft.changed",
      params: { version: 4 },
    });
    expect(issueInChinese("preservation lasts at least 60 days")).toBe("保全期限至少 60 天");
  });

  it("words an issue nested in another: a fixed text by the dictionary, a keyed one by its own template", () => {
    const inner = issue("import.objectNotObject", { index: 3 });
    const outer = issue("import.stoppedReading", nestedIssue(inner));
    expect(outer.issue).toBe("objects[3] is not an object; objects after this point were not read");
    expect(outer.params).toEqual({
      issue: "objects[3] is not an object",
      issueKey: "import.objectNotObject",
      index: 3,
    });
    expect(issueText(outer, "zh-CN")).toBe("objects[3] 不是对象；此后的对象未被读取");
    expect(issueText(outer, "en")).toBe(outer.issue);
    // A fixed text nests as before, looked up by its English.
    const fixed = issue("import.stoppedReading", nestedIssue("unbalanced brackets"));
    expect(fixed.params).toEqual({ issue: "unbalanced brackets" });
    expect(issueText(fixed, "zh-CN")).toBe(`${issueInChinese("unbalanced brackets")}；此后的对象未被读取`);
  });

  it("a schema's own parametrised issue carries its key and parameters", () => {
    const r = BoardQuery.safeParse({ urgency: "urgent,flash" });
    expect(r.success).toBe(false);
    const [first] = r.error?.issues ?? [];
    expect(first?.message).toBe("unknown value(s) flash; one of emergency, urgent, routine");
    expect((first as { params?: unknown } | undefined)?.params).toEqual({
      key: "list.unknownValues",
      params: { values: "flash", allowed: "emergency, urgent, routine" },
    });
    expect(zodIssue("request.urgencyReason", { urgency: "urgent" }).message).toBe(
      "say why the request is urgent",
    );
  });

  it("every key has the same parameters in both languages", () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, m] of Object.entries(ISSUE_MESSAGES)) {
      expect(names(m["zh-CN"]), key).toEqual(names(m.en));
      expect(m["zh-CN"], key).not.toBe(m.en);
    }
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
  });
});
