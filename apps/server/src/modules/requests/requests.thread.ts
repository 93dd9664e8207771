import {
  type AttachmentRef,
  issue,
  type LabelledText,
  type RequestStatus,
  type Side,
  type ZonedTime,
} from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import { inTransaction } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import { type RequestAttachments, requireThreadPermission } from "./requests.attachments.js";
import { invalidTransition, type RequestsContext } from "./requests.context.js";
import { MSG, messageSummary } from "./requests.messages.js";
import * as repo from "./requests.repo.js";
import { localSide, makeZoner } from "./requests.views.js";

const OPEN_FOR_THREAD: readonly RequestStatus[] = [
  "sent",
  "delivered",
  "acknowledged",
  "in_progress",
  "more_info_requested",
  "answered",
];

/** The thread of a request: messages between the two sides, with attachments and read receipts. */
export function createRequestThread(
  c: RequestsContext,
  files: Pick<RequestAttachments, "storedAttachments">,
) {
  const { db, clock, audit, hotline, federation } = c.deps;

  async function messages(ctx: Ctx, id: string) {
    const r = await c.load(ctx, id);
    const node = await c.nodeInfo();
    const zoner = makeZoner(r);
    const rows = await repo.messagesOf(db, id);
    const mySide = localSide(r);
    const other: Side = mySide === "requester" ? "responder" : "requester";
    return rows.map((m) => ({
      id: m.id,
      nodeId: m.nodeId,
      side: m.nodeId === node.id ? mySide : other,
      author: m.authorLabel,
      body: m.body,
      attachments: m.attachments,
      at: zoner(m.at) as ZonedTime,
      mine: m.nodeId === node.id,
      readAt: m.readAt?.toISOString() ?? null,
      readBy: m.readByLabel,
    }));
  }

  async function postMessage(
    ctx: Ctx,
    id: string,
    input: { body: LabelledText; attachments: AttachmentRef[] },
  ) {
    requireThreadPermission(ctx);
    const r = await c.load(ctx, id);
    const peerId = r.peerId;
    if (!OPEN_FOR_THREAD.includes(r.status) || !peerId) {
      throw invalidTransition(issue("thread.notInStatus", { status: r.status }), await c.userActions(ctx, r));
    }
    const node = await c.nodeInfo();
    const now = clock.now();
    const messageId = uuidv7();
    await inTransaction(db, async (tx) => {
      await repo.insertMessage(tx, {
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
        peerId,
        direction: "outgoing",
        kind: "message",
        actorLabel: ctx.actor.label,
        summary: messageSummary(r.reference, input.body.text, input.attachments.length),
      });
      await federation.enqueue(tx, ctx, {
        peerId,
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
        attachments: await files.storedAttachments(tx, input.attachments),
      });
    });
    const posted = (await messages(ctx, id)).find((m) => m.id === messageId);
    // Just written in a committed transaction; a request's thread holds far fewer than the 1,000 listed.
    if (!posted) throw new Error(`message ${messageId} not found after posting`);
    return posted;
  }

  /** Marks the other side's messages read and sends a read receipt. */
  async function markMessagesRead(ctx: Ctx, id: string): Promise<{ marked: number }> {
    const r = await c.load(ctx, id);
    const node = await c.nodeInfo();
    const now = clock.now();
    return inTransaction(db, async (tx) => {
      const rows = await repo.markRead(tx, id, { notFrom: node.id }, now, ctx.actor.label);
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

  return { messages, postMessage, markMessagesRead };
}
