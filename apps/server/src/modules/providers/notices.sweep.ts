import type { NoticeStatus } from "@crossline/schemas";
import { inTransaction } from "../../db/client.js";
import { systemCtx } from "../../lib/actor.js";
import type { ProvidersContext } from "./providers.context.js";
import * as repo from "./providers.repo.js";

/**
 * The overdue sweep (a background job; safe with several processes on one node, like the requests' deadline
 * sweeps): open notices past their act-by are claimed with FOR UPDATE SKIP LOCKED and each is marked told by a
 * conditional update, so its people hear of it exactly once whichever process sweeps. The authority's side (the
 * drafter, the approver and the owner unit's compliance officers) and the provider's staff are told in the
 * console and by e-mail: message keys with parameters, rendered in each reader's language and time zone, the
 * staff's a link to the portal and never the content. Each is a timeline event and an audit entry.
 */
export function createNoticeSweep(c: ProvidersContext) {
  const { db, clock, audit, notifications } = c.deps;

  async function sweepOverdue(limit = 100): Promise<{ overdue: number }> {
    const ctx = systemCtx();
    // Before the transaction: the node's identity is then in memory (PGlite has one connection).
    const me = await c.nodeInfo();
    const now = clock.now();
    let overdue = 0;
    await inTransaction(db, async (tx) => {
      for (const n of await repo.claimOverdue(tx, now, limit)) {
        const u = await repo.markOverdue(tx, n.id, now);
        if (!u?.actBy) continue;
        overdue++;
        const p = await repo.findProvider(tx, n.providerId);
        const lateMinutes = Math.round((now.getTime() - u.actBy.getTime()) / 60_000);
        await c.recordEvent(tx, ctx, u, {
          event: "overdue",
          from: u.status as NoticeStatus,
          to: u.status as NoticeStatus,
          side: "authority",
          data: { actBy: u.actBy.toISOString(), lateMinutes },
        });
        await audit.record(tx, ctx, {
          action: "notice.overdue",
          targetType: "notice",
          targetId: u.id,
          details: { actBy: u.actBy.toISOString(), status: u.status, lateMinutes },
        });
        const officers = new Set([
          ...[u.createdBy, u.approvedBy].filter((x): x is string => !!x),
          ...(await c.deps.recipientsInUnit(tx, u.ownerUnitId, ["provider_compliance"])),
        ]);
        // The act-by on each reader's own clock, with the authority's beside it.
        const actBy = { at: u.actBy.toISOString(), zone: me.timeZone };
        const severity = u.urgency === "routine" ? "urgent" : "emergency";
        await notifications.notify(tx, {
          userIds: [...officers],
          kind: "provider.notice_overdue",
          subjectId: u.id,
          severity,
          key: "notice_overdue",
          params: { reference: u.reference, provider: p?.name ?? "", actBy },
          email: true,
        });
        const staff = await repo.providerUsersOf(tx, u.providerId);
        await notifications.notify(tx, {
          userIds: staff.map((s) => s.userId),
          kind: "provider.notice_overdue",
          subjectId: u.id,
          severity,
          key: "notice_overdue_provider",
          params: {
            reference: u.reference,
            agency: me.agency,
            actBy,
            link: c.link(`/portal/notices/${u.id}`),
          },
          email: true,
        });
      }
    });
    return { overdue };
  }

  return { sweepOverdue };
}
