import { issue, isTerminal, type LabelledText, preservationExpiry } from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import { inTransaction } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import { invalidTransition, type RequestsContext } from "./requests.context.js";
import { MSG } from "./requests.messages.js";
import * as repo from "./requests.repo.js";

/**
 * Extensions of an expedited preservation: the requester asks for more days, the responder grants
 * (from the current expiry, or from now if it has passed) or refuses; both travel to the peer.
 */
export function createRequestPreservation(c: RequestsContext) {
  const { db, clock, audit, federation } = c.deps;

  async function requestExtension(ctx: Ctx, id: string, input: { days: number; reason: LabelledText }) {
    requirePermission(ctx.actor, "requests:draft");
    const r = await c.load(ctx, id);
    const allowed = await c.userActions(ctx, r);
    const peerId = r.peerId;
    if (r.direction !== "outgoing" || r.type !== "preservation" || !peerId) {
      throw invalidTransition("only the requester of a preservation asks for an extension", allowed);
    }
    if (!r.preservationExpiresAt || (isTerminal(r.status) && r.status === "withdrawn")) {
      throw invalidTransition("the data is not (or no longer) preserved", allowed);
    }
    const now = clock.now();
    const extensionId = uuidv7();
    await inTransaction(db, async (tx) => {
      await repo.insertExtension(tx, {
        id: extensionId,
        requestId: id,
        days: input.days,
        reason: input.reason,
        status: "requested",
        requestedAt: now,
        requestedBy: ctx.actor.label,
      });
      await c.recordEvent(tx, ctx, r, {
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
        peerId,
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
    return c.detail(ctx, await c.load(ctx, id));
  }

  async function decideExtension(
    ctx: Ctx,
    id: string,
    extensionId: string,
    input: { grant: boolean; note?: LabelledText },
  ) {
    requirePermission(ctx.actor, "requests:answer");
    const r0 = await c.load(ctx, id);
    const peerId = r0.peerId;
    if (r0.direction !== "incoming" || !peerId) {
      throw invalidTransition("the responder decides on an extension", await c.userActions(ctx, r0));
    }
    await inTransaction(db, async (tx) => {
      const r = await c.lockRow(tx, id);
      const ext = await repo.lockExtension(tx, id, extensionId);
      assertThat(ext, notFound("extension"));
      if (ext.status !== "requested")
        throw new AppError("CONFLICT", [issue("extension.alreadyDecided", { status: ext.status })]);
      const now = clock.now();
      const base = r.preservationExpiresAt && r.preservationExpiresAt > now ? r.preservationExpiresAt : now;
      const newExpiresAt = input.grant ? preservationExpiry(base, ext.days) : null;
      await repo.decideExtensionRow(tx, id, extensionId, {
        status: input.grant ? "granted" : "refused",
        decidedAt: now,
        decidedBy: ctx.actor.label,
        newExpiresAt,
        decisionNote: input.note ?? null,
      });
      if (newExpiresAt) {
        // A new expiry gets its own warning.
        await repo.updateRequest(tx, id, {
          preservationExpiresAt: newExpiresAt,
          preservationWarnedAt: null,
          updatedAt: now,
          version: r.version + 1,
        });
      }
      await c.recordEvent(tx, ctx, r, {
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
        peerId,
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
    return c.detail(ctx, await c.load(ctx, id));
  }

  return { requestExtension, decideExtension };
}
