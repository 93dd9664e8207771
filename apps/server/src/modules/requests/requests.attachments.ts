import { createHash } from "node:crypto";
import { inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, can } from "../../lib/actor.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import type { AttachmentRef, RequestsContext } from "./requests.context.js";
import { ERASED } from "./requests.lawful.js";
import * as repo from "./requests.repo.js";

export function requireThreadPermission(ctx: Ctx) {
  if (!can(ctx.actor, "requests:draft") && !can(ctx.actor, "requests:answer")) {
    throw new AppError("FORBIDDEN", [{ issue: "requires permission requests:draft or requests:answer" }]);
  }
}

/**
 * Attachments of requests: uploaded through federation (a blob that envelopes carry to the peer) and
 * downloaded from a request that mentions them.
 * The bytes are federation's (its blob port): this module reads no other module's tables.
 */
export function createRequestAttachments(c: RequestsContext) {
  const { db, audit, attachments } = c.deps;

  /**
   * The attachment references whose bytes this node holds (uploaded as federation blobs): only those go
   * into the envelope header, so the transport ships them; a reference without stored bytes travels in
   * the payload only and never holds up the link.
   */
  async function storedAttachments(
    tx: Tx,
    refs: readonly AttachmentRef[] | undefined,
  ): Promise<AttachmentRef[] | undefined> {
    if (!refs?.length) return undefined;
    const ok = await attachments.storedAttachments(tx, (await c.nodeInfo()).id, refs);
    return ok.length
      ? ok.map((a) => ({ id: a.id, sha256: a.sha256, size: a.size, ...(a.name ? { name: a.name } : {}) }))
      : undefined;
  }

  /** Uploads an attachment (base64) for use in a form, a thread message or an answer. */
  async function uploadAttachment(ctx: Ctx, input: { name: string; contentBase64: string }) {
    requireThreadPermission(ctx);
    const bytes = Buffer.from(input.contentBase64, "base64");
    assertThat(
      bytes.length > 0 &&
        bytes.toString("base64").replace(/=+$/, "") === input.contentBase64.replace(/=+$/, ""),
      new AppError("VALIDATION_FAILED", [
        { field: "body.contentBase64", issue: "must be non-empty standard base64" },
      ]),
    );
    await c.nodeInfo();
    return inTransaction(db, async (tx) => {
      const ref = await attachments.putAttachment(tx, bytes, input.name);
      await audit.record(tx, ctx, {
        action: "request.attachment_upload",
        targetType: "attachment",
        targetId: ref.id,
        details: { name: input.name, sha256: ref.sha256, size: ref.size },
      });
      return { id: ref.id, name: input.name, sha256: ref.sha256, size: ref.size };
    });
  }

  /**
   * Downloads an attachment referenced by a request the caller may see (its form, answer, events or
   * thread), whichever side uploaded it; the bytes are checked against the SHA-256 in the reference.
   */
  async function downloadAttachment(ctx: Ctx, id: string, attachmentId: string) {
    const r = await c.load(ctx, id);
    const node = await c.nodeInfo();
    // An anonymised request names its files no more (their names are erased): a file it shared with another
    // request, whose bytes stay for that one, is not served through it.
    const inRequest = namesAttachment([r.content, r.answer], attachmentId);
    assertThat(
      inRequest || (await repo.attachmentMentioned(db, id, attachmentId, ERASED)),
      notFound("attachment"),
    );
    const origins = [node.id, r.peerId].filter((x): x is string => !!x);
    const b = await attachments.findBlob(origins, attachmentId);
    assertThat(b, new AppError("NOT_FOUND", [{ issue: "the attachment has not arrived (yet)" }]));
    const data = b.data;
    assertThat(
      createHash("sha256").update(data).digest("hex") === b.sha256,
      new AppError("CONFLICT", [{ issue: "the stored attachment does not match its SHA-256" }]),
    );
    await c.logReads(ctx, [r], "download");
    return { name: b.name, sha256: b.sha256, data };
  }

  return { storedAttachments, uploadAttachment, downloadAttachment };
}

export type RequestAttachments = ReturnType<typeof createRequestAttachments>;

/** The attachment references in an event's data (an answer's and the event's own). */
export function attachmentsOf(data: Record<string, unknown>): AttachmentRef[] | undefined {
  const list: AttachmentRef[] = [];
  const fromAnswer = (data.answer as { attachments?: AttachmentRef[] } | undefined)?.attachments ?? [];
  const direct = (data.attachments as AttachmentRef[] | undefined) ?? [];
  for (const a of [...fromAnswer, ...direct])
    list.push({ id: a.id, sha256: a.sha256, size: a.size, name: a.name });
  return list.length ? list : undefined;
}

/** Whether these values hold a reference to the attachment with its name (not `[erased]` by anonymisation). */
export function namesAttachment(values: unknown, attachmentId: string): boolean {
  if (Array.isArray(values)) return values.some((v) => namesAttachment(v, attachmentId));
  if (!values || typeof values !== "object") return false;
  const o = values as Record<string, unknown>;
  if (o.id === attachmentId && typeof o.sha256 === "string" && o.name !== ERASED) return true;
  return Object.values(o).some((v) => namesAttachment(v, attachmentId));
}
