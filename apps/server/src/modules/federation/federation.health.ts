import { linkProblemText, type PeerHealth } from "@crossline/schemas";
import { inTransaction } from "../../db/client.js";
import { systemCtx } from "../../lib/actor.js";
import type { FedContext, PeerRow } from "./federation.context.js";
import * as repo from "./federation.repo.js";

/** Who is alerted when a link is down. */
const ALERT_ROLES = ["admin", "duty_officer"];

/** Link health: per-peer counters and backlog for the API and /metrics, and link-down alerts. */
export function createLinkHealth(c: FedContext) {
  const { db, config, clock, audit } = c;

  async function healthOf(rows: PeerRow[]): Promise<Map<string, PeerHealth>> {
    const ids = rows.map((r) => r.id);
    const out = new Map<string, PeerHealth>();
    if (!ids.length) return out;
    const stats = await repo.outboxStats(db, ids);
    const now = clock.now().getTime();
    for (const r of rows) {
      const s = stats.find((x) => x.peer_id === r.id);
      const oldest = s?.oldest ? new Date(s.oldest) : null;
      const age = oldest ? Math.max(0, (now - oldest.getTime()) / 1000) : null;
      out.set(r.id, {
        outboxDepth: Number(s?.depth ?? 0),
        oldestUndeliveredAt: oldest?.toISOString() ?? null,
        oldestUndeliveredAgeSeconds: age === null ? null : Math.round(age * 10) / 10,
        sent: Number(s?.sent ?? 0),
        delivered: r.deliveredCount,
        received: r.receivedCount,
        rejected: r.rejectedCount,
        duplicates: r.duplicateCount,
        lastSuccessAt: r.lastSuccessAt?.toISOString() ?? null,
        lastErrorAt: r.lastErrorAt?.toISOString() ?? null,
        lastError: r.lastError,
        rttMs: r.rttMs,
        pingRttMs: r.pingRttMs,
        linkDown: r.state === "active" && age !== null && age > config.fedLinkDownAlertMinutes * 60,
        linkAlertAt: r.linkAlertAt?.toISOString() ?? null,
        linkStop: r.linkStop ?? null,
      });
    }
    return out;
  }

  /** Messages held, and kept for a later release (deferred), per peer (for /metrics). */
  async function heldCounts(): Promise<{ peerId: string; held: number; deferred: number }[]> {
    return (await repo.heldByPeer(db)).map((r) => ({
      peerId: r.peer_id,
      held: Number(r.held),
      deferred: Number(r.deferred),
    }));
  }

  /** Which of the housekeeping loop's fallback duties have anything to do (repo.housekeepingDue). */
  function housekeepingDue() {
    return repo.housekeepingDue(db);
  }

  /** Raises (once per outage) an alert for each active peer whose oldest undelivered envelope is too old. */
  async function checkLinks(log?: (msg: string, data: Record<string, unknown>) => void): Promise<string[]> {
    const threshold = new Date(clock.now().getTime() - config.fedLinkDownAlertMinutes * 60_000);
    const down = await repo.linksDownSince(db, threshold);
    const alerted: string[] = [];
    for (const d of down) {
      const raised = await inTransaction(db, async (tx) => {
        const p = await repo.lockPeer(tx, d.id);
        if (!p || p.linkAlertAt) return false;
        await repo.updatePeer(tx, d.id, { linkAlertAt: clock.now() });
        await audit.record(tx, systemCtx(), {
          action: "federation.link.down",
          targetType: "peer",
          targetId: d.id,
          outcome: "failure",
          details: {
            oldestUndelivered: new Date(d.oldest).toISOString(),
            thresholdMinutes: config.fedLinkDownAlertMinutes,
            lastError: p.lastError,
            notify: ALERT_ROLES,
          },
        });
        if (c.notify && c.recipientsFor) {
          const userIds = await c.recipientsFor(tx, ALERT_ROLES);
          await c.notify(tx, {
            userIds,
            kind: "federation.link_down",
            severity: "urgent",
            key: "link_down",
            params: {
              peer: d.id,
              since: { at: new Date(d.oldest).toISOString() },
              lastError: p.lastError
                ? { en: linkProblemText(p.lastError, "en"), "zh-CN": linkProblemText(p.lastError, "zh-CN") }
                : "—",
            },
            email: true,
          });
        }
        return true;
      });
      if (raised) {
        alerted.push(d.id);
        log?.("federation link down: alerting admins and duty officers", { peer: d.id, since: d.oldest });
      }
    }
    return alerted;
  }

  async function metricsSnapshot() {
    const rows = await repo.listPeerRows(db);
    const h = await healthOf(rows);
    return rows.map((r) => ({ id: r.id, state: r.state, health: h.get(r.id) as PeerHealth }));
  }

  return { healthOf, checkLinks, metricsSnapshot, heldCounts, housekeepingDue };
}

export type LinkHealth = ReturnType<typeof createLinkHealth>;
