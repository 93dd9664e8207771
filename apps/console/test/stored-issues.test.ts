import { issue } from "@crossline/schemas";
import { describe, expect, it } from "vitest";
import { storedIssueText } from "../src/util/issues";

describe("an import report's problems in the interface language", () => {
  it("words a keyed reason by its key, with the nested reason of the file reader translated", () => {
    const p = {
      line: 7,
      objectId: null,
      code: "CSV_SYNTAX",
      ...issue("import.lineIssue", { line: 7, issue: "a quoted field is not closed" }),
    };
    expect(storedIssueText(p, "en")).toBe("line 7: a quoted field is not closed");
    expect(storedIssueText(p, "zh-CN")).toBe("第 7 行：有一个带引号的字段未闭合");
  });

  it("puts a fixed text in Chinese by the dictionary, and leaves one it has no Chinese for as it is", () => {
    expect(storedIssueText({ issue: "value: empty" }, "en")).toBe("value: empty");
    expect(storedIssueText({ issue: "a quoted field is not closed" }, "zh-CN")).toBe(
      "有一个带引号的字段未闭合",
    );
    expect(storedIssueText({ issue: "something new" }, "zh-CN")).toBe("something new");
  });
});
