import {
  type EvidenceUploadBody,
  FUGITIVE_EVIDENCE_MAX_BYTES,
  issue,
  type ReportEvidence,
} from "@crossline/schemas";
import { sha256Hex } from "../../crypto/hash.js";
import { inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission, systemCtx } from "../../lib/actor.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import type { IncomingMessage } from "../federation/federation.types.js";
import { PermanentRejection } from "../federation/federation.types.js";
import { evidenceView, type FugitivesContext } from "./fugitives.context.js";
import { imageTypeOf } from "./fugitives.photos.js";
import { type CopyRow, type EvidenceRow, fugitivesRepo as repo } from "./fugitives.repo.js";

/** The type of an evidence file by its first bytes: an image, a PDF, or anything else as plain bytes. */
export function evidenceTypeOf(b: Buffer): string {
  return (
    imageTypeOf(b) ??
    (b.subarray(0, 5).toString("latin1") === "%PDF-" ? "application/pdf" : "application/octet-stream")
  );
}

/**
 * Evidence files of a peer's reports on a shared fugitive entry (a sighting's photo, a lease, a court paper).
 * The reporting node uploads each for the entry (a federation blob, audited), then names it in the report: the
 * report takes the file (once) and its envelope carries the bytes as an attachment. The owner's node keeps each
 * under the record, shows it in the record's timeline with its report and serves it to the record's unit,
 * checked against its SHA-256, each download in the access log as a read of personal data.
 */
