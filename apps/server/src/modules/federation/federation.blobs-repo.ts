/**
 * Queries of federation's attachment store (`fed_blobs`, `fed_blob_chunks`): blobs and their chunks, what an
 * erasure deletes or marks, and the sweep of marked blobs. Re-exported by federation.repo.ts, the module's one
 * data-access entry.
 */
import { and, asc, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import { rowsOf } from "../../db/client.js";
import { blobChunks, blobs, inbox, outbox } from "../../db/schema/index.js";

type BlobRow = typeof blobs.$inferSelect;

// ------------------------------------------------------------------------------------------ attachments

/** Whether a received operational notice of the peer names this attachment (the only attachments read directly). */
export async function noticeHasAttachment(dbx: DbOrTx, peerId: string, id: string): Promise<boolean> {
  const [notice] = await dbx
    .select({ msgId: inbox.msgId })
    .from(inbox)
    .where(
      and(
        eq(inbox.peerId, peerId),
        eq(inbox.type, "federation.notice"),
        sql`${inbox.header}->'attachments' @> ${JSON.stringify([{ id }])}::jsonb`,
      ),
    )
    .limit(1);
  return notice !== undefined;
}

export async function findBlobRow(dbx: DbOrTx, origin: string, id: string): Promise<BlobRow | undefined> {
  const [b] = await dbx
    .select()
    .from(blobs)
    .where(and(eq(blobs.origin, origin), eq(blobs.id, id)));
  return b;
}

export async function lockBlobRow(tx: Tx, origin: string, id: string): Promise<BlobRow | undefined> {
  const [b] = await tx
    .select()
    .from(blobs)
    .where(and(eq(blobs.origin, origin), eq(blobs.id, id)))
    .for("update");
  return b;
}

/** A blob whose bytes are all here and that is not marked for erasure: one that may be read. */
const servable = () => and(isNotNull(blobs.completedAt), isNull(blobs.eraseRequestedAt));

/** The first complete blob with this id among `origins` (one marked for erasure is no longer there). */
export async function findCompleteBlobAmong(
  dbx: DbOrTx,
  origins: string[],
  id: string,
): Promise<BlobRow | undefined> {
  const [b] = await dbx
    .select()
    .from(blobs)
    .where(and(eq(blobs.id, id), inArray(blobs.origin, origins), servable()));
  return b;
}

/** Of these blob ids from `origin`, the complete ones with their hash and size (none marked for erasure). */
export function completeBlobs(dbx: DbOrTx, origin: string, ids: string[]) {
  return dbx
    .select({ id: blobs.id, sha256: blobs.sha256, size: blobs.size })
    .from(blobs)
    .where(and(eq(blobs.origin, origin), inArray(blobs.id, ids), servable()));
}

/** Adds a blob (a second announcement of the same one changes nothing). */
export async function insertBlob(tx: Tx, row: typeof blobs.$inferInsert, ifAbsent = false): Promise<void> {
  const q = tx.insert(blobs).values(row);
  await (ifAbsent ? q.onConflictDoNothing() : q);
}

export async function completeBlob(tx: Tx, origin: string, id: string, at: Date): Promise<void> {
  await tx
    .update(blobs)
    .set({ completedAt: at })
    .where(and(eq(blobs.origin, origin), eq(blobs.id, id)));
}

export async function insertChunk(
  tx: Tx,
  row: typeof blobChunks.$inferInsert,
  ifAbsent = false,
): Promise<void> {
  const q = tx.insert(blobChunks).values(row);
  await (ifAbsent ? q.onConflictDoNothing() : q);
}

/** The chunks of a blob, in order. */
export function chunksOf(dbx: DbOrTx, origin: string, id: string): Promise<{ idx: number; data: Buffer }[]> {
  return dbx
    .select({ idx: blobChunks.idx, data: blobChunks.data })
    .from(blobChunks)
    .where(and(eq(blobChunks.origin, origin), eq(blobChunks.blobId, id)))
    .orderBy(asc(blobChunks.idx));
}

export async function chunkIndexes(dbx: DbOrTx, origin: string, id: string): Promise<number[]> {
  const rows = await dbx
    .select({ idx: blobChunks.idx })
    .from(blobChunks)
    .where(and(eq(blobChunks.origin, origin), eq(blobChunks.blobId, id)));
  return rows.map((r) => r.idx);
}

export async function findChunk(dbx: DbOrTx, origin: string, id: string, idx: number) {
  const [c] = await dbx
    .select()
    .from(blobChunks)
    .where(and(eq(blobChunks.origin, origin), eq(blobChunks.blobId, id), eq(blobChunks.idx, idx)));
  return c;
}

export async function deleteChunks(tx: Tx, origin: string, id: string): Promise<void> {
  await tx.delete(blobChunks).where(and(eq(blobChunks.origin, origin), eq(blobChunks.blobId, id)));
}

/** Of these blob ids of `origin`, those this node holds (complete or not). */
export async function blobIdsHeld(dbx: DbOrTx, origin: string, ids: readonly string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await dbx
    .select({ id: blobs.id })
    .from(blobs)
    .where(and(eq(blobs.origin, origin), inArray(blobs.id, [...ids])));
  return rows.map((r) => r.id);
}

/** Of these blob ids, those named by an outgoing message still waiting for delivery (its envelope carries them). */
export async function blobIdsAwaitingDelivery(dbx: DbOrTx, ids: readonly string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await dbx.execute(sql`
    select distinct a->>'id' as id
      from ${outbox} o, jsonb_array_elements(o.attachments) a
     where o.status = 'pending' and o.attachments is not null
       and a->>'id' in (${sql.join(
         ids.map((id) => sql`${id}`),
         sql`, `,
       )})`);
  return rowsOf<{ id: string }>(rows).map((r) => r.id);
}

/** Erasure: the blobs' chunks and rows go (complete or not); returns the ids of the rows deleted. */
export async function deleteBlobs(tx: Tx, origin: string, ids: readonly string[]): Promise<string[]> {
  if (!ids.length) return [];
  await tx.delete(blobChunks).where(and(eq(blobChunks.origin, origin), inArray(blobChunks.blobId, [...ids])));
  const gone = await tx
    .delete(blobs)
    .where(and(eq(blobs.origin, origin), inArray(blobs.id, [...ids])))
    .returning({ id: blobs.id });
  return gone.map((b) => b.id);
}

/** Erasure deferred: these blobs (kept for an envelope waiting for delivery) go once it has left (see below). */
export async function markBlobsForErasure(tx: Tx, origin: string, ids: readonly string[], at: Date) {
  if (!ids.length) return;
  await tx
    .update(blobs)
    .set({ eraseRequestedAt: at })
    .where(and(eq(blobs.origin, origin), inArray(blobs.id, [...ids]), isNull(blobs.eraseRequestedAt)));
}

/** Whether any blob is marked for erasure (read from the partial index: the sweep's cheap first look). */
export async function anyBlobMarked(dbx: DbOrTx): Promise<boolean> {
  const [b] = await dbx
    .select({ id: blobs.id })
    .from(blobs)
    .where(isNotNull(blobs.eraseRequestedAt))
    .limit(1);
  return b !== undefined;
}

/**
 * Up to `limit` blobs marked for erasure that no outgoing message waiting for delivery names any more (it was
 * delivered, rejected or cancelled), locked for the caller's transaction: FOR UPDATE SKIP LOCKED, so the sweeps
 * of several processes take different blobs and none waits for another.
 */
export async function claimReleasedBlobs(tx: Tx, limit: number): Promise<{ origin: string; id: string }[]> {
  const rows = await tx.execute(sql`
    select b.origin, b.id::text as id
      from ${blobs} b
     where b.erase_requested_at is not null
       and not exists (
         select 1 from ${outbox} o
          where o.status = 'pending' and o.attachments is not null
            and o.attachments @> jsonb_build_array(jsonb_build_object('id', b.id::text)))
     order by b.erase_requested_at
     limit ${limit}
       for update of b skip locked`);
  return rowsOf<{ origin: string; id: string }>(rows);
}

// ------------------------------------------------------------------------------- restore reconciliation
