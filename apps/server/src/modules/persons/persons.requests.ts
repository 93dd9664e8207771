import type {
  CreateRequestBody,
  FugitiveRequestType,
  PersonLinkedRequest,
  RequestDetail,
} from "@crossline/schemas";
import type { Db, DbOrTx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import {
  assertRecordRequestType,
  type LinkedRequestLife,
  prefillRequestForm,
} from "../../lib/request-prefill.js";
import type { AccessLogService } from "../access-log/access-log.service.js";
import { type PersonRow, personsRepo as repo } from "./persons.repo.js";
import { restrictedError } from "./persons.service.js";

/** The requests module's port, as persons use it: it drafts, authorises (requests:draft) and audits the request. */
export interface PersonRequestsPort {
  create(
    ctx: Ctx,
    body: CreateRequestBody,
    link: { origin: { type: "person"; id: string }; subjectPerson: string },
  ): Promise<RequestDetail>;
  /** The requests among `ids` the caller's unit holds, each with the events of its life. */
  lifeOf(ctx: Ctx, ids: string[]): Promise<LinkedRequestLife[]>;
}

export interface PersonRequestsDeps {
  db: Db;
  accessLog: Pick<AccessLogService, "record">;
  /** The person if the caller may see them (persons visibility), else NOT_FOUND; logs nothing. */
  visible: (dbx: DbOrTx, ctx: Ctx, r: PersonRow | undefined) => Promise<PersonRow>;
  /** As `visible`, logging the read in the access log. */
  load: (ctx: Ctx, id: string) => Promise<PersonRow>;
}

/**
 * Requests started from a person record (issue 13: locate, provisional arrest, extradition, deportation,
 * identity check for repatriation), as from a fugitive's: the form prefilled from the record
 * (lib/request-prefill.ts), the request naming the record as its origin and its first subject linked to the
 * person (the link the person's page lists), and the person's page following each request's life.
 */
export function createPersonRequests(deps: PersonRequestsDeps, requests: PersonRequestsPort) {
  const { db, accessLog } = deps;

  async function prefill(ctx: Ctx, id: string, type: FugitiveRequestType) {
    requirePermission(ctx.actor, "persons:read");
    requirePermission(ctx.actor, "requests:draft");
    const p = await deps.load(ctx, id);
    return {
      personId: p.id,
      form: prefillRequestForm(
        {
          names: p.names,
          aliases: p.aliases,
          dateOfBirth: p.dateOfBirth,
          nationalities: p.nationalities,
          documents: p.documents,
          photos: 0,
        },
        type,
      ),
    };
  }

  async function draft(ctx: Ctx, id: string, body: CreateRequestBody): Promise<RequestDetail> {
    requirePermission(ctx.actor, "persons:read");
    requirePermission(ctx.actor, "requests:draft");
    const p = await deps.visible(db, ctx, await repo.find(db, id));
    assertRecordRequestType(body.form, "person");
    if (p.restrictedAt) throw restrictedError("params.id");
    return requests.create(ctx, body, { origin: { type: "person", id: p.id }, subjectPerson: p.id });
  }

  /** The requests naming the person that the caller's unit holds, newest first, each with its life. */
  async function linked(ctx: Ctx, id: string): Promise<PersonLinkedRequest[]> {
    requirePermission(ctx.actor, "persons:read");
    requirePermission(ctx.actor, "requests:read");
    const p = await deps.visible(db, ctx, await repo.find(db, id));
    const links = (await repo.linksOf(db, p.id)).filter((l) => l.recordType === "request");
    const life = await requests.lifeOf(
      ctx,
      links.map((l) => l.recordId),
    );
    await accessLog.record(
      db,
      ctx,
      life.map((r) => ({ action: "list", recordType: "request", recordId: r.id, personId: p.id })),
    );
    return life
      .map((r) => ({
        id: r.id,
        reference: r.reference,
        type: r.type,
        status: r.status,
        peerId: r.peerId,
        ordinal: links.find((l) => l.recordId === r.id)?.ordinal ?? null,
        fromRecord: r.origin?.type === "person" && r.origin.id === p.id,
        events: r.events.map((e) => ({ event: e.event, status: e.toStatus, at: e.at })),
      }))
      .sort((a, b) => (b.events[0]?.at ?? "").localeCompare(a.events[0]?.at ?? ""));
  }

  return { prefill, draft, linked };
}
