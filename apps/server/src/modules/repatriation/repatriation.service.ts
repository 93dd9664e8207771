import {
  RepatriationCaseContent as ContentSchema,
  deadlineState,
  type RepatriationBoard,
  type RepatriationBoardItem,
  type RepatriationCaseContent,
  type RepatriationCaseView,
  type RepatriationFiguresQuery,
  type RepatriationPolicy,
  type RepatriationStatus,
} from "@crossline/schemas";
import { sha256Hex } from "../../crypto/hash.js";
import { uuidv7 } from "../../crypto/ids.js";
import { type DbOrTx, inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat } from "../../lib/errors.js";
import type { ReceivedCopy } from "../shared-objects/shared-objects.types.js";
import { createRepatriationContext, pendingOf, type RepatriationDeps } from "./repatriation.context.js";
import { figuresOf } from "./repatriation.figures.js";
import { createRepatriationRectification, relinkRepatriation } from "./repatriation.rectify.js";
import { type CaseRow, repatriationRepo as repo } from "./repatriation.repo.js";
import { createRepatriationSteps } from "./repatriation.steps.js";
import { createRepatriationSweep } from "./repatriation.sweep.js";

/**
 * Repatriation cases (docs/repatriation.md): a unit's own cases and the peer's received ones (need to know:
 * another unit's is 404), each step in order (repatriation.steps.ts), the board of pending verifications and
 * travel documents with their countdowns, the monthly figures, the node's policy, the overdue sweep.
 */
