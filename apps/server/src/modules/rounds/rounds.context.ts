import { type ConflictReason, issue, ROUNDS_MSG, type RoundDoc, type RoundView } from "@crossline/schemas";
import type { PublicKeyJwk } from "../../crypto/keys.js";
import type { Db, DbOrTx, Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError } from "../../lib/errors.js";
import type { AuditService } from "../audit/audit.service.js";
import type { BlobPort, PeerDirectory } from "../federation/federation.directory.js";
import type { AttachmentRef, FederationPort } from "../federation/federation.types.js";
import type { NodeService } from "../node/node.service.js";
import type { NotifyInput } from "../notifications/notifications.service.js";
import {
  applyChange,
  type ChangeInput,
  conflictReasons,
  historyNote,
  reasonText,
  type Who,
} from "./rounds.doc.js";
import * as repo from "./rounds.repo.js";

/** What the rounds module needs from the rest of the node: narrow ports, no other module's tables. */
export interface RoundsDeps {
  db: Db;
  clock: Clock;
  audit: Pick<AuditService, "record">;
  node: Pick<NodeService, "keys" | "signingPublicKeys">;
  federation: FederationPort;
  /** Round documents are stored as federation blobs and travel with the change that adds them. */
  attachments: Pick<BlobPort, "findBlob" | "storedAttachments"> & {
    putAttachment(tx: Tx, bytes: Buffer, name?: string): Promise<AttachmentRef>;
  };
  peers: PeerDirectory;
  /** A peer's published signing keys (federation's peer record), to check its signatures. */
  peerSigningKeys(dbx: DbOrTx, peerId: string): Promise<PublicKeyJwk[]>;
  nodeId(dbx: DbOrTx): Promise<string>;
  notify(tx: Tx, n: NotifyInput): Promise<number>;
  recipientsFor(tx: DbOrTx, roles: readonly string[]): Promise<string[]>;
}

export const who = (ctx: Ctx, node: string): Who => ({ node, name: ctx.actor.label.slice(0, 200) });

export const notFoundRound = () => new AppError("NOT_FOUND", [issue("record.notFound", { what: "round" })]);

export async function viewOf(dbx: DbOrTx, self: string, doc: RoundDoc): Promise<RoundView> {
  const role = doc.hostNode === self ? "host" : "guest";
  const pending =
    role === "guest"
      ? (await repo.pendingProposals(dbx, doc.id)).map((p) => ({
          id: p.id,
          base: p.base,
          op: p.op.op,
          state: p.state,
          createdAt: p.createdAt.toISOString(),
        }))
      : [];
  return { doc, role, pending };
}

/**
 * The host's one way to write a version: the change (or the conflict it makes, kept in the document),
 * saved, audited and sent to the guest in the caller's transaction.
 */
export function createRoundWriter(deps: RoundsDeps) {
  const { clock, audit, federation } = deps;

  /** `attachments`: the bytes of documents this version adds that this node uploaded (they go with it). */
  async function commit(
    tx: Tx,
    ctx: Ctx,
    doc: RoundDoc,
    action: string,
    details: Record<string, unknown>,
    attachments?: AttachmentRef[],
  ) {
    await repo.saveRound(tx, doc, clock.now());
    await audit.record(tx, ctx, { action, targetType: "round", targetId: doc.id, details });
    await federation.enqueue(tx, ctx, {
      peerId: doc.guestNode,
      type: ROUNDS_MSG.state,
      payload: { doc },
      ...(attachments?.length ? { attachments } : {}),
    });
  }

  /** Keeps a change that could not apply as an open conflict: a version too, so both sides see it. */
  function keepConflict(
    doc: RoundDoc,
    input: ChangeInput,
    from: string,
    fields: string[],
    reasons: ConflictReason[],
  ): RoundDoc {
    const reason = reasonText(reasons);
    const next = structuredClone(doc);
    next.version += 1;
    next.updatedAt = input.at;
    next.conflicts.push({
      id: `c${next.conflicts.length + 1}`,
      proposalId: input.proposalId ?? "",
      from,
      base: input.base,
      op: input.op,
      fields,
      reason,
      reasons,
      state: "open",
      at: input.at,
    });
    next.history.push({
      version: next.version,
      proposalId: input.proposalId,
      op: "conflict",
      // the reason (in English) stays in the English text; each reader sees it on the conflict itself
      ...historyNote(issue("rounds.change.conflictKept", { op: input.op.op, from })),
      summary: `${input.op.op} from ${from} kept as a conflict: ${reason}`.slice(0, 2000),
      by: input.by,
      at: input.at,
    });
    return next;
  }

  /** A proposal from the guest: applied when it can be, else kept as a conflict; never lost. */
  async function applyProposal(tx: Tx, ctx: Ctx, doc: RoundDoc, input: ChangeInput, from: string) {
    let next: RoundDoc;
    try {
      const r = applyChange(doc, input);
      next = r.kind === "applied" ? r.doc : keepConflict(doc, input, from, r.fields, r.reasons);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      // Valid when the guest sent it, refused now (the list became final meanwhile, say): kept and shown.
      const reasons = conflictReasons(e.details);
      next = keepConflict(
        doc,
        input,
        from,
        e.details.map((d) => d.field ?? "").filter(Boolean),
        reasons.length ? reasons : [{ issue: e.code }],
      );
    }
    const applied = next.history[next.history.length - 1]?.op !== "conflict";
    await commit(tx, ctx, next, applied ? "round.proposal_applied" : "round.proposal_conflict", {
      proposalId: input.proposalId,
      op: input.op.op,
      from,
      version: next.version,
    });
    return next;
  }

  return { commit, applyProposal, keepConflict };
}

export const now = (clock: Clock) => clock.now().toISOString();
