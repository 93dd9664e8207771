import { describe, expect, it } from "vitest";
import { copyField, copyLine } from "../../src/db/client.js";

describe("COPY text format (copyIn's rows)", () => {
  it("writes null as \\N and escapes backslash, tab, newline and carriage return", () => {
    expect(copyField(null)).toBe("\\N");
    expect(copyField(undefined)).toBe("\\N");
    expect(copyField(70)).toBe("70");
    expect(copyField("plain")).toBe("plain");
    // The text "\N" is not null: its backslash is doubled.
    expect(copyField("\\N")).toBe("\\\\N");
    expect(copyField("a\tb\nc\rd\\e")).toBe("a\\tb\\nc\\rd\\\\e");
    // A line of only "\." would end the data: escaped, it cannot.
    expect(copyField("\\.")).toBe("\\\\.");
  });

  it("joins fields with tabs and ends the line", () => {
    expect(copyLine(["x", null, 3, "t\tab"])).toBe("x\t\\N\t3\tt\\tab\n");
  });
});
