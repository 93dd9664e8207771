import {
  type CaseReportQuery,
  type CaseStatusReport,
  type CaseSummaryContent,
  type DecideShareBody,
  type ErrorDetail,
  issue,
  type Marking,
  markingRefusal,
  type PriorityItem,
  type ShareCaseBody,
  type SharedObjectView,
  zonedDays,
} from "@crossline/schemas";
import type { z } from "zod";
import { uuidv7 } from "../../crypto/ids.js";
import { inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, can, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat } from "../../lib/errors.js";
import type { CasesContext } from "./cases.context.js";
import { type CaseRow, casesRepo as repo, type ShareRow } from "./cases.repo.js";
import { caseSummaryType } from "./cases.shared.js";

const sameMarking = (a: Marking, b: Marking) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Sharing a priority case's summary with peers (a `case.summary` shared object, so markings, versions,
 * fan-out and tombstones are the common mechanism's), after a supervisor's approval where the node's case
 * policy asks for it (four eyes: not the officer who asked); the priority list and the status report.
 */
export function createCaseSharing(c: CasesContext) {
  const { db, clock, audit, peers, sharedObjects } = c.deps;
  const port = sharedObjects.domainPort;

  async function views(caseId: string) {
    return (await repo.shares(db, caseId)).map((s) => ({
      id: s.id,
      recipients: s.recipients,
      marking: s.marking,
      state: s.state,
      requestedBy: s.requestedByLabel,
      decidedBy: s.decidedByLabel ?? null,
      reason: s.reason ?? null,
      createdAt: s.createdAt.toISOString(),
      decidedAt: s.decidedAt?.toISOString() ?? null,
    }));
  }

  /**
   * The case's summary object as it is once locked: its state, marking and holders read under the lock the
   * changes below take (read before it, a withdrawal, a new holder or marking committed meanwhile through the
   * shared-objects API was missed: the approval refused, or the share's marking not applied).
   */
  async function lockedView(tx: Tx, sharedObjectId: string) {
    await port.lockIn(tx, sharedObjectId);
    return port.viewsOf(tx, [sharedObjectId]);
  }

  /** Sends the summary to the share's recipients: a first publication, or more peers (and a new marking). */
  async function send(tx: Tx, ctx: Ctx, row: CaseRow, share: ShareRow) {
    const [current] = row.sharedObjectId ? await lockedView(tx, row.sharedObjectId) : [];
    if (current?.state === "active") {
      if (!sameMarking(current.marking, share.marking))
        await port.updateIn(tx, ctx, current.id, { marking: share.marking });
      const holding = new Set(current.holders.filter((h) => h.state === "active").map((h) => h.nodeId));
      const more = share.recipients.filter((r) => !holding.has(r));
      if (more.length) await port.shareIn(tx, ctx, current.id, more);
      return;
    }
    // None yet, or the last one was withdrawn: a new object (a tombstoned id is never reused).
    const id = await port.publishIn(tx, ctx, {
      type: caseSummaryType.type,
      unitId: row.unitId,
      marking: share.marking,
      content: c.summaryContent(row),
      recipients: share.recipients,
    });
    await repo.update(tx, row.id, { sharedObjectId: id });
  }

  async function requestShare(ctx: Ctx, id: string, body: z.infer<typeof ShareCaseBody>) {
    requirePermission(ctx.actor, "cases:write");
    await inTransaction(db, async (tx) => {
      const row = await c.lock(tx, ctx, id);
      if (!row.priority) {
        throw new AppError("CONFLICT", [
          { field: "body", issue: "only a priority case's summary is shared: mark the case priority first" },
        ]);
      }
      const issues: ErrorDetail[] = [];
      const conflicts: ErrorDetail[] = [];
      for (const [i, r] of body.recipients.entries()) {
        const field = `body.recipients.${i}`;
        if (body.recipients.indexOf(r) !== i) issues.push({ field, issue: "named twice" });
        else if ((await peers.peerState(tx, r)) !== "active")
          issues.push({ field, ...issue("peer.notActive", { node: r }) });
        else if (markingRefusal(body.marking, { nodeId: r, onward: false }) === "NOT_NAMED")
          conflicts.push({ field, ...issue("marking.notReleasable", { node: r }) });
      }
      if (issues.length) throw new AppError("VALIDATION_FAILED", issues);
      if (conflicts.length) throw new AppError("CONFLICT", conflicts);
      const pol = await c.policy(tx);
      const now = clock.now();
      const share: ShareRow = {
        id: uuidv7(),
        caseId: id,
        recipients: body.recipients,
        marking: body.marking,
        state: pol.shareApproval ? "pending" : "approved",
        requestedBy: ctx.actor.userId,
        requestedByLabel: ctx.actor.label,
        decidedBy: null,
        decidedByLabel: null,
        reason: null,
        createdAt: now,
        decidedAt: pol.shareApproval ? null : now,
      };
      await repo.insertShare(tx, share);
      if (!pol.shareApproval) await send(tx, ctx, row, share);
      const after = await c.touch(tx, row);
      await audit.record(tx, ctx, {
        action: "case.share_request",
        targetType: "case",
        targetId: id,
        details: {
          version: after.version,
          shareId: share.id,
          recipients: body.recipients,
          tlp: body.marking.tlp,
          state: share.state,
        },
      });
    });
  }

  async function decide(ctx: Ctx, id: string, shareId: string, body: z.infer<typeof DecideShareBody>) {
    requirePermission(ctx.actor, "cases:approve");
    await inTransaction(db, async (tx) => {
      const row = await c.lock(tx, ctx, id);
      const share = await repo.lockShare(tx, id, shareId);
      assertThat(
        share,
        new AppError("NOT_FOUND", [{ field: "params.shareId", issue: "no such share of this case" }]),
      );
      if (share.state !== "pending")
        throw new AppError("CONFLICT", [issue("cases.shareDecided", { state: share.state })]);
      if (share.requestedBy === ctx.actor.userId) {
        throw new AppError("FORBIDDEN", [
          { issue: "four eyes: the officer who asked to share may not approve it" },
        ]);
      }
      const now = clock.now();
      const decided: ShareRow = {
        ...share,
        state: body.approve ? "approved" : "rejected",
        decidedBy: ctx.actor.userId,
        decidedByLabel: ctx.actor.label,
        reason: body.reason ?? null,
        decidedAt: now,
      };
      // Approved: the summary leaves in this transaction, or nothing does (a marking or peer that no longer
      // admits it refuses the approval with the reason).
      if (body.approve) await send(tx, ctx, row, decided);
      await repo.updateShare(tx, shareId, {
        state: decided.state,
        decidedBy: decided.decidedBy,
        decidedByLabel: decided.decidedByLabel,
        reason: decided.reason,
        decidedAt: now,
      });
      const after = await c.touch(tx, row);
      await audit.record(tx, ctx, {
        action: body.approve ? "case.share_approve" : "case.share_reject",
        targetType: "case",
        targetId: id,
        details: { version: after.version, shareId, recipients: share.recipients },
      });
    });
  }

  /** Withdraws the case's shared summary: a tombstone reaches every peer holding it. */
  async function withdraw(ctx: Ctx, id: string) {
    requirePermission(ctx.actor, "cases:write");
    await inTransaction(db, async (tx) => {
      const row = await c.lock(tx, ctx, id);
      const [so] = row.sharedObjectId ? await lockedView(tx, row.sharedObjectId) : [];
      if (so?.state !== "active")
        throw new AppError("CONFLICT", [{ issue: "no summary of this case is shared" }]);
      await port.withdrawIn(tx, ctx, so.id);
      const after = await c.touch(tx, row);
      await audit.record(tx, ctx, {
        action: "case.summary_withdraw",
        targetType: "case",
        targetId: id,
        details: { version: after.version, sharedObjectId: so.id },
      });
    });
  }

  /** Received case summaries of the caller's unit (the shared-objects module decides which it may see). */
  async function received(ctx: Ctx): Promise<SharedObjectView[]> {
    if (!can(ctx.actor, "sharing:read")) return [];
    const out: SharedObjectView[] = [];
    let cursor: string | undefined;
    do {
      const page = await sharedObjects.list(ctx, {
        type: caseSummaryType.type,
        direction: "received",
        state: "active",
        limit: 200,
        ...(cursor ? { cursor } : {}),
      });
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  /**
   * The priority cases shared with peers, both ways: own summaries per peer holding them, and the summaries
   * peers shared with this node, each with its status, last update and what is asked of the other side.
   */
  async function priorityList(ctx: Ctx, q: { peer?: string }): Promise<{ items: PriorityItem[] }> {
    requirePermission(ctx.actor, "cases:read");
    const items: PriorityItem[] = [];
    if (ctx.actor.unitId) {
      const own = await repo.withSummary(db, ctx.actor.unitId);
      const objects = await port.viewsOf(
        db,
        own.map((r) => r.sharedObjectId as string),
      );
      for (const r of own) {
        const so = objects.find((o) => o.id === r.sharedObjectId);
        if (so?.state !== "active") continue;
        for (const h of so.holders.filter((x) => x.state === "active")) {
          items.push({
            direction: "own",
            peerId: h.nodeId,
            sharedObjectId: so.id,
            caseId: r.id,
            reference: r.reference,
            title: r.title,
            category: r.category,
            status: r.status,
            outcome: r.outcome ?? null,
            asks: r.asks ?? null,
            version: so.version,
            lastUpdate: so.ownerUpdatedAt,
            withdrawn: false,
          });
        }
      }
    }
    for (const so of await received(ctx)) {
      const parsed = caseSummaryType.schema.safeParse(so.content);
      if (!parsed.success) continue;
      const s = parsed.data as CaseSummaryContent;
      items.push({
        direction: "received",
        peerId: so.ownerNode,
        sharedObjectId: so.id,
        caseId: null,
        reference: s.reference,
        title: s.title,
        category: s.category,
        status: s.status,
        outcome: s.outcome ?? null,
        asks: s.asks ?? null,
        version: so.version,
        lastUpdate: so.ownerUpdatedAt,
        withdrawn: false,
      });
    }
    const filtered = q.peer ? items.filter((i) => i.peerId === q.peer) : items;
    return { items: filtered.sort((a, b) => b.lastUpdate.localeCompare(a.lastUpdate)) };
  }

  /**
   * The status report on cybercrime cases with one peer for a period: whole days on this node's calendar, as
   * the dialogue round's progress report that includes it counts them.
   */
  async function statusReport(
    ctx: Ctx,
    q: Pick<CaseReportQuery, "peer" | "from" | "to">,
  ): Promise<CaseStatusReport> {
    requirePermission(ctx.actor, "cases:read");
    const { timeZone } = await c.deps.nodeInfo();
    const days = zonedDays(q.from, q.to, timeZone);
    if (!days) throw new AppError("VALIDATION_FAILED", [{ field: "querystring.from", issue: "not a day" }]);
    const from = days.start.getTime();
    const to = days.end.getTime();
    if (to <= from) {
      throw new AppError("VALIDATION_FAILED", [
        { field: "querystring.to", issue: "must not be before from" },
      ]);
    }
    const { items } = await priorityList(ctx, { peer: q.peer });
    const rows = items.map((i) => {
      const t = Date.parse(i.lastUpdate);
      return { ...i, updatedInPeriod: t >= from && t < to };
    });
    const count = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).length;
    return {
      peer: q.peer,
      from: q.from,
      to: q.to,
      timeZone,
      generatedAt: clock.now().toISOString(),
      totals: {
        own: count((r) => r.direction === "own"),
        received: count((r) => r.direction === "received"),
        open: count((r) => r.status === "open"),
        suspended: count((r) => r.status === "suspended"),
        closed: count((r) => r.status === "closed"),
        updatedInPeriod: count((r) => r.updatedInPeriod),
      },
      items: rows,
    };
  }

  return { views, requestShare, decide, withdraw, priorityList, statusReport };
}
