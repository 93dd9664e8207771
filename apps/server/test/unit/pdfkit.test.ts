import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../../src/lib/errors.js";
import { findCjkFont, newCjkPdf } from "../../src/lib/pdfkit.js";

describe("PDFs in the CJK font (newCjkPdf, what every export starts from)", () => {
  const saved = process.env.CROSSLINE_CJK_FONT;
  afterEach(() => {
    if (saved === undefined) delete process.env.CROSSLINE_CJK_FONT;
    else process.env.CROSSLINE_CJK_FONT = saved;
  });

  it("refuses without a font with Chinese glyphs, saying what to install", async () => {
    process.env.CROSSLINE_CJK_FONT = "/nonexistent/font.ttc";
    expect(findCjkFont()).toBeNull();
    const err = await newCjkPdf({ size: "A4" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(JSON.stringify((err as AppError).details)).toMatch(/fonts-wqy-microhei.*CROSSLINE_CJK_FONT/);
  });

  it("makes a PDF with Chinese text once a font is found", async () => {
    delete process.env.CROSSLINE_CJK_FONT;
    const font = findCjkFont();
    // CI installs fonts-wqy-microhei (.ci/run); on a machine without any CJK font there is nothing to show
    if (!font) throw new Error("no CJK font on this machine: apt-get install fonts-wqy-microhei");
    const { doc, bytes } = await newCjkPdf({ size: "A4", info: { Title: "案件 case" } });
    doc.text("网络犯罪案件状况报告 / status report on cybercrime cases");
    doc.end();
    const pdf = await bytes;
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdf.length).toBeGreaterThan(1000);
  });
});
