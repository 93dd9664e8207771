import {
  REQUEST_TYPES,
  type RequestType,
  type ScreeningCounts,
  type TimelinessReport,
  type TimelinessRow,
  type Urgency,
} from "@crossline/schemas";
import { sql } from "drizzle-orm";
import { type Db, rowsOf } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import type { NodeService } from "../node/node.service.js";

export interface TimelinessInput {
  from?: string;
  to?: string;
  period: "week" | "month" | "quarter" | "year";
  direction?: "outgoing" | "incoming";
}

interface RawRow {
  period: string;
  type: string;
  urgency: string;
  direction: string;
  sent: number;
  acknowledged: number;
  ack_in_time: number;
  answered: number;
  answered_in_time: number;
  median_ack: number | null;
  median_answer: number | null;
  mean_answer: number | null;
  fulfilled: number;
  partly: number;
  declined: number;
  open_overdue: number;
}

const round1 = (n: number | null) => (n === null ? null : Math.round(Number(n) * 10) / 10);

/**
 * Timeliness and quality of responses (the ministerial review): per period, type, urgency and side,
 * time to acknowledge, time to answer, share answered within the deadline, outcomes. Aggregates only,
 * over the whole node (no request content), for anyone with reports:read.
 */
export function createReportsService(deps: {
  db: Db;
  clock: Clock;
  node: Pick<NodeService, "summary">;
  /** The screening figures per ground (the lawful module's port). */
  screening?: (from: Date | null, to: Date | null) => Promise<ScreeningCounts>;
}) {
  const { db, clock } = deps;

  async function timeliness(ctx: Ctx, q: TimelinessInput): Promise<TimelinessReport> {
    requirePermission(ctx.actor, "reports:read");
    const node = await deps.node.summary();
    const now = clock.now();
    const from = q.from ? new Date(q.from) : null;
    const to = q.to ? new Date(q.to) : null;
    const result = await db.execute(sql`
      select to_char(date_trunc(${q.period}, r.sent_at at time zone ${node.timeZone}), 'YYYY-MM-DD') as period,
             r.type, r.urgency, r.direction,
             count(*)::int as sent,
             count(r.acknowledged_at)::int as acknowledged,
             (count(*) filter (where r.acknowledged_at <= r.acknowledge_by))::int as ack_in_time,
             count(r.answered_at)::int as answered,
             (count(*) filter (where r.answered_at <= r.answer_by))::int as answered_in_time,
             percentile_cont(0.5) within group (order by extract(epoch from r.acknowledged_at - r.sent_at) / 60) as median_ack,
             percentile_cont(0.5) within group (order by extract(epoch from r.answered_at - r.sent_at) / 60) as median_answer,
             avg(extract(epoch from r.answered_at - r.sent_at) / 60) as mean_answer,
             (count(*) filter (where r.outcome = 'fulfilled'))::int as fulfilled,
             (count(*) filter (where r.outcome = 'partly_fulfilled'))::int as partly,
             (count(*) filter (where r.outcome = 'declined'))::int as declined,
             (count(*) filter (where r.next_due_at < ${now}))::int as open_overdue
        from requests r
       where r.sent_at is not null
         ${from ? sql`and r.sent_at >= ${from}` : sql``}
         ${to ? sql`and r.sent_at < ${to}` : sql``}
         ${q.direction ? sql`and r.direction = ${q.direction}` : sql``}
       group by 1, 2, 3, 4
       order by 1, 2, 3, 4`);
    const rows: TimelinessRow[] = rowsOf<RawRow>(result).map((r) => ({
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

  return { timeliness };
}

export type ReportsService = ReturnType<typeof createReportsService>;

export const TYPE_LABELS = new Map(REQUEST_TYPES.map((t) => [t.type, t.label]));
