import { label, type OutcomeExport, type OutcomeVerification, readableInZone } from "@crossline/schemas";
import { newCjkPdf, type Pdf } from "../../lib/pdfkit.js";

/**
 * PDFs of the rounds module, set in the CJK font (newCjkPdf): the outcome list for
 * publication (English and Chinese side by side, each signature's key fingerprint and check), and the
 * progress report's pages (rounds.progress.ts) with bar charts drawn as rectangles.
 */

/** A new A4 document on the CJK font, and the promise of its bytes once `end()` is called. */
export async function newPdf(title: string): Promise<{ doc: Pdf; bytes: Promise<Buffer> }> {
  return newCjkPdf({ size: "A4", margin: 42, info: { Title: title } });
}

/** Two columns of text on one row, the page broken before a row that would not fit. */
export function twoColumns(doc: Pdf, left: string, right: string, size = 10, n?: number) {
  const x0 = doc.page.margins.left;
  const numW = n === undefined ? 0 : 22;
  const w = (doc.page.width - doc.page.margins.left - doc.page.margins.right - numW) / 2;
  doc.fontSize(size);
  const h =
    Math.max(doc.heightOfString(left, { width: w - 8 }), doc.heightOfString(right, { width: w - 8 })) + 8;
  if (doc.y + h > doc.page.height - doc.page.margins.bottom) doc.addPage();
  const y = doc.y;
  if (n !== undefined) doc.text(`${n}.`, x0, y + 4, { width: numW });
  doc.text(left, x0 + numW, y + 4, { width: w - 8 });
  doc.text(right, x0 + numW + w, y + 4, { width: w - 8 });
  doc
    .moveTo(x0, y + h)
    .lineTo(x0 + numW + 2 * w, y + h)
    .lineWidth(0.3)
    .stroke();
  doc.x = x0;
  doc.y = y + h;
}

/**
 * One signature's line under the list: the signer, the check, when it signed on the reader's clock with the
 * offset (the export's JSON keeps the signed instant), the key and its fingerprint.
 */
export function signatureLine(
  s: OutcomeVerification["signatures"][number],
  sig: OutcomeExport["signatures"][number] | undefined,
  timeZone: string,
): string {
  const signed = sig
    ? ` · ${readableInZone(new Date(sig.signedAt), timeZone)} · key ${s.kid} · fingerprint (RFC 7638) ${s.keyFingerprint || sig.keyFingerprint}`
    : "";
  return `${s.node}: ${s.check}${signed}`;
}

export async function outcomePdf(
  e: OutcomeExport,
  v: OutcomeVerification,
  timeZone: string,
): Promise<Buffer> {
  const d = e.document;
  const { doc, bytes } = await newPdf(`Joint outcome list / 成果清单 — ${d.roundName.en}`);
  doc.fontSize(15).text(`Joint list of outcomes · 成果清单`);
  doc.fontSize(11).text(`${d.roundName.en} · ${d.roundName.zh}`);
  doc
    .fontSize(8.5)
    .text(
      `Round ${d.roundNumber} · ${d.hostNode} / ${d.guestNode} · list ${d.listId} (no. ${d.seq}, version ${d.listVersion})${d.replaces ? ` · replaces ${d.replaces}` : ""}`,
    );
  const state = v.valid ? "final" : "draft";
  doc.text(`${label("outcomeListState", state, "en")} · ${label("outcomeListState", state, "zh-CN")}`);
  doc.moveDown(0.6);
  twoColumns(doc, "English", "中文", 9, undefined);
  for (const i of d.items) twoColumns(doc, i.en, i.zh, 10, i.n);
  doc.moveDown(1);
  doc.fontSize(10).text("Signatures · 签名");
  doc.fontSize(8);
  for (const s of v.signatures)
    doc.text(
      signatureLine(
        s,
        e.signatures.find((x) => x.node === s.node),
        timeZone,
      ),
    );
  doc.moveDown(0.5);
  doc.text(
    "Verify offline: crossline rounds verify <export.json> · 离线验证：crossline rounds verify <导出的 JSON 文件>",
  );
  doc.end();
  return bytes;
}

/** A horizontal bar chart: one bar per (label, value), scaled to the largest value. */
export function barChart(doc: Pdf, title: string, bars: { label: string; value: number }[]) {
  const x0 = doc.page.margins.left;
  const labelW = 170;
  const maxW = doc.page.width - doc.page.margins.left - doc.page.margins.right - labelW - 40;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const needed = 18 + bars.length * 14;
  if (doc.y + needed > doc.page.height - doc.page.margins.bottom) doc.addPage();
  doc.fontSize(10).text(title, x0, doc.y);
  doc.moveDown(0.2);
  for (const b of bars) {
    const y = doc.y;
    doc.fontSize(8).text(b.label, x0, y + 1, { width: labelW - 6, lineBreak: false, ellipsis: true });
    const w = Math.max(1, (b.value / max) * maxW);
    doc.rect(x0 + labelW, y + 1, w, 9).fill("#4a6fa5");
    doc.fillColor("black").text(String(b.value), x0 + labelW + w + 4, y + 1, { lineBreak: false });
    doc.x = x0;
    doc.y = y + 14;
  }
  doc.moveDown(0.5);
}
