import {
  allowedNoticeEvents,
  DEFAULT_NOTICE_POLICY,
  deadlineState,
  type ErrorDetail,
  type NoticeDetail,
  type NoticeEvent,
  NoticePolicy,
  type NoticeStatus,
  type NoticeSummary,
  type NoticeTimelineEvent,
  type ProviderView,
  toZonedIso,
} from "@crossline/schemas";
import type { z } from "zod";
import { uuidv7 } from "../../crypto/ids.js";
import { type Db, type DbOrTx, inTransaction, type Tx } from "../../db/client.js";
import { pgErrorOf } from "../../db/errors.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat, notFound, zodIssueDetail } from "../../lib/errors.js";
import type { AuditService } from "../audit/audit.service.js";
import type { NodeService } from "../node/node.service.js";
import type { SettingsPort } from "../node/node.settings.js";
import type { NotificationsService } from "../notifications/notifications.service.js";
import type { RequestsPort } from "../requests/requests.port.js";
import type { NoticeRow, ProviderRow } from "./providers.repo.js";
import * as repo from "./providers.repo.js";

/** What the providers module needs of the users module: make an outside account and bind it in one transaction. */
export interface ProviderAccountsPort {
  createBound(
    ctx: Ctx,
    input: {
      username: string;
      displayName: string;
      email: string;
      language: "en" | "zh-CN";
      timeZone: string;
      unitId: string;
    },
    bind: (tx: Tx, userId: string) => Promise<void>,
  ): Promise<{ userId: string; oneTimePassword: string }>;
}

export interface ProvidersDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  node: Pick<NodeService, "summary" | "keys" | "signingPublicKeys">;
  notifications: Pick<NotificationsService, "notify" | "settle">;
  accounts: ProviderAccountsPort;
  /** The reader's profile time zone (notifications' port on the users' profiles). */
  zoneOf(userId: string): Promise<string>;
  /** The enabled users holding any of `roles`, read in the caller's transaction (users' port). */
  recipientsFor(tx: DbOrTx, roles: readonly string[]): Promise<string[]>;
  /** The enabled users of one unit holding any of `roles` (users' port; the overdue sweep's officers). */
  recipientsInUnit(tx: DbOrTx, unitId: string, roles: readonly string[]): Promise<string[]>;
  /** Where the console is reached from outside (links in e-mails); null: relative links. */
  publicUrl: string | null;
  /** The node's settings (node module): the notices policy is one of them. */
  settings: SettingsPort;
  /**
   * The requests module's port, for notices across the border (notices.border.ts), with federation's blob
   * store for the evidence that travels back; absent: providers reached through a peer cannot be served.
   */
  requests?: Pick<
    RequestsPort,
    "sendIn" | "readIncoming" | "summaries" | "startIn" | "answerIn" | "withdrawIn" | "lockIn"
  > & {
    putAttachment(
      tx: Tx,
      bytes: Buffer,
      name?: string,
    ): Promise<{ id: string; sha256: string; size: number }>;
  };
}

const POLICY_KEY = "notices.policy";

/** PostgreSQL's deadlock and serialization failures: the transaction was rolled back whole and may run again. */
const RETRYABLE = new Set(["40P01", "40001"]);
const retryable = (e: unknown): boolean => RETRYABLE.has(pgErrorOf(e)?.code ?? "");

/**
 * `inTransaction`, run again (up to 3 times) when PostgreSQL rolled it back as a deadlock victim. A notice linked
 * to a request takes the request before the notice (lockVisible). The request's own change enqueues a federation
 * message whose row refers to the peer's row; the requests inbox used to hold that row FOR UPDATE while waiting
 * for the request, a cycle across three modules. The inbox now takes FOR NO KEY UPDATE, which the foreign key's
 * KEY SHARE passes; the retry stays as a guard for any other cycle PostgreSQL breaks by picking a victim.
 */
export async function transact<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(db, fn);
    } catch (e) {
      if (attempt >= 3 || !retryable(e)) throw e;
    }
  }
}

