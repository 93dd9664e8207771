import {
  type FlagState,
  type FlagView,
  issue,
  LAWFUL_GROUNDS,
  LAWFUL_MSG,
  type LawfulGround,
  type LawfulKind,
  LawfulRefusedPayload,
  type Permission,
  type RefusalView,
  type ScreeningCharacter,
  type ScreeningCounts,
} from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import { type DbOrTx, inTransaction } from "../../db/client.js";
import { uniqueConflicts } from "../../db/errors.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import { defineHandler } from "../federation/federation.types.js";
import { type FlagRow, type RefusalRow, lawfulRepo as repo } from "./lawful.repo.js";
import type { LawfulDeps } from "./lawful.service.js";
import type { LawfulKindDef, RecordInfo } from "./lawful.types.js";

interface ScreeningDeps extends LawfulDeps {
  kindOf(kind: LawfulKind): LawfulKindDef;
  authorize(ctx: Ctx, def: LawfulKindDef, recordId: string, perm: Permission): Promise<void>;
  isOfficer(ctx: Ctx): boolean;
}

const ALREADY_FLAGGED = "the item is already flagged";
/**
 * The 409s of a second open flag, a second sent refusal: the same whether the check under the item's lock saw
 * the other or the unique index did (a writer the lock does not cover).
 */
const alreadyFlagged = () => new AppError("CONFLICT", [{ issue: ALREADY_FLAGGED }]);
const alreadyRefused = () => new AppError("CONFLICT", [{ issue: "the item is already refused" }]);

const flagView = (f: FlagRow, info: Map<string, RecordInfo>): FlagView => ({
  id: f.id,
  kind: f.kind,
  recordId: f.recordId,
  title: info.get(f.recordId)?.title ?? f.recordId,
  ownerUnitId: f.ownerUnitId,
  state: f.state,
  characters: f.characters,
  note: f.note,
  flaggedBy: f.flaggedByLabel,
  flaggedAt: f.flaggedAt.toISOString(),
  ground: f.ground,
  groundText: f.groundText,
  decidedBy: f.decidedByLabel,
  decidedAt: f.decidedAt?.toISOString() ?? null,
});

const refusalView = (r: RefusalRow): RefusalView => ({
  id: r.id,
  kind: r.kind,
  recordId: r.recordId,
  direction: r.direction,
  peerId: r.peerId,
  ground: r.ground,
  text: r.text,
  by: r.byLabel,
  at: r.at.toISOString(),
});

/**
 * Screening for lawful use (INTERPOL's Article 3 test): an item is flagged by its drafter or a legal reviewer
 * for a review of political, military, religious or racial character; it cannot leave the node until a legal
 * reviewer clears it with a written ground, or never when blocked. An incoming item can be refused on stated
 * grounds; the refusal travels back to the sender as a signed `lawful.refused` message.
 */
