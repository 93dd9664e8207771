import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ErrorDetail, ISSUE_MESSAGES, ISSUES_ZH, issue, issueText } from "@crossline/schemas";
import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { errorBody } from "../../src/http/errors.js";
import { AppError } from "../../src/lib/errors.js";
import { invalidNoticeTransition } from "../../src/modules/providers/notices.lifecycle.js";
import { parseForm } from "../../src/modules/requests/requests.service.js";
import { routineSubscriberForm } from "../support/requests-fixtures.js";

const req = (lang?: string) =>
  ({ id: "req_test", headers: lang ? { "accept-language": lang } : {} }) as unknown as FastifyRequest;

function formError(form: unknown): AppError {
  try {
    parseForm(form);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("the form parsed");
}

describe("issues of forms parsed in a service, by Accept-Language", () => {
  const form = {
    ...routineSubscriberForm(),
    urgency: "urgent",
    facts: { lang: "en", text: 42 },
  };
  const issues = (lang?: string) =>
    Object.fromEntries(
      errorBody(req(lang), "VALIDATION_FAILED", formError(form).details).error.details.map((d) => [
        d.field,
        d.issue,
      ]),
    );

  it("keeps English as Zod and the schemas word it", () => {
    expect(issues()).toMatchObject({
      "body.form.facts.text": "Invalid input: expected string, received number",
    });
    expect(issues("en-US,zh;q=0.5")["body.form.facts.text"]).toBe(
      "Invalid input: expected string, received number",
    );
  });

  it("words Zod's own issues with its zh-CN locale and ours with the dictionary", () => {
    expect(issues("zh-CN")).toMatchObject({ "body.form.facts.text": "无效输入：期望 string，实际接收 数字" });
    const urgent = formError({ ...routineSubscriberForm(), urgency: "urgent" });
    const zh = errorBody(req("zh"), "VALIDATION_FAILED", urgent.details).error.details;
    // ours travel as a message key with parameters; Chinese fills its own template, urgent is 加急
    expect(zh).toEqual([
      {
        field: "body.form.urgencyReason",
        issue: "请说明请求为何加急",
        key: "request.urgencyReason",
        params: { urgency: "urgent" },
      },
    ]);
    const en = errorBody(req("en"), "VALIDATION_FAILED", urgent.details).error.details;
    expect(en).toEqual([{ ...zh[0], issue: "say why the request is urgent" }]);
  });

  it("leaves an issue it has no Chinese for in English", () => {
    const body = errorBody(req("zh"), "CONFLICT", [{ issue: "a brand-new server issue" }]);
    expect(body.error).toMatchObject({
      message: "与当前状态冲突。",
      details: [{ issue: "a brand-new server issue" }],
    });
  });
});

describe("the server's parametrised issues in Chinese", () => {
  const zh = (d: ErrorDetail) => errorBody(req("zh"), "CONFLICT", [d]).error.details[0];
  const en = (d: ErrorDetail) => errorBody(req("en"), "CONFLICT", [d]).error.details[0];

  it("shows an enumerated value by its label: a notice's status, a peer's state and the action, a message's status", () => {
    const notice = invalidNoticeTransition("withdrawn", ["close"]).details[0];
    expect(en(notice)).toMatchObject({
      issue: "not allowed while the notice is withdrawn",
      allowed: ["close"],
    });
    expect(zh(notice)).toEqual({
      issue: "通知处于“已撤回”状态时不允许此操作",
      key: "notice.notAllowedInStatus",
      params: { status: "withdrawn" },
      allowed: ["close"],
    });
    const peer = issue("peer.transitionNotAllowed", { action: "suspend", state: "revoked" });
    expect(en(peer).issue).toBe("cannot suspend a revoked peer");
    expect(zh(peer).issue).toBe("不能对状态为“已撤销”的对端节点执行“暂停”");
    // A transport message's status (outbox or inbox), by the one label set of both.
    const message = issue("federation.messageInStatus", { status: "delivered" });
    expect(en(message).issue).toBe("the message is delivered");
    expect(zh(message).issue).toBe("该消息的状态为“已送达”");
  });

  it("names the record in a version conflict, and keeps each module's English", () => {
    const stale = { field: "body.version", ...issue("record.staleVersion", { what: "case", version: 4 }) };
    expect(en(stale)).toMatchObject({
      field: "body.version",
      issue: "the case is at version 4: read it again",
    });
    expect(zh(stale).issue).toBe("该案件当前为版本 4：请重新读取");
    expect(issue("record.staleVersion", { what: "copy", version: 2 }).issue).toBe(
      "the copy is at version 2: read it again",
    );
  });

  it("keeps the English label a text always showed, and translates a nested fixed text", () => {
    const order = issue("repatriation.stepOrder", {
      status: "awaiting_document",
      next: "the travel document",
    });
    expect(en(order).issue).toBe(
      "steps go in order: this case (Awaiting travel document) waits for the travel document",
    );
    expect(zh(order).issue).toBe("步骤须依次进行：本案（待签发旅行证件）等待的是：旅行证件");
    // an import report's row: the reason the CSV reader gave, in Chinese too
    const row = issue("import.lineIssue", { line: 7, issue: "a quoted field is not closed" });
    expect(row.issue).toBe("line 7: a quoted field is not closed");
    expect(issueText(row, "zh-CN")).toBe("第 7 行：有一个带引号的字段未闭合");
  });
});

/** The server's sources, and every TypeScript file under a directory. */
const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../src");
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );

