import { createHash } from "node:crypto";
import {
  ACTION_STATUSES,
  type ActionBoardQuery,
  type CreateRoundBody,
  issue,
  type OutcomeExport,
  type OutcomeVerification,
  ROUNDS_MSG,
  type RoundChangeBody,
  type RoundDoc,
  type RoundDocumentUpload,
  type RoundView,
} from "@crossline/schemas";
import type { z } from "zod";
import { uuidv7 } from "../../crypto/ids.js";
import type { PublicKeyJwk } from "../../crypto/keys.js";
import { type DbOrTx, inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission, systemCtx } from "../../lib/actor.js";
import { AppError } from "../../lib/errors.js";
import type { AttachmentRef } from "../federation/federation.types.js";
import { createRoundWriter, notFoundRound, now, type RoundsDeps, viewOf, who } from "./rounds.context.js";
import { applyChange, assertSignable, type ChangeInput, isOverdue, newRoundDoc } from "./rounds.doc.js";
import { outcomePdf } from "./rounds.export.js";
import * as repo from "./rounds.repo.js";
import {
  exportOutcome,
  keyFingerprint,
  outcomeDocument,
  signOutcome,
  verifyOutcomeExport,
} from "./rounds.signing.js";

/**
 * Dialogue rounds (docs/rounds.md). Rounds belong to the node, not to a unit: the liaison / secretariat
 * officers of either participating node work on the same document. On the host, a change is applied at
 * once; on the guest, it is checked against the local copy (bad input is refused here and never travels)
 * and sent to the host as a proposal, which the host's next version answers.
 */
