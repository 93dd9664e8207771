import type { FugitiveDetail } from "@crossline/schemas";
import { FUGITIVE_PHOTO_MAX_BYTES } from "@crossline/schemas";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { accessLog, auditLog, blobs } from "../../src/db/schema/index.js";
import { fugitiveNamed, JPEG_HEAD, PNG_1X1 } from "../support/fugitives-fixtures.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";

type One = { fugitive: FugitiveDetail };
type Err = { error: { code: string; details: { field?: string; issue: string }[] } };

/**
 * Photos of fugitive records on one node: stored as federation blobs, checked to be images by their bytes, the
 * record's next version, shown only to the record's unit, every view in the access log, every upload audited.
 * (Photos travelling to a peer with the list entry: fugitives-photos-sharing.test.ts.)
 */
describeDb("fugitives: photos on a record", () => {
  let node: TestNode;
  let officer: Agent;
  let outsider: Agent;
  let caseOfficer: Agent;

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    const unitA = await node.unit("Fugitive unit");
    const unitB = await node.unit("Economic crime unit");
    await node.user("p.officer", ["fugitive_asset"], unitA);
    await node.user("p.case", ["case_officer"], unitA);
    await node.user("p.outsider", ["fugitive_asset"], unitB);
    officer = await node.as("p.officer");
    caseOfficer = await node.as("p.case");
    outsider = await node.as("p.outsider");
  }, 360_000);
  afterAll(() => node?.close());

  async function create(name: string) {
    const r = await officer.req<One>("POST", "/api/v1/fugitives", fugitiveNamed(name));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.fugitive;
  }
  const blobCount = async () => (await node.rt.services.db.select().from(blobs)).length;

  it("adds a photo: a blob with its SHA-256, the record's next version, audited; the bytes come back", async () => {
    const f = await create("周国华");
    const r = await officer.req<One>("POST", `/api/v1/fugitives/${f.id}/photos`, {
      name: "zhou-2014.png",
      contentBase64: PNG_1X1,
      alt: "Zhou Guohua, 2014 passport photo",
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const after = r.body.fugitive;
    expect(after.version).toBe(2);
    expect(after.photos).toHaveLength(1);
    const photo = after.photos[0] as FugitiveDetail["photos"][number];
    expect(photo).toMatchObject({
      name: "zhou-2014.png",
      contentType: "image/png",
      size: Buffer.from(PNG_1X1, "base64").length,
      alt: "Zhou Guohua, 2014 passport photo",
      uploadedBy: expect.any(String),
    });
    // A JPEG is recognised by its bytes as well (whatever its name says).
    const jpeg = await officer.req<One>("POST", `/api/v1/fugitives/${f.id}/photos`, {
      name: "scan.bin",
      contentBase64: JPEG_HEAD,
    });
    expect(jpeg.status).toBe(201);
    expect(jpeg.body.fugitive.photos.map((p) => p.contentType)).toEqual(["image/png", "image/jpeg"]);

    const got = await officer.req("GET", `/api/v1/fugitives/${f.id}/photos/${photo.id}`);
    expect(got.status).toBe(200);
    expect(got.headers["content-type"]).toBe("image/png");
    expect(got.headers["x-content-sha256"]).toBe(photo.sha256);
    expect(got.headers["cache-control"]).toBe("private, no-store");

    const history = await officer.req<{ items: { version: number; reason: string | null }[] }>(
      "GET",
      `/api/v1/fugitives/${f.id}/history`,
    );
    expect(history.body.items.map((v) => v.reason)).toEqual([
      null,
      "photo added: zhou-2014.png",
      "photo added: scan.bin",
    ]);
    const audits = await node.rt.services.db.select().from(auditLog).where(eq(auditLog.targetId, f.id));
    expect(audits.filter((a) => a.action === "fugitive.photo_add")).toHaveLength(2);
  });

  it("refuses a photo that is not an image, naming the field; nothing is saved", async () => {
    const f = await create("孙立新");
    const before = await blobCount();
    const notImage = await officer.req<Err>("POST", `/api/v1/fugitives/${f.id}/photos`, {
      name: "photo.jpg",
      contentBase64: Buffer.from("%PDF-1.7 not a photo at all").toString("base64"),
    });
    expect(notImage.status).toBe(400);
    expect(notImage.body.error.code).toBe("VALIDATION_FAILED");
    expect(notImage.body.error.details).toEqual([
      { field: "body.contentBase64", issue: expect.stringMatching(/not an image/) },
    ]);
    const notBase64 = await officer.req<Err>("POST", `/api/v1/fugitives/${f.id}/photos`, {
      name: "photo.png",
      contentBase64: "not base64!",
    });
    expect(notBase64.status).toBe(400);
    expect(notBase64.body.error.details[0]?.field).toBe("body.contentBase64");
    // Too large: a PNG signature followed by more bytes than a photo may have.
    const big = Buffer.alloc(FUGITIVE_PHOTO_MAX_BYTES + 1);
    Buffer.from(PNG_1X1, "base64").copy(big);
    const tooBig = await officer.req<Err>("POST", `/api/v1/fugitives/${f.id}/photos`, {
      name: "huge.png",
      contentBase64: big.toString("base64"),
    });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.details).toEqual([
      {
        field: "body.contentBase64",
        issue: `a photo is at most ${FUGITIVE_PHOTO_MAX_BYTES} bytes (this one: ${FUGITIVE_PHOTO_MAX_BYTES + 1})`,
        // the key and parameters, for a client that words it in its own language
        key: "fugitives.photoTooLarge",
        params: { max: FUGITIVE_PHOTO_MAX_BYTES, size: FUGITIVE_PHOTO_MAX_BYTES + 1 },
      },
    ]);
    const now = await officer.req<One>("GET", `/api/v1/fugitives/${f.id}`);
    expect(now.body.fugitive).toMatchObject({ version: 1, photos: [] });
    expect(await blobCount()).toBe(before);
  });

  it("shows photos only to those who may see the record: another unit is told there is none", async () => {
    const f = await create("钱永康");
    const up = await officer.req<One>("POST", `/api/v1/fugitives/${f.id}/photos`, {
      name: "qian.png",
      contentBase64: PNG_1X1,
    });
    const photoId = up.body.fugitive.photos[0]?.id;
    const before = await blobCount();
    expect((await outsider.req("GET", `/api/v1/fugitives/${f.id}/photos/${photoId}`)).status).toBe(404);
    const add = await outsider.req("POST", `/api/v1/fugitives/${f.id}/photos`, {
      name: "x.png",
      contentBase64: PNG_1X1,
    });
    expect(add.status).toBe(404);
    expect(await blobCount()).toBe(before);
    // Without the permission: 403, checked before the record.
    expect((await caseOfficer.req("GET", `/api/v1/fugitives/${f.id}/photos/${photoId}`)).status).toBe(403);
    // A photo id of another record is no photo of this one.
    const other = await create("钱永福");
    expect((await officer.req("GET", `/api/v1/fugitives/${other.id}/photos/${photoId}`)).status).toBe(404);
  });

  it("logs every view of a photo in the access log, as the record's", async () => {
    const f = await create("冯志刚");
    const up = await officer.req<One>("POST", `/api/v1/fugitives/${f.id}/photos`, {
      name: "feng.png",
      contentBase64: PNG_1X1,
    });
    const photoId = up.body.fugitive.photos[0]?.id;
    for (let i = 0; i < 2; i++)
      expect((await officer.req("GET", `/api/v1/fugitives/${f.id}/photos/${photoId}`)).status).toBe(200);
    // A refused view (another unit) reads nothing, so it logs nothing.
    await outsider.req("GET", `/api/v1/fugitives/${f.id}/photos/${photoId}`);
    await node.rt.services.accessLog.flush();
    const rows = await node.rt.services.db
      .select()
      .from(accessLog)
      .where(and(eq(accessLog.recordId, f.id), eq(accessLog.action, "download")));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ recordType: "fugitive", personId: f.personId });
  });

  it("refuses a photo on a record closed by a return", async () => {
    const f = await create("蒋文斌");
    await officer.req("POST", `/api/v1/fugitives/${f.id}/return`, {
      method: "repatriation",
      date: "2017-03-01",
      place: "Beijing Capital Airport",
    });
    const r = await officer.req<Err>("POST", `/api/v1/fugitives/${f.id}/photos`, {
      name: "late.png",
      contentBase64: PNG_1X1,
    });
    expect(r.status).toBe(409);
  });
});
