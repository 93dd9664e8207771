import {
  type NotificationKey,
  type NotificationParams,
  PRESERVATION_WARNING_DAYS,
  type TimelineEventName,
} from "@crossline/schemas";
import type { SQL } from "drizzle-orm";
import { inTransaction, type Tx } from "../../db/client.js";
import { systemCtx } from "../../lib/actor.js";
import type { OutgoingMessage } from "../federation/federation.types.js";
import type { LogInput } from "../hotline/hotline.service.js";
import type { RequestsContext } from "./requests.context.js";
import { MSG } from "./requests.messages.js";
import * as repo from "./requests.repo.js";
import { localSide, minutesBetween, type RequestRow } from "./requests.views.js";

const DAY_MS = 24 * 60 * 60_000;

/** What a sweep does about one due request, all in the sweep's transaction. */
interface Notice<K extends string> {
  /** The counter of the sweep's result it adds to. */
  counter: K;
  event: TimelineEventName;
  data: Record<string, unknown>;
  audit: { action: string; details: Record<string, unknown> };
  notify?: {
    userIds: string[];
    kind: string;
    severity: "info" | "urgent" | "emergency";
    key: NotificationKey;
    params: NotificationParams;
  };
  enqueue?: OutgoingMessage;
  log: Pick<LogInput, "direction" | "kind" | "summary" | "data">;
}

/** One kind of deadline sweep: which rows are due, how a row is marked done once, what is said about it. */
interface Sweep<K extends string> {
  where: SQL;
  order: (typeof repo.SWEEP_ORDER)[keyof typeof repo.SWEEP_ORDER];
  /** The conditional update that marks the row; undefined when a concurrent sweep was first. */
  mark(tx: Tx, r: RequestRow): Promise<RequestRow | undefined>;
  notice(tx: Tx, r: RequestRow): Promise<Notice<K>>;
}

/**
 * The deadline sweeps (background jobs; safe with several processes): escalation of requests not
 * acknowledged in time, answers overdue, preservations expiring. One routine runs them all: due rows are
 * claimed with FOR UPDATE SKIP LOCKED and each is marked by a conditional update, so concurrent sweeps
 * never act twice; each notice is a timeline event, an audit entry, a hotline-log line and a console
 * notification with an e-mail (or, for an escalation to the peer, a signed message).
 */