export function createScreening(deps: ScreeningDeps) {
  const { db, clock, audit, federation, nodeId, kindOf, authorize } = deps;

  async function assertReleasable(dbx: DbOrTx, kind: LawfulKind, recordId: string): Promise<void> {
    const flags = await repo.flagsOf(dbx, kind, recordId);
    if (flags.some((f) => f.state === "blocked")) {
      throw new AppError("LAWFUL_REVIEW_BLOCKED", [{ issue: "a legal reviewer blocked this item" }]);
    }
    if (flags.some((f) => f.state === "flagged")) {
      throw new AppError("LAWFUL_REVIEW_PENDING", [{ issue: "the item awaits a legal reviewer's decision" }]);
    }
  }

  async function statusOf(dbx: DbOrTx, kind: LawfulKind, recordId: string, info: Map<string, RecordInfo>) {
    const [flags, refusals] = await Promise.all([
      repo.flagsOf(dbx, kind, recordId),
      repo.refusalsOf(dbx, kind, recordId),
    ]);
    return {
      flags: flags.map((f) => flagView(f, info)),
      refusals: refusals.map(refusalView),
      releasable: !flags.some((f) => f.state !== "cleared"),
    };
  }

  async function flag(
    ctx: Ctx,
    body: { kind: LawfulKind; recordId: string; characters: ScreeningCharacter[]; note: string },
  ): Promise<FlagView> {
    const def = kindOf(body.kind);
    await authorize(ctx, def, body.recordId, def.permissions.flag);
    const info = await def.describe(db, [body.recordId]);
    const now = clock.now();
    const row = await inTransaction(db, async (tx) => {
      // Under the item's lock: a flag sent at the same moment (a double submit) is seen here once committed.
      await repo.lockScreening(tx, body.kind, body.recordId);
      const open = (await repo.flagsOf(tx, body.kind, body.recordId)).find((f) => f.state !== "cleared");
      if (open) {
        throw new AppError("CONFLICT", [
          { issue: open.state === "blocked" ? "the item is blocked" : ALREADY_FLAGGED },
        ]);
      }
      const f = await repo.insertFlag(tx, {
        id: uuidv7(),
        kind: body.kind,
        recordId: body.recordId,
        ownerUnitId: info.get(body.recordId)?.ownerUnitId ?? null,
        state: "flagged",
        characters: [...new Set(body.characters)],
        note: body.note,
        flaggedBy: ctx.actor.userId,
        flaggedByLabel: ctx.actor.label,
        flaggedAt: now,
      });
      await audit.record(tx, ctx, {
        action: "lawful.flag",
        targetType: body.kind,
        targetId: body.recordId,
        details: { flagId: f.id, characters: f.characters },
      });
      return f;
    }).catch(uniqueConflicts({ lawful_flags_one_open: alreadyFlagged }));
    return flagView(row, info);
  }

  async function decide(
    ctx: Ctx,
    flagId: string,
    body: { decision: "clear" | "block"; ground: LawfulGround; text: string },
  ): Promise<FlagView> {
    requirePermission(ctx.actor, "lawful:review");
    const now = clock.now();
    const row = await inTransaction(db, async (tx) => {
      const f = await repo.lockFlag(tx, flagId);
      assertThat(f, notFound("flag"));
      if (f.state !== "flagged") {
        throw new AppError("INVALID_TRANSITION", [
          { ...issue("lawful.flagDecided", { state: f.state }), allowed: [] },
        ]);
      }
      const state: FlagState = body.decision === "clear" ? "cleared" : "blocked";
      const u = await repo.updateFlag(tx, flagId, {
        state,
        ground: body.ground,
        groundText: body.text,
        decidedBy: ctx.actor.userId,
        decidedByLabel: ctx.actor.label,
        decidedAt: now,
      });
      await audit.record(tx, ctx, {
        action: `lawful.${body.decision}`,
        targetType: f.kind,
        targetId: f.recordId,
        details: { flagId, ground: body.ground },
      });
      return u;
    });
    const info = await kindOf(row.kind).describe(db, [row.recordId]);
    return flagView(row, info);
  }

  /** The review queue: flags (open by default), oldest first, node-wide. */
  async function queue(ctx: Ctx, state?: FlagState): Promise<{ items: FlagView[] }> {
    requirePermission(ctx.actor, "lawful:review");
    const rows = await repo.flags(db, { states: state ? [state] : ["flagged"], limit: 500 });
    const info = new Map<string, RecordInfo>();
    const byKind = new Map<LawfulKind, string[]>();
    for (const r of rows) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r.recordId]);
    for (const [kind, ids] of byKind) {
      for (const [id, i] of await kindOf(kind).describe(db, ids)) info.set(id, i);
    }
    return { items: rows.map((r) => flagView(r, info)) };
  }

  /** Refuses a peer's item on lawful grounds; the refusal travels back to the peer that sent it. */
  async function refuse(
    ctx: Ctx,
    body: { kind: LawfulKind; recordId: string; ground: LawfulGround; text: string },
  ): Promise<RefusalView> {
    const def = kindOf(body.kind);
    await authorize(ctx, def, body.recordId, def.permissions.refuse ?? "lawful:review");
    const peerId = def.senderOf ? await def.senderOf(db, body.recordId) : null;
    if (!peerId) {
      throw new AppError("CONFLICT", [
        { field: "body.recordId", issue: "only an item received from a peer can be refused" },
      ]);
    }
    const self = await nodeId(db);
    const now = clock.now();
    const row = await inTransaction(db, async (tx) => {
      // Under the item's lock: a refusal sent at the same moment is seen here once committed (and not sent twice).
      await repo.lockScreening(tx, body.kind, body.recordId);
      const earlier = await repo.refusalsOf(tx, body.kind, body.recordId);
      if (earlier.some((r) => r.direction === "sent")) throw alreadyRefused();
      const r = await repo.insertRefusal(tx, {
        id: uuidv7(),
        kind: body.kind,
        recordId: body.recordId,
        direction: "sent",
        peerId,
        ground: body.ground,
        text: body.text,
        byLabel: ctx.actor.label,
        at: now,
      });
      await federation.enqueue(tx, ctx, {
        peerId,
        type: LAWFUL_MSG.refused,
        conversation: body.recordId,
        payload: {
          kind: body.kind,
          recordId: body.recordId,
          ground: body.ground,
          text: body.text,
          by: ctx.actor.label,
          at: now.toISOString(),
          refusingNode: self,
        } satisfies LawfulRefusedPayload,
      });
      await audit.record(tx, ctx, {
        action: "lawful.refuse",
        targetType: body.kind,
        targetId: body.recordId,
        details: { peerId, ground: body.ground },
      });
      return r;
    }).catch(uniqueConflicts({ lawful_refusals_one_sent: alreadyRefused }));
    return refusalView(row);
  }

  /** A peer refused one of this node's items: stored beside the item, audited, and the domain told. */
  function registerHandlers() {
    federation.registerHandler(
      defineHandler(LAWFUL_MSG.refused, LawfulRefusedPayload, async (tx, msg, ctx) => {
        const p = msg.payload;
        const def = deps.kindOf(p.kind);
        // Only the peer the item went to may refuse it: the domain knows where it sent what.
        const sender = def.senderOf ? await def.senderOf(tx, p.recordId) : undefined;
        const known = (await def.describe(tx, [p.recordId])).has(p.recordId);
        const sentTo = def.sentTo ? await def.sentTo(tx, p.recordId, msg.peerId) : false;
        if (!known || sender || !sentTo) {
          await audit.record(tx, ctx, {
            action: "lawful.refusal_ignored",
            outcome: "rejected",
            targetType: p.kind,
            targetId: p.recordId,
            details: { peerId: msg.peerId, reason: known ? "NOT_SENT_TO_PEER" : "UNKNOWN_RECORD" },
          });
          return;
        }
        // One refusal per peer and item: a second message refusing it again (the peer restored from a backup,
        // sent again) is not stored twice nor told to the domain again, only audited.
        const stored = await repo.insertReceivedRefusal(tx, {
          id: uuidv7(),
          kind: p.kind,
          recordId: p.recordId,
          direction: "received",
          peerId: msg.peerId,
          ground: p.ground,
          text: p.text,
          byLabel: `${p.by} (${msg.peerId})`,
          at: clock.now(),
        });
        if (!stored) {
          await audit.record(tx, ctx, {
            action: "lawful.refusal_ignored",
            outcome: "rejected",
            targetType: p.kind,
            targetId: p.recordId,
            details: { peerId: msg.peerId, reason: "ALREADY_REFUSED", msgId: msg.msgId, ground: p.ground },
          });
          return;
        }
        await audit.record(tx, ctx, {
          action: "lawful.refused_by_peer",
          targetType: p.kind,
          targetId: p.recordId,
          details: { peerId: msg.peerId, ground: p.ground },
        });
        await def.onRefused?.(tx, p.recordId, p);
      }),
    );
  }

  /** The reports' screening figures: decided flags and refusals per ground, and the open flags. */
  async function counts(from: Date | null, to: Date | null): Promise<ScreeningCounts> {
    const c = await repo.groundCounts(db, from, to);
    const rows = LAWFUL_GROUNDS.map((ground) => {
      const f = (state: string) =>
        Number(c.flags.find((x) => x.ground === ground && x.state === state)?.n ?? 0);
      const r = (dir: string) =>
        Number(c.refusals.find((x) => x.ground === ground && x.direction === dir)?.n ?? 0);
      return {
        ground,
        cleared: f("cleared"),
        blocked: f("blocked"),
        refusedSent: r("sent"),
        refusedReceived: r("received"),
      };
    });
    return { rows, openFlags: c.open };
  }

  return {
    assertReleasable,
    statusOf,
    registerHandlers,
    api: { flag, decide, queue, refuse, screeningCounts: counts, registerHandlers },
  };
}
