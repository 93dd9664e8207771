import type {
  FugitiveDetail,
  FugitiveListView,
  FugitiveReportView,
  ReceivedEntryView,
  ReportEvidence,
} from "@crossline/schemas";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  auditLog,
  blobChunks,
  blobs,
  fugitiveCopies,
  fugitivePhotos,
  fugitiveReportEvidence,
  fugitiveReports,
} from "../../src/db/schema/index.js";
import { systemClock } from "../../src/lib/clock.js";
import { createBlobPort } from "../../src/modules/federation/federation.directory.js";
import { fugitiveNamed, JPEG_HEAD, PNG_1X1 } from "../support/fugitives-fixtures.js";
import { call, changeRetention } from "../support/lawful.js";
import { type Agent, describeDb, type TestNode } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";
import { waitFor } from "../support/wait.js";

const CN = "CN-MPS";
const US = "US-DOJ";
const LEASE = Buffer.from("%PDF-1.4\n% fictitious lease of 12 Example Street\n%%EOF\n");
const SIGHTING = Buffer.from(PNG_1X1, "base64");

/** The bytes a node holds of a blob: its row and its chunks, read from the tables. */
async function held(node: TestNode, origin: string, id: string) {
  const db = node.rt.services.db;
  const rows = await db
    .select({ id: blobs.id })
    .from(blobs)
    .where(and(eq(blobs.origin, origin), eq(blobs.id, id)));
  const chunks = await db
    .select({ idx: blobChunks.idx })
    .from(blobChunks)
    .where(and(eq(blobChunks.origin, origin), eq(blobChunks.blobId, id)));
  return { rows: rows.length, chunks: chunks.length };
}
const gone = { rows: 0, chunks: 0 };
const kept = { rows: 1, chunks: 1 };

/**
 * Two real nodes (signed envelopes over HTTP, chunked attachments): erasing personal data erases the files
 * holding it, bytes included, in the erasure's transaction, and audited; other records' files stay.
 * - the owner (CN-MPS) erasing a fugitive record at the end of its retention: its photos and the evidence files
 *   of the peer's reports on it;
 * - the peer (US-DOJ) whose copy of an entry loses its content, by the owner's tombstone or at the end of the
 *   copy's own retention: the photos received with it (unless another copy still names them), the evidence
 *   files it uploaded for its reports on the entry.
 */
