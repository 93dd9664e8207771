import type {
  CreateRequestBody,
  FugitiveDetail,
  FugitiveRequestType,
  RequestDetail,
} from "@crossline/schemas";
import type { Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError } from "../../lib/errors.js";
import {
  assertRecordRequestType,
  type LinkedRequestLife,
  prefillRequestForm,
} from "../../lib/request-prefill.js";
import type { FugitivesContext } from "./fugitives.context.js";
import { type FugitiveRow, fugitivesRepo as repo } from "./fugitives.repo.js";

/** The requests module's port: it drafts, authorises (requests:draft) and audits the request itself. */
export interface FugitiveRequestsPort {
  /** Drafts a request; `within` runs in the request's own transaction (the record's side of the link). */
  create(
    ctx: Ctx,
    body: CreateRequestBody,
    link: {
      origin: { type: "fugitive"; id: string };
      /** The person record the first subject is (the fugitive's). */
      subjectPerson?: string;
      within: (tx: Tx, r: { id: string; reference: string; type: string }) => Promise<void>;
    },
  ): Promise<RequestDetail>;
  /** The requests among `ids` the caller may see, each with the events of its life. */
  lifeOf(ctx: Ctx, ids: string[]): Promise<LinkedRequestLife[]>;
}

/** The prefill's view of a fugitive's record (lib/request-prefill.ts). */
export const prefillOf = (f: FugitiveRow, type: FugitiveRequestType, photos: number) =>
  prefillRequestForm({ ...f.fields, reference: f.reference, photos }, type);

/**
 * Requests started from a fugitive's record (locate, provisional arrest, extradition, deportation, identity
 * check for repatriation): the form prefilled from the record; the request names the record (its origin,
 * kept by the requests module) and the record lists the request (fields.requestIds, its next version), both
 * in the request's transaction; the record's timeline shows the request's life through the same port.
 */
export function createFugitiveRequests(c: FugitivesContext, requests: FugitiveRequestsPort) {
  const { deps, db } = c;

  async function prefill(ctx: Ctx, id: string, type: FugitiveRequestType) {
    requirePermission(ctx.actor, "fugitives:read");
    const f = await c.load(ctx, id);
    await c.logReads(db, ctx, [f], "read");
    return { fugitiveId: f.id, form: prefillOf(f, type, (await repo.photosOf(db, f.id)).length) };
  }

  async function draft(ctx: Ctx, id: string, body: CreateRequestBody): Promise<RequestDetail> {
    requirePermission(ctx.actor, "fugitives:write");
    const f = await c.load(ctx, id);
    assertRecordRequestType(body.form, "fugitive");
    if (f.status === "returned")
      throw new AppError("CONFLICT", [{ issue: "the fugitive has returned: the record is closed" }]);
    return requests.create(ctx, body, {
      origin: { type: "fugitive", id },
      subjectPerson: f.personId,
      within: async (tx, r) => {
        const before = await c.lock(tx, ctx, id);
        if (before.fields.requestIds.length >= 50)
          throw new AppError("CONFLICT", [
            { field: "params.id", issue: "the record links 50 requests already" },
          ]);
        const now = deps.clock.now();
        const fields = { ...before.fields, requestIds: [...before.fields.requestIds, r.id] };
        const after = await repo.update(tx, id, { fields, version: before.version + 1, updatedAt: now });
        await repo.insertVersion(tx, {
          fugitiveId: id,
          version: after.version,
          fields,
          status: after.status,
          changedAt: now,
          changedBy: ctx.actor.label,
          reason: `request drafted: ${r.reference}`,
        });
        await deps.audit.record(tx, ctx, {
          action: "fugitive.request",
          targetType: "fugitive",
          targetId: id,
          details: { requestId: r.id, type: r.type, version: after.version },
        });
      },
    });
  }

  /** The record's requests the caller may see, and each event of their lives as timeline lines. */
  async function linked(ctx: Ctx, f: FugitiveRow) {
    const life = await requests.lifeOf(ctx, f.fields.requestIds);
    const requestsView: FugitiveDetail["requests"] = life.map((r) => ({
      id: r.id,
      reference: r.reference,
      type: r.type,
      status: r.status,
      peerId: r.peerId,
    }));
    const timeline: FugitiveDetail["timeline"] = life.flatMap((r) =>
      r.events.map((e) => ({
        at: e.at,
        kind: "request" as const,
        version: null,
        by: "",
        report: null,
        listId: null,
        request: { id: r.id, reference: r.reference, type: r.type, event: e.event, status: e.toStatus },
      })),
    );
    return { requests: requestsView, timeline };
  }

  return { prefill, draft, linked };
}