export function createRepatriationService(deps: RepatriationDeps) {
  const c = createRepatriationContext(deps);
  const { db, clock, audit } = deps;
  const steps = createRepatriationSteps(c);
  const sweep = createRepatriationSweep(c);

  async function list(ctx: Ctx, q: { status?: RepatriationStatus; limit: number }) {
    requirePermission(ctx.actor, "fugitives:read");
    if (!ctx.actor.unitId) return { items: [] };
    const rows = await repo.ofUnit(db, ctx.actor.unitId, q);
    await c.logReads(db, ctx, rows, "list");
    const now = clock.now();
    return { items: rows.map((r) => c.view(r, now)) };
  }

  async function get(ctx: Ctx, id: string): Promise<RepatriationCaseView> {
    requirePermission(ctx.actor, "fugitives:read");
    const row = await c.load(ctx, id);
    await c.logReads(db, ctx, [row], "read");
    return c.view(row);
  }

  /** Pending verifications and travel documents of the caller's unit, soonest due first, with countdowns. */
  async function board(ctx: Ctx): Promise<RepatriationBoard> {
    requirePermission(ctx.actor, "fugitives:read");
    const now = clock.now();
    const rows = ctx.actor.unitId ? await repo.pendingOfUnit(db, ctx.actor.unitId) : [];
    await c.logReads(db, ctx, rows, "list");
    const items: RepatriationBoardItem[] = rows.flatMap((r) => {
      const p = pendingOf(r);
      if (!p) return [];
      return [
        {
          id: r.id,
          reference: r.reference,
          direction: r.direction,
          ownerNode: r.ownerNode,
          peer: r.direction === "own" ? r.peer : r.ownerNode,
          name: r.content.person.names[0] ?? { original: "" },
          status: r.status,
          pending: p.pending,
          since: p.since,
          dueAt: p.dueAt.toISOString(),
          msLeft: p.dueAt.getTime() - now.getTime(),
          deadlineState: deadlineState(now, p.dueAt, new Date(p.since)),
        },
      ];
    });
    items.sort((a, b) => a.msLeft - b.msLeft);
    return {
      asOf: now.toISOString(),
      verifications: items.filter((i) => i.pending === "verification"),
      documents: items.filter((i) => i.pending === "document"),
    };
  }

  async function figures(ctx: Ctx, q: RepatriationFiguresQuery) {
    requirePermission(ctx.actor, "fugitives:read");
    const zone = await deps.nodeZone();
    if (!ctx.actor.unitId) return figuresOf([], q, zone);
    // A day either side of the months' UTC bounds covers every zone; steps are then placed on the node's calendar.
    const [fy, fm] = q.from.split("-").map(Number) as [number, number];
    const [ty, tm] = q.to.split("-").map(Number) as [number, number];
    const from = new Date(Date.UTC(fy, fm - 1, 1) - 86_400_000);
    const to = new Date(Date.UTC(ty, tm, 1) + 86_400_000);
    return figuresOf(await repo.touchedBetween(db, ctx.actor.unitId, from, to), q, zone);
  }

  async function getPolicy(ctx: Ctx): Promise<RepatriationPolicy> {
    if (!ctx.actor.permissions.has("policy:manage")) requirePermission(ctx.actor, "fugitives:read");
    return c.policy();
  }

  async function putPolicy(ctx: Ctx, value: RepatriationPolicy): Promise<RepatriationPolicy> {
    requirePermission(ctx.actor, "policy:manage");
    const before = await c.policy();
    await inTransaction(db, async (tx) => {
      await c.putPolicy(tx, value);
      await audit.record(tx, ctx, {
        action: "policy.repatriation.update",
        targetType: "policy",
        targetId: "repatriation.policy",
        details: { before, after: value },
      });
    });
    return c.policy();
  }

  /** The travel document's scan (on both sides: its bytes travel with the step), checked against its SHA-256. */
  async function documentFile(ctx: Ctx, id: string) {
    requirePermission(ctx.actor, "fugitives:read");
    const row = await c.load(ctx, id);
    const file = row.content.steps.find((s) => s.kind === "document_issued")?.document?.file;
    assertThat(file, new AppError("NOT_FOUND", [{ issue: "no document file on this case" }]));
    // The scan was stored by the side that issued the document (this node, the owner or the side asked to
    // verify) and travelled to the other with the step.
    const self = await deps.nodeId(db);
    const origins = [...new Set([row.ownerNode, row.peer, self].filter((x): x is string => !!x))];
    const b = await deps.blobs.findBlob(origins, file.blobId);
    assertThat(b, new AppError("NOT_FOUND", [{ issue: "the document's file has not arrived (yet)" }]));
    assertThat(
      sha256Hex(b.data) === file.sha256,
      new AppError("CONFLICT", [{ issue: "the stored document does not match its SHA-256" }]),
    );
    await c.logReads(db, ctx, [row], "read");
    return { name: file.name, sha256: file.sha256, data: b.data };
  }

  /** Projects a received `repatriation.case` into this node's cases, read-only (the shared-objects inbox calls it). */
  async function onReceived(tx: Tx, copy: ReceivedCopy) {
    const prev = await repo.bySharedObject(tx, copy.id);
    const now = clock.now();
    if (!copy.content) {
      // Withdrawn by its owner: the copy's personal data goes with it.
      if (prev) await repo.remove(tx, prev.id);
      return;
    }
    const content = ContentSchema.parse(copy.content) as RepatriationCaseContent;
    const set = {
      content,
      status: content.status,
      version: copy.version,
      unitId: copy.unitId,
      verificationDueAt: content.verificationDueAt ? new Date(content.verificationDueAt) : null,
      documentDueAt: content.documentDueAt ? new Date(content.documentDueAt) : null,
      updatedAt: now,
      ...(content.status === "arrived" || content.status === "not_verified" ? { closedAt: now } : {}),
    };
    if (prev) {
      await repo.update(tx, prev.id, set);
      return;
    }
    await repo.insert(tx, {
      ...set,
      id: uuidv7(),
      direction: "received",
      ownerNode: copy.ownerNode,
      peer: copy.ownerNode,
      personId: null,
      requestId: null,
      sharedObjectId: copy.id,
      reference: content.reference,
      createdBy: null,
      createdAt: now,
    });
  }

  /** What the persons module shows of a repatriation case naming a person (its page, the subject-access export). */
  async function describe(dbx: DbOrTx, ids: string[]) {
    return (await repo.byIds(dbx, ids)).map((r) => ({
      id: r.id,
      reference: r.reference,
      title: r.content.person.names[0]?.romanised ?? r.content.person.names[0]?.original ?? null,
      ownerUnitId: r.unitId,
      subjects: [r.content.person as unknown as Record<string, unknown>],
    }));
  }

  const withView =
    <A extends unknown[]>(fn: (ctx: Ctx, ...a: A) => Promise<CaseRow>) =>
    async (ctx: Ctx, ...a: A) =>
      c.view(await fn(ctx, ...a));
  /** A step: the case as it is now, and the proposal's id when it went to the owner (a received case). */
  const stepView =
    <A extends unknown[]>(fn: (ctx: Ctx, ...a: A) => Promise<{ row: CaseRow; proposalId?: string }>) =>
    async (ctx: Ctx, ...a: A) => {
      const r = await fn(ctx, ...a);
      return { case: c.view(r.row), ...(r.proposalId ? { proposalId: r.proposalId } : {}) };
    };

  return {
    list,
    get,
    board,
    figures,
    getPolicy,
    putPolicy,
    documentFile,
    onReceived,
    describe,
    /** The persons module's hook: a rectified person's correction, to the cases and the peer holding them. */
    rectified: createRepatriationRectification(deps),
    relinked: relinkRepatriation,
    create: withView(steps.create),
    answer: stepView(steps.answer),
    issueDocument: stepView(steps.issueDocument),
    transfer: stepView(steps.transfer),
    arrive: stepView(steps.arrive),
    /** The owner's side of the peer's proposed step (the shared type's `onProposal`). */
    onProposal: steps.applyProposal,
    sweepOverdue: sweep.sweepOverdue,
    /** Arrivals with a peer between two days: the rounds progress report's "repatriations" figure. */
    arrivalsWithPeer: (peer: string, fromDay: string, toDay: string) =>
      repo.arrivalsWithPeer(db, peer, fromDay, toDay),
  };
}

export type RepatriationService = ReturnType<typeof createRepatriationService>;
