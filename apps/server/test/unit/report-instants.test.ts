import type { CaseStatusReport, ProgressReport } from "@crossline/schemas";
import { describe, expect, it } from "vitest";
import { caseReportDocument } from "../../src/modules/cases/cases.report.js";
import { figuresPeriod } from "../../src/modules/providers/notices.figures.js";
import { signatureLine } from "../../src/modules/rounds/rounds.export.js";
import { progressSubtitle } from "../../src/modules/rounds/rounds.progress.js";

/** An ISO 8601 date-time as the API carries it: what a person should never have to read in a report. */
const RAW = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

const caseReport: CaseStatusReport = {
  peer: "US-DOJ",
  from: "2026-11-01",
  to: "2026-11-30",
  timeZone: "Asia/Shanghai",
  generatedAt: "2026-11-30T16:30:00.000Z",
  totals: { own: 1, received: 0, open: 1, suspended: 0, closed: 0, updatedInPeriod: 1 },
  items: [
    {
      direction: "own",
      peerId: "US-DOJ",
      sharedObjectId: "so_0190a0c0-0000-7000-8000-000000000001",
      caseId: "0190a0c0-0000-7000-8000-000000000002",
      reference: "CN-2026-0001",
      title: { lang: "en", text: "Ransomware against a hospital (fictitious)" },
      category: "ransomware",
      status: "open",
      outcome: null,
      asks: null,
      version: 2,
      lastUpdate: "2026-11-20T02:05:00.000Z",
      withdrawn: false,
      updatedInPeriod: true,
    },
  ],
};

/**
 * The reports people download (CSV and PDF) give their instants on the reader's clock with the offset, as the
 * console does: the case status report's generation time and each case's last update, the progress report's
 * generation time and the notice figures' period. The API's JSON keeps UTC.
 */
describe("instants in downloaded reports", () => {
  it("the case status report: generated and last update on the reader's clock, in CSV and PDF alike", () => {
    const shanghai = caseReportDocument(caseReport, "zh-CN", "Asia/Shanghai");
    expect(shanghai.meta).toContain("生成时间: 2026-12-01 00:30 (UTC+08:00)");
    expect(shanghai.rows[0][7]).toBe("2026-11-20 10:05 (UTC+08:00)");
    const newYork = caseReportDocument(caseReport, "en", "America/New_York");
    expect(newYork.meta).toContain("Generated: 2026-11-30 11:30 (UTC-05:00)");
    expect(newYork.rows[0][7]).toBe("2026-11-19 21:05 (UTC-05:00)");
    // The period's days are the node's, whoever reads it: the report says on which calendar.
    expect(shanghai.meta).toContain("期间: 2026-11-01 – 2026-11-30 (日期按时区 Asia/Shanghai)");
    expect(newYork.meta).toContain("Period: 2026-11-01 – 2026-11-30 (days in Asia/Shanghai)");
    for (const d of [shanghai, newYork]) expect(JSON.stringify([d.meta, d.rows])).not.toMatch(RAW);
  });

  it("the progress report's PDF says when it was made on the reader's clock", () => {
    const r = {
      node: "CN-MPS",
      peer: "US-DOJ",
      from: "2026-11-01",
      to: "2026-11-30",
      generatedAt: "2026-11-30T16:30:00.000Z",
    } as ProgressReport;
    expect(progressSubtitle(r, "Asia/Shanghai")).toBe(
      "CN-MPS ⇄ US-DOJ · 2026-11-01 – 2026-11-30 · generated · 生成于 2026-12-01 00:30 (UTC+08:00)",
    );
    expect(progressSubtitle(r, "America/New_York")).not.toMatch(RAW);
  });

  it("the notice figures' period is on the reader's clock", () => {
    const f = { from: "2026-10-31T16:00:00.000Z", to: "2026-11-30T16:00:00.000Z", rows: [], overdue: [] };
    expect(figuresPeriod(f, "Asia/Shanghai")).toBe(
      "2026-11-01 00:00 (UTC+08:00) – 2026-12-01 00:00 (UTC+08:00)",
    );
    expect(figuresPeriod(f, "UTC")).toBe("2026-10-31 16:00 (UTC) – 2026-11-30 16:00 (UTC)");
  });

  it("the outcome list's PDF gives each signature's time on the reader's clock", () => {
    const check = { node: "CN-MPS", kid: "k1", keyFingerprint: "fp", check: "valid" as const };
    const signed = {
      node: "CN-MPS",
      kid: "k1",
      jws: "x.y.z",
      signedAt: "2026-11-22T08:30:00.000Z",
      keyFingerprint: "fp",
      publicKey: { kty: "OKP" as const, crv: "Ed25519" as const, x: "AA", kid: "k1" },
    };
    expect(signatureLine(check, signed, "Asia/Shanghai")).toBe(
      "CN-MPS: valid · 2026-11-22 16:30 (UTC+08:00) · key k1 · fingerprint (RFC 7638) fp",
    );
    expect(signatureLine(check, signed, "America/New_York")).not.toMatch(RAW);
    expect(signatureLine(check, undefined, "UTC")).toBe("CN-MPS: valid");
  });
});
