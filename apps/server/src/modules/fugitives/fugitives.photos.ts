import {
  type EntryPhoto,
  FUGITIVE_PHOTO_MAX_BYTES,
  type FugitiveEntryContent,
  type FugitivePhotoView,
  issue,
  type PhotoContentType,
  type PhotoUploadBody,
} from "@crossline/schemas";
import { sha256Hex } from "../../crypto/hash.js";
import { inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import type { FugitivesContext } from "./fugitives.context.js";
import { type FugitiveRow, type PhotoRow, fugitivesRepo as repo } from "./fugitives.repo.js";

/** At most this many photos on one record (they travel with every version of its list entries). */
export const MAX_PHOTOS = 20;

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The image format of the bytes by their signature (JPEG SOI marker, the PNG signature, RIFF…WEBP), or null:
 * a file's name or a declared type proves nothing.
 */
export function imageTypeOf(b: Buffer): PhotoContentType | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG)) return "image/png";
  if (b.length >= 12 && b.toString("latin1", 0, 4) === "RIFF" && b.toString("latin1", 8, 12) === "WEBP")
    return "image/webp";
  return null;
}

export const photoView = (p: PhotoRow): FugitivePhotoView => ({
  id: p.id,
  name: p.name,
  contentType: p.contentType as PhotoContentType,
  sha256: p.sha256,
  size: p.size,
  alt: p.alt ?? null,
  uploadedBy: p.uploadedBy,
  uploadedAt: p.uploadedAt.toISOString(),
});

/** A photo as it travels in a list entry's content. */
export const entryPhoto = (p: PhotoRow): EntryPhoto => ({
  id: p.id,
  name: p.name,
  contentType: p.contentType as PhotoContentType,
  sha256: p.sha256,
  size: p.size,
  ...(p.alt ? { alt: p.alt } : {}),
});

/** Decodes and checks an upload before anything is read or written: every refusal names body.contentBase64. */
function decodePhoto(body: PhotoUploadBody): { bytes: Buffer; contentType: PhotoContentType } {
  const field = "body.contentBase64";
  const bytes = Buffer.from(body.contentBase64, "base64");
  if (!bytes.length || bytes.toString("base64").replace(/=+$/, "") !== body.contentBase64.replace(/=+$/, ""))
    throw new AppError("VALIDATION_FAILED", [{ field, issue: "must be non-empty standard base64" }]);
  if (bytes.length > FUGITIVE_PHOTO_MAX_BYTES)
    throw new AppError("VALIDATION_FAILED", [
      { field, ...issue("fugitives.photoTooLarge", { max: FUGITIVE_PHOTO_MAX_BYTES, size: bytes.length }) },
    ]);
  const contentType = imageTypeOf(bytes);
  if (!contentType)
    throw new AppError("VALIDATION_FAILED", [
      { field, issue: "not an image: a photo is a JPEG, PNG or WebP file" },
    ]);
  return { bytes, contentType };
}

/**
 * Photos of fugitive records: attachments stored as every file is (a federation blob with its SHA-256), shown
 * only to those who may see the record (another unit: not found), every view in the access log; adding one is
 * the record's next version, so the list entries' next version carries it (and its bytes) to the peers.
 */
export function createFugitivePhotos(
  c: FugitivesContext,
  syncEntries: (tx: Tx, ctx: Ctx, f: FugitiveRow) => Promise<void>,
) {
  const { deps, db } = c;
  const { clock, audit } = deps;

  async function add(ctx: Ctx, id: string, body: PhotoUploadBody): Promise<FugitiveRow> {
    requirePermission(ctx.actor, "fugitives:write");
    const { bytes, contentType } = decodePhoto(body);
    await c.load(ctx, id);
    // Before the transaction: the node's identity is then in memory (PGlite has one connection).
    await deps.nodeId(db);
    return inTransaction(db, async (tx) => {
      const before = await c.lock(tx, ctx, id);
      if (before.status === "returned")
        throw new AppError("CONFLICT", [{ issue: "the fugitive has returned: the record is closed" }]);
      if ((await repo.photosOf(tx, id)).length >= MAX_PHOTOS)
        throw new AppError("CONFLICT", [
          { field: "params.id", ...issue("fugitives.tooManyPhotos", { max: MAX_PHOTOS }) },
        ]);
      const ref = await deps.blobs.putAttachment(tx, bytes, body.name);
      const now = clock.now();
      await repo.insertPhoto(tx, {
        id: ref.id,
        fugitiveId: id,
        name: body.name,
        contentType,
        sha256: ref.sha256,
        size: ref.size,
        alt: body.alt ?? null,
        uploadedBy: ctx.actor.label,
        uploadedAt: now,
      });
      const after = await repo.update(tx, id, { version: before.version + 1, updatedAt: now });
      await repo.insertVersion(tx, {
        fugitiveId: id,
        version: after.version,
        fields: after.fields,
        status: after.status,
        changedAt: now,
        changedBy: ctx.actor.label,
        reason: `photo added: ${body.name}`.slice(0, 500),
      });
      // The entries' next version names the photo; its bytes go with it to every peer holding one.
      await syncEntries(tx, ctx, after);
      await audit.record(tx, ctx, {
        action: "fugitive.photo_add",
        targetType: "fugitive",
        targetId: id,
        details: { photoId: ref.id, contentType, sha256: ref.sha256, size: ref.size, version: after.version },
      });
      return after;
    });
  }

  /** A photo's bytes, checked against its SHA-256; the view goes to the access log. */
  async function download(ctx: Ctx, id: string, photoId: string) {
    requirePermission(ctx.actor, "fugitives:read");
    const row = await c.load(ctx, id);
    const p = (await repo.photosOf(db, id)).find((x) => x.id === photoId);
    assertThat(p, notFound("photo"));
    const b = await deps.blobs.findBlob([await deps.nodeId(db)], p.id);
    assertThat(b, notFound("photo"));
    assertThat(
      sha256Hex(b.data) === p.sha256,
      new AppError("CONFLICT", [{ issue: "the stored photo does not match its SHA-256" }]),
    );
    await c.logReads(db, ctx, [row], "download");
    return { name: p.name, contentType: p.contentType, sha256: p.sha256, data: b.data };
  }

  /** A photo of a peer's list entry held by the caller's unit, once its bytes have arrived with the entry. */
  async function receivedPhoto(ctx: Ctx, entryId: string, photoId: string) {
    requirePermission(ctx.actor, "fugitives:read");
    const copy = await repo.findCopy(db, entryId);
    assertThat(copy?.content && copy.unitId === ctx.actor.unitId, notFound("list entry"));
    const p = (copy.content as FugitiveEntryContent).photos?.find((x) => x.id === photoId);
    assertThat(p, notFound("photo"));
    const b = await deps.blobs.findBlob([copy.ownerNode], p.id);
    assertThat(b, new AppError("NOT_FOUND", [{ issue: "the photo has not arrived (yet)" }]));
    assertThat(
      sha256Hex(b.data) === p.sha256,
      new AppError("CONFLICT", [{ issue: "the stored photo does not match its SHA-256" }]),
    );
    await deps.accessLog.record(db, ctx, [
      { action: "download", recordType: "shared_object", recordId: entryId, recordUnitId: copy.unitId },
    ]);
    return { name: p.name, contentType: p.contentType, sha256: p.sha256, data: b.data };
  }

  return { add, download, receivedPhoto };
}
