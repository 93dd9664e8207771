import { createHash } from "node:crypto";
import type { FugitiveDetail, FugitiveListView, ReceivedEntryView, ReportEvidence } from "@crossline/schemas";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { accessLog, fugitiveReportEvidence, fugitiveReports } from "../../src/db/schema/index.js";
import { fugitiveNamed, PNG_1X1 } from "../support/fugitives-fixtures.js";
import { type Agent, describeDb, type TestNode } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";
import type { ApiError } from "../support/requests-fixtures.js";
import { waitFor } from "../support/wait.js";

const US = "US-DOJ";

/** A fictitious lease (a PDF by its first bytes) and a photo of a sighting. */
const LEASE = Buffer.from("%PDF-1.4\n% fictitious lease of 12 Example Street\n%%EOF\n");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function call<T>(a: Agent, method: string, url: string, body?: unknown, want = 200): Promise<T> {
  const r = await a.req<T>(method, url, body);
  if (r.status !== want) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Two real nodes (signed envelopes over HTTP, chunked attachments): the peer holding a shared fugitive entry
 * uploads evidence files and names them in its report; the files travel with the report as attachments of its
 * envelope, the owner sees them in the record's timeline and downloads them (each download in its access log).
 * A report naming a file that is not there (never uploaded, another entry's, already sent) is refused
 * EVIDENCE_MISSING naming it, and nothing of it is kept.
 */
describeDb("evidence files travel with a peer's report on a shared fugitive entry", () => {
  let pair: PairedNodes;
  let cn: Agent;
  let us: Agent;
  let usNode: TestNode;
  let cnNode: TestNode;
  let fugitive: FugitiveDetail;
  const entries: string[] = [];

  beforeAll(async () => {
    pair = await pairedNodes({
      timeZones: ["Asia/Shanghai", "America/New_York"],
      settings: { fedPollMs: 25, fedBackoffBaseMs: 50, fedBackoffMaxMs: 400 },
    });
    cnNode = pair.cn;
    usNode = pair.us;
    // In each node's first unit, which is also where received shared objects land (the intake unit).
    await cnNode.user("ev.cn", ["fugitive_asset"]);
    await usNode.user("ev.us", ["fugitive_asset"]);
    cn = await cnNode.as("ev.cn");
    us = await usNode.as("ev.us");
    // Two fugitives on one list published to US-DOJ.
    const list = (
      await call<{ list: FugitiveListView }>(
        cn,
        "POST",
        "/api/v1/fugitive-lists",
        { name: { lang: "en", text: "Evidence list" } },
        201,
      )
    ).list;
    for (const [i, name] of ["罗志坚", "吴海峰"].entries()) {
      const f = (
        await call<{ fugitive: FugitiveDetail }>(
          cn,
          "POST",
          "/api/v1/fugitives",
          fugitiveNamed(name, { flightDate: "2013-09" }),
          201,
        )
      ).fugitive;
      if (i === 0) fugitive = f;
      await call(cn, "POST", `/api/v1/fugitive-lists/${list.id}/entries`, {
        fugitiveId: f.id,
        number: i + 1,
      });
    }
    const published = (
      await call<{ list: FugitiveListView }>(cn, "POST", `/api/v1/fugitive-lists/${list.id}/publish`, {
        recipients: [US],
        marking: { tlp: "AMBER" },
      })
    ).list;
    for (const e of published.entries) entries.push(e.entryId as string);
    await waitFor("US holds both entries", async () => {
      const held = await call<{ items: ReceivedEntryView[] }>(us, "GET", "/api/v1/fugitive-lists/received");
      return entries.every((id) => held.items.some((x) => x.entryId === id));
    });
  }, 360_000);
  afterAll(() => pair?.close());

  const upload = (entryId: string, name: string, bytes: Buffer) =>
    us.req<{ evidence: ReportEvidence }>("POST", `/api/v1/fugitive-lists/received/${entryId}/evidence`, {
      name,
      contentBase64: bytes.toString("base64"),
    });
  const sighting = (evidenceIds: string[]) => ({
    kind: "sighting",
    date: "2026-11-28",
    place: "Flushing, New York",
    text: { lang: "en", text: "Seen entering 12 Example Street (fictitious)." },
    evidenceIds,
  });
  const usReports = async () =>
    (await usNode.rt.services.db.select().from(fugitiveReports)).filter((r) => r.direction === "out").length;

  it("refuses a report naming a file that is not there, keeping nothing of it", async () => {
    const [entry, other] = entries as [string, string];
    const mine = await upload(entry, "lease.pdf", LEASE);
    expect(mine.status, JSON.stringify(mine.body)).toBe(201);
    expect(mine.body.evidence).toMatchObject({
      name: "lease.pdf",
      contentType: "application/pdf",
      sha256: sha(LEASE),
      size: LEASE.length,
    });
    const elsewhere = (await upload(other, "other.png", Buffer.from(PNG_1X1, "base64"))).body.evidence;
    const before = await usReports();

    const never = await us.req<ApiError>(
      "POST",
      `/api/v1/fugitive-lists/received/${entry}/reports`,
      sighting([mine.body.evidence.id, "0190a0c0-0000-7000-8000-000000000000"]),
    );
    expect(never.status).toBe(400);
    expect(never.body.error.code).toBe("EVIDENCE_MISSING");
    expect(never.body.error.details[0]?.field).toBe("body.evidenceIds.1");
    // A file uploaded for another entry is not this entry's evidence.
    const wrongEntry = await us.req<ApiError>(
      "POST",
      `/api/v1/fugitive-lists/received/${entry}/reports`,
      sighting([elsewhere.id]),
    );
    expect(wrongEntry.status).toBe(400);
    expect(wrongEntry.body.error).toMatchObject({ code: "EVIDENCE_MISSING" });
    expect(wrongEntry.body.error.details[0]?.field).toBe("body.evidenceIds.0");
    const twice = await us.req<ApiError>(
      "POST",
      `/api/v1/fugitive-lists/received/${entry}/reports`,
      sighting([mine.body.evidence.id, mine.body.evidence.id]),
    );
    expect(twice.status).toBe(400);
    expect(twice.body.error.details[0]?.field).toBe("body.evidenceIds.1");
    // Nothing kept: no report, and the file is still free for a report.
    expect(await usReports()).toBe(before);
    const [row] = await usNode.rt.services.db
      .select()
      .from(fugitiveReportEvidence)
      .where(eq(fugitiveReportEvidence.id, mine.body.evidence.id));
    expect(row?.reportId).toBeNull();

    // Bad files: not base64, another unit's entry.
    const bad = await us.req<ApiError>("POST", `/api/v1/fugitive-lists/received/${entry}/evidence`, {
      name: "x.bin",
      contentBase64: "not base64!",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]?.field).toBe("body.contentBase64");
    const other2 = await usNode.unit("Other unit");
    await usNode.user("ev.other", ["fugitive_asset"], other2);
    const stranger = await usNode.as("ev.other");
    expect(
      (
        await stranger.req("POST", `/api/v1/fugitive-lists/received/${entry}/evidence`, {
          name: "x.pdf",
          contentBase64: LEASE.toString("base64"),
        })
      ).status,
    ).toBe(404);
  }, 120_000);

  it("sends the files with the report; the owner sees them in the timeline and downloads them, logged", async () => {
    const entry = entries[0] as string;
    const photo = Buffer.from(PNG_1X1, "base64");
    // The lease uploaded in the test above is still free; a photo of the sighting joins it.
    const free = await usNode.rt.services.db
      .select()
      .from(fugitiveReportEvidence)
      .where(eq(fugitiveReportEvidence.entryId, entry));
    const lease = free.find((x) => x.name === "lease.pdf" && !x.reportId);
    expect(lease).toBeDefined();
    const shot = (await upload(entry, "sighting.png", photo)).body.evidence;
    const sent = await us.req<{ reportId: string }>(
      "POST",
      `/api/v1/fugitive-lists/received/${entry}/reports`,
      sighting([lease?.id as string, shot.id]),
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    // Our side lists the report with its files; a file sent once is not sent again.
    const ours = (
      await call<{ items: ReceivedEntryView[] }>(us, "GET", "/api/v1/fugitive-lists/received")
    ).items
      .find((x) => x.entryId === entry)
      ?.reports.find((r) => r.id === sent.body.reportId);
    expect(ours?.evidence.map((x) => x.name)).toEqual(["lease.pdf", "sighting.png"]);
    // The sender reads back the files it sent, from the bytes it kept (each read in its own access log).
    const mine = await us.req("GET", `/api/v1/fugitive-lists/received/${entry}/evidence/${lease?.id}`);
    expect(mine.status).toBe(200);
    expect(mine.headers["content-type"]).toBe("application/pdf");
    expect(mine.headers["x-content-sha256"]).toBe(sha(LEASE));
    expect(String(mine.headers["content-disposition"])).toContain("lease.pdf");
    const bytes = await usNode.rt.app.inject({
      method: "GET",
      url: `/api/v1/fugitive-lists/received/${entry}/evidence/${lease?.id}`,
      headers: { ...us.headers, cookie: us.cookie ?? "" },
    });
    expect(bytes.rawPayload.equals(LEASE)).toBe(true);
    const shotBack = await us.req("GET", `/api/v1/fugitive-lists/received/${entry}/evidence/${shot.id}`);
    expect(shotBack.headers["content-type"]).toBe("image/png");
    const readBack = await waitFor("the read-back in US's access log", async () => {
      const rows = await usNode.rt.services.db
        .select()
        .from(accessLog)
        .where(and(eq(accessLog.recordId, entry), eq(accessLog.action, "download")));
      return rows.length >= 2 && rows;
    });
    expect(readBack[0]).toMatchObject({ recordType: "shared_object" });
    // Another entry's path, another unit of the sending node: not found.
    expect(
      (await us.req("GET", `/api/v1/fugitive-lists/received/${entries[1]}/evidence/${lease?.id}`)).status,
    ).toBe(404);
    const strangerUs = await usNode.as("ev.other");
    expect(
      (await strangerUs.req("GET", `/api/v1/fugitive-lists/received/${entry}/evidence/${lease?.id}`)).status,
    ).toBe(404);
    const again = await us.req<ApiError>(
      "POST",
      `/api/v1/fugitive-lists/received/${entry}/reports`,
      sighting([shot.id]),
    );
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe("EVIDENCE_MISSING");

    // The owner: the report in the record's timeline, with both files.
    const item = await waitFor("CN's timeline has the report with its evidence", async () => {
      const f = await call<{ fugitive: FugitiveDetail }>(cn, "GET", `/api/v1/fugitives/${fugitive.id}`);
      return f.fugitive.timeline.find((x) => x.report?.id === sent.body.reportId);
    });
    expect(item.report?.evidence).toEqual([
      {
        id: lease?.id,
        name: "lease.pdf",
        contentType: "application/pdf",
        sha256: sha(LEASE),
        size: LEASE.length,
      },
      { id: shot.id, name: "sighting.png", contentType: "image/png", sha256: sha(photo), size: photo.length },
    ]);
    const got = await cn.req("GET", `/api/v1/fugitives/${fugitive.id}/evidence/${lease?.id}`);
    expect(got.status).toBe(200);
    expect(got.headers["content-type"]).toBe("application/pdf");
    expect(got.headers["x-content-sha256"]).toBe(sha(LEASE));
    expect(String(got.headers["content-disposition"])).toContain("attachment");
    // The download is a read of the fugitive's personal data, in the owner's access log (written behind).
    const logged = await waitFor("the download in CN's access log", async () => {
      const rows = await cnNode.rt.services.db
        .select()
        .from(accessLog)
        .where(and(eq(accessLog.recordId, fugitive.id), eq(accessLog.action, "download")));
      return rows.length > 0 && rows;
    });
    expect(logged[0]).toMatchObject({ recordType: "fugitive", personId: fugitive.personId });

    // Need to know at the owner: another unit, or a file of another record, is not found.
    const cnOther = await cnNode.unit("Other unit");
    await cnNode.user("ev.cn.other", ["fugitive_asset"], cnOther);
    const outsider = await cnNode.as("ev.cn.other");
    expect((await outsider.req("GET", `/api/v1/fugitives/${fugitive.id}/evidence/${shot.id}`)).status).toBe(
      404,
    );
    const otherRecord = (
      await call<{ fugitive: FugitiveDetail }>(cn, "POST", "/api/v1/fugitives", fugitiveNamed("郑明"), 201)
    ).fugitive;
    expect((await cn.req("GET", `/api/v1/fugitives/${otherRecord.id}/evidence/${shot.id}`)).status).toBe(404);
  }, 180_000);
});