describeDb("erasure deletes the photos and evidence files of the erased records", () => {
  let pair: PairedNodes;
  let cnNode: TestNode;
  let usNode: TestNode;
  let cn: Agent;
  let us: Agent;
  /** A: on both lists, closed then erased at CN; B: on the first list, removed from it (the tombstone). */
  const f = {} as Record<"a" | "b", FugitiveDetail>;
  const photo = {} as Record<"a" | "b", string>;
  /** The entries at US: A on list 1 and list 2, B on list 1. */
  const entry = {} as Record<"a1" | "a2" | "b1", string>;
  const evidence = {} as Record<"a" | "b", string[]>;
  let list1: FugitiveListView;

  beforeAll(async () => {
    pair = await pairedNodes({
      timeZones: ["Asia/Shanghai", "America/New_York"],
      settings: { fedPollMs: 25, fedBackoffBaseMs: 50, fedBackoffMaxMs: 400 },
    });
    cnNode = pair.cn;
    usNode = pair.us;
    await cnNode.user("er.cn", ["fugitive_asset"]);
    await usNode.user("er.us", ["fugitive_asset"]);
    cn = await cnNode.as("er.cn");
    us = await usNode.as("er.us");
    // US keeps received fugitive entries for 0 years: each copy is due for erasure once stored.
    const usAdmin = await usNode.as("admin");
    await changeRetention(usAdmin, (p) => ({ ...p, sharedTypes: { "fugitive.entry": 0 } }));

    for (const [k, name, bytes] of [
      ["a", "罗志坚", PNG_1X1],
      ["b", "吴海峰", JPEG_HEAD],
    ] as const) {
      f[k] = (
        await call<{ fugitive: FugitiveDetail }>(
          cn,
          "POST",
          "/api/v1/fugitives",
          fugitiveNamed(name, { flightDate: "2013-09" }),
          201,
        )
      ).fugitive;
      f[k] = (
        await call<{ fugitive: FugitiveDetail }>(
          cn,
          "POST",
          `/api/v1/fugitives/${f[k].id}/photos`,
          { name: `${k}.img`, contentBase64: bytes },
          201,
        )
      ).fugitive;
      photo[k] = f[k].photos[0]?.id as string;
    }
    const publish = async (name: string, members: FugitiveDetail[]) => {
      const l = (
        await call<{ list: FugitiveListView }>(
          cn,
          "POST",
          "/api/v1/fugitive-lists",
          { name: { lang: "en", text: name } },
          201,
        )
      ).list;
      for (const [i, m] of members.entries())
        await call(cn, "POST", `/api/v1/fugitive-lists/${l.id}/entries`, { fugitiveId: m.id, number: i + 1 });
      return (
        await call<{ list: FugitiveListView }>(cn, "POST", `/api/v1/fugitive-lists/${l.id}/publish`, {
          recipients: [US],
          marking: { tlp: "AMBER" },
        })
      ).list;
    };
    list1 = await publish("Erasure list 1", [f.a, f.b]);
    const list2 = await publish("Erasure list 2", [f.a]);
    entry.a1 = list1.entries[0]?.entryId as string;
    entry.b1 = list1.entries[1]?.entryId as string;
    entry.a2 = list2.entries[0]?.entryId as string;
    await waitFor("US holds the three entries with their photos", async () => {
      const items = (await call<{ items: ReceivedEntryView[] }>(us, "GET", "/api/v1/fugitive-lists/received"))
        .items;
      return Object.values(entry).every((id) => items.find((x) => x.entryId === id)?.photos.length === 1);
    });

    // US reports on A (list 1) and on B, each with two evidence files.
    for (const [k, e] of [
      ["a", entry.a1],
      ["b", entry.b1],
    ] as const) {
      const ids: string[] = [];
      for (const [name, bytes] of [
        [`${k}-lease.pdf`, LEASE],
        [`${k}-sighting.png`, SIGHTING],
      ] as const) {
        const up = await call<{ evidence: ReportEvidence }>(
          us,
          "POST",
          `/api/v1/fugitive-lists/received/${e}/evidence`,
          { name, contentBase64: bytes.toString("base64") },
          201,
        );
        ids.push(up.evidence.id);
      }
      evidence[k] = ids;
      await call(
        us,
        "POST",
        `/api/v1/fugitive-lists/received/${e}/reports`,
        {
          kind: "sighting",
          date: "2026-11-28",
          place: "Flushing, New York",
          text: { lang: "en", text: `Seen at 12 Example Street (fictitious), ${k}.` },
          evidenceIds: ids,
        },
        201,
      );
    }
    await waitFor("CN holds both reports with their files", async () => {
      const rows = await cnNode.rt.services.db
        .select()
        .from(fugitiveReportEvidence)
        .where(inArray(fugitiveReportEvidence.id, [...evidence.a, ...evidence.b]));
      return rows.length === 4;
    });
    // A's record is closed (its retention starts); the entries' new version reaches US.
    const closed = await call<{ fugitive: FugitiveDetail }>(cn, "PATCH", `/api/v1/fugitives/${f.a.id}`, {
      version: f.a.version,
      status: "closed",
    });
    expect(closed.fugitive.status).toBe("closed");
    await waitFor("US holds A's entries as closed", async () => {
      const items = (await call<{ items: ReceivedEntryView[] }>(us, "GET", "/api/v1/fugitive-lists/received"))
        .items;
      return [entry.a1, entry.a2].every((id) => items.find((x) => x.entryId === id)?.status === "closed");
    });
  }, 360_000);
  afterAll(() => pair?.close());

  const usAudit = async (targetId: string, action: string) =>
    (await usNode.rt.services.db.select().from(auditLog).where(eq(auditLog.targetId, targetId))).filter(
      (a) => a.action === action,
    );

  it("the peer's copy erased at the end of its retention: a photo another copy names stays", async () => {
    const reviewerName = "er.us.legal";
    await usNode.user(reviewerName, ["legal_reviewer"]);
    const reviewer = await usNode.as(reviewerName);
    const r = await reviewer.req("POST", `/api/v1/lawful/records/shared_object/${entry.a2}/erase`, {});
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const [copy] = await usNode.rt.services.db
      .select()
      .from(fugitiveCopies)
      .where(eq(fugitiveCopies.entryId, entry.a2));
    expect(copy?.content).toBeNull();
    // The list 1 copy still names A's photo: its bytes stay and are served.
    expect(await held(usNode, CN, photo.a)).toEqual(kept);
    expect(
      (await us.req("GET", `/api/v1/fugitive-lists/received/${entry.a1}/photos/${photo.a}`)).status,
    ).toBe(200);
    expect(
      (await us.req("GET", `/api/v1/fugitive-lists/received/${entry.a2}/photos/${photo.a}`)).status,
    ).toBe(404);
    const [a] = await usAudit(entry.a2, "fugitive.copy_erased");
    expect(a?.details).toMatchObject({
      cause: "erased",
      ownerNode: CN,
      photos: [],
      evidence: [],
      stillNamedByAnotherCopy: [photo.a],
    });
  });

  it("the owner's tombstone erases the copy's photo and the evidence files the peer sent on it", async () => {
    await call(cn, "DELETE", `/api/v1/fugitive-lists/${list1.id}/entries/${f.b.id}`);
    await waitFor("US erased B's copy", async () => (await usAudit(entry.b1, "fugitive.copy_erased")).length);
    // B's bytes are gone at US: the photo received from CN, the evidence files it uploaded (rows and bytes).
    expect(await held(usNode, CN, photo.b)).toEqual(gone);
    for (const id of evidence.b) expect(await held(usNode, US, id)).toEqual(gone);
    const db = usNode.rt.services.db;
    expect(
      await db.select().from(fugitiveReportEvidence).where(inArray(fugitiveReportEvidence.id, evidence.b)),
    ).toEqual([]);
    const [report] = await db.select().from(fugitiveReports).where(eq(fugitiveReports.entryId, entry.b1));
    expect(report).toMatchObject({ place: null, text: { lang: "en", text: "[erased]" } });
    expect(
      (await us.req("GET", `/api/v1/fugitive-lists/received/${entry.b1}/photos/${photo.b}`)).status,
    ).toBe(404);
    const [a] = await usAudit(entry.b1, "fugitive.copy_erased");
    expect(a?.details).toMatchObject({
      cause: "withdrawn",
      photos: [photo.b],
      evidence: [...evidence.b].sort(),
      kept: [],
      reports: 1,
    });
    // A's files stay at US; B's stay at CN (only its entry was withdrawn, the record is not erased).
    expect(await held(usNode, CN, photo.a)).toEqual(kept);
    for (const id of evidence.a) expect(await held(usNode, US, id)).toEqual(kept);
    expect(await held(cnNode, CN, photo.b)).toEqual(kept);
    for (const id of evidence.b) expect(await held(cnNode, US, id)).toEqual(kept);
    expect((await cn.req("GET", `/api/v1/fugitives/${f.b.id}/evidence/${evidence.b[0]}`)).status).toBe(200);
  });

  it("the owner erasing a record at the end of its retention erases its photos and the reports' files", async () => {
    await cnNode.user("er.cn.legal", ["legal_reviewer"]);
    const reviewer = await cnNode.as("er.cn.legal");
    const admin = await cnNode.as("admin");
    await changeRetention(admin, (p) => ({
      ...p,
      kinds: { ...p.kinds, fugitive_entry: { retentionYears: 0, reviewMonths: 12, action: "anonymise" } },
    }));
    await cnNode.rt.services.lawful.runDailyJob({ force: true });
    const r = await reviewer.req("POST", `/api/v1/lawful/records/fugitive_entry/${f.a.id}/erase`, {
      note: "Retention ended",
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);

    const db = cnNode.rt.services.db;
    // A's photo (bytes of CN) and the evidence files US sent on A (bytes of US) are gone, rows and bytes.
    expect(await held(cnNode, CN, photo.a)).toEqual(gone);
    for (const id of evidence.a) expect(await held(cnNode, US, id)).toEqual(gone);
    expect(await db.select().from(fugitivePhotos).where(eq(fugitivePhotos.fugitiveId, f.a.id))).toEqual([]);
    expect(
      await db.select().from(fugitiveReportEvidence).where(eq(fugitiveReportEvidence.fugitiveId, f.a.id)),
    ).toEqual([]);
    const reports = await db.select().from(fugitiveReports).where(eq(fugitiveReports.fugitiveId, f.a.id));
    expect(reports.map((x) => [x.place, x.text.text])).toEqual([[null, "[erased]"]]);
    // Over HTTP: not found.
    expect((await cn.req("GET", `/api/v1/fugitives/${f.a.id}/photos/${photo.a}`)).status).toBe(404);
    for (const id of evidence.a)
      expect((await cn.req("GET", `/api/v1/fugitives/${f.a.id}/evidence/${id}`)).status).toBe(404);
    const detail = (
      await call<{ fugitive: FugitiveDetail & { timeline?: unknown } }>(
        cn,
        "GET",
        `/api/v1/fugitives/${f.a.id}`,
      )
    ).fugitive;
    expect(detail.photos).toEqual([]);
    expect(JSON.stringify(detail)).not.toContain("Example Street");
    // The audit entry of the erasure says which files went.
    const [audit] = (await db.select().from(auditLog).where(eq(auditLog.targetId, f.a.id))).filter(
      (a) => a.action === "lawful.anonymise",
    );
    expect(audit?.details).toMatchObject({
      files: { photos: [photo.a], evidence: [...evidence.a].sort(), kept: [], reports: 1 },
    });
    // B's record keeps its photo and the files of its report.
    expect(await held(cnNode, CN, photo.b)).toEqual(kept);
    expect((await cn.req("GET", `/api/v1/fugitives/${f.b.id}/photos/${photo.b}`)).status).toBe(200);
    for (const id of evidence.b) {
      expect(await held(cnNode, US, id)).toEqual(kept);
      expect((await cn.req("GET", `/api/v1/fugitives/${f.b.id}/evidence/${id}`)).status).toBe(200);
    }
    const bReports = await db.select().from(fugitiveReports).where(eq(fugitiveReports.fugitiveId, f.b.id));
    expect(bReports.map((x) => x.place)).toEqual(["Flushing, New York"]);
  });

  it("the peer's last copy naming the photo erased: the photo's bytes and its evidence files go", async () => {
    const reviewer = await usNode.as("er.us.legal");
    const r = await reviewer.req("POST", `/api/v1/lawful/records/shared_object/${entry.a1}/erase`, {});
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(await held(usNode, CN, photo.a)).toEqual(gone);
    for (const id of evidence.a) expect(await held(usNode, US, id)).toEqual(gone);
    const [a] = await usAudit(entry.a1, "fugitive.copy_erased");
    expect(a?.details).toMatchObject({
      cause: "erased",
      photos: [photo.a],
      evidence: [...evidence.a].sort(),
      reports: 1,
    });
    const view = (
      await call<{ items: ReceivedEntryView[] }>(us, "GET", "/api/v1/fugitive-lists/received")
    ).items.find((x) => x.entryId === entry.a1);
    expect(view?.fields).toBeNull();
    expect(view?.reports.map((x: FugitiveReportView) => [x.place ?? null, x.text.text, x.evidence])).toEqual([
      [null, "[erased]", []],
    ]);
  });

  it("keeps a photo an envelope still waiting for delivery carries: the link goes on", async () => {
    const c = (
      await call<{ fugitive: FugitiveDetail }>(
        cn,
        "POST",
        "/api/v1/fugitives",
        fugitiveNamed("郑建国", { flightDate: "2012-05" }),
        201,
      )
    ).fugitive;
    const added = await call<{ list: FugitiveListView }>(
      cn,
      "POST",
      `/api/v1/fugitive-lists/${list1.id}/entries`,
      { fugitiveId: c.id, number: 3 },
    );
    const entryC = added.list.entries.find((e) => e.fugitiveId === c.id)?.entryId as string;
    await waitFor("US holds C's entry", async () =>
      (await call<{ items: ReceivedEntryView[] }>(us, "GET", "/api/v1/fugitive-lists/received")).items.some(
        (x) => x.entryId === entryC,
      ),
    );
    // CN's delivery stops: the entry's next version, with the photo's bytes, waits in the outbox.
    await pair.stopDelivery(0);
    try {
      const withPhoto = (
        await call<{ fugitive: FugitiveDetail }>(
          cn,
          "POST",
          `/api/v1/fugitives/${c.id}/photos`,
          { name: "c.png", contentBase64: PNG_1X1 },
          201,
        )
      ).fugitive;
      const photoC = withPhoto.photos[0]?.id as string;
      await call(cn, "PATCH", `/api/v1/fugitives/${c.id}`, { version: withPhoto.version, status: "closed" });
      await cnNode.rt.services.lawful.runDailyJob({ force: true });
      const reviewer = await cnNode.as("er.cn.legal");
      const r = await reviewer.req("POST", `/api/v1/lawful/records/fugitive_entry/${c.id}/erase`, {});
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      // The record no longer shows it; its bytes wait for the envelope, as the audit entry says.
      expect((await cn.req("GET", `/api/v1/fugitives/${c.id}/photos/${photoC}`)).status).toBe(404);
      expect(await held(cnNode, CN, photoC)).toEqual(kept);
      const [audit] = (
        await cnNode.rt.services.db.select().from(auditLog).where(eq(auditLog.targetId, c.id))
      ).filter((a) => a.action === "lawful.anonymise");
      expect(audit?.details).toMatchObject({ files: { photos: [], kept: [photoC] } });
      // Kept, but marked for erasure: no reader here gets it any more (the envelope reads its chunks itself).
      const db = cnNode.rt.services.db;
      const [marked] = await db
        .select({ at: blobs.eraseRequestedAt })
        .from(blobs)
        .where(and(eq(blobs.origin, CN), eq(blobs.id, photoC)));
      expect(marked?.at).toBeInstanceOf(Date);
      expect(await createBlobPort(db, systemClock).findBlob([CN], photoC)).toBeNull();
      // The sweep leaves it while the envelope waits.
      expect(await cnNode.rt.services.federationService.eraseReleasedBlobs()).toBe(0);
      expect(await held(cnNode, CN, photoC)).toEqual(kept);
      pair.startDelivery(0);
      await waitFor("the entry's version with the photo reaches US", async () =>
        (await call<{ items: ReceivedEntryView[] }>(us, "GET", "/api/v1/fugitive-lists/received")).items.some(
          (x) => x.entryId === entryC && x.photos.some((p) => p.id === photoC),
        ),
      );
      // Delivered: the federation worker's sweep erases the bytes, row and chunks, audited once with their ids.
      await waitFor(
        "CN erased the photo's bytes after delivery",
        async () => (await held(cnNode, CN, photoC)).rows === 0,
      );
      expect(await held(cnNode, CN, photoC)).toEqual(gone);
      const swept = (
        await db.select().from(auditLog).where(eq(auditLog.action, "federation.attachment.erased"))
      )
        .map((a) => a.details as { erased: { origin: string; ids: string[] }[] })
        .flatMap((d) => d.erased);
      expect(swept).toContainEqual({ origin: CN, ids: [photoC] });
    } finally {
      pair.startDelivery(0);
    }
  });
});
