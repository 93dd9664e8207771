import {
  computeDeadlines,
  type EventName,
  issue,
  REQUEST_EVENTS,
  type RequestActionInput,
  type RequestDetail,
  type RequestStatus,
  type RequestSummary,
  type SecondCheck,
  secondCheckGuard,
  transition,
} from "@crossline/schemas";
import type { z } from "zod";
import { inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, can, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat } from "../../lib/errors.js";
import { attachmentsOf, type RequestAttachments } from "./requests.attachments.js";
import { invalidTransition, type RequestsContext, severityOf } from "./requests.context.js";
import type { EventPayload, SubmittedPayload } from "./requests.messages.js";
import { MSG, secondCheckSummary } from "./requests.messages.js";
import * as repo from "./requests.repo.js";
import { dueColumns, localSide, type RequestRow, toSummary } from "./requests.views.js";

/** Events a user performs locally that the peer does not see as such (before the request is sent). */
const LOCAL_ONLY: ReadonlySet<EventName> = new Set(["submit_for_approval", "reject_approval"]);
/** The events that move a request towards the peer: refused while it names a restricted person. */
const SENDING: ReadonlySet<EventName> = new Set(["submit_for_approval", "approve", "send"]);

/**
 * The lifecycle of a request on this node: the events a user performs (submit, approve, send,
 * acknowledge, answer, withdraw, close…), each sent to the peer as a signed event once the request has
 * left; the recorded second check of an emergency; routing an incoming request to another unit.
 */