export function createRequestSweeps(c: RequestsContext) {
  const { db, clock, audit, policy, hotline, notifications, federation } = c.deps;

  async function runSweep<K extends string>(
    counters: readonly K[],
    sweep: Sweep<K>,
    limit: number,
  ): Promise<Record<K, number>> {
    const ctx = systemCtx();
    const result = Object.fromEntries(counters.map((k) => [k, 0])) as Record<K, number>;
    await c.nodeInfo();
    await inTransaction(db, async (tx) => {
      for (const r of await repo.claimDue(tx, sweep.where, sweep.order, limit)) {
        const u = await sweep.mark(tx, r);
        if (!u) continue;
        const n = await sweep.notice(tx, r);
        result[n.counter]++;
        await c.recordEvent(tx, ctx, u, {
          event: n.event,
          from: r.status,
          to: r.status,
          side: localSide(r),
          data: n.data,
        });
        await audit.record(tx, ctx, {
          action: n.audit.action,
          targetType: "request",
          targetId: r.id,
          details: n.audit.details,
        });
        if (n.notify) await notifications.notify(tx, { ...n.notify, requestId: r.id, email: true });
        if (n.enqueue) await federation.enqueue(tx, ctx, n.enqueue);
        await hotline.log(tx, {
          unitId: r.ownerUnitId,
          requestId: r.id,
          peerId: r.peerId,
          actorLabel: "system",
          ...n.log,
        });
      }
    });
    return result;
  }

  /** Who hears of a request's deadline on this node: the answering desk, or the requesting unit. */
  async function noticeRecipients(tx: Tx, r: RequestRow): Promise<string[]> {
    const sup = await hotline.supervisors(tx, r.ownerUnitId);
    if (r.direction === "incoming")
      return [...sup, ...(await hotline.dutyRecipients(tx, r.ownerUnitId, clock.now()))];
    // The drafter (notify skips a disabled account) and the supervisors.
    return [...(r.createdBy ? [r.createdBy] : []), ...sup];
  }

  /**
   * Escalates requests not acknowledged by their deadline: level 1 alerts the supervisors of the owning
   * unit; level 2 (outgoing requests only, `escalation.peerAfterMinutes` later) sends a signed
   * hotline.escalation to the peer.
   */
  async function sweepEscalations(limit = 100): Promise<{ level1: number; level2: number }> {
    const now = clock.now();
    const pol = await policy.read();
    const peerCutoff = new Date(now.getTime() - pol.escalation.peerAfterMinutes * 60_000);
    return runSweep(
      ["level1", "level2"],
      {
        where: repo.SWEEP_WHERE.escalation(now, peerCutoff),
        order: repo.SWEEP_ORDER.escalation,
        mark: (tx, r) =>
          repo.updateRequestIf(
            tx,
            r.id,
            { escalationLevel: r.escalationLevel + 1, updatedAt: now, version: r.version + 1 },
            repo.stillAt.escalationLevel(r.escalationLevel),
          ),
        async notice(tx, r) {
          const level = r.escalationLevel + 1;
          const acknowledgeBy = r.acknowledgeBy as Date;
          const late = minutesBetween(acknowledgeBy, now);
          const common = {
            event: "escalated" as const,
            data: { level, minutesLate: late },
            audit: { action: "request.escalate", details: { level, minutesLate: late } },
          };
          if (level === 1) {
            const incoming = r.direction === "incoming";
            return {
              ...common,
              counter: "level1",
              notify: {
                userIds: await hotline.supervisors(tx, r.ownerUnitId),
                kind: "escalation",
                severity: r.urgency === "routine" ? "urgent" : "emergency",
                key: incoming ? "escalation_incoming" : "escalation_outgoing",
                params: {
                  reference: r.reference,
                  title: r.title,
                  peer: r.peerId ?? "",
                  // the other side's clock too, when it is the peer's deadline
                  acknowledgeBy: {
                    at: acknowledgeBy.toISOString(),
                    zone: incoming ? null : r.responderTimeZone,
                  },
                  late: { minutes: late },
                },
              },
              log: {
                direction: "internal",
                kind: "escalated_supervisor",
                summary: `${r.reference}: not acknowledged ${late} min after the deadline; supervisors alerted`,
              },
            };
          }
          const peerId = r.peerId as string;
          return {
            ...common,
            counter: "level2",
            enqueue: {
              peerId,
              type: MSG.escalation,
              conversation: r.id,
              payload: {
                requestId: r.id,
                reference: r.reference,
                level,
                reason: {
                  lang: "en",
                  text: `Not acknowledged ${late} minutes after the acknowledge deadline.`,
                },
                acknowledgeBy: acknowledgeBy.toISOString(),
                at: now.toISOString(),
                contact: pol.escalation.contact,
              },
            },
            log: {
              direction: "outgoing",
              kind: "escalated_peer",
              summary: `${r.reference}: escalated to ${peerId}'s escalation contact`,
            },
          };
        },
      },
      limit,
    );
  }

  /**
   * Tells the people concerned, once, that an acknowledged request is past its answer deadline without
   * an answer (incoming: the unit's supervisors and who is on duty; outgoing: the drafter and the
   * supervisors, since the peer is late), and warns the requesting unit PRESERVATION_WARNING_DAYS before
   * a preservation expires (once per expiry: a granted extension clears `preservationWarnedAt`).
   */
  async function sweepDeadlineNotices(
    limit = 100,
  ): Promise<{ answerOverdue: number; preservationExpiring: number }> {
    const now = clock.now();
    const overdue = await runSweep(
      ["answerOverdue"],
      {
        where: repo.SWEEP_WHERE.answerOverdue(now),
        order: repo.SWEEP_ORDER.answerOverdue,
        mark: (tx, r) =>
          repo.updateRequestIf(
            tx,
            r.id,
            { answerOverdueNotifiedAt: now, updatedAt: now, version: r.version + 1 },
            repo.stillAt.answerOverdueUnnotified(),
          ),
        async notice(tx, r) {
          const answerBy = r.answerBy as Date;
          const late = minutesBetween(answerBy, now);
          const incoming = r.direction === "incoming";
          const recipients = await noticeRecipients(tx, r);
          return {
            counter: "answerOverdue",
            event: "answer_overdue",
            data: { answerBy: answerBy.toISOString(), minutesLate: late },
            audit: {
              action: "request.answer_overdue",
              details: { answerBy: answerBy.toISOString(), minutesLate: late, direction: r.direction },
            },
            notify: {
              userIds: recipients,
              kind: "answer_overdue",
              severity: r.urgency === "emergency" ? "emergency" : "urgent",
              key: incoming ? "answer_overdue_incoming" : "answer_overdue_outgoing",
              params: {
                reference: r.reference,
                title: r.title,
                peer: r.peerId ?? "",
                answerBy: { at: answerBy.toISOString() },
                late: { minutes: late },
              },
            },
            log: {
              direction: "internal",
              kind: "answer_overdue",
              summary: incoming
                ? `${r.reference}: not answered ${late} min after the answer deadline; supervisors and duty alerted`
                : `${r.reference}: ${r.peerId} has not answered ${late} min after the answer deadline; the requesting unit alerted`,
              data: { recipients: recipients.length },
            },
          };
        },
      },
      limit,
    );
    const warnFrom = new Date(now.getTime() + PRESERVATION_WARNING_DAYS * DAY_MS);
    const expiring = await runSweep(
      ["preservationExpiring"],
      {
        where: repo.SWEEP_WHERE.preservationExpiring(now, warnFrom),
        order: repo.SWEEP_ORDER.preservationExpiring,
        mark: (tx, r) =>
          repo.updateRequestIf(
            tx,
            r.id,
            { preservationWarnedAt: now, updatedAt: now, version: r.version + 1 },
            repo.stillAt.preservationUnwarned(),
          ),
        async notice(tx, r) {
          const expires = r.preservationExpiresAt as Date;
          const days = Math.max(1, Math.ceil((expires.getTime() - now.getTime()) / DAY_MS));
          return {
            counter: "preservationExpiring",
            event: "preservation_expiring",
            data: { expiresAt: expires.toISOString(), daysLeft: days },
            audit: {
              action: "request.preservation_expiring",
              details: { expiresAt: expires.toISOString(), daysLeft: days },
            },
            notify: {
              userIds: await noticeRecipients(tx, r),
              kind: "preservation_expiring",
              severity: "urgent",
              key: "preservation_expiring",
              params: {
                reference: r.reference,
                title: r.title,
                peer: r.peerId ?? "",
                expiresAt: { at: expires.toISOString(), zone: r.responderTimeZone },
                days,
              },
            },
            log: {
              direction: "internal",
              kind: "preservation_expiring",
              summary: `${r.reference}: the preservation expires ${expires.toISOString()} (in ${days} days); the requesting unit warned`,
            },
          };
        },
      },
      limit,
    );
    return { ...overdue, ...expiring };
  }

  return { sweepEscalations, sweepDeadlineNotices };
}
