import {
  type AnswerInput,
  type AttachmentRef,
  type EventName,
  type RequestDraftInputRaw,
  type RequestStatus,
  secondCheckGuard,
} from "@crossline/schemas";
import type { Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import { parseForm, type RequestsContext } from "./requests.context.js";
import type { createRequestDrafts } from "./requests.drafts.js";
import type { createRequestLifecycle } from "./requests.lifecycle.js";
import * as repo from "./requests.repo.js";
import type { RequestRow } from "./requests.views.js";

/** What another module is told when the peer moves a request of this node (inbox, in its transaction). */
export type PeerEventListener = (
  tx: Tx,
  r: RequestRow,
  event: EventName,
  data: Record<string, unknown>,
  actorLabel: string,
) => Promise<void>;

/** Listeners of the peer's events on requests: the requests inbox calls each, the providers module registers. */
export function createRequestWatchers() {
  const listeners: PeerEventListener[] = [];
  return {
    onPeerEvent(l: PeerEventListener) {
      listeners.push(l);
    },
    async peerEvent(...args: Parameters<PeerEventListener>) {
      for (const l of listeners) await l(...args);
    },
  };
}
export type RequestWatchers = ReturnType<typeof createRequestWatchers>;

/** A request as another module sees it: enough to show the chain and prefill a notice. */
export interface LinkedRequest {
  id: string;
  reference: string;
  direction: "incoming" | "outgoing";
  peerId: string | null;
  status: RequestStatus;
  type: string;
  urgency: string;
  content: RequestRow["content"];
  /** The answer's attachments (the provider's evidence, when a notice answered it). */
  evidence: AttachmentRef[];
}

const linked = (r: RequestRow): LinkedRequest => ({
  id: r.id,
  reference: r.reference,
  direction: r.direction as LinkedRequest["direction"],
  peerId: r.peerId,
  status: r.status,
  type: r.type,
  urgency: r.urgency,
  content: r.content,
  evidence: r.answer?.attachments ?? [],
});

/** Responder events that bring a request from where it is to one that can be answered, in order. */
const TO_WORK: Partial<Record<RequestStatus, ("acknowledge" | "start_work")[]>> = {
  delivered: ["acknowledge", "start_work"],
  acknowledged: ["start_work"],
};

/**
 * The providers module's port on requests (issue 15, across the border): a notice to a provider reached
 * through a peer becomes an outgoing request, sent in the notice's own transaction; an incoming request is
 * read (with the caller's rights) to prefill the notice the peer's compliance officer makes of it; that
 * notice's progress and its provider's answer move the incoming request, so they travel back to the
 * requester as the request's own signed events.
 */
export function createRequestsPort(
  c: RequestsContext,
  drafts: Pick<ReturnType<typeof createRequestDrafts>, "createIn">,
  life: Pick<ReturnType<typeof createRequestLifecycle>, "actIn">,
) {
  const { db } = c.deps;

  /** Creates and sends a request to `peerId` (the notice's four eyes stand for the request's). */
  async function sendIn(
    tx: Tx,
    ctx: Ctx,
    input: { unitId: string; peerId: string; form: RequestDraftInputRaw; purpose: string },
  ): Promise<LinkedRequest> {
    const form = parseForm(input.form, "request");
    const r = await drafts.createIn(
      tx,
      ctx,
      input.unitId,
      { peerId: input.peerId, form: input.form, purpose: input.purpose },
      form,
    );
    return linked(await life.actIn(tx, ctx, r.id, { event: "send" }, { fourEyesDone: true }));
  }

  /** An incoming request the caller's unit holds (requests:read), else NOT_FOUND naming the field. */
  async function readIncoming(ctx: Ctx, id: string, field: string): Promise<LinkedRequest> {
    const r = await c.load(ctx, id).catch(() => undefined);
    assertThat(
      r && r.direction === "incoming",
      new AppError("VALIDATION_FAILED", [{ field, issue: "no such incoming request" }]),
    );
    // A request that claims an emergency is acted on only once its second check stands (hijacked mailboxes).
    const guard = secondCheckGuard(c.guardInput(r), "fulfilled");
    if (guard) throw new AppError("INVALID_TRANSITION", [{ field, issue: guard, allowed: ["second_check"] }]);
    return linked(r);
  }

  /** The requests behind notices (the chain both sides see); those that no longer exist are left out. */
  async function summaries(ids: string[]): Promise<Map<string, LinkedRequest>> {
    const out = new Map<string, LinkedRequest>();
    for (const id of new Set(ids)) {
      const r = await repo.findRequest(db, id);
      if (r) out.set(id, linked(r));
    }
    return out;
  }

  /** The responder's work starts (the peer's notice went to the provider): acknowledged, in progress. */
  async function startIn(tx: Tx, ctx: Ctx, id: string): Promise<void> {
    const r = await repo.findRequest(tx, id);
    assertThat(r, notFound("request"));
    for (const event of TO_WORK[r.status] ?? []) await life.actIn(tx, ctx, id, { event });
  }

  /** The provider's answer, as the answer to the incoming request; nothing when it can no longer be answered. */
  async function answerIn(tx: Tx, ctx: Ctx, id: string, answer: AnswerInput): Promise<boolean> {
    await startIn(tx, ctx, id);
    const r = await repo.findRequest(tx, id);
    if (!r || !["acknowledged", "in_progress", "more_info_requested"].includes(r.status)) return false;
    await life.actIn(tx, ctx, id, { event: "answer", answer });
    return true;
  }

  /**
   * Locks the request's row for the rest of `tx`. The inbox applies the peer's events holding the request and
   * then tells the watchers (which lock their own rows): a module that changes a request from a transaction on
   * its own rows locks the request first, so both take the rows in one order and queue instead of deadlocking.
   */
  async function lockIn(tx: Tx, id: string): Promise<RequestStatus | undefined> {
    return (await repo.lockRequest(tx, id))?.status;
  }

  /** The requester withdraws the notice: its request is withdrawn too (while it is still open). */
  async function withdrawIn(tx: Tx, ctx: Ctx, id: string, reason: string): Promise<void> {
    const r = await repo.findRequest(tx, id);
    if (!r || ["closed", "withdrawn"].includes(r.status)) return;
    await life.actIn(tx, ctx, id, { event: "withdraw", reason: { lang: "en", text: reason } });
  }

  /**
   * The requests among `ids` the caller's unit holds, each with its life (every event of its timeline, oldest
   * first): what a record that requests were drafted from (a fugitive's) shows. Others are left out.
   */
  async function lifeOf(ctx: Ctx, ids: string[]): Promise<LinkedLife[]> {
    const rows = (await repo.findRequests(db, [...new Set(ids)])).filter((r) => c.visible(ctx, r));
    const events = await repo.eventsOfMany(
      db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      id: r.id,
      reference: r.reference,
      type: r.type,
      status: r.status,
      peerId: r.peerId,
      origin: r.originType && r.originId ? { type: r.originType, id: r.originId } : null,
      events: events
        .filter((e) => e.requestId === r.id)
        .map((e) => ({ event: e.event, toStatus: e.toStatus, at: e.at.toISOString() })),
    }));
  }

  return { sendIn, readIncoming, summaries, startIn, answerIn, withdrawIn, lockIn, lifeOf };
}

/** A request linked to another module's record, with the events of its life. */
export interface LinkedLife {
  id: string;
  reference: string;
  type: string;
  status: RequestStatus;
  peerId: string | null;
  /** The record the request was drafted from, if any. */
  origin: { type: string; id: string } | null;
  events: { event: string; toStatus: RequestStatus; at: string }[];
}

export type RequestsPort = ReturnType<typeof createRequestsPort>;
