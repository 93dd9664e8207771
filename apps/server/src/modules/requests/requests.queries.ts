import type { BoardQuery, RequestDetail, RequestSummary } from "@crossline/schemas";
import type { DbOrTx } from "../../db/client.js";
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
    const r = await c.load(ctx, id);
    await c.logReads(ctx, [r], "read");
    return c.detail(ctx, r);
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
    const page = rows.slice(0, q.limit);
    await c.logReads(ctx, page, "list");
    const items = page.map((r) => toSummary(r, now, me.timeZone));
    return { items, nextCursor: rows.length > q.limit ? items[items.length - 1].id : null };
  }

  /**
   * What the persons module shows of the requests naming a person (persons.port.ts RecordDescriber): the
   * reference, the title and the subject entries. Its caller decided who may see them.
   */
  async function describe(dbx: DbOrTx, ids: string[]) {
    const valid = ids.filter((id) => /^[0-9a-f-]{36}$/.test(id));
    return (await repo.findRequests(dbx, valid)).map((r) => ({
      id: r.id,
      reference: r.reference,
      title: r.title,
      ownerUnitId: r.ownerUnitId,
      subjects: (r.content.subjects ?? []) as unknown as Record<string, unknown>[],
    }));
  }

  return { get, board, describe };
}