export function createFugitiveEvidence(c: FugitivesContext) {
  const { deps, db } = c;
  const { clock, audit } = deps;

  /** A peer's entry held by the caller's unit (another unit's, or none: not found), still on the owner's list. */
  function heldEntry(ctx: Ctx, copy: CopyRow | undefined): CopyRow {
    assertThat(copy && copy.unitId === ctx.actor.unitId, notFound("list entry"));
    if (copy.state === "withdrawn")
      throw new AppError("CONFLICT", [
        { field: "params.entryId", issue: "the owner removed this entry from its list" },
      ]);
    return copy;
  }

  /** Uploads an evidence file for a report on the entry: nothing is sent until a report names it. */
  async function upload(ctx: Ctx, entryId: string, body: EvidenceUploadBody): Promise<ReportEvidence> {
    requirePermission(ctx.actor, "fugitives:write");
    const field = "body.contentBase64";
    const bytes = Buffer.from(body.contentBase64, "base64");
    if (
      !bytes.length ||
      bytes.toString("base64").replace(/=+$/, "") !== body.contentBase64.replace(/=+$/, "")
    )
      throw new AppError("VALIDATION_FAILED", [{ field, issue: "must be non-empty standard base64" }]);
    if (bytes.length > FUGITIVE_EVIDENCE_MAX_BYTES)
      throw new AppError("VALIDATION_FAILED", [
        {
          field,
          ...issue("fugitives.evidenceTooLarge", { max: FUGITIVE_EVIDENCE_MAX_BYTES, size: bytes.length }),
        },
      ]);
    heldEntry(ctx, await repo.findCopy(db, entryId));
    // Before the transaction: the node's identity is then in memory (PGlite has one connection).
    const self = await deps.nodeId(db);
    return inTransaction(db, async (tx) => {
      const copy = heldEntry(ctx, await repo.findCopy(tx, entryId));
      const ref = await deps.blobs.putAttachment(tx, bytes, body.name);
      const row: EvidenceRow = {
        id: ref.id,
        direction: "out",
        origin: self,
        reportId: null,
        entryId,
        fugitiveId: null,
        unitId: copy.unitId,
        name: body.name,
        contentType: evidenceTypeOf(bytes),
        sha256: ref.sha256,
        size: ref.size,
        uploadedBy: ctx.actor.label,
        uploadedAt: clock.now(),
      };
      await repo.insertEvidence(tx, [row]);
      await audit.record(tx, ctx, {
        action: "fugitive.evidence_add",
        targetType: "shared_object",
        targetId: entryId,
        details: { evidenceId: ref.id, contentType: row.contentType, sha256: ref.sha256, size: ref.size },
      });
      return evidenceView(row);
    });
  }

  /**
   * The files a report names, taken by it in the report's transaction: each must be a file the caller's unit
   * uploaded for this entry on this node and no report has taken yet, else EVIDENCE_MISSING naming it.
   */
  async function take(tx: Tx, copy: CopyRow, ids: string[], reportId: string, self: string) {
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i)
        throw new AppError("VALIDATION_FAILED", [
          { field: `body.evidenceIds.${i}`, issue: "named twice in the report" },
        ]);
    });
    const rows = await repo.lockEvidence(tx, ids);
    const out = ids.map((id, i) => {
      const e = rows.find((r) => r.id === id);
      if (
        e?.direction !== "out" ||
        e.origin !== self ||
        e.entryId !== copy.entryId ||
        e.unitId !== copy.unitId
      )
        throw new AppError("EVIDENCE_MISSING", [
          {
            field: `body.evidenceIds.${i}`,
            issue: "no evidence file with this id was uploaded for this entry by your unit",
          },
        ]);
      if (e.reportId)
        throw new AppError("EVIDENCE_MISSING", [
          { field: `body.evidenceIds.${i}`, issue: "this evidence file is already part of another report" },
        ]);
      return e;
    });
    await repo.attachEvidence(tx, ids, reportId);
    return {
      evidence: out.map(evidenceView),
      attachments: out.map((e) => ({ id: e.id, sha256: e.sha256, size: e.size, name: e.name })),
    };
  }

  /**
   * The owner's side: the report's files, each of which its envelope must carry (same id and SHA-256: the
   * inbox has then checked the bytes arrived), kept under the record. A file named but not attached is refused.
   */
  async function receive(
    tx: Tx,
    msg: Pick<IncomingMessage, "peerId" | "attachments">,
    at: { reportId: string; entryId: string; fugitiveId: string; unitId: string },
    evidence: ReportEvidence[],
  ) {
    for (const e of evidence) {
      const att = msg.attachments?.find((a) => a.id === e.id);
      if (!att || att.sha256 !== e.sha256 || att.size !== e.size)
        throw new PermanentRejection("EVIDENCE_MISSING", `evidence ${e.id} is not attached to the report`);
    }
    await repo.insertEvidence(
      tx,
      evidence.map((e) => ({
        ...e,
        direction: "in" as const,
        origin: msg.peerId,
        reportId: at.reportId,
        entryId: at.entryId,
        fugitiveId: at.fugitiveId,
        unitId: at.unitId,
        uploadedBy: msg.peerId,
        uploadedAt: clock.now(),
      })),
    );
  }

  /** An evidence file of a report on the record, for the record's unit, checked; the download is logged. */
  async function download(ctx: Ctx, id: string, evidenceId: string) {
    requirePermission(ctx.actor, "fugitives:read");
    const f = await c.load(ctx, id);
    const e = await repo.findEvidence(db, evidenceId);
    assertThat(e && e.direction === "in" && e.fugitiveId === f.id, notFound("evidence file"));
    const b = await deps.blobs.findBlob([e.origin], e.id);
    assertThat(b, notFound("evidence file"));
    assertThat(
      sha256Hex(b.data) === e.sha256,
      new AppError("CONFLICT", [{ issue: "the stored evidence file does not match its SHA-256" }]),
    );
    await c.logReads(db, ctx, [f], "download");
    return { name: e.name, contentType: e.contentType, sha256: e.sha256, data: b.data };
  }

  /**
   * The sending side: an evidence file the caller's unit uploaded for a peer's entry it holds (sent with a
   * report or not yet), read back from the bytes this node kept, checked; the read is logged as the entry's
   * photos are. Another unit's entry or file, or another entry's, is not found.
   */
  async function readBack(ctx: Ctx, entryId: string, evidenceId: string) {
    requirePermission(ctx.actor, "fugitives:read");
    const copy = await repo.findCopy(db, entryId);
    assertThat(copy && copy.unitId === ctx.actor.unitId, notFound("list entry"));
    const e = await repo.findEvidence(db, evidenceId);
    assertThat(
      e && e.direction === "out" && e.entryId === copy.entryId && e.unitId === copy.unitId,
      notFound("evidence file"),
    );
    const b = await deps.blobs.findBlob([e.origin], e.id);
    assertThat(b, notFound("evidence file"));
    assertThat(
      sha256Hex(b.data) === e.sha256,
      new AppError("CONFLICT", [{ issue: "the stored evidence file does not match its SHA-256" }]),
    );
    await deps.accessLog.record(db, ctx, [
      { action: "download", recordType: "shared_object", recordId: entryId, recordUnitId: copy.unitId },
    ]);
    return { name: e.name, contentType: e.contentType, sha256: e.sha256, data: b.data };
  }

  /**
   * Housekeeping: files uploaded for a report more than `evidenceUnsentHours` ago that no report took are
   * removed, their row and their bytes (never in an envelope, so no peer holds them), each audited
   * `fugitive.evidence_discard` in the same transaction. Claimed SKIP LOCKED in batches: several processes may
   * sweep at once, and a report taking a file at that moment either wins (the file stays) or finds it gone.
   */
  async function sweepUnsent(limit = 100): Promise<{ discarded: number }> {
    const before = new Date(clock.now().getTime() - deps.evidenceUnsentHours * 3600_000);
    const ctx = systemCtx();
    let discarded = 0;
    for (;;) {
      const n = await inTransaction(db, async (tx) => {
        const rows = await repo.claimUnsentEvidence(tx, before, limit);
        await repo.deleteUnsentEvidence(
          tx,
          rows.map((e) => e.id),
        );
        for (const origin of new Set(rows.map((e) => e.origin)))
          await deps.blobs.eraseBlobs(
            tx,
            origin,
            rows.filter((e) => e.origin === origin).map((e) => e.id),
          );
        for (const e of rows)
          await audit.record(tx, ctx, {
            action: "fugitive.evidence_discard",
            targetType: "shared_object",
            targetId: e.entryId,
            details: {
              evidenceId: e.id,
              sha256: e.sha256,
              size: e.size,
              uploadedAt: e.uploadedAt.toISOString(),
              uploadedBy: e.uploadedBy,
            },
          });
        return rows.length;
      });
      discarded += n;
      if (n < limit) return { discarded };
    }
  }

  return { upload, take, receive, download, readBack, sweepUnsent };
}

export type FugitiveEvidence = ReturnType<typeof createFugitiveEvidence>;
