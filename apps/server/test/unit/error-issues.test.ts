import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ISSUE_MESSAGES } from "@crossline/schemas";
import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { errorBody } from "../../src/http/errors.js";
import { AppError } from "../../src/lib/errors.js";
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

describe("parametrised issues are keys everywhere (issue 9 point 15: no English re-worded by pattern)", () => {
  const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../src");
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? files(path.join(dir, e.name))
        : e.name.endsWith(".ts")
          ? [path.join(dir, e.name)]
          : [],
    );

  it("no service writes the English of a keyed message as a template literal instead of issue(key, params)", () => {
    // Each key's English with its {parameters} as `${…}` placeholders: the shape of a caller that spells it out.
    const shapes = Object.entries(ISSUE_MESSAGES)
      .filter(([, m]) => /\{\w+\}/.test(m.en))
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
