import {
  issue,
  type NoticeAnswerInput,
  type NoticeDetail,
  type NoticeMessageInput,
  type NoticeStatus,
  nextNoticeStatus,
  type PortalActionInput,
} from "@crossline/schemas";
import { z } from "zod";
import { sha256Hex } from "../../crypto/hash.js";
import { uuidv7 } from "../../crypto/ids.js";
import type { inTransaction } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import type { NoticeBorder } from "./notices.border.js";
import type { NoticeLifecycle } from "./notices.lifecycle.js";
import { invalidNoticeTransition } from "./notices.lifecycle.js";
import { type ProvidersContext, transact } from "./providers.context.js";
import * as repo from "./providers.repo.js";

/** The largest evidence file a provider may upload (bytes, before base64). */
export const EVIDENCE_MAX_BYTES = 8 * 1024 * 1024;

export const EvidenceUpload = z.strictObject({
  name: z.string().trim().min(1).max(255),
  contentBase64: z
    .string()
    .min(1)
    .max(Math.ceil((EVIDENCE_MAX_BYTES * 4) / 3) + 4)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, { message: "standard base64" }),
});

const OPEN: readonly string[] = ["sent", "received", "in_progress"];

/**
 * The provider's side of a notice (the portal): confirm receipt, start work, answer with evidence, ask a
 * question; and the thread both sides share. Staff see only their own company's notices (another's is not
 * found) and nothing once it is withdrawn can be answered.
 */
