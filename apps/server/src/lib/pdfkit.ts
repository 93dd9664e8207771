import { existsSync } from "node:fs";
import type PDFDocument from "pdfkit";
import { AppError } from "./errors.js";

export type Pdf = InstanceType<typeof PDFDocument>;

let loading: Promise<typeof PDFDocument> | undefined;

/**
 * pdfkit, loaded when the first PDF is made rather than when every process starts (it took 0.23 s of each
 * node's and each CLI command's start-up, for a package most processes never use).
 */
export function loadPdfKit(): Promise<typeof PDFDocument> {
  loading ??= import("pdfkit").then((m) => m.default);
  return loading;
}

/** Where a CJK font may be: Debian's fonts-wqy-microhei, fonts-wqy-zenhei, fonts-noto-cjk. */
const CJK_FONTS: { path: string; family?: string }[] = [
  { path: "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", family: "WenQuanYiMicroHei" },
  { path: "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", family: "WenQuanYiZenHei" },
  { path: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", family: "NotoSansCJKsc-Regular" },
  { path: "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf" },
];

/** The font every PDF is set in (it has Chinese glyphs): `CROSSLINE_CJK_FONT` if set, else a Debian font. */
export function findCjkFont(env: NodeJS.ProcessEnv = process.env): { path: string; family?: string } | null {
  const override = env.CROSSLINE_CJK_FONT;
  if (override)
    return existsSync(override) ? { path: override, family: env.CROSSLINE_CJK_FONT_FAMILY } : null;
  return CJK_FONTS.find((f) => existsSync(f.path)) ?? null;
}

/**
 * A new PDF document set in the CJK font, and the promise of its bytes once `end()` is called: how every
 * export (reports, rounds, person records) starts a PDF. Without a CJK font on the machine it refuses with an
 * error that says what to install.
 */
export async function newCjkPdf(
  options: PDFKit.PDFDocumentOptions,
): Promise<{ doc: Pdf; bytes: Promise<Buffer> }> {
  const font = findCjkFont();
  if (!font) {
    throw new AppError("NODE_BUSY", [
      {
        issue:
          "PDF export needs a font with Chinese glyphs: install the Debian package fonts-wqy-microhei (or fonts-noto-cjk), or set CROSSLINE_CJK_FONT to a .ttf/.ttc file",
      },
    ]);
  }
  const doc = new (await loadPdfKit())(options);
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const bytes = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  doc.registerFont("cjk", font.path, font.family);
  doc.font("cjk");
  return { doc, bytes };
}
