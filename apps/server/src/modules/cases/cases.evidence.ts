import type { AddEvidenceBody, CustodyBody, EvidenceFileQuery, EvidenceView } from "@crossline/schemas";
import type { z } from "zod";
import { sha256Hex } from "../../crypto/hash.js";
import { uuidv7 } from "../../crypto/ids.js";
import { inTransaction } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat } from "../../lib/errors.js";
import type { CasesContext } from "./cases.context.js";
import { casesRepo as repo } from "./cases.repo.js";

const noEvidence = () =>
  new AppError("NOT_FOUND", [{ field: "params.evidenceId", issue: "no such evidence item in this case" }]);

/**
 * Evidence items of a case: the file is stored as request attachments are (a federation blob, through its
 * port) with its SHA-256; the chain of custody is append-only and every collection, hand-over, export and
 * download is a record of it, written in the same transaction as the act's audit entry.
 */
export function createCaseEvidence(c: CasesContext) {
  const { db, clock, audit, blobs } = c.deps;

  async function views(caseId: string): Promise<z.infer<typeof EvidenceView>[]> {
    const items = await repo.evidence(db, caseId);
    const custody = await repo.custodyOf(
      db,
      items.map((e) => e.id),
    );
    return items.map((e) => ({
      id: e.id,
      name: e.name,
      sha256: e.sha256,
      size: e.size,
      description: e.description ?? null,
      collectedBy: e.collectedBy,
      collectedAt: e.collectedAt.toISOString(),
      malwareSample: e.malwareSample,
      custody: custody
        .filter((r) => r.evidenceId === e.id)
        .map((r) => ({
          id: r.id,
          action: r.action,
          actorLabel: r.actorLabel,
          to: r.to ?? null,
          note: r.note ?? null,
          at: r.at.toISOString(),
        })),
    }));
  }

  async function add(ctx: Ctx, id: string, body: z.infer<typeof AddEvidenceBody>) {
    requirePermission(ctx.actor, "cases:write");
    const bytes = Buffer.from(body.contentBase64, "base64");
    assertThat(
      bytes.length > 0 &&
        bytes.toString("base64").replace(/=+$/, "") === body.contentBase64.replace(/=+$/, ""),
      new AppError("VALIDATION_FAILED", [
        { field: "body.contentBase64", issue: "must be non-empty standard base64" },
      ]),
    );
    const collectedAt = new Date(body.collectedAt);
    assertThat(
      collectedAt.getTime() <= clock.now().getTime() + 5 * 60_000,
      new AppError("VALIDATION_FAILED", [{ field: "body.collectedAt", issue: "is in the future" }]),
    );
    await c.load(ctx, id);
    await inTransaction(db, async (tx) => {
      const row = await c.lock(tx, ctx, id);
      const ref = await blobs.putAttachment(tx, bytes, body.name);
      const evidenceId = uuidv7();
      await repo.insertEvidence(tx, {
        id: evidenceId,
        caseId: id,
        blobId: ref.id,
        name: body.name,
        sha256: ref.sha256,
        size: ref.size,
        description: body.description ?? null,
        collectedBy: body.collectedBy,
        collectedAt,
        createdAt: clock.now(),
        malwareSample: body.malwareSample ?? false,
      });
      // The chain starts with the collection, by whom and when it was collected (not when it was filed).
      await repo.appendCustody(tx, {
        id: uuidv7(),
        evidenceId,
        action: "collected",
        actorId: null,
        actorLabel: body.collectedBy,
        to: null,
        note: `filed by ${ctx.actor.label}`,
        at: collectedAt,
      });
      const after = await c.touch(tx, row);
      await audit.record(tx, ctx, {
        action: "case.evidence_add",
        targetType: "case",
        targetId: id,
        details: {
          version: after.version,
          evidenceId,
          sha256: ref.sha256,
          size: ref.size,
          ...(body.malwareSample ? { malwareSample: true } : {}),
        },
      });
    });
  }

  async function custody(ctx: Ctx, id: string, evidenceId: string, body: z.infer<typeof CustodyBody>) {
    requirePermission(ctx.actor, "cases:write");
    await inTransaction(db, async (tx) => {
      const row = await c.lock(tx, ctx, id);
      assertThat(await repo.findEvidence(tx, id, evidenceId), noEvidence);
      await repo.appendCustody(tx, {
        id: uuidv7(),
        evidenceId,
        action: body.action,
        actorId: ctx.actor.userId,
        actorLabel: ctx.actor.label,
        to: body.to,
        note: body.note ?? null,
        at: clock.now(),
      });
      const after = await c.touch(tx, row);
      await audit.record(tx, ctx, {
        action: "case.evidence_custody",
        targetType: "case",
        targetId: id,
        details: { version: after.version, evidenceId, custody: body.action, to: body.to },
      });
    });
  }

  /**
   * The file, checked against its SHA-256; the download is a custody record (and audited) before it leaves. A
   * malware sample leaves only with `confirm=malware_sample` and a reason: without them the answer is
   * CONFIRMATION_REQUIRED (nothing recorded, nothing sent), with them the reason goes into the custody record and
   * the audit entry beside who downloaded which sample.
   */
  async function download(
    ctx: Ctx,
    id: string,
    evidenceId: string,
    q: z.infer<typeof EvidenceFileQuery> = {},
  ) {
    requirePermission(ctx.actor, "cases:read");
    await c.load(ctx, id);
    const e = await repo.findEvidence(db, id, evidenceId);
    assertThat(e, noEvidence);
    const reason = q.reason?.trim();
    if (e.malwareSample && (q.confirm !== "malware_sample" || !reason)) {
      throw new AppError("CONFIRMATION_REQUIRED", [
        ...(q.confirm !== "malware_sample"
          ? [
              {
                field: "querystring.confirm",
                issue: "a malware sample is downloaded only with confirm=malware_sample",
              },
            ]
          : []),
        ...(!reason
          ? [{ field: "querystring.reason", issue: "say why the malware sample is downloaded" }]
          : []),
      ]);
    }
    const node = await c.deps.nodeInfo();
    const b = await blobs.findBlob([node.id], e.blobId);
    assertThat(b, new AppError("NOT_FOUND", [{ issue: "the evidence file is missing" }]));
    assertThat(
      sha256Hex(b.data) === e.sha256,
      new AppError("CONFLICT", [{ issue: "the stored evidence does not match its SHA-256" }]),
    );
    await inTransaction(db, async (tx) => {
      await repo.appendCustody(tx, {
        id: uuidv7(),
        evidenceId,
        action: "downloaded",
        actorId: ctx.actor.userId,
        actorLabel: ctx.actor.label,
        to: null,
        note: e.malwareSample ? `malware sample, confirmed: ${reason}` : null,
        at: clock.now(),
      });
      await audit.record(tx, ctx, {
        action: "case.evidence_download",
        targetType: "case",
        targetId: id,
        details: {
          evidenceId,
          sha256: e.sha256,
          ...(e.malwareSample ? { malwareSample: true, confirmed: true, reason } : {}),
        },
      });
    });
    return { name: e.name, sha256: e.sha256, data: b.data };
  }

  return { views, add, custody, download };
}
