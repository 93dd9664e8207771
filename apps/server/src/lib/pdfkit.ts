import type PDFDocument from "pdfkit";

let loading: Promise<typeof PDFDocument> | undefined;

/**
 * pdfkit, loaded when the first PDF is made rather than when every process starts (it took 0.23 s of each
 * node's and each CLI command's start-up, for a package most processes never use).
 */
export function loadPdfKit(): Promise<typeof PDFDocument> {
  loading ??= import("pdfkit").then((m) => m.default);
  return loading;
}