export function createNoticePortal(c: ProvidersContext, life: NoticeLifecycle, border: NoticeBorder) {
  const { db, clock, audit, notifications } = c.deps;

  async function loadAsProvider(ctx: Ctx, id: string) {
    const { notice, scope } = await c.load(ctx, id);
    assertThat("providerId" in scope, notFound("notice"));
    return { notice, scope };
  }

  /** Officers of the owner unit hear of what the provider did. */
  async function tellOfficers(
    tx: Parameters<Parameters<typeof inTransaction>[1]>[0],
    n: repo.NoticeRow,
    key: "notice_answered" | "notice_question",
    params: Record<string, string>,
  ) {
    const p = await repo.findProvider(tx, n.providerId);
    const ids = await c.deps.recipientsFor(tx, ["provider_compliance"]);
    await notifications.notify(tx, {
      userIds: ids,
      kind: `provider.${key}`,
      subjectId: n.id,
      severity: "info",
      key,
      params: { reference: n.reference, provider: p?.name ?? "", ...params },
    });
  }

  async function act(ctx: Ctx, id: string, input: z.output<typeof PortalActionInput>): Promise<NoticeDetail> {
    const { notice: before, scope } = await loadAsProvider(ctx, id);
    const to = nextNoticeStatus(before.status as NoticeStatus, input.event);
    if (!to)
      throw invalidNoticeTransition(before.status, (await c.detail(ctx, before, scope)).allowedActions);
    const now = clock.now();
    const row = await transact(db, async (tx) => {
      const n = await c.lockVisible(tx, scope, id);
      if (n.status !== before.status) throw invalidNoticeTransition(n.status, []);
      const u = await repo.updateNotice(tx, id, {
        status: to,
        updatedAt: now,
        ...(n.receivedAt ? {} : { receivedAt: now }),
      });
      await c.recordEvent(tx, ctx, u, {
        event: input.event,
        from: n.status as NoticeStatus,
        to,
        side: "provider",
      });
      await audit.record(tx, ctx, {
        action: `notice.${input.event}`,
        targetType: "notice",
        targetId: id,
        details: { from: n.status, to },
      });
      return u;
    });
    return c.detail(ctx, row, scope);
  }

  async function answer(
    ctx: Ctx,
    id: string,
    input: z.output<typeof NoticeAnswerInput>,
  ): Promise<NoticeDetail> {
    const { notice: before, scope } = await loadAsProvider(ctx, id);
    const now = clock.now();
    const actedAt = input.actedAt ? new Date(input.actedAt) : now;
    if (before.sentAt && (actedAt < before.sentAt || actedAt > now)) {
      throw new AppError("VALIDATION_FAILED", [
        { field: "body.actedAt", issue: "must lie between the sending of the notice and now" },
      ]);
    }
    const files = new Set((await repo.filesOf(db, id)).map((f) => f.id));
    const missing = input.attachmentIds.findIndex((a) => !files.has(a));
    if (missing >= 0) {
      throw new AppError("VALIDATION_FAILED", [
        { field: `body.attachmentIds.${missing}`, issue: "upload the evidence to this notice first" },
      ]);
    }
    const row = await transact(db, async (tx) => {
      const n = await c.lockVisible(tx, scope, id);
      const to = nextNoticeStatus(n.status as NoticeStatus, "answer", input.outcome);
      if (!to) throw invalidNoticeTransition(n.status, []);
      const u = await repo.updateNotice(tx, id, {
        status: to,
        answer: { ...input, answeredBy: ctx.actor.label },
        answeredAt: now,
        actedAt: input.outcome === "refused" ? null : actedAt,
        receivedAt: n.receivedAt ?? now,
        updatedAt: now,
      });
      await c.recordEvent(tx, ctx, u, {
        event: "answer",
        from: n.status as NoticeStatus,
        to,
        side: "provider",
        data: { outcome: input.outcome, ...(input.grounds ? { grounds: input.grounds } : {}) },
      });
      await audit.record(tx, ctx, {
        action: "notice.answer",
        targetType: "notice",
        targetId: id,
        details: {
          outcome: input.outcome,
          grounds: input.grounds ?? null,
          evidence: input.attachmentIds.length,
        },
      });
      await tellOfficers(tx, u, "notice_answered", { outcome: life.outcomeLabel(input.outcome) });
      // Made of a peer's request: the answer and its evidence answer that request (notices.border.ts).
      await border.answered(tx, ctx, u, input, input.attachmentIds);
      return u;
    });
    return c.detail(ctx, row, scope);
  }

  async function uploadEvidence(ctx: Ctx, id: string, input: z.output<typeof EvidenceUpload>) {
    const { notice: before, scope } = await loadAsProvider(ctx, id);
    if (!OPEN.includes(before.status)) throw invalidNoticeTransition(before.status, []);
    const data = Buffer.from(input.contentBase64, "base64");
    if (data.length > EVIDENCE_MAX_BYTES) {
      throw new AppError("PAYLOAD_TOO_LARGE", [
        { field: "body.contentBase64", ...issue("file.atMostBytes", { max: EVIDENCE_MAX_BYTES }) },
      ]);
    }
    const file = { id: uuidv7(), name: input.name, sha256: sha256Hex(data), size: data.length };
    await transact(db, async (tx) => {
      const n = await c.lockVisible(tx, scope, id);
      if (!OPEN.includes(n.status)) throw invalidNoticeTransition(n.status, []);
      await repo.insertFile(tx, {
        ...file,
        noticeId: id,
        data,
        uploadedBy: ctx.actor.userId,
        uploadedAt: clock.now(),
      });
      await c.recordEvent(tx, ctx, n, {
        event: "evidence",
        from: n.status as NoticeStatus,
        to: n.status as NoticeStatus,
        side: "provider",
        data: { name: file.name, sha256: file.sha256, size: file.size },
      });
      await audit.record(tx, ctx, {
        action: "notice.evidence_upload",
        targetType: "notice",
        targetId: id,
        details: { fileId: file.id, sha256: file.sha256, size: file.size },
      });
    });
    return file;
  }

  async function downloadEvidence(ctx: Ctx, id: string, fileId: string) {
    await c.load(ctx, id);
    const f = await repo.readFile(db, id, fileId);
    assertThat(f, notFound("attachment"));
    return f;
  }

  /** A question from the provider or a reply from the authority, on the notice's thread. */
  async function postMessage(
    ctx: Ctx,
    id: string,
    input: z.output<typeof NoticeMessageInput>,
  ): Promise<NoticeDetail> {
    const { notice: before, scope } = await c.load(ctx, id);
    const side = "providerId" in scope ? "provider" : "authority";
    if (side === "provider" && !OPEN.includes(before.status))
      throw invalidNoticeTransition(before.status, []);
    if (side === "authority") {
      assertThat(
        ctx.actor.permissions.has("notices:draft"),
        new AppError("FORBIDDEN", [{ issue: "replying to a provider needs notices:draft" }]),
      );
      if (repo.UNSENT.includes(before.status)) throw invalidNoticeTransition(before.status, []);
    }
    const me = await c.nodeInfo();
    const row = await transact(db, async (tx) => {
      const n = await c.lockVisible(tx, scope, id);
      await repo.insertMessage(tx, {
        id: uuidv7(),
        noticeId: id,
        side,
        authorUserId: ctx.actor.userId,
        authorLabel: ctx.actor.label,
        text: input.text,
        at: clock.now(),
      });
      await c.recordEvent(tx, ctx, n, {
        event: side === "provider" ? "question" : "reply",
        from: n.status as NoticeStatus,
        to: n.status as NoticeStatus,
        side,
      });
      await audit.record(tx, ctx, {
        action: side === "provider" ? "notice.question" : "notice.reply",
        targetType: "notice",
        targetId: id,
      });
      if (side === "provider") await tellOfficers(tx, n, "notice_question", { actor: ctx.actor.label });
      else await life.tellProvider(tx, n, "notice_reply", me);
      return n;
    });
    return c.detail(ctx, row, scope);
  }

  /** Which company the signed-in provider user works for (the portal's header). */
  async function me(ctx: Ctx) {
    const scope = await c.callerScope(ctx);
    assertThat("providerId" in scope, notFound("provider"));
    const p = await repo.findProvider(db, scope.providerId);
    assertThat(p, notFound("provider"));
    return { provider: { id: p.id, name: p.name, nameZh: p.nameZh, country: p.country } };
  }

  return { act, answer, uploadEvidence, downloadEvidence, postMessage, me };
}