describe("parametrised issues are keys everywhere (issue 9 point 15: no English re-worded by pattern)", () => {
  it("no service writes the English of a keyed message as a template literal instead of issue(key, params)", () => {
    // Each key's English with its {parameters} as `${…}` placeholders: the shape of a caller that spells it out.
    // (a message that is only placeholders and punctuation, "{field}: {issue}", has no shape to tell it by)
    const shapes = Object.entries(ISSUE_MESSAGES)
      .filter(([, m]) => /\{\w+\}/.test(m.en) && /[a-z]{2}/i.test(m.en.replace(/\{\w+\}/g, "")))
      .map(([key, m]) => ({
        key,
        re: new RegExp(
          `\`${m.en
            .split(/\{\w+\}/)
            .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
            .join("\\$\\{[^}]+\\}")}\``,
        ),
      }));
    const found: string[] = [];
    for (const f of files(SRC)) {
      const text = readFileSync(f, "utf8");
      for (const { key, re } of shapes) if (re.test(text)) found.push(`${path.relative(SRC, f)}: ${key}`);
    }
    expect(found).toEqual([]);
  });
});

describe("every fixed issue text of the server has its Chinese", () => {
  // A string literal in double or single quotes; its text unescaped by unquote().
  const LIT = String.raw`"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'`;
  const unquote = (lit: string): string =>
    lit.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => ({ n: "\n", t: "\t" })[c] ?? c);

  /** Every fixed issue text under src, with the file it is in. */
  function fixedIssues(): { file: string; text: string }[] {
    const out: { file: string; text: string }[] = [];
    const constants = new Map<string, { file: string; text: string }>();
    const usedConstants = new Set<string>();
    for (const f of files(SRC)) {
      const text = readFileSync(f, "utf8");
      const file = path.relative(SRC, f);
      const add = (lit: string) => out.push({ file, text: unquote(lit) });
      // issue: "…"
      for (const m of text.matchAll(new RegExp(String.raw`\bissue:\s*(${LIT})`, "g"))) add(m[1]);
      // issue: cond ? "a" : "b" (either branch may be a constant)
      for (const m of text.matchAll(/\bissue:\s*[^,}\n?]*\?\s*([^,}\n]*?):\s*([^,}\n]+)/g)) {
        for (const part of [m[1].trim(), m[2].trim()]) {
          if (new RegExp(`^(?:${LIT})$`).test(part)) add(part);
          else if (/^[A-Z][A-Z0-9_]+$/.test(part)) usedConstants.add(part);
        }
      }
      // issue: SOME_CONSTANT, with const SOME_CONSTANT = "…" somewhere under src
      for (const m of text.matchAll(/\bissue:\s*([A-Z][A-Z0-9_]+)\b/g)) usedConstants.add(m[1]);
      for (const m of text.matchAll(new RegExp(String.raw`\bconst ([A-Z][A-Z0-9_]+)\s*=\s*(${LIT})`, "g")))
        constants.set(m[1], { file, text: unquote(m[2]) });
      // helpers that take the issue text as a parameter named issue: invalid(field, "…"), refuse("…")
      for (const m of text.matchAll(/(?:const|function)\s+(\w+)\s*=?\s*(?:async\s*)?\(([^()]*)\)/g)) {
        const at = m[2].split(",").findIndex((p) => /^\s*issue\s*:\s*string\b/.test(p));
        if (at < 0 || at > 1) continue;
        const call =
          at === 0
            ? String.raw`\b${m[1]}\(\s*(${LIT})`
            : String.raw`\b${m[1]}\(\s*(?:${LIT}|[^,()"'\n]+(?:\([^()]*\))?)\s*,\s*(${LIT})`;
        for (const c of text.matchAll(new RegExp(call, "g"))) add(c[1]);
      }
    }
    for (const name of usedConstants) {
      const c = constants.get(name);
      if (c) out.push(c);
    }
    return out;
  }

  it("finds the forms it looks for", () => {
    const texts = new Set(fixedIssues().map((i) => i.text));
    // one of each: a literal, a ternary, a constant, a helper's parameter, an escaped quote
    for (const t of [
      "no such request",
      "the item is blocked",
      "the item is already flagged",
      "only a person subject links to a person record",
      "the pairing proof is malformed",
      'the file\'s "type" is not "bundle"',
    ])
      expect(texts).toContain(t);
  });

  it("has an entry in ISSUES_ZH (or is a key of ISSUE_MESSAGES) for each", () => {
    const missing = [
      ...new Set(
        fixedIssues()
          .filter((i) => !Object.hasOwn(ISSUES_ZH, i.text) && !Object.hasOwn(ISSUE_MESSAGES, i.text))
          .map((i) => `${i.file}: ${i.text}`),
      ),
    ].sort();
    expect(missing).toEqual([]);
  });
});

