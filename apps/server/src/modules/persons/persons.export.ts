import { LABELS, type Label, type PersonExport, type PersonName, readableInZone } from "@crossline/schemas";
import { newCjkPdf } from "../../lib/pdfkit.js";

/** Headings of the export, in both languages: a subject-access export is read by both sides. */
const H = {
  title: { en: "Personal data held on a person", "zh-CN": "所持个人信息" },
  node: { en: "Node", "zh-CN": "节点" },
  exportedAt: { en: "Exported at", "zh-CN": "导出时间" },
  identity: { en: "Identity", "zh-CN": "身份信息" },
  names: { en: "Names", "zh-CN": "姓名" },
  aliases: { en: "Aliases", "zh-CN": "别名" },
  dateOfBirth: { en: "Date of birth", "zh-CN": "出生日期" },
  sex: { en: "Sex", "zh-CN": "性别" },
  nationalities: { en: "Nationalities", "zh-CN": "国籍" },
  documents: { en: "Identity and travel documents", "zh-CN": "身份及旅行证件" },
  version: { en: "Version", "zh-CN": "版本" },
  restriction: { en: "Processing restricted", "zh-CN": "限制处理" },
  records: { en: "Records naming the person", "zh-CN": "提及该人员的记录" },
  history: { en: "Versions (rectifications)", "zh-CN": "版本（更正记录）" },
  access: { en: "Access log", "zh-CN": "访问日志" },
  none: { en: "none", "zh-CN": "无" },
} satisfies Record<string, Label>;

const both = (l: Label) => `${l.en} / ${l["zh-CN"]}`;
const labelBoth = (kind: keyof typeof LABELS, value: string) => {
  const l = (LABELS[kind] as Record<string, Label | undefined>)[value];
  return l ? both(l) : value;
};
const nameText = (n: PersonName) => (n.romanised ? `${n.original} (${n.romanised})` : n.original);

export interface ExportSection {
  heading: string;
  lines: string[];
}

/**
 * The export as headed sections of lines, each heading in English and Chinese (what the PDF prints); its instants
 * on the reader's clock with the offset ("2026-11-20 10:05 (UTC+08:00)"; the JSON export keeps UTC).
 */
export function personExportDocument(
  x: PersonExport,
  timeZone: string,
): {
  title: string;
  meta: string;
  sections: ExportSection[];
} {
  const p = x.person;
  const none = both(H.none);
  const list = (xs: string[]) => (xs.length ? xs : [none]);
  const at = (iso: string) => readableInZone(new Date(iso), timeZone);
  return {
    title: both(H.title),
    meta: `${both(H.node)}: ${x.nodeId} · ${both(H.exportedAt)}: ${at(x.exportedAt)}`,
    sections: [
      {
        heading: both(H.identity),
        lines: [
          `${both(H.names)}: ${p.names.map(nameText).join("; ")}`,
          `${both(H.aliases)}: ${p.aliases.length ? p.aliases.map(nameText).join("; ") : none}`,
          `${both(H.dateOfBirth)}: ${p.dateOfBirth ?? none}`,
          `${both(H.sex)}: ${p.sex ? labelBoth("sex", p.sex) : none}`,
          `${both(H.nationalities)}: ${p.nationalities.join(", ") || none}`,
          `${both(H.version)}: ${p.version}`,
          ...(p.restriction
            ? [`${both(H.restriction)}: ${p.restriction.reason} (${p.restriction.setAt})`]
            : []),
        ],
      },
      {
        heading: both(H.documents),
        lines: list(
          p.documents.map((d) =>
            [labelBoth("identityDocumentKind", d.kind), d.number, d.issuingCountry, d.expiresOn]
              .filter(Boolean)
              .join(" · "),
          ),
        ),
      },
      {
        heading: both(H.records),
        lines: list(
          x.records.map((r) =>
            [labelBoth("personRecordType", r.recordType), r.reference ?? r.recordId, r.title]
              .filter(Boolean)
              .join(" · "),
          ),
        ),
      },
      {
        heading: both(H.history),
        lines: list(
          x.history.map(
            (v) => `v${v.version} · ${at(v.changedAt)} · ${v.changedBy}${v.reason ? ` · ${v.reason}` : ""}`,
          ),
        ),
      },
      {
        heading: both(H.access),
        lines: list(
          x.accessLog.map(
            (a) =>
              `${at(a.at)} · ${a.actorLabel} · ${labelBoth("accessAction", a.action)} · ${labelBoth("personRecordType", a.recordType)}${a.reason ? ` · ${a.reason}` : ""}`,
          ),
        ),
      },
    ],
  };
}

/** The export as a PDF in both languages (newCjkPdf: needs a CJK font). */
export async function personExportPdf(x: PersonExport, timeZone: string): Promise<Buffer> {
  const d = personExportDocument(x, timeZone);
  const { doc, bytes: done } = await newCjkPdf({ size: "A4", margin: 48, info: { Title: d.title } });
  doc.fontSize(15).text(d.title);
  doc.moveDown(0.3);
  doc.fontSize(8.5).text(d.meta);
  for (const s of d.sections) {
    doc.moveDown(0.8);
    doc.fontSize(11).text(s.heading);
    doc.moveDown(0.2);
    doc.fontSize(9);
    for (const line of s.lines) doc.text(line);
  }
  doc.end();
  return done;
}
