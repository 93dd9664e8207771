import { createHash } from "node:crypto";
import {
  type AnswerInput,
  allowedEvents,
  type BoardQuery,
  computeDeadlines,
  type ErrorDetail,
  type EventName,
  isTerminal,
  PRESERVATION_WARNING_DAYS,
  preservationExpiry,
  REQUEST_EVENTS,
  type RequestActionInput,
  type RequestDetail,
  RequestDraftInput,
  type RequestStatus,
  type RequestSummary,
  type SecondCheck,
  type Side,
  secondCheckGuard,
  secondCheckRequired,
  type TimelineEventName,
  transition,
} from "@crossline/schemas";
import {
  and,
  asc,
  desc,
  eq,
  gt,
  ilike,
  inArray,
  isNotNull,
  isNull,
  like,
  lt,
  lte,
  ne,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import type { z } from "zod";
import { uuidv7 } from "../../crypto/ids.js";
import { type Db, type DbOrTx, inTransaction, type Tx } from "../../db/client.js";
import {
  blobChunks,
  blobs,
  nodeIdentity,
  peers,
  preservationExtensions,
  requestEvents,
  requestMessages,
  requests,
  units,
  users,
} from "../../db/schema/index.js";
import { type Ctx, can, requirePermission, systemCtx } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat, notFound, zodIssueDetail } from "../../lib/errors.js";
import { readableInZone, spanOfMinutes } from "../../lib/human-time.js";
import type { AuditService } from "../audit/audit.service.js";
import type { FederationPort } from "../federation/federation.types.js";
import type { HotlineService } from "../hotline/hotline.service.js";
import type { NodeService } from "../node/node.service.js";
import type { NotificationsService } from "../notifications/notifications.service.js";
import type { EventPayload, HistoryItem, SubmittedPayload } from "./requests.messages.js";
import { MSG, messageSummary, secondCheckSummary } from "./requests.messages.js";
import type { RequestPolicyService } from "./requests.policy.js";
import {
  detailParts,
  dueColumns,
  localSide,
  makeZoner,
  type RequestRow,
  stateOf,
  titleOf,
  toEventView,
  toExtensionView,
  toSummary,
} from "./requests.views.js";

export interface RequestsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  node: Pick<NodeService, "summary">;
  policy: RequestPolicyService;
  hotline: HotlineService;
  notifications: NotificationsService;
  federation: FederationPort;
  /** Stores uploaded bytes as a federation blob, so envelopes that reference it carry it to the peer. */
  attachments: {
    putAttachment(
      tx: Tx,
      bytes: Buffer,
      name?: string,
    ): Promise<{ id: string; sha256: string; size: number; name?: string }>;
  };
}

type DraftInput = z.input<typeof RequestDraftInput>;
type Form = z.output<typeof RequestDraftInput>;

/** The start of a reference (node id, then the year): `CN-MPS-2026-…`. */
const REFERENCE_START = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*-20\d\d-/;

const OPEN_FOR_THREAD: readonly RequestStatus[] = [
  "sent",
  "delivered",
  "acknowledged",
  "in_progress",
  "more_info_requested",
  "answered",
];

/** Events a user performs locally that the peer does not see as such (before the request is sent). */
const LOCAL_ONLY: ReadonlySet<EventName> = new Set(["submit_for_approval", "reject_approval"]);

const DAY_MS = 24 * 60 * 60_000;

export function invalidTransition(issue: string, allowed: string[]): AppError {
  return new AppError("INVALID_TRANSITION", [{ issue, allowed }]);
}

/** Parses a draft form; on failure a VALIDATION_FAILED naming each field under `prefix`. */
export function parseForm(input: unknown, prefix = "body.form"): Form {
  // reportInput: the issue keeps the offending value, so Zod's locales can name the type received.
  const r = RequestDraftInput.safeParse(input, { reportInput: true });
  if (r.success) return r.data;
  const details: ErrorDetail[] = r.error.issues
    .slice(0, 50)
    .map((i) => zodIssueDetail([prefix, ...i.path.map(String)].join("."), i));
  throw new AppError("VALIDATION_FAILED", details);
}

