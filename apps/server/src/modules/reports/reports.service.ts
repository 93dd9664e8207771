import {
  REQUEST_TYPES,
  type RequestType,
  type ScreeningCounts,
  type TimelinessReport,
  type TimelinessRow,
  type Urgency,
} from "@crossline/schemas";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import type { NodeService } from "../node/node.service.js";
import type { TimelinessFigure, TimelinessQuery } from "../requests/requests.repo.js";

export interface TimelinessInput {
  from?: string;
  to?: string;
  period: "week" | "month" | "quarter" | "year";
  direction?: "outgoing" | "incoming";
}

const round1 = (n: number | null) => (n === null ? null : Math.round(Number(n) * 10) / 10);

/**
 * Timeliness and quality of responses (the ministerial review): per period, type, urgency and side,
 * time to acknowledge, time to answer, share answered within the deadline, outcomes. Aggregates only,
 * over the whole node (no request content), for anyone with reports:read.
 */
export function createReportsService(deps: {
  clock: Clock;
  node: Pick<NodeService, "summary">;
  /** The screening figures per ground (the lawful module's port). */
  screening?: (from: Date | null, to: Date | null) => Promise<ScreeningCounts>;
  /** The requests module's port: its timeliness figures, grouped (the report never reads requests itself). */
  requests: { timelinessFigures(q: TimelinessQuery): Promise<TimelinessFigure[]> };
  /** A user's profile time zone (users' port); the node's zone for anyone else. */
  zoneOf?: (userId: string) => Promise<string | undefined>;
}) {
  const { clock } = deps;

  /** The zone a report's reader reads times in: their profile's, else the node's. */
  async function readerZone(ctx: Ctx): Promise<string> {
    const own = ctx.actor.userId && deps.zoneOf ? await deps.zoneOf(ctx.actor.userId) : undefined;
    return own ?? (await deps.node.summary()).timeZone;
  }

  async function timeliness(ctx: Ctx, q: TimelinessInput): Promise<TimelinessReport> {
    requirePermission(ctx.actor, "reports:read");
    const node = await deps.node.summary();
    const now = clock.now();
    const from = q.from ? new Date(q.from) : null;
    const to = q.to ? new Date(q.to) : null;
    const figures = await deps.requests.timelinessFigures({
      period: q.period,
      timeZone: node.timeZone,
      from,
      to,
      direction: q.direction,
      now,
    });
    const rows: TimelinessRow[] = figures.map((r) => ({
      period: r.period,
      type: r.type as RequestType,
      urgency: r.urgency as Urgency,
      side: r.direction === "outgoing" ? "requester" : "responder",
      sent: Number(r.sent),
      acknowledged: Number(r.acknowledged),
      acknowledgedInTime: Number(r.ack_in_time),
      answered: Number(r.answered),
      answeredInTime: Number(r.answered_in_time),
      shareAnsweredInTime: Number(r.answered) ? Number(r.answered_in_time) / Number(r.answered) : null,
      medianMinutesToAcknowledge: round1(r.median_ack),
      medianMinutesToAnswer: round1(r.median_answer),
      meanMinutesToAnswer: round1(r.mean_answer),
      outcomes: {
        fulfilled: Number(r.fulfilled),
        partly_fulfilled: Number(r.partly),
        declined: Number(r.declined),
      },
      openOverdue: Number(r.open_overdue),
    }));
    const sum = (k: "sent" | "answered" | "answeredInTime") => rows.reduce((a, r) => a + r[k], 0);
    const answered = sum("answered");
    return {
      nodeId: node.id,
      generatedAt: now.toISOString(),
      from: from?.toISOString() ?? null,
      to: to?.toISOString() ?? null,
      period: q.period,
      rows,
      totals: {
        sent: sum("sent"),
        answered,
        answeredInTime: sum("answeredInTime"),
        shareAnsweredInTime: answered ? sum("answeredInTime") / answered : null,
      },
      ...(deps.screening ? { screening: await deps.screening(from, to) } : {}),
    };
  }

  return { timeliness, readerZone };
}

export type ReportsService = ReturnType<typeof createReportsService>;

export const TYPE_LABELS = new Map(REQUEST_TYPES.map((t) => [t.type, t.label]));
