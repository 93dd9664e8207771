import type { FugitiveEntryContent } from "@crossline/schemas";
import type { Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import type { FugitivesContext } from "./fugitives.context.js";
import { type CopyRow, fugitivesRepo as repo } from "./fugitives.repo.js";

export const ERASED = "[erased]";

/** What an erasure did to the files and reports, as its audit entry records it. */
export interface FilesErased {
  /** Photo blobs whose bytes were deleted. */
  photos: string[];
  /** Evidence files whose row and bytes were deleted. */
  evidence: string[];
  /** Files kept because an envelope still waiting for delivery carries them (federation's `eraseBlobs`). */
  kept: string[];
  /** Reports whose place and text were erased. */
  reports: number;
}

/**
 * Erasure of the files that hold personal data beside a fugitive record or a peer's entry: the photos and the
 * evidence files of reports are federation blobs, so their bytes go through the blob port (`eraseBlobs`), in
 * the erasure's transaction; the reports' place and text go with them.
 * - the owner erasing a record (lawful, end of retention): its photos (bytes of this node), the evidence files
 *   the peers' reports brought (bytes of each peer), and the reports' texts;
 * - a peer's entry whose copy loses its content (the owner's tombstone, or this node's own retention): the
 *   photos' bytes received with it (unless another copy of the owner's still names them), the evidence files
 *   this node uploaded for its reports on the entry, and those reports' texts.
 */
export function createFugitiveErasure(c: FugitivesContext) {
  const { deps } = c;
  const erasedText = { lang: "en" as const, text: ERASED };

  /** Evidence files: the bytes of each origin, then the rows (a file kept for delivery keeps its row). */
  async function eraseEvidence(tx: Tx, files: { id: string; origin: string }[]) {
    const erased: string[] = [];
    const kept: string[] = [];
    for (const origin of new Set(files.map((f) => f.origin))) {
      const r = await deps.blobs.eraseBlobs(
        tx,
        origin,
        files.filter((f) => f.origin === origin).map((f) => f.id),
      );
      erased.push(...r.erased);
      kept.push(...r.kept);
    }
    const keep = new Set(kept);
    const rows = files.map((f) => f.id).filter((id) => !keep.has(id));
    await repo.deleteEvidence(tx, rows);
    return { erased: rows, kept };
  }

  /** The owner's record is erased (the lawful module audits it with what this returns). */
  async function eraseRecordFiles(tx: Tx, fugitiveId: string): Promise<FilesErased> {
    const self = await deps.nodeId(tx);
    const photos = await deps.blobs.eraseBlobs(tx, self, await repo.deletePhotos(tx, fugitiveId));
    const evidence = await eraseEvidence(tx, await repo.evidenceFor(tx, { fugitiveId }));
    const reports = await repo.anonymiseReports(tx, { fugitiveId }, erasedText);
    return {
      photos: photos.erased,
      evidence: evidence.erased,
      kept: [...photos.kept, ...evidence.kept],
      reports,
    };
  }

  /** A peer's entry lost its content here (`prev` is the copy as it was): its files go, audited. */
  async function eraseCopyFiles(tx: Tx, ctx: Ctx, prev: CopyRow, cause: "withdrawn" | "erased") {
    const content = prev.content as FugitiveEntryContent | null;
    const ids = (content?.photos ?? []).map((p) => p.id);
    const named = new Set(await repo.photosNamedByOtherCopies(tx, prev.ownerNode, prev.entryId, ids));
    const photos = await deps.blobs.eraseBlobs(
      tx,
      prev.ownerNode,
      ids.filter((id) => !named.has(id)),
    );
    const where = { entryId: prev.entryId, direction: "out" as const };
    const evidence = await eraseEvidence(tx, await repo.evidenceFor(tx, where));
    const reports = await repo.anonymiseReports(tx, where, erasedText);
    const details: FilesErased = {
      photos: photos.erased,
      evidence: evidence.erased,
      kept: [...photos.kept, ...evidence.kept],
      reports,
    };
    await deps.audit.record(tx, ctx, {
      action: "fugitive.copy_erased",
      targetType: "shared_object",
      targetId: prev.entryId,
      details: {
        cause,
        ownerNode: prev.ownerNode,
        ...details,
        ...(named.size ? { stillNamedByAnotherCopy: [...named].sort() } : {}),
      },
    });
  }

  return { eraseRecordFiles, eraseCopyFiles };
}

export type FugitiveErasure = ReturnType<typeof createFugitiveErasure>;
