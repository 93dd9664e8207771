import type { BoardQuery, RequestDetail, RequestSummary } from "@crossline/schemas";
import type { Ctx } from "../../lib/actor.js";
import { requirePermission } from "../../lib/actor.js";
import { AppError, assertThat } from "../../lib/errors.js";
import type { RequestsContext } from "./requests.context.js";
import * as repo from "./requests.repo.js";
import { toSummary } from "./requests.views.js";

/** Reading requests: the hotline board and one request's detail. */
export function createRequestQueries(c: RequestsContext) {
  const { db, clock } = c.deps;

  async function get(ctx: Ctx, id: string): Promise<RequestDetail> {
    return c.detail(ctx, await c.load(ctx, id));
  }

  /** The hotline board: the unit's requests, newest first, filtered, cursor-paged by id. */
  async function board(
    ctx: Ctx,
    q: BoardQuery,
  ): Promise<{ items: RequestSummary[]; nextCursor: string | null }> {
    requirePermission(ctx.actor, "requests:read");
    const unitId = ctx.actor.unitId;
    if (!unitId) return { items: [], nextCursor: null };
    if (q.cursor) {
      assertThat(
        /^[0-9a-f-]{36}$/.test(q.cursor),
        new AppError("VALIDATION_FAILED", [
          { field: "querystring.cursor", issue: "not a cursor from this list" },
        ]),
      );
    }
    const now = clock.now();
    const rows = await repo.boardPage(db, unitId, q, now);
    const me = await c.nodeInfo();
    const items = rows.slice(0, q.limit).map((r) => toSummary(r, now, me.timeZone));
    return { items, nextCursor: rows.length > q.limit ? items[items.length - 1].id : null };
  }

  return { get, board };
}
