import { issue, SHARED_MSG, SharedProposalPayload } from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import type { Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import { AppError, assertThat, detailsText, notFound, zodIssueDetail } from "../../lib/errors.js";
import { parseReceived } from "../../lib/received.js";
import { type AttachmentRef, defineHandler, PermanentRejection } from "../federation/federation.types.js";
import { sharedObjectsRepo as repo } from "./shared-objects.repo.js";
import type { SharedObjectsDeps } from "./shared-objects.service.js";

/**
 * Proposals: a holder of a received copy asks the owner for a change (docs/shared-objects.md). The copy stays
 * read-only; the owner's domain applies the proposal as its own next version, which travels back to every
 * holder by the usual fan-out, the proposer included, or refuses it. A proposal goes straight to the owner,
 * names the version it was made on (a stale one is refused, so two holders cannot both apply a step made on
 * the same version), and is checked against the type's declared proposal schema on both sides.
 */
export function createSharedProposals(deps: SharedObjectsDeps) {
  const { clock, audit, federation, nodeId, types } = deps;

  /**
   * Sends a proposal on a received copy to its owner, in the caller's transaction (the domain has authorised
   * the caller on its own projection of the copy). `version` is the version the caller read. Returns its id.
   */
  async function proposeIn(
    tx: Tx,
    ctx: Ctx,
    body: { id: string; version: number; content: Record<string, unknown>; attachments?: AttachmentRef[] },
  ): Promise<string> {
    const row = await repo.lock(tx, body.id);
    assertThat(row, notFound("shared object"));
    const def = types.get(row.type);
    if (row.direction !== "received" || row.state !== "active" || !def?.proposals)
      throw new AppError("CONFLICT", [
        { issue: "only an active copy received from its owner takes proposals of this kind" },
      ]);
    if (body.version !== row.version)
      throw new AppError("CONFLICT", [
        { field: "body.version", ...issue("record.staleVersion", { what: "copy", version: row.version }) },
      ]);
    const parsed = def.proposals.schema.safeParse(body.content);
    if (!parsed.success)
      throw new AppError(
        "VALIDATION_FAILED",
        parsed.error.issues.map((i) => zodIssueDetail(["body", ...i.path.map(String)].join("."), i)),
      );
    const proposalId = uuidv7();
    const payload: SharedProposalPayload = {
      ownerNode: row.ownerNode,
      id: row.id,
      type: row.type,
      version: row.version,
      proposalId,
      by: ctx.actor.label,
      content: parsed.data,
      proposedAt: clock.now().toISOString(),
    };
    try {
      await federation.enqueue(tx, ctx, {
        peerId: row.ownerNode,
        type: SHARED_MSG.proposal,
        payload,
        ...(body.attachments?.length ? { attachments: body.attachments } : {}),
      });
    } catch (e) {
      // A copy that came onward through another node: its owner may not be a peer of this one.
      if (e instanceof AppError && (e.code === "NOT_FOUND" || e.code === "CONFLICT"))
        throw new AppError("CONFLICT", [issue("peer.ownerNotActive", { node: row.ownerNode })]);
      throw e;
    }
    await audit.record(tx, ctx, {
      action: "shared_object.propose",
      targetType: "shared_object",
      targetId: row.id,
      details: { proposalId, to: row.ownerNode, version: row.version, type: row.type },
    });
    return proposalId;
  }

  /** The owner's side: the sender must hold the object, at its current version; the domain does the rest. */
  const proposal = defineHandler(SHARED_MSG.proposal, SharedProposalPayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const self = await nodeId(tx);
    const row = await repo.lock(tx, p.id);
    const holder = row && (await repo.holders(tx, [p.id])).find((h) => h.peerId === msg.peerId);
    if (!row || p.ownerNode !== self || row.ownerNode !== self || holder?.state !== "active")
      throw new PermanentRejection("NOT_SHARED", "no object of ours is held by the sender under this id");
    if (row.state !== "active") throw new PermanentRejection("WITHDRAWN", "the object was withdrawn");
    const def = types.get(row.type);
    if (!def?.proposals || def.type !== p.type)
      throw new PermanentRejection("PROPOSAL_NOT_ACCEPTED", `type ${p.type} takes no proposals here`);
    if (p.version !== row.version)
      throw new PermanentRejection(
        "STALE",
        `proposed on version ${p.version}; the object is at version ${row.version}`,
      );
    const parsed = parseReceived(def.proposals.schema, p.content);
    if (!parsed.success)
      throw new PermanentRejection("PROPOSAL_INVALID", parsed.error.issues[0]?.message ?? "invalid");
    try {
      await def.proposals.onProposal(tx, ctx, {
        id: row.id,
        from: msg.peerId,
        proposalId: p.proposalId,
        version: p.version,
        by: p.by,
        content: parsed.data,
        proposedAt: p.proposedAt,
        attachments: msg.attachments ?? [],
      });
    } catch (e) {
      // The domain's refusal (a step out of order, a date before the last one): the proposer is told why.
      if (e instanceof AppError)
        throw new PermanentRejection("PROPOSAL_REFUSED", detailsText(e.details) || e.code);
      throw e;
    }
    await audit.record(tx, ctx, {
      action: "shared_object.proposal_received",
      targetType: "shared_object",
      targetId: row.id,
      details: {
        proposalId: p.proposalId,
        from: msg.peerId,
        version: p.version,
        type: p.type,
        ...(parsed.ignored.length ? { ignoredFields: parsed.ignored } : {}),
      },
    });
  });

  return { proposeIn, handlers: [proposal] };
}
