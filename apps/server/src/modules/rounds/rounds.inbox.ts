import { issue, ROUNDS_MSG, RoundProposalPayload, RoundStatePayload } from "@crossline/schemas";
import { defineHandler as handler, PermanentRejection } from "../federation/federation.types.js";
import { createRoundWriter, type RoundsDeps } from "./rounds.context.js";
import * as repo from "./rounds.repo.js";
import { checkOutcomeSignature, outcomeDocument } from "./rounds.signing.js";

/**
 * The two messages of a round, each applied exactly once and in per-peer order by the transport:
 * `rounds.state` (host → guest: the host's new version, which replaces the guest's copy only when higher)
 * and `rounds.proposal` (guest → host: one change with the version its author read).
 */
export function registerRoundHandlers(deps: RoundsDeps) {
  const { clock, audit, federation } = deps;
  const writer = createRoundWriter(deps);

  const state = handler(ROUNDS_MSG.state, RoundStatePayload, async (tx, msg, ctx) => {
    const { doc } = msg.payload;
    const self = await deps.nodeId(tx);
    // Only the host writes versions, and only to its guest.
    if (doc.hostNode !== msg.peerId || doc.guestNode !== self)
      throw new PermanentRejection(
        "WRONG_SOURCE",
        `round ${doc.id} is not hosted by ${msg.peerId} for this node`,
      );
    const held = await repo.lockRound(tx, doc.id);
    if (held && (held.hostNode !== doc.hostNode || held.guestNode !== doc.guestNode))
      throw new PermanentRejection("ID_CONFLICT", `round ${doc.id} is held here with other participants`);
    if (held && held.version >= doc.version) return;
    if (held) await repo.saveRound(tx, doc, clock.now());
    else await repo.insertRound(tx, doc, clock.now());
    // The host's version answers this node's proposals: applied (in the history) or kept as a conflict.
    for (const p of await repo.pendingProposals(tx, doc.id)) {
      if (doc.conflicts.some((c) => c.proposalId === p.id)) await repo.settleProposal(tx, p.id, "conflict");
      else if (doc.history.some((h) => h.proposalId === p.id)) await repo.settleProposal(tx, p.id, "applied");
    }
    await audit.record(tx, ctx, {
      action: "round.received",
      targetType: "round",
      targetId: doc.id,
      details: { from: msg.peerId, version: doc.version, previous: held?.version ?? null },
    });
  });

  const proposal = handler(ROUNDS_MSG.proposal, RoundProposalPayload, async (tx, msg, ctx) => {
    const p = msg.payload;
    const self = await deps.nodeId(tx);
    const row = await repo.lockRound(tx, p.roundId);
    if (!row || row.hostNode !== self || row.guestNode !== msg.peerId)
      throw new PermanentRejection("NOT_SHARED", `round ${p.roundId} is not hosted here for ${msg.peerId}`);
    if (
      row.doc.history.some((h) => h.proposalId === p.proposalId) ||
      row.doc.conflicts.some((c) => c.proposalId === p.proposalId)
    )
      return;
    // The author is the sending node, whatever the payload claims.
    const by = { node: msg.peerId, name: p.by.name };
    const input = {
      op: p.op,
      base: Math.min(p.base, row.doc.version),
      by,
      at: clock.now().toISOString(),
      proposalId: p.proposalId,
    };
    const op = p.op;
    if (op.op === "outcome.sign") {
      const list = row.doc.outcomeLists.find((l) => l.id === op.listId);
      if (list && list.state === "draft" && list.version === op.listVersion) {
        const check = await checkOutcomeSignature(
          outcomeDocument(row.doc, list),
          op.jws,
          await deps.peerSigningKeys(tx, msg.peerId),
        );
        if (check.check !== "valid") {
          const reason = issue("rounds.signatureMismatch", {
            listVersion: list.version,
            check: check.check,
          });
          const next = writer.keepConflict(row.doc, input, msg.peerId, ["jws"], [reason]);
          await writer.commit(tx, ctx, next, "round.signature_refused", {
            proposalId: p.proposalId,
            check: check.check,
            kid: check.kid,
          });
          return;
        }
        await writer.applyProposal(
          tx,
          ctx,
          row.doc,
          { ...input, signature: { kid: check.kid, keyFingerprint: check.keyFingerprint } },
          msg.peerId,
        );
        return;
      }
    }
    await writer.applyProposal(tx, ctx, row.doc, input, msg.peerId);
  });

  federation.registerHandler(state);
  federation.registerHandler(proposal);
}
