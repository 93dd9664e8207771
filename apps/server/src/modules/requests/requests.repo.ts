import type { BoardQuery } from "@crossline/schemas";
import {
  and,
  asc,
  desc,
  eq,
  gt,
  ilike,
  inArray,
  isNull,
  like,
  lt,
  lte,
  ne,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { type DbOrTx, rowsOf, type Tx } from "../../db/client.js";
import { lockInIdOrder } from "../../db/lock-order.js";
import {
  preservationExtensions,
  requestEvents,
  requestIdentifierChanges,
  requestMessages,
  requests,
} from "../../db/schema/index.js";
import type { EventRow, ExtensionRow, MessageRow, RequestRow } from "./requests.views.js";

/**
 * The requests module's data access: its five tables (requests, request_events, request_messages,
 * preservation_extensions, request_identifier_changes) and nothing else. Every function takes the connection or transaction to use,
 * so that inside a transaction every read goes through it (PGlite has one connection).
 */

export type RequestSet = Partial<typeof requests.$inferInsert>;
export type RequestInsert = typeof requests.$inferInsert;

/** The start of a reference (node id, then the year): `CN-MPS-2026-…`. */
const REFERENCE_START = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*-20\d\d-/;

export async function findRequest(dbx: DbOrTx, id: string): Promise<RequestRow | undefined> {
  const [r] = await dbx.select().from(requests).where(eq(requests.id, id));
  return r;
}

/** Several requests by id (the persons module describes the records naming a person through this). */
export async function findRequests(dbx: DbOrTx, ids: string[]): Promise<RequestRow[]> {
  if (ids.length === 0) return [];
  return dbx.select().from(requests).where(inArray(requests.id, ids));
}

/**
 * These rows (those that exist) locked to the commit, in id order: a rectification of a person takes the requests
 * naming them this way before the person (persons.port.ts `RecordDescriber.lock`).
 */
export async function lockRequestsInOrder(tx: Tx, ids: string[]): Promise<void> {
  await lockInIdOrder(tx, requests, ids);
}

/** The row, locked for the rest of the transaction. */
export async function lockRequest(tx: Tx, id: string): Promise<RequestRow | undefined> {
  const [r] = await tx.select().from(requests).where(eq(requests.id, id)).for("update");
  return r;
}

export async function insertRequest(tx: Tx, values: RequestInsert): Promise<RequestRow> {
  const [r] = await tx.insert(requests).values(values).returning();
  return r;
}

/** Updates one request (the caller holds its row lock, so it exists). */
export async function updateRequest(tx: Tx, id: string, set: RequestSet): Promise<RequestRow> {
  const [u] = await tx.update(requests).set(set).where(eq(requests.id, id)).returning();
  return u;
}

/** Updates one request only if `guard` still holds; undefined when it did not (another process was first). */
export async function updateRequestIf(
  tx: Tx,
  id: string,
  set: RequestSet,
  guard: SQL,
): Promise<RequestRow | undefined> {
  const [u] = await tx
    .update(requests)
    .set(set)
    .where(and(eq(requests.id, id), guard))
    .returning();
  return u;
}

/** Raises the escalation level to at least `level` (an escalation may repeat or arrive late). */
export function raiseEscalation(tx: Tx, id: string, level: number, set: RequestSet) {
  return tx
    .update(requests)
    .set({ ...set, escalationLevel: sql`greatest(${requests.escalationLevel}, ${level})` })
    .where(eq(requests.id, id));
}

export function insertEvent(tx: Tx, values: typeof requestEvents.$inferInsert) {
  return tx.insert(requestEvents).values(values);
}

/** The timelines of several requests, oldest first (the life of requests linked to another module's record). */
export function eventsOfMany(dbx: DbOrTx, requestIds: string[]): Promise<EventRow[]> {
  if (!requestIds.length) return Promise.resolve([]);
  return dbx
    .select()
    .from(requestEvents)
    .where(inArray(requestEvents.requestId, requestIds))
    .orderBy(asc(requestEvents.at), asc(requestEvents.id));
}

/** The timeline, oldest first. */
export function eventsOf(dbx: DbOrTx, requestId: string): Promise<EventRow[]> {
  return dbx
    .select()
    .from(requestEvents)
    .where(eq(requestEvents.requestId, requestId))
    .orderBy(asc(requestEvents.at), asc(requestEvents.id));
}

export function followUpsOf(dbx: DbOrTx, requestId: string) {
  return dbx
    .select({
      id: requests.id,
      reference: requests.reference,
      status: requests.status,
      ownerUnitId: requests.ownerUnitId,
    })
    .from(requests)
    .where(eq(requests.followUpOf, requestId))
    .orderBy(asc(requests.id));
}

export function extensionsOf(dbx: DbOrTx, requestId: string): Promise<ExtensionRow[]> {
  return dbx
    .select()
    .from(preservationExtensions)
    .where(eq(preservationExtensions.requestId, requestId))
    .orderBy(asc(preservationExtensions.requestedAt));
}

/** One page of a unit's board, newest first; `limit + 1` rows so the caller knows whether more follow. */
export function boardPage(dbx: DbOrTx, unitId: string, q: BoardQuery, now: Date): Promise<RequestRow[]> {
  const where: SQL[] = [eq(requests.ownerUnitId, unitId)];
  if (q.direction) where.push(eq(requests.direction, q.direction));
  if (q.type?.length) where.push(inArray(requests.type, q.type));
  if (q.urgency?.length) where.push(inArray(requests.urgency, q.urgency));
  if (q.status?.length) where.push(inArray(requests.status, q.status));
  if (q.peerId) where.push(eq(requests.peerId, q.peerId));
  if (q.q) {
    // LIKE patterns: the officer's text is matched literally (% and _ escaped). A whole reference's start
    // (CN-MPS-2026-…) is looked up by its index; anything else also searches the titles.
    const literal = q.q.replace(/[\\%_]/g, (c) => `\\${c}`);
    const byReference = like(requests.reference, `${literal.toUpperCase()}%`);
    where.push(
      REFERENCE_START.test(q.q)
        ? byReference
        : (or(byReference, ilike(requests.title, `%${literal}%`)) as SQL),
    );
  }
  if (q.deadline === "overdue") where.push(lt(requests.nextDueAt, now));
  if (q.deadline === "due_soon")
    where.push(and(lte(requests.dueSoonAt, now), sql`${requests.nextDueAt} >= ${now}`) as SQL);
  if (q.deadline === "ok") where.push(gt(requests.dueSoonAt, now));
  if (q.cursor) where.push(lt(requests.id, q.cursor));
  return dbx
    .select()
    .from(requests)
    .where(and(...where))
    .orderBy(desc(requests.id))
    .limit(q.limit + 1);
}

// ---------------------------------------------------------------------------------------------------
// Thread

export function messagesOf(dbx: DbOrTx, requestId: string): Promise<MessageRow[]> {
  return dbx
    .select()
    .from(requestMessages)
    .where(eq(requestMessages.requestId, requestId))
    .orderBy(asc(requestMessages.at), asc(requestMessages.id))
    .limit(1000);
}

export async function messageExists(tx: Tx, id: string): Promise<boolean> {
  const [m] = await tx
    .select({ id: requestMessages.id })
    .from(requestMessages)
    .where(eq(requestMessages.id, id));
  return !!m;
}

export function insertMessage(tx: Tx, values: typeof requestMessages.$inferInsert) {
  return tx.insert(requestMessages).values(values);
}

/**
 * Marks unread messages of a request read: those written on another node than `notFrom` (this side reads
 * the other's), or those written on `from` among `ids` (the other side's read receipt for ours).
 */
export function markRead(
  tx: Tx,
  requestId: string,
  which: { notFrom: string } | { from: string; ids: readonly string[] },
  at: Date,
  by: string,
): Promise<{ id: string }[]> {
  const whose =
    "notFrom" in which
      ? ne(requestMessages.nodeId, which.notFrom)
      : (and(eq(requestMessages.nodeId, which.from), inArray(requestMessages.id, [...which.ids])) as SQL);
  return tx
    .update(requestMessages)
    .set({ readAt: at, readByLabel: by })
    .where(and(eq(requestMessages.requestId, requestId), whose, isNull(requestMessages.readAt)))
    .returning({ id: requestMessages.id });
}

/**
 * Whether an attachment appears in a request's thread or timeline (so the caller may download it): a reference
 * with its id and a name other than `erased` (an anonymised request's names are erased, its thread's lists gone).
 */
export async function attachmentMentioned(
  dbx: DbOrTx,
  requestId: string,
  attachmentId: string,
  erased: string,
) {
  const path = sql`'$.** ? (@.id == $id && @.name != $erased)'::jsonpath`;
  const vars = sql`jsonb_build_object('id', ${attachmentId}::text, 'erased', ${erased}::text)`;
  const [inMessages] = await dbx
    .select({ id: requestMessages.id })
    .from(requestMessages)
    .where(
      and(
        eq(requestMessages.requestId, requestId),
        sql`jsonb_path_exists(${requestMessages.attachments}, ${path}, ${vars})`,
      ),
    )
    .limit(1);
  if (inMessages) return true;
  const [inEvents] = await dbx
    .select({ id: requestEvents.id })
    .from(requestEvents)
    .where(
      and(
        eq(requestEvents.requestId, requestId),
        sql`jsonb_path_exists(${requestEvents.data}, ${path}, ${vars})`,
      ),
    )
    .limit(1);
  return !!inEvents;
}

// ---------------------------------------------------------------------------------------------------
// Preservation extensions

export function insertExtension(tx: Tx, values: typeof preservationExtensions.$inferInsert) {
  return tx.insert(preservationExtensions).values(values).onConflictDoNothing();
}

export async function lockExtension(
  tx: Tx,
  requestId: string,
  id: string,
): Promise<ExtensionRow | undefined> {
  const [e] = await tx
    .select()
    .from(preservationExtensions)
    .where(and(eq(preservationExtensions.id, id), eq(preservationExtensions.requestId, requestId)))
    .for("update");
  return e;
}

/**
 * Records the decision on an extension still `requested`: whether it did (a decided one keeps its decision, a
 * second decision changes nothing).
 */
export async function decideExtensionRow(
  tx: Tx,
  requestId: string,
  id: string,
  set: Pick<ExtensionRow, "status" | "decidedAt" | "decidedBy" | "newExpiresAt" | "decisionNote">,
): Promise<boolean> {
  const rows = await tx
    .update(preservationExtensions)
    .set(set)
    .where(
      and(
        eq(preservationExtensions.id, id),
        eq(preservationExtensions.requestId, requestId),
        eq(preservationExtensions.status, "requested"),
      ),
    )
    .returning({ id: preservationExtensions.id });
  return rows.length > 0;
}

// ---------------------------------------------------------------------------------------------------
// Deadline sweeps

/** Which rows each sweep looks at (each matches a partial index of the requests table). */
export const SWEEP_WHERE = {
  /** Not acknowledged by the deadline (level 0 → 1), or, outgoing, still not by `peerCutoff` (level 1 → 2). */
  escalation: (now: Date, peerCutoff: Date) =>
    and(
      isNull(requests.acknowledgedAt),
      inArray(requests.status, ["sent", "delivered"]),
      or(
        and(eq(requests.escalationLevel, 0), lt(requests.acknowledgeBy, now)),
        and(
          eq(requests.escalationLevel, 1),
          eq(requests.direction, "outgoing"),
          lt(requests.acknowledgeBy, peerCutoff),
        ),
      ),
    ) as SQL,
  answerOverdue: (now: Date) =>
    and(
      isNull(requests.answerOverdueNotifiedAt),
      isNull(requests.answeredAt),
      inArray(requests.status, ["acknowledged", "in_progress", "more_info_requested"]),
      lt(requests.answerBy, now),
    ) as SQL,
  preservationExpiring: (now: Date, warnFrom: Date) =>
    and(
      isNull(requests.preservationWarnedAt),
      eq(requests.direction, "outgoing"),
      ne(requests.status, "withdrawn"),
      gt(requests.preservationExpiresAt, now),
      lte(requests.preservationExpiresAt, warnFrom),
    ) as SQL,
};

export const SWEEP_ORDER = {
  escalation: requests.acknowledgeBy,
  answerOverdue: requests.answerBy,
  preservationExpiring: requests.preservationExpiresAt,
} as const;

/** Claims due rows for a sweep; rows another process holds are skipped, so sweeps may run concurrently. */
export function claimDue(
  tx: Tx,
  where: SQL,
  order: (typeof SWEEP_ORDER)[keyof typeof SWEEP_ORDER],
  limit: number,
): Promise<RequestRow[]> {
  return tx
    .select()
    .from(requests)
    .where(where)
    .orderBy(asc(order))
    .limit(limit)
    .for("update", { skipLocked: true });
}

/** Guards of the sweeps' conditional updates: the row still is as it was claimed. */
export const stillAt = {
  escalationLevel: (level: number) => eq(requests.escalationLevel, level),
  answerOverdueUnnotified: () => isNull(requests.answerOverdueNotifiedAt),
  preservationUnwarned: () => isNull(requests.preservationWarnedAt),
};

/** The requests drafted from a case (the cases module's port), oldest first. */
export function requestsOfCase(dbx: DbOrTx, caseId: string) {
  return dbx
    .select({
      id: requests.id,
      reference: requests.reference,
      type: requests.type,
      status: requests.status,
      peerId: requests.peerId,
      title: requests.title,
    })
    .from(requests)
    .where(eq(requests.caseId, caseId))
    .orderBy(asc(requests.id));
}

/** Whether any request's identifiers changed since the correlation index last claimed the changes. */
export async function identifierChangesWaiting(dbx: DbOrTx): Promise<boolean> {
  const [r] = await dbx.select({ seq: requestIdentifierChanges.seq }).from(requestIdentifierChanges).limit(1);
  return r !== undefined;
}

/**
 * Claims up to `limit` queued identifier changes (request_identifier_changes, written by a trigger in the
 * changing transaction) in the caller's transaction and returns each changed request once with its typed
 * identifiers, or `gone` for a request no longer there: what the correlation index pulls through
 * `requestIdentifierSource` (requests.identifiers.ts). The rows are deleted by the claim, for good at the
 * caller's commit (rolled back with it); `FOR UPDATE SKIP LOCKED` leaves rows another transaction is claiming
 * to it. One statement: the claim and the requests read share one snapshot, so a change committed after it is
 * claimed by the next call, never lost and never read before its queue row.
 */
export async function claimIdentifierChanges(tx: Tx, limit: number): Promise<ChangedIdentifiers[]> {
  const res = await tx.execute(sql`
    with claimed as (
      delete from request_identifier_changes
      where seq in (
        select seq from request_identifier_changes order by seq limit ${limit} for update skip locked
      )
      returning request_id
    ), ids as (select distinct request_id from claimed)
    select ids.request_id as id, r.owner_unit_id as "ownerUnitId", r.content -> 'identifiers' as identifiers
    from ids left join requests r on r.id = ids.request_id
    order by ids.request_id`);
  return rowsOf<{ id: string; ownerUnitId: string | null; identifiers: unknown }>(res).map((r) => {
    const identifiers =
      typeof r.identifiers === "string" ? (JSON.parse(r.identifiers) as unknown) : r.identifiers;
    return r.ownerUnitId === null
      ? { id: r.id, gone: true as const }
      : {
          id: r.id,
          gone: false as const,
          ownerUnitId: r.ownerUnitId,
          identifiers: Array.isArray(identifiers) ? (identifiers as { type: string; value: string }[]) : [],
        };
  });
}

/** A request whose identifiers changed: its current ones, or `gone` (deleted). */
export type ChangedIdentifiers =
  | { id: string; gone: true }
  | { id: string; gone: false; ownerUnitId: string; identifiers: { type: string; value: string }[] };

/** Requests whose next deadline has passed, across the node (for /metrics: no unit, no personal data). */
export async function countOverdue(dbx: DbOrTx, now: Date): Promise<number> {
  const [r] = await dbx
    .select({ n: sql<number>`count(*)::int` })
    .from(requests)
    .where(lt(requests.nextDueAt, now));
  return Number(r?.n ?? 0);
}

/** Requests by id (any unit): for the lawful module's lists through the requests module's port. */
export function requestsByIds(dbx: DbOrTx, ids: string[]): Promise<RequestRow[]> {
  if (!ids.length) return Promise.resolve([]);
  return dbx.select().from(requests).where(inArray(requests.id, ids));
}

/**
 * Anonymises a request: every text of the form, the answer, the timeline's data, the thread and the
 * extensions is replaced by `erase`; what the statistics read (type, urgency, status, dates, deadlines,
 * outcome, peer, units) is kept, so the reports count it as before.
 */
export async function anonymiseRequest(
  tx: Tx,
  id: string,
  erase: <T>(v: T) => T,
  erasedText: { lang: "en"; text: string },
): Promise<void> {
  const r = await lockRequest(tx, id);
  if (!r) return;
  await tx
    .update(requests)
    .set({
      title: r.reference,
      input: erase(r.input),
      content: erase(r.content),
      answer: r.answer ? erase(r.answer) : null,
      secondCheck: r.secondCheck ? erase(r.secondCheck) : null,
      version: r.version + 1,
    })
    .where(eq(requests.id, id));
  for (const e of await eventsOf(tx, id)) {
    await tx
      .update(requestEvents)
      .set({ data: erase(e.data) })
      .where(eq(requestEvents.id, e.id));
  }
  await tx
    .update(requestMessages)
    .set({ body: erasedText, attachments: [] })
    .where(eq(requestMessages.requestId, id));
  await tx
    .update(preservationExtensions)
    .set({ reason: erasedText, decisionNote: null })
    .where(eq(preservationExtensions.requestId, id));
}

/**
 * Erasure: the request (locked) and every value of it that may name attachments (its form as drafted and sent,
 * its answer and second check, its events' data, its messages' attachment lists), read before they are erased.
 */
export async function attachmentHolders(
  tx: Tx,
  id: string,
): Promise<{ peerId: string | null; values: unknown[] } | null> {
  const r = await lockRequest(tx, id);
  if (!r) return null;
  const events = await tx
    .select({ data: requestEvents.data })
    .from(requestEvents)
    .where(eq(requestEvents.requestId, id));
  const messages = await tx
    .select({ attachments: requestMessages.attachments })
    .from(requestMessages)
    .where(eq(requestMessages.requestId, id));
  return {
    peerId: r.peerId,
    values: [
      r.input,
      r.content,
      r.answer,
      r.secondCheck,
      ...events.map((e) => e.data),
      ...messages.map((m) => m.attachments),
    ],
  };
}

/**
 * Of these attachment ids, those another request still names with their name (its form, answer, events or
 * thread): an anonymised request's references keep their id but their name is `erased`, and its thread's are
 * gone, so they do not count. An API client may attach one upload to two requests; its bytes stay for the other.
 */
export async function attachmentsNamedElsewhere(
  dbx: DbOrTx,
  requestId: string,
  ids: readonly string[],
  erased: string,
): Promise<string[]> {
  if (!ids.length) return [];
  const path = sql`'$.** ? (@.id == $id && @.name != $erased)'::jsonpath`;
  const vars = sql`jsonb_build_object('id', x.id, 'erased', ${erased}::text)`;
  const rows = await dbx.execute(sql`
    select x.id from (values ${sql.join(
      ids.map((id) => sql`(${id}::text)`),
      sql`, `,
    )}) as x(id)
     where exists (select 1 from ${requests} r where r.id <> ${requestId}
                      and jsonb_path_exists(jsonb_build_array(r.input, r.content, r.answer), ${path}, ${vars}))
        or exists (select 1 from ${requestEvents} e where e.request_id <> ${requestId}
                      and jsonb_path_exists(e.data, ${path}, ${vars}))
        or exists (select 1 from ${requestMessages} m where m.request_id <> ${requestId}
                      and jsonb_path_exists(m.attachments, ${path}, ${vars}))`);
  return rowsOf<{ id: string }>(rows).map((r) => r.id);
}

/** What the timeliness report groups by and over: period length, the node's time zone, a window, a side. */
export interface TimelinessQuery {
  period: "week" | "month" | "quarter" | "year";
  timeZone: string;
  from: Date | null;
  to: Date | null;
  direction?: "outgoing" | "incoming";
  now: Date;
}

/** One group of the timeliness report: counts and medians per period, type, urgency and direction. */
export interface TimelinessFigure {
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

/** The timeliness figures of requests sent in the window, grouped (aggregates only, no content). */
export async function timelinessFigures(dbx: DbOrTx, q: TimelinessQuery): Promise<TimelinessFigure[]> {
  const result = await dbx.execute(sql`
      select to_char(date_trunc(${q.period}, r.sent_at at time zone ${q.timeZone}), 'YYYY-MM-DD') as period,
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
             (count(*) filter (where r.next_due_at < ${q.now}))::int as open_overdue
        from requests r
       where r.sent_at is not null
         ${q.from ? sql`and r.sent_at >= ${q.from}` : sql``}
         ${q.to ? sql`and r.sent_at < ${q.to}` : sql``}
         ${q.direction ? sql`and r.direction = ${q.direction}` : sql``}
       group by 1, 2, 3, 4
       order by 1, 2, 3, 4`);
  return rowsOf<TimelinessFigure>(result);
}

/**
 * The requests exchanged with one peer that were sent in [from, to), one row each, for reports that must
 * trace every figure to its records (the progress report before a dialogue round): ids, type, side and
 * deadline facts only, no content. `now` decides "open and overdue".
 */
export async function requestRecords(dbx: DbOrTx, from: Date, to: Date, peer: string, now: Date) {
  const result = await dbx.execute(sql`
      select r.id, r.type, r.direction,
             (r.answered_at is not null) as answered,
             (r.answered_at is not null and r.answered_at <= r.answer_by) as answered_in_time,
             (r.answered_at is null and r.next_due_at < ${now}) as open_overdue
        from requests r
       where r.sent_at is not null and r.sent_at >= ${from} and r.sent_at < ${to} and r.peer_id = ${peer}
       order by r.sent_at, r.id`);
  return rowsOf<RequestRecord>(result);
}

export interface RequestRecord {
  id: string;
  type: string;
  direction: "outgoing" | "incoming";
  answered: boolean;
  answered_in_time: boolean;
  open_overdue: boolean;
}
