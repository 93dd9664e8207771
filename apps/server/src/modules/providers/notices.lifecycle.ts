import {
  deadlinesOf,
  issue,
  label,
  type NoticeActionInput,
  type NoticeDetail,
  type NoticeDraftInput,
  type NoticeEvent,
  type NoticeQuery,
  type NoticeStatus,
  type NoticeSummary,
  nextNoticeStatus,
} from "@crossline/schemas";
import type { z } from "zod";
import { uuidv7 } from "../../crypto/ids.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import { assertRequestOpen, madeOfRequest, type NoticeBorder } from "./notices.border.js";
import { newVerificationCode, signNotice } from "./notices.signing.js";
import { type ProvidersContext, transact } from "./providers.context.js";
import type { NoticeRow } from "./providers.repo.js";
import * as repo from "./providers.repo.js";

export function invalidNoticeTransition(status: string, allowed: string[]): AppError {
  return new AppError("INVALID_TRANSITION", [{ ...issue("notice.notAllowedInStatus", { status }), allowed }]);
}

const deadlineBeforeSending = () =>
  new AppError("VALIDATION_FAILED", [
    { field: "body.actBy", issue: "the deadline must be after the notice is sent" },
  ]);

/**
 * The authority's side of a notice: draft, four-eyes approval per kind (policy), send (verification code,
 * signature, deadlines from the same engine as requests, the provider's staff told by a link), withdraw.
 */
