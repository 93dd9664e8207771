import { AnswerInput, REQUEST_EVENTS, type TimelineEventName, transition } from "@crossline/schemas";
import type { z } from "zod";
import type { Tx } from "../../db/client.js";
import { parseReceived } from "../../lib/received.js";
// The port's one way to define a handler, under a short name so each handler's signature fits on one line.
import { defineHandler as handler, PermanentRejection } from "../federation/federation.types.js";
import { createRequestsContext, type RequestsDeps, severityOf } from "./requests.context.js";
import { defaultPurpose } from "./requests.drafts.js";
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
import * as repo from "./requests.repo.js";
import { dueColumns, minutesBetween, type RequestRow } from "./requests.views.js";

/** The peer's events that this node's people hear of, and the message each one gets. */
const NOTIFIED_EVENTS = {
  acknowledge: "request_acknowledge",
  request_more_info: "request_request_more_info",
  answer: "request_answer",
  provide_more_info: "request_provide_more_info",
  withdraw: "request_withdraw",
} as const;

/**
 * Handlers of the incoming request and hotline messages. Each runs in the inbox transaction, exactly
 * once per message, in per-peer order; a message about a request the peer does not share with this
 * node throws (the transport holds it).
 */
export function registerRequestHandlers(deps: RequestsDeps) {
  const { clock, audit, hotline, notifications, policy, federation, peers } = deps;
  const { recordEvent, answerColumns, nodeInfo, linkSubjects } = createRequestsContext(deps);

  async function sharedRow(tx: Tx, peerId: string, requestId: string): Promise<RequestRow> {
    const r = await repo.lockRequest(tx, requestId);
    if (!r || r.peerId !== peerId)
      throw new PermanentRejection("NOT_SHARED", `request ${requestId} is not shared with ${peerId}`);
    return r;
  }

  const remoteLabel = (label: string, peerId: string) => `${label} (${peerId})`.slice(0, 300);

  // request.submitted ------------------------------------------------------------------------------
  const submitted = handler(MSG.submitted, SubmittedPayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    if (await repo.findRequest(tx, p.id)) return;
    if (p.form.urgency === "emergency" || p.form.type === "emergency_disclosure") {
      // Emergency requests are accepted only from an active, paired peer (the envelope is signed by its key).
      const state = await peers.peerState(tx, msg.peerId);
      if (state !== "active") {
        await audit.record(tx, ctx, {
          action: "request.refused",
          outcome: "rejected",
          targetType: "request",
          targetId: p.id,
          details: { from: msg.peerId, msgId: msg.msgId, reason: `peer is ${state ?? "unknown"}` },
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
    const node = await nodeInfo();
    const unitId = await policy.intakeUnitId(tx);
    const now = clock.now();
    const base = {
      status: "delivered" as const,
      sentAt: new Date(p.sentAt),
      acknowledgedAt: null,
      acknowledgeBy: new Date(p.acknowledgeBy),
      answerBy: new Date(p.answerBy),
    };
    const r = await repo.insertRequest(tx, {
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
    });
    // The peer's request exists whether or not a person in it is restricted here: linked, never refused.
    await linkSubjects(tx, ctx, r, { received: true });
    // The requester's stated basis; this node's own purpose is answering it.
    await deps.lawful.declare(tx, {
      kind: "request",
      recordId: r.id,
      basis: p.form.legalBasis,
      purpose: defaultPurpose(p.form, r.title),
      ownerUnitId: unitId,
    });
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
      key: `request_received_${r.urgency}` as const,
      params: {
        reference: r.reference,
        peer: msg.peerId,
        title: r.title,
        // on the reader's clock, and on the requester's
        acknowledgeBy: { at: p.acknowledgeBy, zone: p.requesterTimeZone },
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
    const status = r.status;
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
        throw new PermanentRejection("WRONG_DIRECTION", "a second check comes from the responder");
      await repo.updateRequest(tx, r.id, {
        secondCheck: p.secondCheck,
        updatedAt: clock.now(),
        version: r.version + 1,
      });
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
    const answer = p.event === "answer" ? parseReceived(AnswerInput, p.data.answer) : null;
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
    const set: repo.RequestSet = {
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
    Object.assign(set, dueColumns({ ...r, ...set }));
    const u = await repo.updateRequest(tx, r.id, set);
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
    const notified = NOTIFIED_EVENTS[p.event as keyof typeof NOTIFIED_EVENTS];
    if (notified) {
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
        key: notified,
        params: { reference: r.reference, title: r.title, actor: actorLabel },
        email: r.urgency !== "routine" && (p.event === "answer" || p.event === "request_more_info"),
      });
    }
    // Other modules hear of it in this transaction (a notice across the border follows its request).
    await deps.watchers?.peerEvent(tx, u, p.event, p.data, actorLabel);
  });

  // request.message --------------------------------------------------------------------------------
  const message = handler(MSG.message, MessagePayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const r = await sharedRow(tx, msg.peerId, p.requestId);
    if (await repo.messageExists(tx, p.messageId)) return;
    await repo.insertMessage(tx, {
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
      key: "request_message",
      params: { reference: r.reference, text: p.body.text.slice(0, 500) },
    });
  });

  // request.read -----------------------------------------------------------------------------------
  const read = handler(MSG.read, ReadPayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const r = await sharedRow(tx, msg.peerId, p.requestId);
    const node = await nodeInfo();
    const rows = await repo.markRead(
      tx,
      r.id,
      { from: node.id, ids: p.messageIds },
      new Date(p.at),
      remoteLabel(p.by, msg.peerId),
    );
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
      throw new PermanentRejection("WRONG_DIRECTION", "not an incoming preservation");
    const by = remoteLabel(p.by, msg.peerId);
    await repo.insertExtension(tx, {
      id: p.extensionId,
      requestId: r.id,
      days: p.days,
      reason: p.reason,
      status: "requested",
      requestedAt: new Date(p.at),
      requestedBy: by,
    });
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
      key: "extension_requested",
      params: { reference: r.reference, by, days: p.days },
      email: true,
    });
  });

  // request.extension_decision ---------------------------------------------------------------------
  const extensionDecision = handler(MSG.extensionDecision, ExtensionDecisionPayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const r = await sharedRow(tx, msg.peerId, p.requestId);
    if (r.direction !== "outgoing")
      throw new PermanentRejection("WRONG_DIRECTION", "not an outgoing request");
    const by = remoteLabel(p.by, msg.peerId);
    const at = new Date(p.at);
    const newExpiresAt = p.newExpiresAt ? new Date(p.newExpiresAt) : null;
    // The peer decides an extension once: a decision on one already decided (a second message: the peer
    // restored from a backup, sent again) changes nothing, neither the decision nor the expiry, the timeline or
    // the officer's notifications; it is audited. One that names no extension of the request is refused.
    const decided = await repo.decideExtensionRow(tx, r.id, p.extensionId, {
      status: p.grant ? "granted" : "refused",
      decidedAt: at,
      decidedBy: by,
      newExpiresAt,
      decisionNote: p.note ?? null,
    });
    if (!decided) {
      const ext = await repo.lockExtension(tx, r.id, p.extensionId);
      if (!ext)
        throw new PermanentRejection(
          "UNKNOWN_EXTENSION",
          `request ${r.id} has no extension ${p.extensionId}`,
        );
      await audit.record(tx, ctx, {
        action: "request.remote.extension_decision_ignored",
        outcome: "rejected",
        targetType: "request",
        targetId: r.id,
        details: {
          from: msg.peerId,
          msgId: msg.msgId,
          extensionId: p.extensionId,
          grant: p.grant,
          reason: "ALREADY_DECIDED",
          status: ext.status,
        },
      });
      return;
    }
    if (newExpiresAt) {
      // A new expiry gets its own warning.
      await repo.updateRequest(tx, r.id, {
        preservationExpiresAt: newExpiresAt,
        preservationWarnedAt: null,
        updatedAt: clock.now(),
        version: r.version + 1,
      });
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
        key: p.grant ? "extension_granted" : "extension_refused",
        params: {
          reference: r.reference,
          ...(p.newExpiresAt ? { newExpiresAt: { at: p.newExpiresAt, zone: r.responderTimeZone } } : {}),
        },
      });
    }
  });

  // hotline.escalation -----------------------------------------------------------------------------
  const escalation = handler(MSG.escalation, EscalationPayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const r = await sharedRow(tx, msg.peerId, p.requestId);
    if (r.direction !== "incoming")
      throw new PermanentRejection("WRONG_DIRECTION", "an escalation concerns a request this node received");
    const now = clock.now();
    await repo.raiseEscalation(tx, r.id, p.level + 1, { updatedAt: now, version: r.version + 1 });
    await recordEvent(tx, null, r, {
      event: "escalation_received",
      from: r.status,
      to: r.status,
      side: "requester",
      nodeId: msg.peerId,
      actorLabel: msg.peerId,
      at: new Date(p.at),
      // How late, as a number the console renders in the reader's language; the reason is the sender's sentence
      data: {
        level: p.level,
        minutesLate: Math.max(0, minutesBetween(new Date(p.acknowledgeBy), new Date(p.at))),
        reason: p.reason,
        contact: p.contact,
      },
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
    const contact = p.contact
      ? `${p.contact.name}${p.contact.phone ? ` ${p.contact.phone}` : ""}`
      : msg.peerId;
    const message = {
      key: "escalation_received" as const,
      params: {
        reference: r.reference,
        peer: msg.peerId,
        title: r.title,
        acknowledgeBy: { at: p.acknowledgeBy, zone: r.requesterTimeZone },
        contact,
      },
    };
    await notifications.notify(tx, {
      userIds,
      kind: "escalation_received",
      severity: "emergency",
      requestId: r.id,
      ...message,
      email: true,
    });
    // The escalation contact is an address, not a user: both languages, on this node's clock.
    if (pol.escalation.contact?.email)
      await notifications.queueKeyedMail(
        tx,
        pol.escalation.contact.email,
        message,
        r.responderTimeZone ?? (await nodeInfo()).timeZone,
      );
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