/** Parses with a schema; on failure VALIDATION_FAILED naming each field under `prefix`. */
export function parseOrFail<S extends z.ZodType>(schema: S, input: unknown, prefix: string): z.output<S> {
  const r = schema.safeParse(input, { reportInput: true });
  if (r.success) return r.data;
  const details: ErrorDetail[] = r.error.issues
    .slice(0, 50)
    .map((i) => zodIssueDetail([prefix, ...i.path.map(String)].filter(Boolean).join("."), i));
  throw new AppError("VALIDATION_FAILED", details);
}

/** The provider's staff told of a notice that awaits them (arrived, overdue, a reply to their question). */
const PROVIDER_ASKS = [
  "provider.notice_arrived",
  "provider.notice_overdue",
  "provider.notice_reply",
] as const;

/**
 * Which notifications about a notice each of its events settles (the kinds say whose they are: officers' and the
 * provider staff's are apart): approving or returning it, the approval asked; the authority's reply, the
 * provider's question; the provider taking it up or answering, what asked them to; a withdrawal, everything.
 */
const NOTICE_SETTLES: Partial<Record<NoticeTimelineEvent, readonly string[]>> = {
  approve: ["provider.notice_approval_needed"],
  reject_approval: ["provider.notice_approval_needed"],
  reply: ["provider.notice_question"],
  receive: ["provider.notice_arrived"],
  start_work: ["provider.notice_arrived"],
  answer: PROVIDER_ASKS,
  withdraw: [...PROVIDER_ASKS, "provider.notice_approval_needed", "provider.notice_question"],
};

/**
 * What every part of the providers module shares: dependencies, who the caller is (an officer of a unit or
 * a provider's staff), loading a notice the caller may see, the policy, the views and the timeline.
 */