export function createRoundsService(deps: RoundsDeps) {
  const { db, clock, audit, federation, node, peers } = deps;
  const writer = createRoundWriter(deps);

  async function load(dbx: DbOrTx, id: string): Promise<RoundDoc> {
    const r = await repo.findRound(dbx, id);
    if (!r) throw notFoundRound();
    return r.doc;
  }

  async function list(ctx: Ctx) {
    requirePermission(ctx.actor, "rounds:read");
    const rows = await repo.listRounds(db);
    return rows
      .map((r) => r.doc)
      .sort((a, b) => Date.parse(a.fields.startsAt) - Date.parse(b.fields.startsAt))
      .map((d) => ({
        id: d.id,
        hostNode: d.hostNode,
        guestNode: d.guestNode,
        version: d.version,
        number: d.fields.number,
        name: d.fields.name,
        startsAt: d.fields.startsAt,
        endsAt: d.fields.endsAt,
        timeZone: d.fields.timeZone,
        city: d.fields.city,
        openConflicts: d.conflicts.filter((c) => c.state === "open").length,
        finalLists: d.outcomeLists.filter((l) => l.state === "final").length,
        actionItems: d.actionItems.length,
      }));
  }

  async function get(ctx: Ctx, id: string): Promise<RoundView> {
    requirePermission(ctx.actor, "rounds:read");
    const doc = await load(db, id);
    return viewOf(db, await deps.nodeId(db), doc);
  }

  async function create(ctx: Ctx, body: CreateRoundBody): Promise<RoundView> {
    requirePermission(ctx.actor, "rounds:write");
    return inTransaction(db, async (tx) => {
      const self = await deps.nodeId(tx);
      if (body.guestNode === self || (await peers.peerState(tx, body.guestNode)) !== "active")
        throw new AppError("VALIDATION_FAILED", [
          { field: "body.guestNode", issue: "must be an active peer of this node" },
        ]);
      const doc = newRoundDoc(
        `rnd_${uuidv7()}`,
        self,
        body.guestNode,
        body.fields,
        who(ctx, self),
        now(clock),
      );
      await repo.insertRound(tx, doc, clock.now());
      await audit.record(tx, ctx, {
        action: "round.create",
        targetType: "round",
        targetId: doc.id,
        details: { number: doc.fields.number, guestNode: doc.guestNode },
      });
      await federation.enqueue(tx, ctx, { peerId: doc.guestNode, type: ROUNDS_MSG.state, payload: { doc } });
      return viewOf(tx, self, doc);
    });
  }

  /**
   * One change by a person on this node. The host applies it (a stale base on a field changed since to
   * another value is 409, the person is there to re-read); the guest sends it as a proposal.
   */
  async function change(ctx: Ctx, id: string, body: RoundChangeBody, signature?: ChangeInput["signature"]) {
    requirePermission(ctx.actor, "rounds:write");
    if (body.op.op === "outcome.sign" && !signature)
      throw new AppError("VALIDATION_FAILED", [
        { field: "body.op.op", issue: "a list is signed by the node: POST …/lists/:listId/sign" },
      ]);
    if (body.op.op === "document.add")
      throw new AppError("VALIDATION_FAILED", [
        { field: "body.op.op", issue: "a document is added with its bytes: POST …/documents" },
      ]);
    return inTransaction(db, (tx) => changeIn(tx, ctx, id, body, signature));
  }

  /** `change` in the caller's transaction; `attachments` go with the change to the other side. */
  async function changeIn(
    tx: Tx,
    ctx: Ctx,
    id: string,
    body: RoundChangeBody,
    signature?: ChangeInput["signature"],
    attachments?: AttachmentRef[],
  ) {
    const self = await deps.nodeId(tx);
    const row = await repo.lockRound(tx, id);
    if (!row) throw notFoundRound();
    const input: ChangeInput = {
      op: body.op,
      base: body.base,
      by: who(ctx, self),
      at: now(clock),
      proposalId: null,
      signature,
    };
    if (body.base > row.doc.version)
      throw new AppError("VALIDATION_FAILED", [
        { field: "body.base", ...issue("rounds.atVersion", { version: row.doc.version }) },
      ]);
    // Both sides check first: bad input is refused here with its field, and nothing is saved or sent. The
    // guest checks over its copy with its own pending proposals applied (a list it just proposed exists).
    const r = applyChange(row.doc.hostNode === self ? row.doc : await speculative(tx, row.doc), input);
    if (r.kind === "conflict")
      throw new AppError("CONFLICT", [
        {
          field: "body.base",
          ...issue("rounds.stale", {
            base: body.base,
            version: row.doc.version,
            fields: r.fields.join(", "),
          }),
        },
      ]);
    if (row.doc.hostNode === self) {
      await writer.commit(
        tx,
        ctx,
        r.doc,
        "round.change",
        { op: body.op.op, version: r.doc.version },
        attachments,
      );
      return { round: await viewOf(tx, self, r.doc), outcome: "applied" as const, proposalId: null };
    }
    const proposalId = `rp_${uuidv7()}`;
    await repo.insertProposal(tx, {
      id: proposalId,
      roundId: id,
      base: body.base,
      op: body.op,
      createdBy: ctx.actor.userId,
      createdAt: clock.now(),
    });
    await audit.record(tx, ctx, {
      action: "round.propose",
      targetType: "round",
      targetId: id,
      details: { proposalId, op: body.op.op, base: body.base },
    });
    await federation.enqueue(tx, ctx, {
      peerId: row.doc.hostNode,
      type: ROUNDS_MSG.proposal,
      payload: { roundId: id, proposalId, base: body.base, op: body.op, by: input.by },
      ...(attachments?.length ? { attachments } : {}),
    });
    return { round: await viewOf(tx, self, row.doc), outcome: "pending" as const, proposalId };
  }

  /**
   * A document for the round: its bytes stored (a federation blob, SHA-256) and the `document.add` change
   * made in the same transaction, so the bytes travel with it to the other side; nothing is kept when the
   * change is refused.
   */
  async function addDocument(ctx: Ctx, id: string, body: RoundDocumentUpload) {
    requirePermission(ctx.actor, "rounds:write");
    const bytes = Buffer.from(body.contentBase64, "base64");
    if (
      !bytes.length ||
      bytes.toString("base64").replace(/=+$/, "") !== body.contentBase64.replace(/=+$/, "")
    )
      throw new AppError("VALIDATION_FAILED", [
        { field: "body.contentBase64", issue: "must be non-empty standard base64" },
      ]);
    await deps.nodeId(db);
    return inTransaction(db, async (tx) => {
      const row = await repo.lockRound(tx, id);
      if (!row) throw notFoundRound();
      const ref = await deps.attachments.putAttachment(tx, bytes, body.name);
      const document = { id: ref.id, sha256: ref.sha256, size: ref.size, name: body.name };
      const r = await changeIn(
        tx,
        ctx,
        id,
        { base: row.doc.version, op: { op: "document.add", document } },
        undefined,
        [document],
      );
      return { ...r, document };
    });
  }

  /** A round document's bytes (uploaded on either side), checked against the SHA-256 the round holds. */
  async function readDocument(ctx: Ctx, id: string, documentId: string) {
    requirePermission(ctx.actor, "rounds:read");
    const doc = await load(db, id);
    const d = doc.fields.documents.find((x) => x.id === documentId);
    if (!d) throw new AppError("NOT_FOUND", [issue("record.notFound", { what: "document" })]);
    const b = await deps.attachments.findBlob([doc.hostNode, doc.guestNode], documentId);
    if (!b) throw new AppError("NOT_FOUND", [{ issue: "the document's bytes have not arrived (yet)" }]);
    if (b.sha256 !== d.sha256 || createHash("sha256").update(b.data).digest("hex") !== d.sha256)
      throw new AppError("CONFLICT", [{ issue: "the stored document does not match its SHA-256" }]);
    return { name: d.name, sha256: d.sha256, data: b.data };
  }

  /** The guest's copy as it will be once the host has applied this node's pending proposals (if it can). */
  async function speculative(tx: DbOrTx, doc: RoundDoc): Promise<RoundDoc> {
    let d = doc;
    for (const p of await repo.pendingProposals(tx, doc.id)) {
      try {
        const r = applyChange(d, {
          op: p.op,
          base: p.base,
          by: { node: doc.guestNode, name: "" },
          at: doc.updatedAt,
          proposalId: p.id,
          signature: p.op.op === "outcome.sign" ? { kid: "", keyFingerprint: "" } : undefined,
        });
        if (r.kind === "applied") d = r.doc;
      } catch {
        // A pending proposal the host will keep as a conflict changes nothing here either.
      }
    }
    return d;
  }

  /** This node signs the list's current version (the canonical document) with its signing key. */
  async function sign(ctx: Ctx, id: string, listId: string, body: { base: number; listVersion: number }) {
    requirePermission(ctx.actor, "rounds:write");
    const doc = await load(db, id);
    const list = doc.outcomeLists.find((l) => l.id === listId);
    if (!list) throw new AppError("NOT_FOUND", [issue("record.notFound", { what: "outcome list" })]);
    if (list.state === "final")
      throw new AppError("CONFLICT", [
        { field: "params.listId", ...issue("rounds.listFinal", { list: listId }) },
      ]);
    if (list.version !== body.listVersion)
      throw new AppError("CONFLICT", [
        {
          field: "body.listVersion",
          ...issue("rounds.listStale", { version: list.version }),
        },
      ]);
    assertSignable(list);
    // Signing is slow work: done before the transaction, which re-checks the version under the row lock.
    const key = (await node.keys()).signing;
    const jws = await signOutcome(outcomeDocument(doc, list), key);
    return change(
      ctx,
      id,
      { base: body.base, op: { op: "outcome.sign", listId, listVersion: body.listVersion, jws } },
      { kid: key.kid, keyFingerprint: keyFingerprint(key.publicJwk) },
    );
  }

  async function keysByNode(dbx: DbOrTx, doc: RoundDoc): Promise<Record<string, PublicKeyJwk[]>> {
    const self = await deps.nodeId(dbx);
    const out: Record<string, PublicKeyJwk[]> = {};
    for (const n of [doc.hostNode, doc.guestNode])
      out[n] = n === self ? await node.signingPublicKeys() : await deps.peerSigningKeys(dbx, n);
    return out;
  }

  async function exportList(ctx: Ctx, id: string, listId: string): Promise<OutcomeExport> {
    requirePermission(ctx.actor, "rounds:read");
    const doc = await load(db, id);
    const list = doc.outcomeLists.find((l) => l.id === listId);
    if (!list) throw new AppError("NOT_FOUND", [issue("record.notFound", { what: "outcome list" })]);
    const keys = await keysByNode(db, doc);
    return exportOutcome(doc, list, (n, kid) => keys[n]?.find((k) => k.kid === kid));
  }

  /** Checks an exported list against the keys this node knows for the two signers (its own, its peer's). */
  async function verify(ctx: Ctx, e: OutcomeExport): Promise<OutcomeVerification> {
    requirePermission(ctx.actor, "rounds:read");
    const self = await deps.nodeId(db);
    const trusted: Record<string, PublicKeyJwk[]> = {};
    for (const n of [e.document.hostNode, e.document.guestNode])
      trusted[n] = n === self ? await node.signingPublicKeys() : await deps.peerSigningKeys(db, n);
    return verifyOutcomeExport(e, trusted);
  }

  /**
   * The bilingual PDF for publication, with each signature checked against the keys this node knows and its
   * time on the reader's clock (`timeZone`).
   */
  async function exportPdf(ctx: Ctx, id: string, listId: string, timeZone: string): Promise<Buffer> {
    const e = await exportList(ctx, id, listId);
    return outcomePdf(e, await verify(ctx, e), timeZone);
  }

  async function board(ctx: Ctx, q: z.infer<typeof ActionBoardQuery>) {
    requirePermission(ctx.actor, "rounds:read");
    const t = clock.now();
    const items = (await repo.listRounds(db)).flatMap(({ doc }) =>
      doc.actionItems.map((a) => ({
        ...a,
        roundId: doc.id,
        roundNumber: doc.fields.number,
        overdue: isOverdue(a, t),
      })),
    );
    return items
      .filter(
        (a) =>
          (!q.roundId || a.roundId === q.roundId) &&
          (!q.ownerNode || a.ownerNode === q.ownerNode) &&
          (!q.status || a.status === q.status) &&
          (!q.overdue || a.overdue === (q.overdue === "true")),
      )
      .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  }

  async function summary(ctx: Ctx, id: string) {
    requirePermission(ctx.actor, "rounds:read");
    const doc = await load(db, id);
    const t = clock.now();
    return {
      roundId: doc.id,
      roundNumber: doc.fields.number,
      bySide: [doc.hostNode, doc.guestNode].map((n) => {
        const mine = doc.actionItems.filter((a) => a.ownerNode === n);
        const count = Object.fromEntries(
          ACTION_STATUSES.map((s) => [s, mine.filter((a) => a.status === s).length]),
        );
        return {
          node: n,
          total: mine.length,
          planned: count.planned ?? 0,
          in_progress: count.in_progress ?? 0,
          done: count.done ?? 0,
          dropped: count.dropped ?? 0,
          overdue: mine.filter((a) => isOverdue(a, t)).length,
        };
      }),
    };
  }

  /**
   * The overdue sweep (background; safe with several processes): each action item past its due date and
   * not done or dropped alerts the liaison officers once per due date (round_alerts claims it).
   */
  async function sweepOverdue(limit = 200): Promise<{ alerted: number }> {
    const ctx = systemCtx();
    const t = clock.now();
    let alerted = 0;
    await inTransaction(db, async (tx) => {
      const liaisons = await deps.recipientsFor(tx, ["liaison"]);
      for (const { doc } of await repo.listRounds(tx)) {
        for (const a of doc.actionItems.filter((x) => isOverdue(x, t))) {
          if (alerted >= limit) return;
          if (!(await repo.claimAlert(tx, doc.id, a.id, new Date(a.dueAt), t))) continue;
          alerted++;
          await deps.notify(tx, {
            userIds: liaisons,
            kind: "round_action_overdue",
            severity: "urgent",
            email: true,
            key: "round_action_overdue",
            params: {
              round: doc.fields.number,
              text: a.text.en,
              textZh: a.text.zh,
              owner: a.ownerNode,
              agency: a.agency,
              officer: a.officer,
              dueAt: { at: a.dueAt, zone: doc.fields.timeZone },
            },
          });
          await audit.record(tx, ctx, {
            action: "round.action_overdue",
            targetType: "round",
            targetId: doc.id,
            details: { itemId: a.id, dueAt: a.dueAt, ownerNode: a.ownerNode, notified: liaisons.length },
          });
        }
      }
    });
    return { alerted };
  }

  return {
    list,
    get,
    create,
    change,
    addDocument,
    readDocument,
    sign,
    exportList,
    exportPdf,
    verify,
    board,
    summary,
    sweepOverdue,
  };
}

export type RoundsService = ReturnType<typeof createRoundsService>;
