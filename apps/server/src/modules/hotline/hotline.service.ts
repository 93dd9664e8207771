import {
  canBeRostered,
  type Language,
  localToInstant,
  ROSTERABLE_ROLES,
  type Role,
  toZonedIso,
} from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import { type Db, type DbOrTx, inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, can } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import type { AuditService } from "../audit/audit.service.js";
import * as repo from "./hotline.repo.js";
import { logLine } from "./hotline.text.js";

type ShiftRow = repo.ShiftRow;
type LogRow = repo.LogRow;

export interface LogInput {
  unitId: string | null;
  requestId?: string | null;
  peerId?: string | null;
  direction: "incoming" | "outgoing" | "internal";
  kind: string;
  actorLabel: string;
  /** The line in English, as first written; readers get the line made from kind and facts (hotline.text.ts). */
  summary: string;
  /**
   * Facts of the line. `params` (string or number values) fill the kind's template in hotline.text.ts and
   * win over what the request row says, e.g. `{ params: { late: "…" } }`.
   */
  data?: Record<string, unknown>;
}

const DAY_MS = 24 * 60 * 60_000;
const MAX_SHIFT_MS = 7 * DAY_MS;

/**
 * The hotline desk of each unit: the duty roster (shifts entered in local time), who is on duty now,
 * the hotline log, and whom to alert.
 */
