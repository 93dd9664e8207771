import { describe, expect, it } from "vitest";
import { initials } from "../src/util/initials";

describe("avatar initials", () => {
  it("show the first Chinese character of a Chinese name, whatever follows it", () => {
    expect(initials("李强 (Li Qiang)")).toBe("李");
    expect(initials("系统管理员 (admin)")).toBe("系");
    expect(initials("王芳")).toBe("王");
  });

  it("show the initials of the first and last words of a Latin name, brackets ignored", () => {
    expect(initials("John Miller")).toBe("JM");
    expect(initials("Rachel (R.) Chen")).toBe("RC");
    expect(initials("admin")).toBe("AD");
    expect(initials("  ")).toBe("?");
  });
});