describe("no issue text of the server is English put together in a template literal", () => {
  /**
   * The index just past a string or template literal starting at `i`, or past the bracketed expression
   * (a template's `${…}`) starting just after an opening bracket; templates met on the way are collected.
   */
  function skipLiteral(text: string, i: number, found: string[]): number {
    const q = text[i];
    if (q !== "`") {
      for (let j = i + 1; j < text.length; j++) {
        if (text[j] === "\\") j++;
        else if (text[j] === q || text[j] === "\n") return j + 1;
      }
      return text.length;
    }
    let j = i + 1;
    let placeholder = false;
    while (j < text.length && text[j] !== "`") {
      if (text[j] === "\\") j += 2;
      else if (text[j] === "$" && text[j + 1] === "{") {
        placeholder = true;
        j = skipExpression(text, j + 2, "}", found) + 1;
      } else j++;
    }
    if (placeholder) found.push(text.slice(i, j + 1));
    return j + 1;
  }
  /** The index of the first `stops` character outside brackets and literals, from `i`. */
  function skipExpression(text: string, i: number, stops: string, found: string[]): number {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const c = text[j];
      if (depth === 0 && stops.includes(c)) return j;
      if (c === '"' || c === "'" || c === "`") j = skipLiteral(text, j, found);
      else {
        if ("([{".includes(c)) depth++;
        else if (")]}".includes(c)) depth--;
        if (depth < 0) return j;
        j++;
      }
    }
    return j;
  }
  /** The template literals with a placeholder in the expression starting at `i` (up to `stops`). */
  const templatesIn = (text: string, i: number, stops: string) => {
    const found: string[] = [];
    skipExpression(text, i, stops, found);
    return found;
  };

  // Messages that go to peers, not to people: a PermanentRejection's reason is the receipt another node logs,
  // an EnvelopeError's is the rejection code's explanation for the sending node. Their calls are left out.
  const PEER_FACING = /\bnew\s+(?:PermanentRejection|EnvelopeError)\s*\(/g;

  /** The issue texts written as template literals with a placeholder, with the file they are in. */
  function templateIssues(sources: { file: string; text: string }[]): string[] {
    // helpers taking the issue text as a parameter named issue (first or second): invalid(field, `…`);
    // those a file exports are looked for in every file
    const helpersOf = (text: string) =>
      [...text.matchAll(/(export\s+)?(?:const|function)\s+(\w+)\s*=?\s*(?:async\s*)?\(([^()]*)\)/g)].flatMap(
        (m) => {
          const at = m[3].split(",").findIndex((p) => /^\s*issue\s*:\s*string\b/.test(p));
          return at < 0 || at > 1 ? [] : [{ name: m[2], at, exported: !!m[1] }];
        },
      );
    const exported = sources.flatMap((s) => helpersOf(s.text).filter((h) => h.exported));
    const out: string[] = [];
    for (const { file, text: raw } of sources) {
      // the peer-facing calls blanked out (same length, so positions stay)
      let text = raw;
      for (const m of raw.matchAll(PEER_FACING)) {
        const start = (m.index ?? 0) + m[0].length;
        const end = skipExpression(raw, start, ")", []);
        text = text.slice(0, start) + " ".repeat(end - start) + text.slice(end);
      }
      const add = (t: string) => out.push(`${file}: ${t}`);
      // issue: `…${…}…`, also as a branch of a ternary or on the next line
      for (const m of text.matchAll(/\bissue:\s*/g))
        templatesIn(text, (m.index ?? 0) + m[0].length, ",})]").forEach(add);
      for (const h of [...helpersOf(text).filter((x) => !x.exported), ...exported]) {
        for (const m of text.matchAll(new RegExp(String.raw`(?<![\w.])${h.name}\(`, "g"))) {
          let i = (m.index ?? 0) + m[0].length;
          for (let k = 0; k < h.at; k++) i = skipExpression(text, i, ",)", []) + 1;
          const arg = text.slice(i, skipExpression(text, i, ",)", [])).trim();
          if (arg.startsWith("`")) templatesIn(arg, 0, ",)").forEach(add);
        }
      }
    }
    return [...new Set(out)];
  }

  it("finds the forms it looks for", () => {
    // fixtures with #{…} for ${…}, which a lint rule would take for a forgotten template literal
    const $ = (s: string) => s.replaceAll("#{", "${");
    const fixture = {
      file: "fixture.ts",
      text: $(
        [
          'const conflict = (field: string, issue: string) => new AppError("CONFLICT", [{ field, issue }]);',
          'export function refuse(issue: string, allowed: string[]) { return new AppError("X", [{ issue }]); }',
          'throw new AppError("CONFLICT", [{ field: "body.version", issue: `the case is at version #{v}: read it again` }]);',
          'throw new AppError("CONFLICT", [',
          "  {",
          "    issue:",
          '      `peers have not yet received the new keys: #{[...new Set(waiting)].join(", ")}`,',
          "  },",
          "]);",
          "out.push({ field, issue: cond ? precision : `#{precision}: give the value in #{currency}` });",
          'throw conflict("body.version", `the record changed (now version #{keep.version})`);',
          'throw new PermanentRejection("NOT_SHARED", `request #{id} is not shared with #{peer}`);',
          'throw new AppError("CONFLICT", [{ issue: "the object is withdrawn" }]);',
          'throw conflict("body.version", "the record changed");',
        ].join("\n"),
      ),
    };
    const other = { file: "other.ts", text: $("throw refuse(`cannot #{action} a peer`, []);") };
    expect(templateIssues([fixture, other])).toEqual(
      [
        "fixture.ts: `the case is at version #{v}: read it again`",
        'fixture.ts: `peers have not yet received the new keys: #{[...new Set(waiting)].join(", ")}`',
        "fixture.ts: `#{precision}: give the value in #{currency}`",
        "fixture.ts: `the record changed (now version #{keep.version})`",
        "other.ts: `cannot #{action} a peer`",
      ].map($),
    );
  });

  it("finds none under src: each is issue(key, params) with its Chinese in ISSUE_MESSAGES", () => {
    const sources = files(SRC).map((f) => ({ file: path.relative(SRC, f), text: readFileSync(f, "utf8") }));
    expect(templateIssues(sources)).toEqual([]);
  });
});