export function createHotlineService(deps: {
  db: Db;
  clock: Clock;
  audit: AuditService;
  /** The unit incoming requests land in (the hotline desk); its log also shows the node's emergencies. */
  intakeUnitId?: () => Promise<string>;
  /** The users module's port: names for the roster, whom a shift is for, who in a unit holds a role. */
  people: {
    namesOf(dbx: DbOrTx, ids: readonly string[]): Promise<Map<string, string>>;
    membershipOf(dbx: DbOrTx, id: string): Promise<{ unitId: string; roles: Role[] } | null>;
    recipientsInUnit(dbx: DbOrTx, unitId: string, roles: readonly string[]): Promise<string[]>;
  };
}) {
  const { db, clock, audit } = deps;

  function isNodeWide(ctx: Ctx) {
    return can(ctx.actor, "org:manage");
  }

  /** Units whose desk the actor may see: their own, or every unit for an administrator. */
  function assertUnitVisible(ctx: Ctx, unitId: string) {
    assertThat(isNodeWide(ctx) || ctx.actor.unitId === unitId, notFound("unit"));
  }

  function requireDeskReader(ctx: Ctx) {
    if (!can(ctx.actor, "hotline:duty") && !can(ctx.actor, "hotline:roster")) {
      throw new AppError("FORBIDDEN", [{ issue: "requires permission hotline:duty or hotline:roster" }]);
    }
  }

  function unitOrOwn(ctx: Ctx, unitId: string | undefined): string {
    const u = unitId ?? ctx.actor.unitId;
    assertThat(
      u,
      new AppError("VALIDATION_FAILED", [{ field: "querystring.unitId", issue: "name the unit" }]),
    );
    assertUnitVisible(ctx, u);
    return u;
  }

  async function toShiftView(rows: ShiftRow[]) {
    const ids = [...new Set(rows.map((r) => r.userId))];
    const names = await deps.people.namesOf(db, ids);
    return rows.map((r) => ({
      id: r.id,
      unitId: r.unitId,
      userId: r.userId,
      userName: names.get(r.userId) ?? "",
      role: r.role,
      startsAt: r.startsAt.toISOString(),
      endsAt: r.endsAt.toISOString(),
      timeZone: r.timeZone,
      startLocal: toZonedIso(r.startsAt, r.timeZone),
      endLocal: toZonedIso(r.endsAt, r.timeZone),
      note: r.note,
    }));
  }

  async function roster(ctx: Ctx, q: { unitId?: string; from?: string; to?: string }) {
    requireDeskReader(ctx);
    const unitId = unitOrOwn(ctx, q.unitId);
    const from = q.from ? new Date(q.from) : new Date(clock.now().getTime() - DAY_MS);
    const to = q.to ? new Date(q.to) : new Date(from.getTime() + 14 * DAY_MS);
    const rows = await repo.shiftsBetween(db, unitId, from, to, 1000);
    return { items: await toShiftView(rows), gaps: coverageGaps(rows, from, to) };
  }

  async function createShifts(
    ctx: Ctx,
    input: {
      unitId: string;
      userId: string;
      role: "primary" | "backup";
      start: string;
      end: string;
      timeZone: string;
      repeat?: { times: number; everyDays: number };
      note?: string;
    },
  ) {
    if (!can(ctx.actor, "hotline:roster")) {
      throw new AppError("FORBIDDEN", [{ issue: "requires permission hotline:roster" }]);
    }
    assertUnitVisible(ctx, input.unitId);
    const user = await deps.people.membershipOf(db, input.userId);
    assertThat(
      user && user.unitId === input.unitId,
      new AppError("VALIDATION_FAILED", [{ field: "body.userId", issue: "no such user in this unit" }]),
    );
    assertThat(
      canBeRostered(user.roles),
      new AppError("VALIDATION_FAILED", [
        { field: "body.userId", issue: "the user holds neither the duty officer nor the supervisor role" },
      ]),
    );
    const shifts: { startsAt: Date; endsAt: Date }[] = [];
    const count = 1 + (input.repeat?.times ?? 0);
    for (let i = 0; i < count; i++) {
      const shiftDays = i * (input.repeat?.everyDays ?? 0);
      // Each repetition is placed by local wall-clock date, so a 08:00 shift stays 08:00 across DST.
      const startsAt = localToInstant(addLocalDays(input.start, shiftDays), input.timeZone);
      const endsAt = localToInstant(addLocalDays(input.end, shiftDays), input.timeZone);
      assertThat(
        startsAt,
        new AppError("VALIDATION_FAILED", [{ field: "body.start", issue: "not a valid local date-time" }]),
      );
      assertThat(
        endsAt,
        new AppError("VALIDATION_FAILED", [{ field: "body.end", issue: "not a valid local date-time" }]),
      );
      assertThat(
        endsAt > startsAt && endsAt.getTime() - startsAt.getTime() <= MAX_SHIFT_MS,
        new AppError("VALIDATION_FAILED", [
          { field: "body.end", issue: "must be after the start and at most 7 days later" },
        ]),
      );
      shifts.push({ startsAt, endsAt });
    }
    const now = clock.now();
    const rows = shifts.map((s) => ({
      id: uuidv7(),
      unitId: input.unitId,
      userId: input.userId,
      role: input.role,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      timeZone: input.timeZone,
      note: input.note ?? null,
      createdAt: now,
    }));
    await inTransaction(db, async (tx) => {
      await repo.insertShifts(tx, rows);
      await audit.record(tx, ctx, {
        action: "hotline.roster.create",
        targetType: "unit",
        targetId: input.unitId,
        details: {
          userId: input.userId,
          role: input.role,
          shifts: rows.map((r) => r.id),
          timeZone: input.timeZone,
        },
      });
    });
    return toShiftView(rows);
  }

  async function deleteShift(ctx: Ctx, id: string) {
    if (!can(ctx.actor, "hotline:roster")) {
      throw new AppError("FORBIDDEN", [{ issue: "requires permission hotline:roster" }]);
    }
    const row = await repo.findShift(db, id);
    assertThat(row && (isNodeWide(ctx) || row.unitId === ctx.actor.unitId), notFound("shift"));
    await inTransaction(db, async (tx) => {
      await repo.deleteShift(tx, id);
      await audit.record(tx, ctx, {
        action: "hotline.roster.delete",
        targetType: "unit",
        targetId: row.unitId,
        details: { shiftId: id, userId: row.userId, startsAt: row.startsAt.toISOString() },
      });
    });
  }

  async function onDuty(ctx: Ctx, q: { unitId?: string; at?: string }) {
    requireDeskReader(ctx);
    const unitId = unitOrOwn(ctx, q.unitId);
    const at = q.at ? new Date(q.at) : clock.now();
    const shifts = await toShiftView(await repo.shiftsAt(db, unitId, at));
    return { unitId, at: at.toISOString(), shifts };
  }

  /**
   * Who to alert in a unit now: the users on duty by the roster; if nobody is rostered, every enabled
   * duty officer and supervisor of the unit (an alert must reach someone).
   */
  async function dutyRecipients(dbx: DbOrTx, unitId: string, at: Date): Promise<string[]> {
    const onShift = await repo.shiftsAt(dbx, unitId, at);
    if (onShift.length) return [...new Set(onShift.map((s) => s.userId))];
    return deps.people.recipientsInUnit(dbx, unitId, ROSTERABLE_ROLES);
  }

  async function supervisors(dbx: DbOrTx, unitId: string): Promise<string[]> {
    return deps.people.recipientsInUnit(dbx, unitId, ["supervisor"]);
  }

  async function log(tx: Tx, e: LogInput): Promise<void> {
    await repo.insertLogLine(tx, {
      id: uuidv7(),
      at: clock.now(),
      unitId: e.unitId,
      requestId: e.requestId ?? null,
      peerId: e.peerId ?? null,
      direction: e.direction,
      kind: e.kind,
      actorLabel: e.actorLabel,
      summary: e.summary.slice(0, 2000),
      data: e.data ?? {},
    });
  }

  /**
   * A unit's hotline log, newest first by time (not by id: lines written by another process or under
   * another clock still sort by when they happened), each line in the reader's language. The intake
   * unit's desk also sees every line about the node's emergency requests whichever unit owns them, so the
   * duty officer sees the node's own outgoing emergencies too ("assigned" lines are already in both units).
   */
  async function listLog(
    ctx: Ctx,
    q: { unitId?: string; requestId?: string; limit: number; cursor?: string },
    lang: Language = "en",
  ) {
    requireDeskReader(ctx);
    const unitId = unitOrOwn(ctx, q.unitId);
    const isIntake = deps.intakeUnitId ? (await deps.intakeUnitId()) === unitId : false;
    const rows = await repo.logPage(db, {
      unitId,
      withEmergencies: isIntake,
      requestId: q.requestId,
      before: q.cursor ? parseCursor(q.cursor) : null,
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const items = page.map(({ log: r, request }) => ({
      ...toLogEntry(r),
      summary: logLine(
        {
          kind: r.kind,
          at: r.at,
          actor: r.actorLabel,
          peerId: r.peerId,
          data: (r.data ?? {}) as Record<string, unknown>,
          request,
          stored: r.summary,
        },
        lang,
      ),
      /** Whether the reader may open the request (it belongs to their unit); else the line names it only. */
      canOpen: !!request && ctx.actor.unitId !== null && request.ownerUnitId === ctx.actor.unitId,
    }));
    const last = page[page.length - 1]?.log;
    return {
      items,
      nextCursor: rows.length > q.limit && last ? `${last.at.toISOString()}_${last.id}` : null,
    };
  }

  return { roster, createShifts, deleteShift, onDuty, dutyRecipients, supervisors, log, listLog };
}

function toLogEntry(r: LogRow) {
  return {
    id: r.id,
    at: r.at.toISOString(),
    unitId: r.unitId,
    requestId: r.requestId,
    peerId: r.peerId,
    direction: r.direction,
    kind: r.kind,
    actor: r.actorLabel,
    summary: r.summary,
    data: r.data as Record<string, unknown>,
  };
}

/** "<ISO instant>_<id>" → the position after which the next page starts; anything else is refused. */
function parseCursor(cursor: string): { at: Date; id: string } {
  const m = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)_([0-9a-f-]{36})$/.exec(cursor);
  const at = m ? new Date(m[1] as string) : null;
  if (!m || !at || Number.isNaN(at.getTime()))
    throw new AppError("VALIDATION_FAILED", [
      { field: "querystring.cursor", issue: "not a cursor from this list" },
    ]);
  return { at, id: m[2] as string };
}

/** Adds whole days to a local date-time string ("YYYY-MM-DDTHH:mm[:ss]"), calendar-wise. */
function addLocalDays(local: string, days: number): string {
  if (days === 0) return local;
  const [date, time] = local.split("T");
  const [y, m, d] = date.split("-").map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  const p = (n: number) => String(n).padStart(2, "0");
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())}T${time}`;
}

export type HotlineService = ReturnType<typeof createHotlineService>;

/**
 * The stretches of [from, to) when nobody (primary or backup) is on the roster: a 24/7 desk wants none.
 * Alerts in a gap still reach the unit's duty officers and supervisors (`dutyRecipients`).
 */
export function coverageGaps(
  shifts: readonly { startsAt: Date; endsAt: Date }[],
  from: Date,
  to: Date,
): { from: string; to: string }[] {
  const gaps: { from: string; to: string }[] = [];
  let covered = from.getTime();
  const sorted = [...shifts].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  for (const s of sorted) {
    const start = s.startsAt.getTime();
    if (start > covered)
      gaps.push({
        from: new Date(covered).toISOString(),
        to: new Date(Math.min(start, to.getTime())).toISOString(),
      });
    covered = Math.max(covered, s.endsAt.getTime());
    if (covered >= to.getTime()) break;
  }
  if (covered < to.getTime()) gaps.push({ from: new Date(covered).toISOString(), to: to.toISOString() });
  return gaps.filter((g) => g.from < g.to);
}