export function createNoticeLifecycle(c: ProvidersContext, border: NoticeBorder) {
  const { db, clock, audit, notifications } = c.deps;

  /** A draft; `link.inRequestId`: made of the peer's request (notices.border.ts, which checked the caller may). */
  async function createDraft(
    ctx: Ctx,
    input: z.output<typeof NoticeDraftInput>,
    link?: { inRequestId: string },
  ): Promise<NoticeDetail> {
    requirePermission(ctx.actor, "notices:draft");
    assertThat(ctx.actor.unitId, new AppError("FORBIDDEN", [{ issue: "notices belong to a unit" }]));
    const p = await repo.findProvider(db, input.providerId);
    assertThat(
      p?.active,
      new AppError("VALIDATION_FAILED", [
        { field: "body.providerId", issue: "no such provider in the register" },
      ]),
    );
    const now = clock.now();
    if (input.actBy && Date.parse(input.actBy) <= now.getTime()) throw deadlineBeforeSending();
    const me = await c.nodeInfo();
    const id = uuidv7();
    const unitId = ctx.actor.unitId;
    const row = await transact(db, async (tx) => {
      if (link) {
        // One live notice per incoming request, decided here: under the request's lock (taken before any
        // notice's, as lockVisible does), a second one made at the same time (a double click, another process)
        // finds the first; the unique index (insertNotice) holds for any path that would not lock.
        // The sender's withdrawal may have come in since the first look.
        assertRequestOpen(await c.deps.requests?.lockIn(tx, link.inRequestId));
        const taken = await repo.findNoticeByInRequest(tx, link.inRequestId);
        if (taken && taken.status !== "withdrawn") throw madeOfRequest(taken.reference);
      }
      const n = await repo.insertNotice(tx, {
        id,
        reference: `${me.id}-N-${now.getUTCFullYear()}-${id.replace(/-/g, "").slice(-8).toUpperCase()}`,
        providerId: input.providerId,
        ownerUnitId: unitId,
        kind: input.kind,
        urgency: input.urgency,
        legalBasis: input.legalBasis,
        locators: input.locators as unknown as Record<string, unknown>[],
        reason: input.reason,
        requestedActBy: input.actBy ? new Date(input.actBy) : null,
        status: "draft",
        inRequestId: link?.inRequestId ?? null,
        createdBy: ctx.actor.userId,
        createdByLabel: ctx.actor.label,
        createdAt: now,
        updatedAt: now,
      });
      if (!n) {
        // Skipped only for a live notice of the same request (any other conflict raises): name it.
        const taken = await repo.findNoticeByInRequest(tx, link?.inRequestId ?? id);
        throw madeOfRequest(taken?.reference ?? "");
      }
      await c.recordEvent(tx, ctx, n, { event: "create", from: null, to: "draft", side: "authority" });
      await audit.record(tx, ctx, {
        action: link ? "notice.create_from_request" : "notice.create",
        targetType: "notice",
        targetId: id,
        details: {
          providerId: input.providerId,
          kind: input.kind,
          urgency: input.urgency,
          ...(link ? { requestId: link.inRequestId } : {}),
        },
      });
      return n;
    });
    return c.detail(ctx, row, { unitId });
  }

  async function list(ctx: Ctx, q: z.output<typeof NoticeQuery>) {
    const scope = await c.callerScope(ctx);
    const rows = await repo.listNotices(db, scope, q);
    const page = rows.slice(0, q.limit);
    const zone = await c.zoneFor(ctx);
    const providers = await repo.findProviders(
      db,
      page.map((r) => r.providerId),
    );
    const items: NoticeSummary[] = page.map((r) => c.summary(r, providers.get(r.providerId), zone));
    return { items, nextCursor: rows.length > q.limit ? page[page.length - 1].id : null };
  }

  async function get(ctx: Ctx, id: string): Promise<NoticeDetail> {
    const { notice, scope } = await c.load(ctx, id);
    return c.detail(ctx, notice, scope);
  }

  /** The verification code, signature and deadlines a notice gets when it leaves; slow work, before the transaction. */
  async function prepareSending(n: NoticeRow, approvedBy: string | null) {
    const now = clock.now();
    if (n.requestedActBy && n.requestedActBy.getTime() <= now.getTime()) throw deadlineBeforeSending();
    const [me, policy, p, keys] = await Promise.all([
      c.nodeInfo(),
      c.readPolicy(),
      repo.findProvider(db, n.providerId),
      c.deps.node.keys(),
    ]);
    assertThat(
      p?.active,
      new AppError("CONFLICT", [{ field: "providerId", issue: "the provider is no longer in the register" }]),
    );
    const rule = policy.deadlines[n.kind as keyof typeof policy.deadlines][n.urgency as "routine"];
    const d = deadlinesOf(rule, now);
    // The officer may ask for sooner than the policy, never for later.
    const actBy = n.requestedActBy && n.requestedActBy < d.answerBy ? n.requestedActBy : d.answerBy;
    const acknowledgeBy = d.acknowledgeBy < actBy ? d.acknowledgeBy : actBy;
    const code = newVerificationCode();
    const signed = await signNotice(
      code,
      {
        id: n.id,
        reference: n.reference,
        node: me.id,
        agency: me.agency,
        officer: n.createdByLabel,
        approvedBy,
        provider: { id: p.id, name: p.name, nameZh: p.nameZh, country: p.country },
        kind: n.kind,
        urgency: n.urgency,
        legalBasis: n.legalBasis,
        locators: n.locators,
        reason: n.reason,
        sentAt: now.toISOString(),
        actBy: actBy.toISOString(),
      },
      keys.signing,
    );
    return {
      me,
      provider: p,
      set: {
        sentAt: now,
        acknowledgeBy,
        actBy,
        verificationCode: code,
        signed,
      } satisfies repo.NoticeSet,
    };
  }

  const tellProvider = c.tellProvider;

  async function act(ctx: Ctx, id: string, input: z.output<typeof NoticeActionInput>): Promise<NoticeDetail> {
    const { notice: before, scope } = await c.load(ctx, id);
    assertThat("unitId" in scope, notFound("notice"));
    const allowed = await (async () => (await c.detail(ctx, before, scope)).allowedActions)();
    const event: NoticeEvent = input.event;
    if (!allowed.includes(event)) {
      if (
        event === "approve" &&
        before.createdBy === ctx.actor.userId &&
        before.status === "pending_approval"
      ) {
        throw new AppError("FORBIDDEN", [
          { issue: "four eyes: someone other than the drafter must approve" },
        ]);
      }
      throw invalidNoticeTransition(before.status, allowed);
    }
    const sending = event === "send" || event === "approve";
    const prepared = sending
      ? await prepareSending(before, event === "approve" ? ctx.actor.label : null)
      : null;
    const me = await c.nodeInfo();
    const now = clock.now();
    const row = await transact(db, async (tx) => {
      const n = await c.lockVisible(tx, scope, id);
      const to = nextNoticeStatus(n.status as NoticeStatus, event);
      // Someone else moved it between the read and the lock. A withdrawal still stands if the notice can be
      // withdrawn from where it is now (the peer's "work started" may have arrived meanwhile).
      if (!to || (n.status !== before.status && event !== "withdraw"))
        throw invalidNoticeTransition(n.status, []);
      const set: repo.NoticeSet = { status: to, updatedAt: now, ...(prepared?.set ?? {}) };
      if (event === "approve")
        Object.assign(set, { approvedBy: ctx.actor.userId, approvedByLabel: ctx.actor.label });
      if (event === "withdraw") set.withdrawnAt = now;
      const u = await repo.updateNotice(tx, id, set);
      const reason = "reason" in input ? input.reason : undefined;
      await c.recordEvent(tx, ctx, u, {
        event,
        from: n.status as NoticeStatus,
        to,
        side: "authority",
        data: reason ? { reason } : {},
      });
      await audit.record(tx, ctx, {
        action: `notice.${event}`,
        targetType: "notice",
        targetId: id,
        details: {
          from: n.status,
          to,
          ...(reason ? { reason } : {}),
          ...(prepared ? { actBy: prepared.set.actBy.toISOString() } : {}),
        },
      });
      if (event === "submit_for_approval") {
        const p = await repo.findProvider(tx, n.providerId);
        await notifications.notify(tx, {
          userIds: (await c.deps.recipientsFor(tx, ["provider_compliance"])).filter(
            (u) => u !== ctx.actor.userId,
          ),
          kind: "provider.notice_approval_needed",
          subjectId: n.id,
          severity: "info",
          key: "notice_approval_needed",
          params: { reference: n.reference, actor: ctx.actor.label, provider: p?.name ?? "" },
        });
      }
      let out = u;
      if (to === "sent") {
        // A provider in the other country is reached through its peer's authorities, not told here.
        if (prepared?.provider.viaPeerId) out = await border.relay(tx, ctx, u, prepared.provider, me);
        else await tellProvider(tx, u, "notice_arrived", me);
        await border.started(tx, ctx, u);
      }
      if (event === "withdraw") {
        // A withdrawal of a notice the provider already had: tell its staff too.
        if (!repo.UNSENT.includes(n.status)) await tellProvider(tx, u, "notice_withdrawn", me);
        await border.withdrawn(tx, ctx, u, reason ?? "withdrawn");
      }
      return out;
    });
    return c.detail(ctx, row, scope);
  }

  /** The signed notice file (for the officer to send by e-mail or post, and for the provider to keep). */
  async function signedFile(ctx: Ctx, id: string) {
    const { notice } = await c.load(ctx, id);
    assertThat(notice.signed, new AppError("CONFLICT", [{ issue: "the notice has not been sent yet" }]));
    return notice.signed;
  }

  /** Officers are told when a provider answers or asks; the label of an outcome in the node's language. */
  function outcomeLabel(outcome: string) {
    return `${label("noticeOutcome", outcome, "en")} / ${label("noticeOutcome", outcome, "zh-CN")}`;
  }

  return { createDraft, list, get, act, signedFile, tellProvider, outcomeLabel };
}

export type NoticeLifecycle = ReturnType<typeof createNoticeLifecycle>;