export function createRequestsService(deps: RequestsDeps) {
  const { db, clock, audit, policy, hotline, notifications, federation } = deps;
  let nodeCache: { id: string; timeZone: string } | null = null;
  /** The node's id and time zone; read through `dbx` so it is safe inside a transaction (PGlite has one connection). */
  async function nodeInfo(dbx: DbOrTx = db): Promise<{ id: string; timeZone: string }> {
    if (nodeCache) return nodeCache;
    const [n] = await dbx
      .select({ id: nodeIdentity.id, timeZone: nodeIdentity.timeZone })
      .from(nodeIdentity)
      .limit(1);
    if (!n) throw new AppError("NODE_BUSY", [{ issue: "the node is not initialised" }]);
    nodeCache = n;
    return n;
  }

  /**
   * The attachment references whose bytes this node holds (uploaded as federation blobs): only those go
   * into the envelope header, so the transport ships them; a reference without stored bytes travels in the
   * payload only and never holds up the link.
   */
  async function storedAttachments(
    tx: Tx,
    refs: readonly { id: string; sha256: string; size: number; name?: string }[] | undefined,
  ): Promise<{ id: string; sha256: string; size: number; name?: string }[] | undefined> {
    if (!refs?.length) return undefined;
    const me = (await nodeInfo(tx)).id;
    const rows = await tx
      .select({ id: blobs.id, sha256: blobs.sha256, size: blobs.size })
      .from(blobs)
      .where(
        and(
          eq(blobs.origin, me),
          inArray(
            blobs.id,
            refs.map((a) => a.id),
          ),
          isNotNull(blobs.completedAt),
        ),
      );
    const ok = refs.filter((a) =>
      rows.some((b) => b.id === a.id && b.sha256 === a.sha256 && b.size === a.size),
    );
    return ok.length
      ? ok.map((a) => ({ id: a.id, sha256: a.sha256, size: a.size, ...(a.name ? { name: a.name } : {}) }))
      : undefined;
  }

  // -------------------------------------------------------------------------------------------------
  // Reading and authorization

  /** Deny by default: requests:read, and the request belongs to the actor's unit; else not found. */
  function visible(ctx: Ctx, r: RequestRow | undefined): r is RequestRow {
    return !!r && ctx.actor.unitId !== null && r.ownerUnitId === ctx.actor.unitId;
  }

  async function load(ctx: Ctx, id: string): Promise<RequestRow> {
    requirePermission(ctx.actor, "requests:read");
    const [r] = await db.select().from(requests).where(eq(requests.id, id));
    assertThat(visible(ctx, r), notFound("request"));
    return r;
  }

  async function lockRow(tx: Tx, id: string): Promise<RequestRow> {
    const [r] = await tx.select().from(requests).where(eq(requests.id, id)).for("update");
    assertThat(r, notFound("request"));
    return r;
  }

  /** What a user may do now: lifecycle events of their side they hold the permission for, less guards. */
  async function userActions(ctx: Ctx, r: RequestRow, dbx: DbOrTx = db): Promise<EventName[]> {
    const side = localSide(r);
    const events = allowedEvents(r.status as RequestStatus, side, ctx.actor.permissions);
    const fourEyes = (await policy.read(dbx)).fourEyes[r.type as Form["type"]];
    return events.filter((e) => {
      if (e === "send") return !fourEyes && r.peerId !== null;
      if (e === "submit_for_approval") return fourEyes;
      if (e === "approve") return r.createdBy !== ctx.actor.userId;
      if (e === "answer") return secondCheckGuard(guardInput(r), "declined") === null;
      return true;
    });
  }

  function guardInput(r: RequestRow) {
    return {
      type: r.type as Form["type"],
      urgency: r.urgency as Form["urgency"],
      secondCheck: (r.secondCheck as SecondCheck | null) ?? null,
    };
  }

  async function detail(ctx: Ctx, r: RequestRow): Promise<RequestDetail> {
    const node = await nodeInfo();
    const now = clock.now();
    const zoner = makeZoner(r);
    const [events, followUps, extensions] = await Promise.all([
      db
        .select()
        .from(requestEvents)
        .where(eq(requestEvents.requestId, r.id))
        .orderBy(asc(requestEvents.at), asc(requestEvents.id)),
      db
        .select({
          id: requests.id,
          reference: requests.reference,
          status: requests.status,
          ownerUnitId: requests.ownerUnitId,
        })
        .from(requests)
        .where(eq(requests.followUpOf, r.id))
        .orderBy(asc(requests.id)),
      db
        .select()
        .from(preservationExtensions)
        .where(eq(preservationExtensions.requestId, r.id))
        .orderBy(asc(preservationExtensions.requestedAt)),
    ]);
    return {
      ...toSummary(r, now, node.timeZone),
      ...detailParts(r, secondCheckRequired(guardInput(r))),
      followUps: followUps
        .filter((f) => f.ownerUnitId === ctx.actor.unitId)
        .map((f) => ({ id: f.id, reference: f.reference, status: f.status as RequestStatus })),
      extensions: extensions.map(toExtensionView),
      timeline: events.map((e) => toEventView(e, zoner)),
      allowedActions: await userActions(ctx, r),
    };
  }

  async function get(ctx: Ctx, id: string): Promise<RequestDetail> {
    return detail(ctx, await load(ctx, id));
  }

  /** The hotline board: the unit's requests, newest first, filtered, cursor-paged by id. */
  async function board(
    ctx: Ctx,
    q: BoardQuery,
  ): Promise<{ items: RequestSummary[]; nextCursor: string | null }> {
    requirePermission(ctx.actor, "requests:read");
    const unitId = ctx.actor.unitId;
    if (!unitId) return { items: [], nextCursor: null };
    const now = clock.now();
    const where: SQL[] = [eq(requests.ownerUnitId, unitId)];
    if (q.direction) where.push(eq(requests.direction, q.direction));
    if (q.type?.length) where.push(inArray(requests.type, q.type));
    if (q.urgency?.length) where.push(inArray(requests.urgency, q.urgency));
    if (q.status?.length) where.push(inArray(requests.status, q.status));
    if (q.peerId) where.push(eq(requests.peerId, q.peerId));
    if (q.q) {
      // LIKE patterns: the officer's text is matched literally (% and _ escaped). A whole reference's start
      // (CN-MPS-2026-…) is looked up by its index; anything else also searches the titles.
      const literal = q.q.replace(/[\\%_]/g, (c) => `\\${c}`);
      const byReference = like(requests.reference, `${literal.toUpperCase()}%`);
      where.push(
        REFERENCE_START.test(q.q)
          ? byReference
          : (or(byReference, ilike(requests.title, `%${literal}%`)) as SQL),
      );
    }
    if (q.deadline === "overdue") where.push(lt(requests.nextDueAt, now));
    if (q.deadline === "due_soon")
      where.push(and(lte(requests.dueSoonAt, now), sql`${requests.nextDueAt} >= ${now}`) as SQL);
    if (q.deadline === "ok") where.push(gt(requests.dueSoonAt, now));
    if (q.cursor) {
      assertThat(
        /^[0-9a-f-]{36}$/.test(q.cursor),
        new AppError("VALIDATION_FAILED", [
          { field: "querystring.cursor", issue: "not a cursor from this list" },
        ]),
      );
      where.push(lt(requests.id, q.cursor));
    }
    const rows = await db
      .select()
      .from(requests)
      .where(and(...where))
      .orderBy(desc(requests.id))
      .limit(q.limit + 1);
    const node = await nodeInfo();
    const items = rows.slice(0, q.limit).map((r) => toSummary(r, now, node.timeZone));
    return { items, nextCursor: rows.length > q.limit ? items[items.length - 1].id : null };
  }

  // -------------------------------------------------------------------------------------------------
  // Drafts

  /** Whom a request can be addressed to: the active peers (names only, none of the link's details). */
  async function recipients(ctx: Ctx) {
    requirePermission(ctx.actor, "requests:draft");
    return db
      .select({ id: peers.id, name: peers.name, nameZh: peers.nameZh })
      .from(peers)
      .where(eq(peers.state, "active"))
      .orderBy(asc(peers.id));
  }

  async function create(
    ctx: Ctx,
    body: { peerId?: string; peerTimeZone?: string; form: unknown },
  ): Promise<RequestDetail> {
    requirePermission(ctx.actor, "requests:draft");
    const unitId = ctx.actor.unitId;
    assertThat(unitId, new AppError("FORBIDDEN", [{ issue: "only officers of a unit draft requests" }]));
    const form = parseForm(body.form);
    if (form.followUpOf) {
      const [orig] = await db.select().from(requests).where(eq(requests.id, form.followUpOf));
      assertThat(
        visible(ctx, orig),
        new AppError("VALIDATION_FAILED", [{ field: "body.form.followUpOf", issue: "no such request" }]),
      );
    }
    const node = await nodeInfo();
    const now = clock.now();
    const id = uuidv7();
    const row = await inTransaction(db, async (tx) => {
      const [r] = await tx
        .insert(requests)
        .values({
          id,
          reference: referenceFor(node.id, id, now),
          direction: "outgoing",
          peerId: body.peerId ?? null,
          ownerUnitId: unitId,
          type: form.type,
          urgency: form.urgency,
          status: "draft",
          title: titleOf(form),
          input: body.form as object,
          content: form,
          followUpOf: form.followUpOf ?? null,
          createdBy: ctx.actor.userId,
          createdByLabel: ctx.actor.label,
          createdAt: now,
          updatedAt: now,
          requesterTimeZone: node.timeZone,
          responderTimeZone: body.peerTimeZone ?? null,
        })
        .returning();
      await recordEvent(tx, ctx, r, { event: "create", from: null, to: "draft", side: "requester" });
      await audit.record(tx, ctx, {
        action: "request.create",
        targetType: "request",
        targetId: id,
        details: {
          type: form.type,
          urgency: form.urgency,
          peerId: body.peerId ?? null,
          followUpOf: form.followUpOf ?? null,
        },
      });
      return r;
    });
    return detail(ctx, row);
  }

  async function update(
    ctx: Ctx,
    id: string,
    body: { peerId?: string; peerTimeZone?: string; form: unknown; version?: number },
  ): Promise<RequestDetail> {
    requirePermission(ctx.actor, "requests:draft");
    const before = await load(ctx, id);
    const form = parseForm(body.form);
    const row = await inTransaction(db, async (tx) => {
      const r = await lockRow(tx, id);
      if (r.direction !== "outgoing" || r.status !== "draft") {
        throw invalidTransition(
          `only a draft can be edited; this request is ${r.status}`,
          await userActions(ctx, r, tx),
        );
      }
      if (body.version !== undefined && body.version !== r.version) {
        throw new AppError("CONFLICT", [
          { field: "body.version", issue: `the draft changed (now version ${r.version})` },
        ]);
      }
      const [u] = await tx
        .update(requests)
        .set({
          peerId: body.peerId ?? r.peerId,
          responderTimeZone: body.peerTimeZone ?? r.responderTimeZone,
          type: form.type,
          urgency: form.urgency,
          title: titleOf(form),
          input: body.form as object,
          content: form,
          followUpOf: form.followUpOf ?? null,
          updatedAt: clock.now(),
          version: r.version + 1,
        })
        .where(eq(requests.id, id))
        .returning();
      await audit.record(tx, ctx, {
        action: "request.update_draft",
        targetType: "request",
        targetId: id,
        details: { type: form.type, urgency: form.urgency, version: u.version },
      });
      return u;
    });
    void before;
    return detail(ctx, row);
  }

  // -------------------------------------------------------------------------------------------------
  // Lifecycle

  async function recordEvent(
    tx: Tx,
    ctx: Ctx | null,
    r: Pick<RequestRow, "id">,
    e: {
      event: TimelineEventName;
      from: string | null;
      to: string;
      side: Side;
      data?: Record<string, unknown>;
      nodeId?: string;
      actorLabel?: string;
      at?: Date;
      msgId?: string | null;
      id?: string;
    },
  ) {
    const node = await nodeInfo(tx);
    const id = e.id ?? uuidv7();
    await tx.insert(requestEvents).values({
      id,
      requestId: r.id,
      event: e.event,
      fromStatus: e.from,
      toStatus: e.to,
      side: e.side,
      nodeId: e.nodeId ?? node.id,
      actorUserId: ctx?.actor.userId ?? null,
      actorLabel: e.actorLabel ?? ctx?.actor.label ?? "system",
      at: e.at ?? clock.now(),
      data: e.data ?? {},
      msgId: e.msgId ?? null,
    });
    return id;
  }

  async function act(ctx: Ctx, id: string, input: RequestActionInput): Promise<RequestDetail> {
    const current = await load(ctx, id);
    const def = REQUEST_EVENTS[input.event];
    if (def.permission) requirePermission(ctx.actor, def.permission);
    const row = await inTransaction(db, async (tx) => {
      const r = await lockRow(tx, id);
      const side = localSide(r);
      const status = r.status as RequestStatus;
      const allowed = await userActions(ctx, r, tx);
      if (def.side !== side) {
        throw invalidTransition(
          `${input.event} is done by the ${def.side}; this node is the ${side}`,
          allowed,
        );
      }
      const t = transition(status, input.event);
      if (!t.ok) throw invalidTransition(`${input.event} is not allowed in status ${status}`, allowed);
      const pol = await policy.read(tx);
      const type = r.type as Form["type"];
      const urgency = r.urgency as Form["urgency"];
      const now = clock.now();
      const set: Partial<typeof requests.$inferInsert> = {
        status: t.to,
        updatedAt: now,
        version: r.version + 1,
      };
      const data: Record<string, unknown> = {};

      switch (input.event) {
        case "send":
          if (pol.fourEyes[type]) {
            throw invalidTransition(
              `four-eyes approval is required for ${type}: submit it for approval`,
              allowed,
            );
          }
          break;
        case "approve":
          if (r.createdBy === ctx.actor.userId) {
            throw new AppError("FORBIDDEN", [
              { issue: "four eyes: the drafter may not approve their own request" },
            ]);
          }
          if (input.note) data.note = input.note;
          break;
        case "reject_approval":
          data.reason = input.reason;
          break;
        case "request_more_info":
          data.question = input.question;
          break;
        case "provide_more_info":
          data.information = input.information;
          data.attachments = input.attachments;
          break;
        case "withdraw":
          data.reason = input.reason;
          set.withdrawnAt = now;
          break;
        case "acknowledge":
          set.acknowledgedAt = now;
          if (input.note) data.note = input.note;
          break;
        case "answer": {
          const guard = secondCheckGuard(guardInput(r), input.answer.outcome);
          if (guard && !r.secondCheck)
            throw invalidTransition(
              guard,
              allowed.filter((e) => e !== "answer"),
            );
          if (guard)
            throw new AppError("VALIDATION_FAILED", [{ field: "body.answer.outcome", issue: guard }]);
          data.answer = input.answer;
          Object.assign(set, answerColumns(r, input.answer, now));
          break;
        }
        case "close":
          set.closedAt = now;
          if (input.note) data.note = input.note;
          break;
        default:
          if ("note" in input && input.note) data.note = input.note;
      }
      if (t.to === "sent") {
        assertThat(
          r.peerId,
          new AppError("VALIDATION_FAILED", [
            { field: "body.peerId", issue: "name the peer the request goes to" },
          ]),
        );
        const d = computeDeadlines(pol.deadlines, type, urgency, now);
        Object.assign(set, { sentAt: now, acknowledgeBy: d.acknowledgeBy, answerBy: d.answerBy });
      }
      const next = { ...r, ...set } as RequestRow;
      Object.assign(set, dueColumns(next));
      const [u] = await tx.update(requests).set(set).where(eq(requests.id, id)).returning();
      const eventId = await recordEvent(tx, ctx, u, {
        event: input.event,
        from: status,
        to: t.to,
        side,
        data,
      });
      await audit.record(tx, ctx, {
        action: `request.${input.event}`,
        targetType: "request",
        targetId: id,
        details: {
          from: status,
          to: t.to,
          peerId: r.peerId,
          ...(data.reason ? { reason: data.reason } : {}),
        },
      });
      if (t.to === "sent") {
        await sendSubmitted(tx, ctx, u);
      } else if (u.sentAt && !LOCAL_ONLY.has(input.event)) {
        await federation.enqueue(tx, ctx, {
          peerId: u.peerId as string,
          type: MSG.event,
          conversation: u.id,
          payload: {
            requestId: u.id,
            eventId,
            event: input.event,
            at: now.toISOString(),
            actor: ctx.actor.label,
            data,
          } satisfies EventPayload,
          attachments: await storedAttachments(tx, attachmentsOf(data)),
        });
      }
      await afterLocalEvent(tx, ctx, u, input.event, status);
      return u;
    });
    void current;
    return detail(ctx, row);
  }

  function answerColumns(
    r: RequestRow,
    answer: AnswerInput,
    at: Date,
  ): Partial<typeof requests.$inferInsert> {
    const out: Partial<typeof requests.$inferInsert> = { answer, outcome: answer.outcome, answeredAt: at };
    if (r.type === "preservation" && answer.outcome !== "declined") {
      const days = ((r.content as Form & { details: { preservationDays?: number } }).details
        .preservationDays ?? 90) as number;
      out.preservationExpiresAt = preservationExpiry(at, days);
    }
    return out;
  }

  async function sendSubmitted(tx: Tx, ctx: Ctx, r: RequestRow) {
    const history = await tx
      .select()
      .from(requestEvents)
      .where(eq(requestEvents.requestId, r.id))
      .orderBy(asc(requestEvents.at), asc(requestEvents.id));
    const payload: z.input<typeof import("./requests.messages.js").SubmittedPayload> = {
      id: r.id,
      reference: r.reference,
      form: r.input as DraftInput,
      title: r.title,
      sentAt: (r.sentAt as Date).toISOString(),
      acknowledgeBy: (r.acknowledgeBy as Date).toISOString(),
      answerBy: (r.answerBy as Date).toISOString(),
      requesterTimeZone: r.requesterTimeZone ?? "UTC",
      createdBy: r.createdByLabel,
      history: history.slice(-50).map((h) => ({
        event: h.event,
        from: h.fromStatus as RequestStatus | null,
        to: h.toStatus as RequestStatus,
        at: h.at.toISOString(),
        actor: h.actorLabel,
        data: h.data as Record<string, unknown>,
      })),
    };
    const content = r.content as Form;
    await federation.enqueue(tx, ctx, {
      peerId: r.peerId as string,
      type: MSG.submitted,
      conversation: r.id,
      payload,
      attachments: await storedAttachments(tx, content.attachments),
    });
    await hotline.log(tx, {
      unitId: r.ownerUnitId,
      requestId: r.id,
      peerId: r.peerId,
      direction: "outgoing",
      kind: "request_sent",
      actorLabel: ctx.actor.label,
      summary: `${r.reference} (${r.urgency} ${r.type}) sent to ${r.peerId}`,
    });
  }

  /** Local side effects of a local event: notifications and hotline log. */
  async function afterLocalEvent(tx: Tx, ctx: Ctx, r: RequestRow, event: EventName, from: RequestStatus) {
    if (event === "submit_for_approval") {
      const sups = (await hotline.supervisors(tx, r.ownerUnitId)).filter((u) => u !== ctx.actor.userId);
      await notifications.notify(tx, {
        userIds: sups,
        kind: "approval_needed",
        severity: r.urgency === "routine" ? "info" : (r.urgency as "urgent" | "emergency"),
        requestId: r.id,
        title: { en: `Approval needed: ${r.reference}`, zh: `待审批：${r.reference}` },
        body: {
          en: `${ctx.actor.label} submitted ${r.title}`,
          zh: `${ctx.actor.label} 提交了请求 ${r.title}`,
        },
        email: r.urgency !== "routine",
      });
    }
    if (event === "reject_approval" && r.createdBy) {
      await notifications.notify(tx, {
        userIds: [r.createdBy],
        kind: "approval_rejected",
        severity: "info",
        requestId: r.id,
        title: { en: `Returned to draft: ${r.reference}`, zh: `已退回草稿：${r.reference}` },
        body: {
          en: `${ctx.actor.label} did not approve the request.`,
          zh: `${ctx.actor.label} 未批准该请求。`,
        },
      });
    }
    // What travels to the other side goes in the hotline log; approval and sending are logged where
    // the request leaves (`request_sent`).
    if (!["submit_for_approval", "approve", "reject_approval", "send"].includes(event)) {
      await hotline.log(tx, {
        unitId: r.ownerUnitId,
        requestId: r.id,
        peerId: r.peerId,
        direction: "outgoing",
        kind: event,
        actorLabel: ctx.actor.label,
        summary: `${r.reference}: ${event.replace(/_/g, " ")} (was ${from})`,
      });
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Second check, routing

  async function recordSecondCheck(
    ctx: Ctx,
    id: string,
    input: {
      method: SecondCheck["method"];
      namedContact: SecondCheck["namedContact"];
      at?: string;
      result: SecondCheck["result"];
      notes?: SecondCheck["notes"];
    },
  ): Promise<RequestDetail> {
    requirePermission(ctx.actor, "requests:answer");
    await load(ctx, id);
    const row = await inTransaction(db, async (tx) => {
      const r = await lockRow(tx, id);
      const allowed = await userActions(ctx, r, tx);
      if (r.direction !== "incoming") {
        throw invalidTransition("the second check is made by the responding side", allowed);
      }
      if (!["delivered", "acknowledged", "in_progress", "more_info_requested"].includes(r.status)) {
        throw invalidTransition(`no second check can be recorded in status ${r.status}`, allowed);
      }
      const now = clock.now();
      const at = input.at ? new Date(input.at) : now;
      assertThat(
        at.getTime() <= now.getTime() + 60_000,
        new AppError("VALIDATION_FAILED", [{ field: "body.at", issue: "must not be in the future" }]),
      );
      const check: SecondCheck = {
        checkedBy: {
          userId: ctx.actor.userId ?? "00000000-0000-0000-0000-000000000000",
          name: ctx.actor.label,
        },
        method: input.method,
        namedContact: input.namedContact,
        at: at.toISOString(),
        result: input.result,
        ...(input.notes ? { notes: input.notes } : {}),
      };
      const [u] = await tx
        .update(requests)
        .set({ secondCheck: check, updatedAt: now, version: r.version + 1 })
        .where(eq(requests.id, id))
        .returning();
      const eventId = await recordEvent(tx, ctx, u, {
        event: "second_check",
        from: r.status,
        to: r.status,
        side: "responder",
        data: { secondCheck: check },
      });
      await audit.record(tx, ctx, {
        action: "request.second_check",
        targetType: "request",
        targetId: id,
        details: {
          method: check.method,
          contact: check.namedContact.name,
          result: check.result,
          at: check.at,
        },
      });
      await hotline.log(tx, {
        unitId: u.ownerUnitId,
        requestId: id,
        peerId: u.peerId,
        direction: "internal",
        kind: "second_check",
        actorLabel: ctx.actor.label,
        summary: secondCheckSummary(u.reference, ctx.actor.label, check),
      });
      await federation.enqueue(tx, ctx, {
        peerId: u.peerId as string,
        type: MSG.event,
        conversation: u.id,
        payload: {
          requestId: u.id,
          eventId,
          event: "second_check",
          at: now.toISOString(),
          actor: ctx.actor.label,
          data: {},
          secondCheck: check,
        } satisfies EventPayload,
      });
      return u;
    });
    return detail(ctx, row);
  }

  /** Routes an incoming request to another unit's desk. */
  async function assign(ctx: Ctx, id: string, unitId: string): Promise<RequestSummary> {
    if (!can(ctx.actor, "hotline:duty")) requirePermission(ctx.actor, "hotline:duty");
    const r0 = await load(ctx, id);
    const [unit] = await db.select().from(units).where(eq(units.id, unitId));
    assertThat(unit, new AppError("VALIDATION_FAILED", [{ field: "body.unitId", issue: "no such unit" }]));
    if (r0.direction !== "incoming") {
      throw invalidTransition("only incoming requests are routed between units", await userActions(ctx, r0));
    }
    const row = await inTransaction(db, async (tx) => {
      const r = await lockRow(tx, id);
      const [u] = await tx
        .update(requests)
        .set({ ownerUnitId: unitId, updatedAt: clock.now(), version: r.version + 1 })
        .where(eq(requests.id, id))
        .returning();
      await recordEvent(tx, ctx, u, {
        event: "assign",
        from: r.status,
        to: r.status,
        side: "responder",
        data: { unitId, fromUnitId: r.ownerUnitId },
      });
      await audit.record(tx, ctx, {
        action: "request.assign",
        targetType: "request",
        targetId: id,
        details: { from: r.ownerUnitId, to: unitId },
      });
      for (const unitLog of [r.ownerUnitId, unitId]) {
        await hotline.log(tx, {
          unitId: unitLog,
          requestId: id,
          peerId: r.peerId,
          direction: "internal",
          kind: "assigned",
          actorLabel: ctx.actor.label,
          summary: `${r.reference} routed to ${unit.name}`,
        });
      }
      await notifications.notify(tx, {
        userIds: await hotline.dutyRecipients(tx, unitId, clock.now()),
        kind: "request_assigned",
        severity: r.urgency === "routine" ? "info" : (r.urgency as "urgent" | "emergency"),
        requestId: id,
        title: { en: `Routed to your unit: ${r.reference}`, zh: `已转至本单位：${r.reference}` },
        body: { en: r.title, zh: r.title },
        email: r.urgency !== "routine",
      });
      return u;
    });
    return toSummary(row, clock.now(), (await nodeInfo()).timeZone);
  }

  // -------------------------------------------------------------------------------------------------
  // Thread

  function requireThreadPermission(ctx: Ctx) {
    if (!can(ctx.actor, "requests:draft") && !can(ctx.actor, "requests:answer")) {
      throw new AppError("FORBIDDEN", [{ issue: "requires permission requests:draft or requests:answer" }]);
    }
  }

  async function messages(ctx: Ctx, id: string) {
    const r = await load(ctx, id);
    const node = await nodeInfo();
    const zoner = makeZoner(r);
    const rows = await db
      .select()
      .from(requestMessages)
      .where(eq(requestMessages.requestId, id))
      .orderBy(asc(requestMessages.at), asc(requestMessages.id))
      .limit(1000);
    const mySide = localSide(r);
    const other: Side = mySide === "requester" ? "responder" : "requester";
    return rows.map((m) => ({
      id: m.id,
      nodeId: m.nodeId,
      side: m.nodeId === node.id ? mySide : other,
      author: m.authorLabel,
      body: m.body as { lang: "en" | "zh-CN"; text: string },
      attachments: m.attachments as { id: string; name: string; sha256: string; size: number }[],
      at: zoner(m.at) as NonNullable<ReturnType<typeof zoner>>,
      mine: m.nodeId === node.id,
      readAt: m.readAt?.toISOString() ?? null,
      readBy: m.readByLabel,
    }));
  }

  async function postMessage(
    ctx: Ctx,
    id: string,
    input: {
      body: { lang: "en" | "zh-CN"; text: string };
      attachments: { id: string; name: string; sha256: string; size: number }[];
    },
  ) {
    requireThreadPermission(ctx);
    const r = await load(ctx, id);
    if (!OPEN_FOR_THREAD.includes(r.status as RequestStatus) || !r.peerId) {
      throw invalidTransition(`no thread messages in status ${r.status}`, await userActions(ctx, r));
    }
    const node = await nodeInfo();
    const now = clock.now();
    const messageId = uuidv7();
    await inTransaction(db, async (tx) => {
      await tx.insert(requestMessages).values({
        id: messageId,
        requestId: id,
        nodeId: node.id,
        authorUserId: ctx.actor.userId,
        authorLabel: ctx.actor.label,
        body: input.body,
        attachments: input.attachments,
        at: now,
      });
      await audit.record(tx, ctx, {
        action: "request.message",
        targetType: "request",
        targetId: id,
        details: { messageId, attachments: input.attachments.map((a) => a.sha256) },
      });
      await hotline.log(tx, {
        unitId: r.ownerUnitId,
        requestId: id,
        peerId: r.peerId,
        direction: "outgoing",
        kind: "message",
        actorLabel: ctx.actor.label,
        summary: messageSummary(r.reference, input.body.text, input.attachments.length),
      });
      await federation.enqueue(tx, ctx, {
        peerId: r.peerId as string,
        type: MSG.message,
        conversation: id,
        payload: {
          requestId: id,
          messageId,
          at: now.toISOString(),
          author: ctx.actor.label,
          body: input.body,
          attachments: input.attachments,
        },
        attachments: await storedAttachments(tx, input.attachments),
      });
    });
    return (await messages(ctx, id)).find((m) => m.id === messageId) as Awaited<
      ReturnType<typeof messages>
    >[number];
  }

  /** Marks the other side's messages read and sends a read receipt. */
  async function markMessagesRead(ctx: Ctx, id: string): Promise<{ marked: number }> {
    const r = await load(ctx, id);
    const node = await nodeInfo();
    const now = clock.now();
    return inTransaction(db, async (tx) => {
      const rows = await tx
        .update(requestMessages)
        .set({ readAt: now, readByLabel: ctx.actor.label })
        .where(
          and(
            eq(requestMessages.requestId, id),
            ne(requestMessages.nodeId, node.id),
            isNull(requestMessages.readAt),
          ),
        )
        .returning({ id: requestMessages.id });
      if (rows.length === 0) return { marked: 0 };
      await audit.record(tx, ctx, {
        action: "request.messages_read",
        targetType: "request",
        targetId: id,
        details: { count: rows.length },
      });
      if (r.peerId) {
        await federation.enqueue(tx, ctx, {
          peerId: r.peerId,
          type: MSG.read,
          conversation: id,
          payload: {
            requestId: id,
            messageIds: rows.map((m) => m.id),
            at: now.toISOString(),
            by: ctx.actor.label,
          },
        });
      }
      return { marked: rows.length };
    });
  }

  // -------------------------------------------------------------------------------------------------
  // Preservation extensions

  async function requestExtension(
    ctx: Ctx,
    id: string,
    input: { days: number; reason: { lang: "en" | "zh-CN"; text: string } },
  ) {
    requirePermission(ctx.actor, "requests:draft");
    const r = await load(ctx, id);
    const allowed = await userActions(ctx, r);
    if (r.direction !== "outgoing" || r.type !== "preservation") {
      throw invalidTransition("only the requester of a preservation asks for an extension", allowed);
    }
    if (!r.preservationExpiresAt || (isTerminal(r.status as RequestStatus) && r.status === "withdrawn")) {
      throw invalidTransition("the data is not (or no longer) preserved", allowed);
    }
    const now = clock.now();
    const extensionId = uuidv7();
    await inTransaction(db, async (tx) => {
      await tx.insert(preservationExtensions).values({
        id: extensionId,
        requestId: id,
        days: input.days,
        reason: input.reason,
        status: "requested",
        requestedAt: now,
        requestedBy: ctx.actor.label,
      });
      await recordEvent(tx, ctx, r, {
        event: "extension_requested",
        from: r.status,
        to: r.status,
        side: "requester",
        data: { days: input.days, reason: input.reason },
      });
      await audit.record(tx, ctx, {
        action: "request.extension_request",
        targetType: "request",
        targetId: id,
        details: { extensionId, days: input.days },
      });
      await federation.enqueue(tx, ctx, {
        peerId: r.peerId as string,
        type: MSG.extension,
        conversation: id,
        payload: {
          requestId: id,
          extensionId,
          days: input.days,
          reason: input.reason,
          at: now.toISOString(),
          by: ctx.actor.label,
        },
      });
    });
    return get(ctx, id);
  }

  async function decideExtension(
    ctx: Ctx,
    id: string,
    extensionId: string,
    input: { grant: boolean; note?: { lang: "en" | "zh-CN"; text: string } },
  ) {
    requirePermission(ctx.actor, "requests:answer");
    const r0 = await load(ctx, id);
    if (r0.direction !== "incoming") {
      throw invalidTransition("the responder decides on an extension", await userActions(ctx, r0));
    }
    await inTransaction(db, async (tx) => {
      const r = await lockRow(tx, id);
      const [ext] = await tx
        .select()
        .from(preservationExtensions)
        .where(and(eq(preservationExtensions.id, extensionId), eq(preservationExtensions.requestId, id)))
        .for("update");
      assertThat(ext, notFound("extension"));
      if (ext.status !== "requested")
        throw new AppError("CONFLICT", [{ issue: `the extension is already ${ext.status}` }]);
      const now = clock.now();
      const base = r.preservationExpiresAt && r.preservationExpiresAt > now ? r.preservationExpiresAt : now;
      const newExpiresAt = input.grant ? preservationExpiry(base, ext.days) : null;
      await tx
        .update(preservationExtensions)
        .set({
          status: input.grant ? "granted" : "refused",
          decidedAt: now,
          decidedBy: ctx.actor.label,
          newExpiresAt,
          decisionNote: input.note ?? null,
        })
        .where(eq(preservationExtensions.id, extensionId));
      if (newExpiresAt) {
        await tx
          .update(requests)
          // A new expiry gets its own warning.
          .set({
            preservationExpiresAt: newExpiresAt,
            preservationWarnedAt: null,
            updatedAt: now,
            version: r.version + 1,
          })
          .where(eq(requests.id, id));
      }
      await recordEvent(tx, ctx, r, {
        event: input.grant ? "extension_granted" : "extension_refused",
        from: r.status,
        to: r.status,
        side: "responder",
        data: { extensionId, days: ext.days, newExpiresAt: newExpiresAt?.toISOString() ?? null },
      });
      await audit.record(tx, ctx, {
        action: "request.extension_decision",
        targetType: "request",
        targetId: id,
        details: { extensionId, grant: input.grant },
      });
      await federation.enqueue(tx, ctx, {
        peerId: r.peerId as string,
        type: MSG.extensionDecision,
        conversation: id,
        payload: {
          requestId: id,
          extensionId,
          grant: input.grant,
          ...(input.note ? { note: input.note } : {}),
          newExpiresAt: newExpiresAt?.toISOString() ?? null,
          at: now.toISOString(),
          by: ctx.actor.label,
        },
      });
    });
    return get(ctx, id);
  }

  // -------------------------------------------------------------------------------------------------
  // Escalation sweep (background job; safe with several processes)

  /**
   * Escalates requests not acknowledged by their deadline: level 1 alerts the supervisors of the
   * owning unit; level 2 (outgoing requests only, `escalation.peerAfterMinutes` later) sends a signed
   * hotline.escalation to the peer. Rows are claimed with FOR UPDATE SKIP LOCKED and the level moves
   * by a conditional update, so concurrent sweeps never escalate twice.
   */
  async function sweepEscalations(limit = 100): Promise<{ level1: number; level2: number }> {
    const now = clock.now();
    const pol = await policy.read();
    const peerCutoff = new Date(now.getTime() - pol.escalation.peerAfterMinutes * 60_000);
    const ctx = systemCtx();
    let level1 = 0;
    let level2 = 0;
    // times in notices are read on this node's clock
    const zone = (await nodeInfo()).timeZone;
    await inTransaction(db, async (tx) => {
      const due = await tx
        .select()
        .from(requests)
        .where(
          and(
            isNull(requests.acknowledgedAt),
            inArray(requests.status, ["sent", "delivered"]),
            or(
              and(eq(requests.escalationLevel, 0), lt(requests.acknowledgeBy, now)),
              and(
                eq(requests.escalationLevel, 1),
                eq(requests.direction, "outgoing"),
                lt(requests.acknowledgeBy, peerCutoff),
              ),
            ),
          ),
        )
        .orderBy(asc(requests.acknowledgeBy))
        .limit(limit)
        .for("update", { skipLocked: true });
      for (const r of due) {
        const level = r.escalationLevel + 1;
        const [u] = await tx
          .update(requests)
          .set({ escalationLevel: level, updatedAt: now, version: r.version + 1 })
          .where(and(eq(requests.id, r.id), eq(requests.escalationLevel, r.escalationLevel)))
          .returning();
        if (!u) continue;
        const late = Math.round((now.getTime() - (r.acknowledgeBy as Date).getTime()) / 60_000);
        await recordEvent(tx, ctx, u, {
          event: "escalated",
          from: r.status,
          to: r.status,
          side: localSide(r),
          data: { level, minutesLate: late },
        });
        await audit.record(tx, ctx, {
          action: "request.escalate",
          targetType: "request",
          targetId: r.id,
          details: { level, minutesLate: late },
        });
        if (level === 1) {
          level1++;
          const who = r.direction === "incoming" ? "us" : r.peerId;
          await notifications.notify(tx, {
            userIds: await hotline.supervisors(tx, r.ownerUnitId),
            kind: "escalation",
            severity: r.urgency === "routine" ? "urgent" : "emergency",
            requestId: r.id,
            title: { en: `Not acknowledged in time: ${r.reference}`, zh: `未按时确认：${r.reference}` },
            body: {
              en: `${r.title}\nAcknowledgement by ${who} was due ${readableInZone(r.acknowledgeBy as Date, zone)} (${spanOfMinutes(late, "en")} late).`,
              zh: `${r.title}\n确认期限 ${readableInZone(r.acknowledgeBy as Date, zone)}，已逾期 ${spanOfMinutes(late, "zh")}。`,
            },
            email: true,
          });
          await hotline.log(tx, {
            unitId: r.ownerUnitId,
            requestId: r.id,
            peerId: r.peerId,
            direction: "internal",
            kind: "escalated_supervisor",
            actorLabel: "system",
            summary: `${r.reference}: not acknowledged ${late} min after the deadline; supervisors alerted`,
          });
        } else {
          level2++;
          await federation.enqueue(tx, ctx, {
            peerId: r.peerId as string,
            type: MSG.escalation,
            conversation: r.id,
            payload: {
              requestId: r.id,
              reference: r.reference,
              level,
              reason: {
                lang: "en",
                text: `Not acknowledged ${late} minutes after the acknowledge deadline.`,
              },
              acknowledgeBy: (r.acknowledgeBy as Date).toISOString(),
              at: now.toISOString(),
              contact: pol.escalation.contact,
            },
          });
          await hotline.log(tx, {
            unitId: r.ownerUnitId,
            requestId: r.id,
            peerId: r.peerId,
            direction: "outgoing",
            kind: "escalated_peer",
            actorLabel: "system",
            summary: `${r.reference}: escalated to ${r.peerId}'s escalation contact`,
          });
        }
      }
    });
    return { level1, level2 };
  }

  // -------------------------------------------------------------------------------------------------
  // Deadline notices (background job; safe with several processes)

  /** Who hears of a request's deadline on this node: the answering desk, or the requesting unit. */
  async function noticeRecipients(tx: Tx, r: RequestRow, now: Date): Promise<string[]> {
    const sup = await hotline.supervisors(tx, r.ownerUnitId);
    if (r.direction === "incoming")
      return [...sup, ...(await hotline.dutyRecipients(tx, r.ownerUnitId, now))];
    const creator = r.createdBy
      ? await tx
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.id, r.createdBy), eq(users.disabled, false)))
      : [];
    return [...creator.map((u) => u.id), ...sup];
  }

  /**
   * Tells the people concerned, once, that an acknowledged request is past its answer deadline without
   * an answer (incoming: the unit's supervisors and who is on duty; outgoing: the drafter and the
   * supervisors, since the peer is late), and warns the requesting unit PRESERVATION_WARNING_DAYS before
   * a preservation expires (once per expiry: a granted extension clears `preservationWarnedAt`). Each
   * notice is a timeline event, an audit entry, a hotline-log line, a console notification and an
   * e-mail. Rows are claimed with FOR UPDATE SKIP LOCKED and marked by a conditional update, so
   * concurrent sweeps never notify twice.
   */
  async function sweepDeadlineNotices(
    limit = 100,
  ): Promise<{ answerOverdue: number; preservationExpiring: number }> {
    const now = clock.now();
    const ctx = systemCtx();
    let answerOverdue = 0;
    let preservationExpiring = 0;
    // times in notices are read on this node's clock
    const zone = (await nodeInfo()).timeZone;
    await inTransaction(db, async (tx) => {
      const due = await tx
        .select()
        .from(requests)
        .where(
          and(
            isNull(requests.answerOverdueNotifiedAt),
            isNull(requests.answeredAt),
            inArray(requests.status, ["acknowledged", "in_progress", "more_info_requested"]),
            lt(requests.answerBy, now),
          ),
        )
        .orderBy(asc(requests.answerBy))
        .limit(limit)
        .for("update", { skipLocked: true });
      for (const r of due) {
        const [u] = await tx
          .update(requests)
          .set({ answerOverdueNotifiedAt: now, updatedAt: now, version: r.version + 1 })
          .where(and(eq(requests.id, r.id), isNull(requests.answerOverdueNotifiedAt)))
          .returning();
        if (!u) continue;
        answerOverdue++;
        const answerBy = r.answerBy as Date;
        const late = Math.round((now.getTime() - answerBy.getTime()) / 60_000);
        const incoming = r.direction === "incoming";
        await recordEvent(tx, ctx, u, {
          event: "answer_overdue",
          from: r.status,
          to: r.status,
          side: localSide(r),
          data: { answerBy: answerBy.toISOString(), minutesLate: late },
        });
        await audit.record(tx, ctx, {
          action: "request.answer_overdue",
          targetType: "request",
          targetId: r.id,
          details: { answerBy: answerBy.toISOString(), minutesLate: late, direction: r.direction },
        });
        const recipients = await noticeRecipients(tx, r, now);
        await notifications.notify(tx, {
          userIds: recipients,
          kind: "answer_overdue",
          severity: r.urgency === "emergency" ? "emergency" : "urgent",
          requestId: r.id,
          title: { en: `Answer overdue: ${r.reference}`, zh: `答复已逾期：${r.reference}` },
          body: incoming
            ? {
                en: `${r.title}\nOur answer was due ${readableInZone(answerBy, zone)} (${spanOfMinutes(late, "en")} late).`,
                zh: `${r.title}\n我方答复期限 ${readableInZone(answerBy, zone)}，已逾期 ${spanOfMinutes(late, "zh")}。`,
              }
            : {
                en: `${r.title}\n${r.peerId}'s answer was due ${readableInZone(answerBy, zone)} (${spanOfMinutes(late, "en")} late).`,
                zh: `${r.title}\n${r.peerId} 的答复期限 ${readableInZone(answerBy, zone)}，已逾期 ${spanOfMinutes(late, "zh")}。`,
              },
          email: true,
        });
        await hotline.log(tx, {
          unitId: r.ownerUnitId,
          requestId: r.id,
          peerId: r.peerId,
          direction: "internal",
          kind: "answer_overdue",
          actorLabel: "system",
          summary: incoming
            ? `${r.reference}: not answered ${late} min after the answer deadline; supervisors and duty alerted`
            : `${r.reference}: ${r.peerId} has not answered ${late} min after the answer deadline; the requesting unit alerted`,
          data: { recipients: recipients.length },
        });
      }
    });
    await inTransaction(db, async (tx) => {
      const warnFrom = new Date(now.getTime() + PRESERVATION_WARNING_DAYS * DAY_MS);
      const expiring = await tx
        .select()
        .from(requests)
        .where(
          and(
            isNull(requests.preservationWarnedAt),
            eq(requests.direction, "outgoing"),
            ne(requests.status, "withdrawn"),
            gt(requests.preservationExpiresAt, now),
            lte(requests.preservationExpiresAt, warnFrom),
          ),
        )
        .orderBy(asc(requests.preservationExpiresAt))
        .limit(limit)
        .for("update", { skipLocked: true });
      for (const r of expiring) {
        const [u] = await tx
          .update(requests)
          .set({ preservationWarnedAt: now, updatedAt: now, version: r.version + 1 })
          .where(and(eq(requests.id, r.id), isNull(requests.preservationWarnedAt)))
          .returning();
        if (!u) continue;
        preservationExpiring++;
        const expires = r.preservationExpiresAt as Date;
        const days = Math.max(1, Math.ceil((expires.getTime() - now.getTime()) / DAY_MS));
        await recordEvent(tx, ctx, u, {
          event: "preservation_expiring",
          from: r.status,
          to: r.status,
          side: localSide(r),
          data: { expiresAt: expires.toISOString(), daysLeft: days },
        });
        await audit.record(tx, ctx, {
          action: "request.preservation_expiring",
          targetType: "request",
          targetId: r.id,
          details: { expiresAt: expires.toISOString(), daysLeft: days },
        });
        await notifications.notify(tx, {
          userIds: await noticeRecipients(tx, r, now),
          kind: "preservation_expiring",
          severity: "urgent",
          requestId: r.id,
          title: { en: `Preservation expires soon: ${r.reference}`, zh: `保全即将到期：${r.reference}` },
          body: {
            en: `${r.title}\nThe preservation by ${r.peerId} expires ${readableInZone(expires, zone)} (in ${days} days). If the data is still needed, ask an extension before then.`,
            zh: `${r.title}\n${r.peerId} 的保全将于 ${readableInZone(expires, zone)} 到期（还有 ${days} 天）。如仍需要这些数据，请在此之前申请延长。`,
          },
          email: true,
        });
        await hotline.log(tx, {
          unitId: r.ownerUnitId,
          requestId: r.id,
          peerId: r.peerId,
          direction: "internal",
          kind: "preservation_expiring",
          actorLabel: "system",
          summary: `${r.reference}: the preservation expires ${expires.toISOString()} (in ${days} days); the requesting unit warned`,
        });
      }
    });
    return { answerOverdue, preservationExpiring };
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
    return inTransaction(db, async (tx) => {
      const ref = await deps.attachments.putAttachment(tx, bytes, input.name);
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
    const r = await load(ctx, id);
    const node = await nodeInfo();
    const needle = `%${attachmentId}%`;
    const [inMessages] = await db
      .select({ id: requestMessages.id })
      .from(requestMessages)
      .where(and(eq(requestMessages.requestId, id), sql`${requestMessages.attachments}::text like ${needle}`))
      .limit(1);
    const [inEvents] = await db
      .select({ id: requestEvents.id })
      .from(requestEvents)
      .where(and(eq(requestEvents.requestId, id), sql`${requestEvents.data}::text like ${needle}`))
      .limit(1);
    const inRequest = JSON.stringify([r.content, r.answer]).includes(attachmentId);
    assertThat(inMessages || inEvents || inRequest, notFound("attachment"));
    const origins = [node.id, r.peerId].filter((x): x is string => !!x);
    const [b] = await db
      .select()
      .from(blobs)
      .where(and(eq(blobs.id, attachmentId), inArray(blobs.origin, origins), isNotNull(blobs.completedAt)));
    assertThat(b, new AppError("NOT_FOUND", [{ issue: "the attachment has not arrived (yet)" }]));
    const chunks = await db
      .select({ data: blobChunks.data })
      .from(blobChunks)
      .where(and(eq(blobChunks.origin, b.origin), eq(blobChunks.blobId, attachmentId)))
      .orderBy(asc(blobChunks.idx));
    const data = Buffer.concat(chunks.map((c) => Buffer.from(c.data as Uint8Array)));
    assertThat(
      createHash("sha256").update(data).digest("hex") === b.sha256,
      new AppError("CONFLICT", [{ issue: "the stored attachment does not match its SHA-256" }]),
    );
    return { name: b.name, sha256: b.sha256, data };
  }

  return {
    uploadAttachment,
    downloadAttachment,
    board,
    get,
    recipients,
    create,
    update,
    act,
    recordSecondCheck,
    assign,
    messages,
    postMessage,
    markMessagesRead,
    requestExtension,
    decideExtension,
    sweepEscalations,
    sweepDeadlineNotices,
    // for the inbox handlers
    internals: { recordEvent, answerColumns, nodeInfo, stateOf },
  };
}

export function referenceFor(nodeId: string, id: string, at: Date): string {
  return `${nodeId}-${at.getUTCFullYear()}-${id.replace(/-/g, "").slice(-10).toUpperCase()}`;
}

function attachmentsOf(data: Record<string, unknown>) {
  const list: { id: string; sha256: string; size: number; name?: string }[] = [];
  const fromAnswer = (data.answer as { attachments?: typeof list } | undefined)?.attachments ?? [];
  const direct = (data.attachments as typeof list | undefined) ?? [];
  for (const a of [...fromAnswer, ...direct])
    list.push({ id: a.id, sha256: a.sha256, size: a.size, name: a.name });
  return list.length ? list : undefined;
}

export type RequestsService = ReturnType<typeof createRequestsService>;
export type { HistoryItem, SubmittedPayload };
