import { inTransaction } from "../../db/client.js";
import { systemCtx } from "../../lib/actor.js";
import { pendingOf, type RepatriationContext } from "./repatriation.context.js";
import { repatriationRepo as repo } from "./repatriation.repo.js";

/**
 * The overdue sweep (a background job, safe with several processes on one node like the other deadline sweeps):
 * cases past their verification or travel-document deadline are claimed FOR UPDATE SKIP LOCKED and each step is
 * marked told in the same transaction, so the unit hears of it exactly once whichever process sweeps. Both
 * sides sweep their own rows (own cases and received copies), so each side's officers are told. The alert is a
 * message key with parameters, rendered in each reader's language and time zone.
 */
export function createRepatriationSweep(c: RepatriationContext) {
  const { db, deps } = c;

  async function sweepOverdue(limit = 100): Promise<{ overdue: number }> {
    const ctx = systemCtx();
    const now = deps.clock.now();
    const zone = await deps.nodeZone();
    let overdue = 0;
    await inTransaction(db, async (tx) => {
      for (const r of await repo.claimOverdue(tx, now, limit)) {
        const p = pendingOf(r);
        if (!p) continue;
        overdue++;
        await repo.update(tx, r.id, { overdueTold: [...r.overdueTold, p.pending] });
        const lateMinutes = Math.round((now.getTime() - p.dueAt.getTime()) / 60_000);
        await deps.audit.record(tx, ctx, {
          action: "repatriation.overdue",
          targetType: "repatriation_case",
          targetId: r.id,
          details: { step: p.pending, dueAt: p.dueAt.toISOString(), lateMinutes, direction: r.direction },
        });
        const main = r.content.person.names[0];
        const name = main ? (main.romanised ? `${main.original} (${main.romanised})` : main.original) : "";
        const officers = await deps.recipientsInUnit(tx, r.unitId, ["fugitive_asset", "supervisor"]);
        await deps.notify(tx, {
          userIds: officers,
          kind: "repatriation.overdue",
          severity: "urgent",
          key:
            p.pending === "verification"
              ? "repatriation_verification_overdue"
              : "repatriation_document_overdue",
          params: {
            reference: r.reference,
            name,
            peer: (r.direction === "own" ? r.peer : r.ownerNode) ?? "",
            dueAt: { at: p.dueAt.toISOString(), zone },
            days: Math.round((p.dueAt.getTime() - Date.parse(p.since)) / 86_400_000),
          },
          email: true,
        });
      }
    });
    return { overdue };
  }

  return { sweepOverdue };
}