export function createRequestLifecycle(
  c: RequestsContext,
  files: Pick<RequestAttachments, "storedAttachments">,
) {
  const { db, clock, audit, policy, hotline, notifications, federation, org } = c.deps;

  async function act(ctx: Ctx, id: string, input: RequestActionInput): Promise<RequestDetail> {
    await c.load(ctx, id);
    const def = REQUEST_EVENTS[input.event];
    if (def.permission) requirePermission(ctx.actor, def.permission);
    const row = await inTransaction(db, (tx) => actIn(tx, ctx, id, input));
    return c.detail(ctx, row);
  }

  /**
   * One lifecycle event in the caller's transaction, the caller having authorised it (`act` for users; the
   * providers module's port for a notice that crosses the border, whose own four eyes stand for the
   * request's: `fourEyesDone`).
   */
  async function actIn(
    tx: Tx,
    ctx: Ctx,
    id: string,
    input: RequestActionInput,
    opts: { fourEyesDone?: boolean } = {},
  ): Promise<RequestRow> {
    const def = REQUEST_EVENTS[input.event];
    const r = await c.lockRow(tx, id);
    const side = localSide(r);
    const status = r.status;
    const allowed = await c.userActions(ctx, r, tx);
    if (def.side !== side) {
      throw invalidTransition(
        issue("transition.wrongSide", { event: input.event, side: def.side, side2: side }),
        allowed,
      );
    }
    const t = transition(status, input.event);
    if (!t.ok)
      throw invalidTransition(issue("transition.notAllowed", { event: input.event, status }), allowed);
    if (SENDING.has(input.event)) {
      // A request naming a person under restriction goes nowhere while the dispute is open.
      await c.deps.persons.assertNotRestricted(tx, "request", id, "subjects");
    }
    // A request flagged for legal review does not leave the node until a legal reviewer clears it.
    if (input.event === "send" || input.event === "approve") {
      await c.deps.lawful.assertReleasable(tx, "request", r.id);
    }
    const pol = await policy.read(tx);
    const now = clock.now();
    const set: repo.RequestSet = { status: t.to, updatedAt: now, version: r.version + 1 };
    const data: Record<string, unknown> = {};

    switch (input.event) {
      case "send":
        if (pol.fourEyes[r.type] && !opts.fourEyesDone) {
          throw invalidTransition(issue("transition.fourEyes", { type: r.type }), allowed);
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
        const guard = secondCheckGuard(c.guardInput(r), input.answer.outcome);
        if (guard && !r.secondCheck)
          throw invalidTransition(
            guard,
            allowed.filter((e) => e !== "answer"),
          );
        if (guard) throw new AppError("VALIDATION_FAILED", [{ field: "body.answer.outcome", issue: guard }]);
        data.answer = input.answer;
        Object.assign(set, c.answerColumns(r, input.answer, now));
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
      const d = computeDeadlines(pol.deadlines, r.type, r.urgency, now);
      Object.assign(set, { sentAt: now, acknowledgeBy: d.acknowledgeBy, answerBy: d.answerBy });
    }
    Object.assign(set, dueColumns({ ...r, ...set }));
    const u = await repo.updateRequest(tx, id, set);
    const eventId = await c.recordEvent(tx, ctx, u, {
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
    } else if (u.sentAt && u.peerId && !LOCAL_ONLY.has(input.event)) {
      await federation.enqueue(tx, ctx, {
        peerId: u.peerId,
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
        attachments: await files.storedAttachments(tx, attachmentsOf(data)),
      });
    }
    await afterLocalEvent(tx, ctx, u, input.event, status);
    return u;
  }

  /** The whole request, its deadlines and its history so far, to the peer: it leaves this node. */
  async function sendSubmitted(tx: Tx, ctx: Ctx, r: RequestRow) {
    const peerId = r.peerId as string;
    const history = await repo.eventsOf(tx, r.id);
    const payload: z.input<typeof SubmittedPayload> = {
      id: r.id,
      reference: r.reference,
      form: r.input,
      title: r.title,
      sentAt: (r.sentAt as Date).toISOString(),
      acknowledgeBy: (r.acknowledgeBy as Date).toISOString(),
      answerBy: (r.answerBy as Date).toISOString(),
      requesterTimeZone: r.requesterTimeZone ?? "UTC",
      createdBy: r.createdByLabel,
      history: history.slice(-50).map((h) => ({
        event: h.event,
        from: h.fromStatus,
        to: h.toStatus,
        at: h.at.toISOString(),
        actor: h.actorLabel,
        data: h.data,
      })),
    };
    await federation.enqueue(tx, ctx, {
      peerId,
      type: MSG.submitted,
      conversation: r.id,
      payload,
      attachments: await files.storedAttachments(tx, r.content.attachments),
    });
    await hotline.log(tx, {
      unitId: r.ownerUnitId,
      requestId: r.id,
      peerId,
      direction: "outgoing",
      kind: "request_sent",
      actorLabel: ctx.actor.label,
      summary: `${r.reference} (${r.urgency} ${r.type}) sent to ${peerId}`,
    });
  }

  /** Local side effects of a local event: notifications and hotline log. */
  async function afterLocalEvent(tx: Tx, ctx: Ctx, r: RequestRow, event: EventName, from: RequestStatus) {
    if (event === "submit_for_approval") {
      const sups = (await hotline.supervisors(tx, r.ownerUnitId)).filter((u) => u !== ctx.actor.userId);
      await notifications.notify(tx, {
        userIds: sups,
        kind: "approval_needed",
        severity: severityOf(r.urgency),
        requestId: r.id,
        key: "approval_needed",
        params: { reference: r.reference, actor: ctx.actor.label, title: r.title },
        email: r.urgency !== "routine",
      });
    }
    if (event === "reject_approval" && r.createdBy) {
      await notifications.notify(tx, {
        userIds: [r.createdBy],
        kind: "approval_rejected",
        severity: "info",
        requestId: r.id,
        key: "approval_rejected",
        params: { reference: r.reference, actor: ctx.actor.label },
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
    await c.load(ctx, id);
    const row = await inTransaction(db, async (tx) => {
      const r = await c.lockRow(tx, id);
      const allowed = await c.userActions(ctx, r, tx);
      if (r.direction !== "incoming" || !r.peerId) {
        throw invalidTransition("the second check is made by the responding side", allowed);
      }
      if (!["delivered", "acknowledged", "in_progress", "more_info_requested"].includes(r.status)) {
        throw invalidTransition(issue("secondCheck.notInStatus", { status: r.status }), allowed);
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
      const u = await repo.updateRequest(tx, id, {
        secondCheck: check,
        updatedAt: now,
        version: r.version + 1,
      });
      const eventId = await c.recordEvent(tx, ctx, u, {
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
        peerId: r.peerId,
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
    return c.detail(ctx, row);
  }

  /** Routes an incoming request to another unit's desk. */
  async function assign(ctx: Ctx, id: string, unitId: string): Promise<RequestSummary> {
    if (!can(ctx.actor, "hotline:duty")) requirePermission(ctx.actor, "hotline:duty");
    const r0 = await c.load(ctx, id);
    const unit = await org.findUnit(unitId);
    assertThat(unit, new AppError("VALIDATION_FAILED", [{ field: "body.unitId", issue: "no such unit" }]));
    if (r0.direction !== "incoming") {
      throw invalidTransition(
        "only incoming requests are routed between units",
        await c.userActions(ctx, r0),
      );
    }
    const row = await inTransaction(db, async (tx) => {
      const r = await c.lockRow(tx, id);
      const u = await repo.updateRequest(tx, id, {
        ownerUnitId: unitId,
        updatedAt: clock.now(),
        version: r.version + 1,
      });
      await c.recordEvent(tx, ctx, u, {
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
        severity: severityOf(r.urgency),
        requestId: id,
        key: "request_assigned",
        params: { reference: r.reference, title: r.title },
        email: r.urgency !== "routine",
      });
      return u;
    });
    return toSummary(row, clock.now(), (await c.nodeInfo()).timeZone);
  }

  return { act, actIn, recordSecondCheck, assign };
}