export function createProvidersContext(deps: ProvidersDeps) {
  const { db, clock, node } = deps;

  async function nodeInfo() {
    const n = await node.summary();
    return { id: n.id, name: n.name, nameZh: n.nameZh, agency: n.agency, timeZone: n.timeZone };
  }

  const readPolicy = (dbx: DbOrTx = db): Promise<NoticePolicy> =>
    deps.settings.read(dbx, POLICY_KEY, NoticePolicy, DEFAULT_NOTICE_POLICY);

  const writePolicy = (tx: Tx, policy: NoticePolicy): Promise<void> =>
    deps.settings.write(tx, POLICY_KEY, policy);

  /**
   * Who is asking: a provider's staff (portal:answer, bound to one provider) or an officer of a unit
   * (notices:read). Anyone else is refused; an outside user with no binding sees nothing.
   */
  async function callerScope(ctx: Ctx): Promise<{ providerId: string } | { unitId: string }> {
    if (ctx.actor.permissions.has("portal:answer") && ctx.actor.userId) {
      const providerId = await repo.providerOfUser(db, ctx.actor.userId);
      assertThat(providerId, notFound("notice"));
      return { providerId };
    }
    requirePermission(ctx.actor, "notices:read");
    assertThat(ctx.actor.unitId, notFound("notice"));
    return { unitId: ctx.actor.unitId };
  }

  /** Deny by default: the owner unit's officers, or the addressed provider's staff once it was sent; else not found. */
  function visibleTo(
    scope: { providerId: string } | { unitId: string },
    n: NoticeRow | undefined,
  ): n is NoticeRow {
    if (!n) return false;
    if ("unitId" in scope) return n.ownerUnitId === scope.unitId;
    return n.providerId === scope.providerId && !repo.UNSENT.includes(n.status);
  }

  async function load(ctx: Ctx, id: string) {
    const scope = await callerScope(ctx);
    await nodeInfo();
    const n = await repo.findNotice(db, id);
    assertThat(visibleTo(scope, n), notFound("notice"));
    return { notice: n, scope };
  }

  /**
   * The notice, locked, or NOT_FOUND. A notice linked to a request (across the border) locks that request
   * first: the requests inbox holds the request when it moves the notice (notices.border.ts peerEvent), and a
   * change here may move the request (withdraw, start, answer); one order, request then notice, makes the two
   * wait for each other instead of deadlocking. The link is read before the lock: it is set once, when the
   * notice is made (in) or in the transaction that sends it (out), which holds the notice's lock.
   */
  async function lockVisible(tx: Tx, scope: { providerId: string } | { unitId: string }, id: string) {
    const seen = await repo.findNotice(tx, id);
    const linked = seen?.outRequestId ?? seen?.inRequestId;
    if (linked && deps.requests) await deps.requests.lockIn(tx, linked);
    const n = await repo.lockNotice(tx, id);
    assertThat(visibleTo(scope, n), notFound("notice"));
    return n;
  }

  /** Marks done the notifications about a notice that asked for what `event` does (NOTICE_SETTLES). */
  async function settle(tx: Tx, noticeId: string, event: NoticeTimelineEvent): Promise<void> {
    const kinds = NOTICE_SETTLES[event];
    if (kinds) await deps.notifications.settle(tx, { subjectId: noticeId, kinds });
  }

  async function recordEvent(
    tx: Tx,
    ctx: Ctx | null,
    n: Pick<NoticeRow, "id">,
    e: {
      event: NoticeTimelineEvent;
      from: NoticeStatus | null;
      to: NoticeStatus;
      side: "authority" | "provider";
      data?: Record<string, unknown>;
    },
  ): Promise<void> {
    await repo.insertEvent(tx, {
      id: uuidv7(),
      noticeId: n.id,
      event: e.event,
      fromStatus: e.from,
      toStatus: e.to,
      side: e.side,
      actorUserId: ctx?.actor.userId ?? null,
      actorLabel: ctx?.actor.label ?? "system",
      at: clock.now(),
      data: e.data ?? {},
    });
    await settle(tx, n.id, e.event);
  }

  const localTime = (d: Date | null, zone: string) =>
    d ? { at: d.toISOString(), local: toZonedIso(d, zone), zone } : null;

  function timeToAction(n: NoticeRow): number | null {
    if (!n.sentAt || !n.actedAt) return null;
    return Math.max(0, Math.round((n.actedAt.getTime() - n.sentAt.getTime()) / 60_000));
  }

  function summary(n: NoticeRow, p: ProviderRow | undefined, zone: string): NoticeSummary {
    const open = ["sent", "received", "in_progress"].includes(n.status);
    return {
      id: n.id,
      reference: n.reference,
      providerId: n.providerId,
      providerName: p?.name ?? "",
      providerNameZh: p?.nameZh ?? "",
      kind: n.kind as NoticeSummary["kind"],
      urgency: n.urgency as NoticeSummary["urgency"],
      status: n.status as NoticeStatus,
      sentAt: n.sentAt?.toISOString() ?? null,
      acknowledgeBy: localTime(n.acknowledgeBy, zone),
      actBy: localTime(n.actBy, zone),
      deadlineState: open && n.actBy ? deadlineState(clock.now(), n.actBy, n.sentAt ?? undefined) : null,
      timeToActionMinutes: timeToAction(n),
      createdAt: n.createdAt.toISOString(),
    };
  }

  async function zoneFor(ctx: Ctx): Promise<string> {
    if (ctx.actor.userId) return deps.zoneOf(ctx.actor.userId);
    return (await nodeInfo()).timeZone;
  }

  async function actionsFor(ctx: Ctx, n: NoticeRow, scope: { providerId: string } | { unitId: string }) {
    const side = "providerId" in scope ? "provider" : "authority";
    const events = allowedNoticeEvents(n.status as NoticeStatus, side, ctx.actor.permissions);
    const fourEyes = (await readPolicy()).fourEyes[n.kind as keyof NoticePolicy["fourEyes"]] ?? true;
    return events.filter((e: NoticeEvent) => {
      if (e === "send") return !fourEyes;
      if (e === "submit_for_approval") return fourEyes;
      if (e === "approve") return n.createdBy !== ctx.actor.userId;
      return true;
    });
  }

  async function detail(
    ctx: Ctx,
    n: NoticeRow,
    scope: { providerId: string } | { unitId: string },
  ): Promise<NoticeDetail> {
    const zone = await zoneFor(ctx);
    const [p, events, messages, files] = await Promise.all([
      repo.findProvider(db, n.providerId),
      repo.eventsOf(db, n.id),
      repo.messagesOf(db, n.id),
      repo.filesOf(db, n.id),
    ]);
    const answer = n.answer as {
      outcome: "done" | "partly_done" | "refused";
      text: NoticeDetail["reason"];
      grounds?: string;
      attachmentIds: string[];
    } | null;
    const byId = new Map(files.map((f) => [f.id, f]));
    const ref = (f: repo.NoticeFileMeta) => ({ id: f.id, name: f.name, sha256: f.sha256, size: f.size });
    const links: NoticeDetail["links"] = [];
    // The cross-border chain: the provider's staff see only their own notice, not the requests behind it.
    if ("unitId" in scope) {
      const ids = [n.outRequestId, n.inRequestId].filter((x): x is string => !!x);
      const found = ids.length && deps.requests ? await deps.requests.summaries(ids) : new Map();
      const add = (kind: "request_out" | "request_in", id: string | null) => {
        if (!id) return;
        const r = found.get(id);
        links.push({
          kind,
          requestId: id,
          peerId: r?.peerId ?? null,
          reference: r?.reference ?? null,
          status: r?.status ?? null,
          evidence: r?.evidence ?? [],
        });
      };
      add("request_out", n.outRequestId);
      add("request_in", n.inRequestId);
    }
    return {
      ...summary(n, p, zone),
      legalBasis: n.legalBasis,
      locators: n.locators as NoticeDetail["locators"],
      reason: n.reason,
      requestedActBy: n.requestedActBy?.toISOString() ?? null,
      createdBy: n.createdByLabel,
      approvedBy: n.approvedByLabel,
      verificationCode: n.verificationCode,
      answer: answer
        ? {
            outcome: answer.outcome,
            text: answer.text,
            grounds: (answer.grounds ?? null) as NonNullable<NoticeDetail["answer"]>["grounds"],
            actedAt: (n.actedAt ?? n.answeredAt ?? clock.now()).toISOString(),
            answeredBy: String((answer as Record<string, unknown>).answeredBy ?? ""),
            attachments: answer.attachmentIds.flatMap((id) => {
              const f = byId.get(id);
              return f ? [ref(f)] : [];
            }),
          }
        : null,
      evidence: files.map(ref),
      messages: messages.map((m) => ({
        id: m.id,
        side: m.side as "authority" | "provider",
        author: m.authorLabel,
        text: m.text,
        at: m.at.toISOString(),
      })),
      timeline: events.map((e) => ({
        id: e.id,
        event: e.event as NoticeTimelineEvent,
        fromStatus: (e.fromStatus ?? null) as NoticeStatus | null,
        toStatus: e.toStatus as NoticeStatus,
        side: e.side as "authority" | "provider",
        actor: e.actorLabel,
        at: e.at.toISOString(),
        data: e.data,
      })),
      links,
      allowedActions: await actionsFor(ctx, n, scope),
    };
  }

  function providerView(p: ProviderRow): ProviderView {
    return {
      id: p.id,
      name: p.name,
      nameZh: p.nameZh,
      country: p.country,
      services: p.services,
      legalEntity: p.legalEntity,
      contacts: p.contacts,
      channels: p.channels as ProviderView["channels"],
      viaPeerId: p.viaPeerId,
      active: p.active,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  }

  function link(path: string): string {
    return `${deps.publicUrl ?? ""}${path}`;
  }

  /** Tells the provider's staff (console and e-mail) that a notice arrived: a link, never the content. */
  async function tellProvider(
    tx: Tx,
    n: NoticeRow,
    key: "notice_arrived" | "notice_withdrawn" | "notice_reply",
    me: { agency: string; timeZone: string },
  ) {
    const staff = await repo.providerUsersOf(tx, n.providerId);
    const p = await repo.findProvider(tx, n.providerId);
    await deps.notifications.notify(tx, {
      userIds: staff.map((s) => s.userId),
      kind: `provider.${key}`,
      subjectId: n.id,
      severity: n.urgency === "emergency" ? "emergency" : n.urgency === "urgent" ? "urgent" : "info",
      key,
      params: {
        reference: n.reference,
        provider: p?.name ?? "",
        agency: me.agency,
        actBy: n.actBy ? { at: n.actBy.toISOString(), zone: me.timeZone } : "",
        link: link(`/portal/notices/${n.id}`),
        verifyLink: link("/verify"),
      },
      email: true,
    });
  }

  return {
    deps,
    nodeInfo,
    readPolicy,
    writePolicy,
    callerScope,
    visibleTo,
    load,
    lockVisible,
    recordEvent,
    settle,
    summary,
    detail,
    zoneFor,
    providerView,
    link,
    tellProvider,
  };
}

export type ProvidersContext = ReturnType<typeof createProvidersContext>;
