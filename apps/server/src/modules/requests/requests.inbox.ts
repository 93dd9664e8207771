import {
  AnswerInput,
  REQUEST_EVENTS,
  type RequestStatus,
  type TimelineEventName,
  transition,
} from "@crossline/schemas";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../../db/client.js";
import { peers, preservationExtensions, requestMessages, requests } from "../../db/schema/index.js";
import type { Ctx } from "../../lib/actor.js";
import type { IncomingMessage, MessageHandler } from "../federation/federation.types.js";
import {
  EscalationPayload,
  EventPayload,
  ExtensionDecisionPayload,
  ExtensionPayload,
  MessagePayload,
  MSG,
  messageSummary,
  ReadPayload,
  SubmittedPayload,
  secondCheckSummary,
} from "./requests.messages.js";
import type { RequestsDeps, RequestsService } from "./requests.service.js";
import { dueColumns, type RequestRow } from "./requests.views.js";

/**
 * Handlers of the incoming request and hotline messages. Each runs in the inbox transaction, exactly
 * once per message, in per-peer order; a message about a request the peer does not share with this
 * node throws (the transport holds it).
 */
export function registerRequestHandlers(deps: RequestsDeps, service: RequestsService) {
  const { clock, audit, hotline, notifications, policy, federation } = deps;
  const { recordEvent, answerColumns, nodeInfo } = service.internals;

  const severityOf = (urgency: string) =>
    urgency === "emergency"
      ? ("emergency" as const)
      : urgency === "urgent"
        ? ("urgent" as const)
        : ("info" as const);

  async function sharedRow(tx: Tx, peerId: string, requestId: string): Promise<RequestRow> {
    const [r] = await tx.select().from(requests).where(eq(requests.id, requestId)).for("update");
    if (!r || r.peerId !== peerId) throw new Error(`request ${requestId} is not shared with ${peerId}`);
    return r;
  }

  const remoteLabel = (label: string, peerId: string) => `${label} (${peerId})`.slice(0, 300);

  function handler<S extends z.ZodType>(
    type: string,
    schema: S,
    apply: (tx: Tx, msg: IncomingMessage<z.infer<S>>, ctx: Ctx) => Promise<void>,
  ): MessageHandler {
    return { type, schema, apply: apply as MessageHandler["apply"] };
  }

  // request.submitted ------------------------------------------------------------------------------
  const submitted = handler(MSG.submitted, SubmittedPayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const [existing] = await tx.select({ id: requests.id }).from(requests).where(eq(requests.id, p.id));
    if (existing) return;
    if (p.form.urgency === "emergency" || p.form.type === "emergency_disclosure") {
      // Emergency requests are accepted only from an active, paired peer (the envelope is signed by its key).
      const [peer] = await tx.select({ state: peers.state }).from(peers).where(eq(peers.id, msg.peerId));
      if (peer?.state !== "active") {
        await audit.record(tx, ctx, {
          action: "request.refused",
          outcome: "rejected",
          targetType: "request",
          targetId: p.id,
          details: { from: msg.peerId, msgId: msg.msgId, reason: `peer is ${peer?.state ?? "unknown"}` },
        });
        await hotline.log(tx, {
          unitId: await policy.intakeUnitId(tx),
          requestId: p.id,
          peerId: msg.peerId,
          direction: "incoming",
          kind: "emergency_refused",
          actorLabel: msg.peerId,
          summary: `${p.reference}: emergency request refused, ${msg.peerId} is not an active peer`,
        });
        return;
      }
    }
    const node = await nodeInfo(tx);
    const unitId = await policy.intakeUnitId(tx);
    const now = clock.now();
    const base = {
      status: "delivered",
      sentAt: new Date(p.sentAt),
      acknowledgedAt: null,
      acknowledgeBy: new Date(p.acknowledgeBy),
      answerBy: new Date(p.answerBy),
    };
    const [r] = await tx
      .insert(requests)
      .values({
        id: p.id,
        reference: p.reference,
        direction: "incoming",
        peerId: msg.peerId,
        ownerUnitId: unitId,
        type: p.form.type,
        urgency: p.form.urgency,
        title: p.title,
        input: p.form,
        content: p.form,
        followUpOf: p.form.followUpOf ?? null,
        createdBy: null,
        createdByLabel: remoteLabel(p.createdBy, msg.peerId),
        createdAt: now,
        updatedAt: now,
        deliveredAt: now,
        requesterTimeZone: p.requesterTimeZone,
        responderTimeZone: node.timeZone,
        ...base,
        ...dueColumns(base),
      })
      .returning();
    for (const h of p.history) {
      await recordEvent(tx, null, r, {
        // The requester's own history: kept as it came, even a kind a newer peer knows and this node not.
        event: h.event as TimelineEventName,
        from: h.from,
        to: h.to,
        side: "requester",
        nodeId: msg.peerId,
        actorLabel: h.actor,
        at: new Date(h.at),
        data: h.data,
        msgId: msg.msgId,
      });
    }
    const deliveredId = await recordEvent(tx, null, r, {
      event: "mark_delivered",
      from: "sent",
      to: "delivered",
      side: "responder",
      actorLabel: "system",
      msgId: msg.msgId,
    });
    await audit.record(tx, ctx, {
      action: "request.received",
      targetType: "request",
      targetId: r.id,
      details: {
        from: msg.peerId,
        msgId: msg.msgId,
        type: r.type,
        urgency: r.urgency,
        reference: r.reference,
      },
    });
    await federation.enqueue(tx, ctx, {
      peerId: msg.peerId,
      type: MSG.event,
      conversation: r.id,
      inReplyTo: msg.msgId,
      payload: {
        requestId: r.id,
        eventId: deliveredId,
        event: "mark_delivered",
        at: now.toISOString(),
        actor: "system",
        timeZone: node.timeZone,
        data: {},
      } satisfies z.input<typeof EventPayload>,
    });
    await hotline.log(tx, {
      unitId,
      requestId: r.id,
      peerId: msg.peerId,
      direction: "incoming",
      kind: "request_received",
      actorLabel: msg.peerId,
      summary: `${r.reference} (${r.urgency} ${r.type}) received from ${msg.peerId}`,
    });
    const recipients = await hotline.dutyRecipients(tx, unitId, now);
    const urgent = r.urgency !== "routine";
    await notifications.notify(tx, {
      userIds: recipients,
      kind: "request_received",
      severity: severityOf(r.urgency),
      requestId: r.id,
      title: {
        en: `${urgent ? `${r.urgency.toUpperCase()} ` : ""}request from ${msg.peerId}: ${r.reference}`,
        zh: `${r.urgency === "emergency" ? "紧急" : r.urgency === "urgent" ? "加急" : ""}请求（来自 ${msg.peerId}）：${r.reference}`,
      },
      body: {
        en: `${r.title}\nAcknowledge by ${p.acknowledgeBy}.`,
        zh: `${r.title}\n请于 ${p.acknowledgeBy} 前确认。`,
      },
      email: urgent,
    });
    await hotline.log(tx, {
      unitId,
      requestId: r.id,
      peerId: msg.peerId,
      direction: "internal",
      kind: "alerted",
      actorLabel: "system",
      summary: `${r.reference}: ${recipients.length} duty officer(s) alerted${urgent ? " (console and e-mail)" : ""}`,
      data: { recipients },
    });
  });

  // request.event ----------------------------------------------------------------------------------
  const event = handler(MSG.event, EventPayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const r = await sharedRow(tx, msg.peerId, p.requestId);
    const remoteSide = r.direction === "outgoing" ? "responder" : "requester";
    const actorLabel = remoteLabel(p.actor, msg.peerId);
    const at = new Date(p.at);
    const status = r.status as RequestStatus;
    const common = {
      side: remoteSide,
      nodeId: msg.peerId,
      actorLabel,
      at,
      msgId: msg.msgId,
      id: p.eventId,
    } as const;

    if (p.event === "second_check") {
      if (remoteSide !== "responder" || !p.secondCheck)
        throw new Error("a second check comes from the responder");
      await tx
        .update(requests)
        .set({ secondCheck: p.secondCheck, updatedAt: clock.now(), version: r.version + 1 })
        .where(eq(requests.id, r.id));
      await recordEvent(tx, null, r, {
        ...common,
        event: "second_check",
        from: status,
        to: status,
        data: { secondCheck: p.secondCheck },
      });
      await audit.record(tx, ctx, {
        action: "request.remote.second_check",
        targetType: "request",
        targetId: r.id,
        details: {
          from: msg.peerId,
          msgId: msg.msgId,
          result: p.secondCheck.result,
          contact: p.secondCheck.namedContact.name,
        },
      });
      await hotline.log(tx, {
        unitId: r.ownerUnitId,
        requestId: r.id,
        peerId: msg.peerId,
        direction: "incoming",
        kind: "second_check",
        actorLabel,
        summary: secondCheckSummary(r.reference, actorLabel, p.secondCheck),
      });
      return;
    }

    const def = REQUEST_EVENTS[p.event];
    const t = transition(status, p.event);
    const answer = p.event === "answer" ? AnswerInput.safeParse(p.data.answer) : null;
    const problem =
      def.side !== remoteSide
        ? `${p.event} is not the ${remoteSide}'s to perform`
        : !t.ok
          ? `${p.event} does not apply in status ${status}`
          : answer && !answer.success
            ? "the answer is not valid"
            : null;
    if (problem || !t.ok) {
      // Not applied (e.g. the request was withdrawn while the answer was on its way): kept in the timeline.
      await recordEvent(tx, null, r, {
        ...common,
        event: p.event,
        from: status,
        to: status,
        data: { ...p.data, notApplied: problem },
      });
      await audit.record(tx, ctx, {
        action: `request.remote.${p.event}`,
        outcome: "rejected",
        targetType: "request",
        targetId: r.id,
        details: { from: msg.peerId, msgId: msg.msgId, problem },
      });
      await hotline.log(tx, {
        unitId: r.ownerUnitId,
        requestId: r.id,
        peerId: msg.peerId,
        direction: "incoming",
        kind: "event_not_applied",
        actorLabel,
        summary: `${r.reference}: ${p.event} from ${msg.peerId} not applied: ${problem}`,
      });
      return;
    }
    const set: Partial<typeof requests.$inferInsert> = {
      status: t.to,
      updatedAt: clock.now(),
      version: r.version + 1,
    };
    if (p.event === "mark_delivered") {
      set.deliveredAt = at;
      if (p.timeZone) set.responderTimeZone = p.timeZone;
    }
    if (p.event === "acknowledge") set.acknowledgedAt = at;
    if (p.event === "withdraw") set.withdrawnAt = at;
    if (p.event === "close") set.closedAt = at;
    if (answer?.success) Object.assign(set, answerColumns(r, answer.data, at));
    Object.assign(set, dueColumns({ ...r, ...set } as RequestRow));
    const [u] = await tx.update(requests).set(set).where(eq(requests.id, r.id)).returning();
    await recordEvent(tx, null, u, { ...common, event: p.event, from: status, to: t.to, data: p.data });
    await audit.record(tx, ctx, {
      action: `request.remote.${p.event}`,
      targetType: "request",
      targetId: r.id,
      details: { from: msg.peerId, msgId: msg.msgId, actor: actorLabel, status: { from: status, to: t.to } },
    });
    await hotline.log(tx, {
      unitId: r.ownerUnitId,
      requestId: r.id,
      peerId: msg.peerId,
      direction: "incoming",
      kind: p.event,
      actorLabel,
      summary: `${r.reference}: ${p.event.replace(/_/g, " ")} by ${actorLabel}`,
    });
    const notifyEvents: Record<string, { en: string; zh: string }> = {
      acknowledge: { en: "Acknowledged", zh: "已确认" },
      request_more_info: { en: "More information requested", zh: "对方要求补充信息" },
      answer: { en: "Answered", zh: "已答复" },
      provide_more_info: { en: "More information provided", zh: "对方已补充信息" },
      withdraw: { en: "Withdrawn", zh: "已撤回" },
    };
    const label = notifyEvents[p.event];
    if (label) {
      const userIds =
        r.direction === "outgoing"
          ? r.createdBy
            ? [r.createdBy]
            : []
          : await hotline.dutyRecipients(tx, r.ownerUnitId, clock.now());
      await notifications.notify(tx, {
        userIds,
        kind: `request_${p.event}`,
        severity: severityOf(r.urgency),
        requestId: r.id,
        title: { en: `${label.en}: ${r.reference}`, zh: `${label.zh}：${r.reference}` },
        body: { en: `${r.title}\nBy ${actorLabel}.`, zh: `${r.title}\n操作人：${actorLabel}。` },
        email: r.urgency !== "routine" && (p.event === "answer" || p.event === "request_more_info"),
      });
    }
  });

  // request.message --------------------------------------------------------------------------------
  const message = handler(MSG.message, MessagePayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const r = await sharedRow(tx, msg.peerId, p.requestId);
    const [dup] = await tx
      .select({ id: requestMessages.id })
      .from(requestMessages)
      .where(eq(requestMessages.id, p.messageId));
    if (dup) return;
    await tx.insert(requestMessages).values({
      id: p.messageId,
      requestId: r.id,
      nodeId: msg.peerId,
      authorUserId: null,
      authorLabel: remoteLabel(p.author, msg.peerId),
      body: p.body,
      attachments: p.attachments,
      at: new Date(p.at),
    });
    await audit.record(tx, ctx, {
      action: "request.remote.message",
      targetType: "request",
      targetId: r.id,
      details: { from: msg.peerId, msgId: msg.msgId, messageId: p.messageId },
    });
    await hotline.log(tx, {
      unitId: r.ownerUnitId,
      requestId: r.id,
      peerId: msg.peerId,
      direction: "incoming",
      kind: "message",
      actorLabel: remoteLabel(p.author, msg.peerId),
      summary: messageSummary(r.reference, p.body.text, p.attachments.length),
    });
    const userIds =
      r.direction === "outgoing"
        ? r.createdBy
          ? [r.createdBy]
          : []
        : await hotline.dutyRecipients(tx, r.ownerUnitId, clock.now());
    await notifications.notify(tx, {
      userIds,
      kind: "request_message",
      severity: "info",
      requestId: r.id,
      title: { en: `New message on ${r.reference}`, zh: `${r.reference} 有新消息` },
      body: { en: p.body.text.slice(0, 500), zh: p.body.text.slice(0, 500) },
    });
  });

  // request.read -----------------------------------------------------------------------------------
  const read = handler(MSG.read, ReadPayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const r = await sharedRow(tx, msg.peerId, p.requestId);
    const node = await nodeInfo(tx);
    const rows = await tx
      .update(requestMessages)
      .set({ readAt: new Date(p.at), readByLabel: remoteLabel(p.by, msg.peerId) })
      .where(
        and(
          eq(requestMessages.requestId, r.id),
          eq(requestMessages.nodeId, node.id),
          inArray(requestMessages.id, p.messageIds),
          sql`${requestMessages.readAt} is null`,
        ),
      )
      .returning({ id: requestMessages.id });
    await audit.record(tx, ctx, {
      action: "request.remote.read",
      targetType: "request",
      targetId: r.id,
      details: { from: msg.peerId, msgId: msg.msgId, count: rows.length },
    });
  });

  // request.extension ------------------------------------------------------------------------------
  const extension = handler(MSG.extension, ExtensionPayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const r = await sharedRow(tx, msg.peerId, p.requestId);
    if (r.direction !== "incoming" || r.type !== "preservation")
      throw new Error("not an incoming preservation");
    const by = remoteLabel(p.by, msg.peerId);
    await tx
      .insert(preservationExtensions)
      .values({
        id: p.extensionId,
        requestId: r.id,
        days: p.days,
        reason: p.reason,
        status: "requested",
        requestedAt: new Date(p.at),
        requestedBy: by,
      })
      .onConflictDoNothing();
    await recordEvent(tx, null, r, {
      event: "extension_requested",
      from: r.status,
      to: r.status,
      side: "requester",
      nodeId: msg.peerId,
      actorLabel: by,
      at: new Date(p.at),
      data: { days: p.days, reason: p.reason, extensionId: p.extensionId },
      msgId: msg.msgId,
    });
    await audit.record(tx, ctx, {
      action: "request.remote.extension_request",
      targetType: "request",
      targetId: r.id,
      details: { from: msg.peerId, msgId: msg.msgId, extensionId: p.extensionId, days: p.days },
    });
    await notifications.notify(tx, {
      userIds: await hotline.dutyRecipients(tx, r.ownerUnitId, clock.now()),
      kind: "extension_requested",
      severity: "urgent",
      requestId: r.id,
      title: { en: `Preservation extension asked: ${r.reference}`, zh: `请求延长保全期：${r.reference}` },
      body: { en: `${by} asks for ${p.days} more days.`, zh: `${by} 请求延长 ${p.days} 天。` },
      email: true,
    });
  });

  // request.extension_decision ---------------------------------------------------------------------
  const extensionDecision = handler(MSG.extensionDecision, ExtensionDecisionPayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const r = await sharedRow(tx, msg.peerId, p.requestId);
    if (r.direction !== "outgoing") throw new Error("not an outgoing request");
    const by = remoteLabel(p.by, msg.peerId);
    const at = new Date(p.at);
    const newExpiresAt = p.newExpiresAt ? new Date(p.newExpiresAt) : null;
    await tx
      .update(preservationExtensions)
      .set({
        status: p.grant ? "granted" : "refused",
        decidedAt: at,
        decidedBy: by,
        newExpiresAt,
        decisionNote: p.note ?? null,
      })
      .where(and(eq(preservationExtensions.id, p.extensionId), eq(preservationExtensions.requestId, r.id)));
    if (newExpiresAt) {
      await tx
        .update(requests)
        // A new expiry gets its own warning.
        .set({
          preservationExpiresAt: newExpiresAt,
          preservationWarnedAt: null,
          updatedAt: clock.now(),
          version: r.version + 1,
        })
        .where(eq(requests.id, r.id));
    }
    await recordEvent(tx, null, r, {
      event: p.grant ? "extension_granted" : "extension_refused",
      from: r.status,
      to: r.status,
      side: "responder",
      nodeId: msg.peerId,
      actorLabel: by,
      at,
      data: { extensionId: p.extensionId, newExpiresAt: p.newExpiresAt },
      msgId: msg.msgId,
    });
    await audit.record(tx, ctx, {
      action: "request.remote.extension_decision",
      targetType: "request",
      targetId: r.id,
      details: { from: msg.peerId, msgId: msg.msgId, extensionId: p.extensionId, grant: p.grant },
    });
    if (r.createdBy) {
      await notifications.notify(tx, {
        userIds: [r.createdBy],
        kind: "extension_decided",
        severity: "info",
        requestId: r.id,
        title: {
          en: `Extension ${p.grant ? "granted" : "refused"}: ${r.reference}`,
          zh: `延期${p.grant ? "已批准" : "被拒绝"}：${r.reference}`,
        },
        body: {
          en: p.newExpiresAt ? `Preserved until ${p.newExpiresAt}.` : "",
          zh: p.newExpiresAt ? `保全至 ${p.newExpiresAt}。` : "",
        },
      });
    }
  });

  // hotline.escalation -----------------------------------------------------------------------------
  const escalation = handler(MSG.escalation, EscalationPayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const r = await sharedRow(tx, msg.peerId, p.requestId);
    if (r.direction !== "incoming") throw new Error("an escalation concerns a request this node received");
    const now = clock.now();
    await tx
      .update(requests)
      .set({
        escalationLevel: sql`greatest(${requests.escalationLevel}, ${p.level + 1})`,
        updatedAt: now,
        version: r.version + 1,
      })
      .where(eq(requests.id, r.id));
    await recordEvent(tx, null, r, {
      event: "escalation_received",
      from: r.status,
      to: r.status,
      side: "requester",
      nodeId: msg.peerId,
      actorLabel: msg.peerId,
      at: new Date(p.at),
      data: { level: p.level, reason: p.reason, contact: p.contact },
      msgId: msg.msgId,
    });
    await audit.record(tx, ctx, {
      action: "hotline.escalation_received",
      targetType: "request",
      targetId: r.id,
      details: { from: msg.peerId, msgId: msg.msgId, level: p.level },
    });
    const pol = await policy.read(tx);
    const userIds = [
      ...(await hotline.supervisors(tx, r.ownerUnitId)),
      ...(await hotline.dutyRecipients(tx, r.ownerUnitId, now)),
    ];
    const title = {
      en: `Escalation from ${msg.peerId}: ${r.reference}`,
      zh: `${msg.peerId} 升级催办：${r.reference}`,
    };
    const contact = p.contact
      ? `${p.contact.name}${p.contact.phone ? ` ${p.contact.phone}` : ""}`
      : msg.peerId;
    const body = {
      en: `${r.title}\nNot acknowledged; acknowledgement was due ${p.acknowledgeBy}. Call back: ${contact}.`,
      zh: `${r.title}\n尚未确认，确认期限为 ${p.acknowledgeBy}。回电联系：${contact}。`,
    };
    await notifications.notify(tx, {
      userIds,
      kind: "escalation_received",
      severity: "emergency",
      requestId: r.id,
      title,
      body,
      email: true,
    });
    if (pol.escalation.contact?.email)
      await notifications.queueMail(tx, pol.escalation.contact.email, title, body);
    await hotline.log(tx, {
      unitId: r.ownerUnitId,
      requestId: r.id,
      peerId: msg.peerId,
      direction: "incoming",
      kind: "escalation_received",
      actorLabel: msg.peerId,
      summary: `${r.reference}: escalation (level ${p.level}) from ${msg.peerId}`,
      data: { contact: p.contact },
    });
  });

  for (const h of [submitted, event, message, read, extension, extensionDecision, escalation]) {
    federation.registerHandler(h);
  }
}
