import type { FugitiveDetail, FugitiveListView, ReceivedEntryView, ReportEvidence } from "@crossline/schemas";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog, blobChunks, blobs, fugitiveReportEvidence } from "../../src/db/schema/index.js";
import { fugitiveNamed, PNG_1X1 } from "../support/fugitives-fixtures.js";
import { type Agent, describeDb } from "../support/node.js";
import { type ApiError, type TwoNodes, twoNodes } from "../support/requests-fixtures.js";

const HOUR = 3600_000;
const LEASE = Buffer.from("%PDF-1.4\n% fictitious lease\n%%EOF\n");

async function call<T>(a: Agent, method: string, url: string, body?: unknown, want = 200): Promise<T> {
  const r = await a.req<T>(method, url, body);
  if (r.status !== want) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Housekeeping of evidence files (fugitives.evidence.ts `sweepUnsent`, run hourly by the fugitives worker):
 * a file uploaded for a report on a peer's entry that no report took within the configured age (default 24 h)
 * is removed, its row and its bytes, audited; a file a report took, or a younger one, stays. Driven by the
 * test clock on two nodes paired through the in-process hub.
 */
describeDb("evidence files never sent in a report are removed after the configured age", () => {
  let t: TwoNodes;
  let us: Agent;
  let entryId = "";

  beforeAll(async () => {
    t = await twoNodes();
    await t.cn.user("sw.cn", ["fugitive_asset"]);
    await t.us.user("sw.us", ["fugitive_asset"]);
    const cn = await t.cn.as("sw.cn");
    us = await t.us.as("sw.us");
    const list = (
      await call<{ list: FugitiveListView }>(
        cn,
        "POST",
        "/api/v1/fugitive-lists",
        { name: { lang: "en", text: "Sweep list" } },
        201,
      )
    ).list;
    const f = (
      await call<{ fugitive: FugitiveDetail }>(cn, "POST", "/api/v1/fugitives", fugitiveNamed("罗志坚"), 201)
    ).fugitive;
    await call(cn, "POST", `/api/v1/fugitive-lists/${list.id}/entries`, { fugitiveId: f.id, number: 1 });
    const published = (
      await call<{ list: FugitiveListView }>(cn, "POST", `/api/v1/fugitive-lists/${list.id}/publish`, {
        recipients: ["US-DOJ"],
        marking: { tlp: "AMBER" },
      })
    ).list;
    entryId = published.entries[0]?.entryId as string;
    await t.hub.flush();
    const held = await call<{ items: ReceivedEntryView[] }>(us, "GET", "/api/v1/fugitive-lists/received");
    expect(held.items.map((x) => x.entryId)).toContain(entryId);
  }, 360_000);
  afterAll(() => t?.close());

  const upload = async (name: string, bytes: Buffer) =>
    (
      await call<{ evidence: ReportEvidence }>(
        us,
        "POST",
        `/api/v1/fugitive-lists/received/${entryId}/evidence`,
        { name, contentBase64: bytes.toString("base64") },
        201,
      )
    ).evidence;
  const rowsOf = async (ids: string[]) =>
    (
      await t.us.rt.services.db
        .select()
        .from(fugitiveReportEvidence)
        .where(inArray(fugitiveReportEvidence.id, ids))
    ).map((r) => r.id);
  const blobsOf = async (ids: string[]) => ({
    blobs: (await t.us.rt.services.db.select().from(blobs).where(inArray(blobs.id, ids))).map((b) => b.id),
    chunks: (await t.us.rt.services.db.select().from(blobChunks).where(inArray(blobChunks.blobId, ids))).map(
      (c) => c.blobId,
    ),
  });

  it("removes the unsent files older than 24 hours with their bytes, audited; sent and younger ones stay", async () => {
    const forgotten = await upload("forgotten.pdf", LEASE);
    const sent = await upload("sighting.png", Buffer.from(PNG_1X1, "base64"));
    await call(
      us,
      "POST",
      `/api/v1/fugitive-lists/received/${entryId}/reports`,
      {
        kind: "sighting",
        date: "2026-11-19",
        place: "Flushing, New York",
        text: { lang: "en", text: "Seen at 12 Example Street (fictitious)." },
        evidenceIds: [sent.id],
      },
      201,
    );
    const sweep = () => t.us.rt.services.fugitives.sweepUnsentEvidence();

    // 23 hours on: nothing is old enough yet.
    t.clock.advance(23 * HOUR);
    expect(await sweep()).toEqual({ discarded: 0 });
    // (A session lasts 12 hours: the officer signs in again.)
    us = await t.us.as("sw.us");
    const younger = await upload("later.pdf", LEASE);
    // 25 hours after the first uploads: the forgotten file goes, the sent one and the younger one stay.
    t.clock.advance(2 * HOUR);
    expect(await sweep()).toEqual({ discarded: 1 });
    us = await t.us.as("sw.us");
    const all = [forgotten.id, sent.id, younger.id];
    expect((await rowsOf(all)).sort()).toEqual([sent.id, younger.id].sort());
    const stored = await blobsOf(all);
    expect(stored.blobs.sort()).toEqual([sent.id, younger.id].sort());
    expect(stored.chunks).not.toContain(forgotten.id);
    const audits = await t.us.rt.services.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "fugitive.evidence_discard"), eq(auditLog.targetId, entryId)));
    expect(audits).toHaveLength(1);
    expect(audits[0]?.details).toMatchObject({
      evidenceId: forgotten.id,
      sha256: forgotten.sha256,
      size: forgotten.size,
      uploadedBy: expect.stringContaining("sw.us"),
    });
    // Gone for good: not read back, and a report naming it is refused EVIDENCE_MISSING.
    expect(
      (await us.req("GET", `/api/v1/fugitive-lists/received/${entryId}/evidence/${forgotten.id}`)).status,
    ).toBe(404);
    const late = await us.req<ApiError>("POST", `/api/v1/fugitive-lists/received/${entryId}/reports`, {
      kind: "other",
      date: "2026-11-20",
      text: { lang: "en", text: "Late report (fictitious)." },
      evidenceIds: [forgotten.id],
    });
    expect(late.status).toBe(400);
    expect(late.body.error.code).toBe("EVIDENCE_MISSING");
    // The sent file is still read back; a second sweep finds nothing more.
    expect(
      (await us.req("GET", `/api/v1/fugitive-lists/received/${entryId}/evidence/${sent.id}`)).status,
    ).toBe(200);
    expect(await sweep()).toEqual({ discarded: 0 });
  });
});
