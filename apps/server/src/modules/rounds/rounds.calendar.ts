import { permissionsOf, type Role, type RoundDoc } from "@crossline/schemas";
import { sha256Hex } from "../../crypto/hash.js";
import { inTransaction } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError } from "../../lib/errors.js";
import { randomToken } from "../../lib/secrets.js";
import type { RoundsDeps } from "./rounds.context.js";
import * as repo from "./rounds.repo.js";

const DUE_MINUTES = 30;

/**
 * Rounds and action-item due dates as iCalendar (RFC 5545), made by ical-generator. Every time is written in
 * UTC (a `Z` time), which every calendar shows on its own clock, so both sides see the right local times
 * without a VTIMEZONE; the venue's zone is named in the text. A feed URL carries a per-user token (stored
 * hashed); the feed answers only while that user is enabled and may read rounds.
 */
export async function roundsCalendar(docs: RoundDoc[], nodeId: string): Promise<string> {
  // ical-generator is loaded by the first calendar asked for, not with the server.
  const { default: ical, ICalCalendarMethod } = await import("ical-generator");
  const cal = ical({
    name: `Crossline rounds (${nodeId})`,
    prodId: { company: "Crossline", product: "rounds" },
  });
  cal.method(ICalCalendarMethod.PUBLISH);
  for (const d of docs) {
    const f = d.fields;
    cal.createEvent({
      id: `${d.id}@crossline`,
      start: new Date(f.startsAt),
      end: new Date(f.endsAt),
      summary: `${f.name.en} · ${f.name.zh}`,
      location: `${f.venue.en}, ${f.city.en} · ${f.city.zh}${f.venue.zh}`,
      description: `Round ${f.number}: ${d.hostNode} hosts ${d.guestNode}. Local time zone: ${f.timeZone}.`,
      stamp: new Date(d.updatedAt),
    });
    for (const a of d.actionItems) {
      const due = new Date(a.dueAt);
      cal.createEvent({
        id: `${d.id}.${a.id}@crossline`,
        start: due,
        end: new Date(due.getTime() + DUE_MINUTES * 60_000),
        summary: `Due · 截止: ${a.text.en} · ${a.text.zh}`.slice(0, 300),
        description: `Round ${f.number} · ${a.ownerNode} (${a.agency}) · ${a.officer} · ${a.status}`,
        stamp: new Date(d.updatedAt),
      });
    }
  }
  return cal.toString();
}

export function createRoundsCalendar(
  deps: Pick<RoundsDeps, "db" | "clock" | "audit" | "nodeId"> & {
    /** The user's roles, or null when the account is disabled or gone. */
    userRoles(userId: string): Promise<Role[] | null>;
  },
) {
  const { db, clock, audit } = deps;

  async function download(ctx: Ctx): Promise<string> {
    requirePermission(ctx.actor, "rounds:read");
    return roundsCalendar(
      (await repo.listRounds(db)).map((r) => r.doc),
      await deps.nodeId(db),
    );
  }

  /** A new feed token for the caller (the previous one stops working); the path of its feed. */
  async function newFeedToken(ctx: Ctx): Promise<{ path: string }> {
    requirePermission(ctx.actor, "rounds:read");
    const userId = ctx.actor.userId;
    if (!userId) throw new AppError("FORBIDDEN", [{ issue: "a calendar feed belongs to a user" }]);
    const token = randomToken(32);
    await inTransaction(db, async (tx) => {
      await repo.putCalendarToken(tx, userId, sha256Hex(token), clock.now());
      await audit.record(tx, ctx, { action: "round.calendar_token", targetType: "user", targetId: userId });
    });
    return { path: `/calendar/v1/rounds/${token}.ics` };
  }

  /** The feed for a token; 404 for an unknown token or a user who may no longer read rounds. */
  async function feed(token: string): Promise<string> {
    const userId = await repo.userOfCalendarToken(db, sha256Hex(token));
    const roles = userId ? await deps.userRoles(userId) : null;
    if (!roles || !permissionsOf(roles).has("rounds:read"))
      throw new AppError("NOT_FOUND", [{ issue: "no such calendar feed" }]);
    return roundsCalendar(
      (await repo.listRounds(db)).map((r) => r.doc),
      await deps.nodeId(db),
    );
  }

  return { download, newFeedToken, feed };
}
