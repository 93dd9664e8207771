import {
  type CreateRequestBody,
  FUGITIVE_REQUEST_TYPES,
  type FugitiveDetail,
  type FugitiveRequestType,
  type RequestDetail,
} from "@crossline/schemas";
import type { Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError } from "../../lib/errors.js";
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
      within: (tx: Tx, r: { id: string; reference: string; type: string }) => Promise<void>;
    },
  ): Promise<RequestDetail>;
  /** The requests among `ids` the caller may see, each with the events of its life. */
  lifeOf(
    ctx: Ctx,
    ids: string[],
  ): Promise<
    {
      id: string;
      reference: string;
      type: string;
      status: string;
      peerId: string | null;
      events: { event: string; toStatus: string; at: string }[];
    }[]
  >;
}

type Text = { lang: "en" | "zh-CN"; text: string };
/** Chinese characters in a free text make it Chinese; anything else is taken as English. */
const text = (t: string): Text => ({ lang: /[\u3400-\u9fff]/.test(t) ? "zh-CN" : "en", text: t });

/** What a request drafted from the record starts with: the subject, the warrant, the charges, where they are. */
export function prefillOf(f: FugitiveRow, type: FugitiveRequestType, photos: number) {
  const x = f.fields;
  const subject = {
    kind: "person" as const,
    role: "suspect" as const,
    names: [...x.names, ...x.aliases]
      .slice(0, 20)
      .map((n) => ({ original: n.original, ...(n.romanised ? { romanised: n.romanised } : {}) })),
    ...(x.dateOfBirth ? { dateOfBirth: x.dateOfBirth } : {}),
    ...(x.nationalities[0] ? { nationality: x.nationalities[0] } : {}),
    // A request's subject has one nationality: the others are said in its notes.
    ...(x.nationalities.length > 1
      ? { notes: text(`Nationalities: ${x.nationalities.join(", ")} (${f.reference})`) }
      : {}),
  };
  const w = x.warrants[0];
  const warrant = w ? { warrant: { issuedBy: w.authority, date: w.date, reference: w.number } } : {};
  const charges = x.charges.map((ch) => ({
    description: text(ch.offence ?? `${ch.law}, ${ch.article}`),
    provisions: `${ch.law}, ${ch.article}`,
  }));
  const where = x.whereabouts
    .map((p) => `${[p.place, p.country].filter(Boolean).join(", ")}${p.since ? ` (since ${p.since})` : ""}`)
    .join("; ");
  const notice = x.notices[0];
  const details = (() => {
    switch (type) {
      case "fugitive_locate":
        return {
          subjectIndex: 0,
          ...warrant,
          ...(notice ? { noticeReference: `INTERPOL ${notice.kind}: ${notice.reference}` } : {}),
          ...(where ? { suspectedWhereabouts: text(where) } : {}),
          onLocation: "inform_only",
        };
      case "provisional_arrest":
        return {
          subjectIndex: 0,
          ...warrant,
          charges,
          ...(where ? { whereabouts: text(where) } : {}),
          extraditionToFollow: true,
        };
      case "extradition":
        return { subjectIndex: 0, ...warrant, charges };
      case "deportation":
        return {
          subjectIndex: 0,
          ...(where ? { whereabouts: text(where) } : {}),
          ...warrant,
          travelDocumentOffered: false,
        };
      case "repatriation_identity_check":
        return {
          subjectIndex: 0,
          documents: x.documents.slice(0, 10).map((d) => ({
            kind: d.kind,
            ...(d.number ? { number: d.number } : {}),
            ...(d.issuingCountry ? { issuingCountry: d.issuingCountry } : {}),
          })),
          fingerprintsAvailable: false,
          photoAvailable: photos > 0,
          travelDocumentRequested: true,
        };
    }
  })();
  const provisions = charges.map((c) => c.provisions).join("; ");
  return {
    type,
    subjects: [subject],
    ...(provisions ? { offence: { provisions: provisions.slice(0, 1000) } } : {}),
    details,
  };
}

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
    const form = body.form as { type: string };
    if (!(FUGITIVE_REQUEST_TYPES as readonly string[]).includes(form.type))
      throw new AppError("VALIDATION_FAILED", [
        { field: "body.form.type", issue: `from a fugitive: one of ${FUGITIVE_REQUEST_TYPES.join(", ")}` },
      ]);
    if (f.status === "returned")
      throw new AppError("CONFLICT", [{ issue: "the fugitive has returned: the record is closed" }]);
    return requests.create(ctx, body, {
      origin: { type: "fugitive", id },
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
