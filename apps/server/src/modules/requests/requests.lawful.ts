import { can } from "../../lib/actor.js";
import type { LawfulKindDef } from "../lawful/lawful.types.js";
import * as repo from "./requests.repo.js";

/** What replaces every text of an anonymised request. */
export const ERASED = "[erased]";

/**
 * The fields an anonymised request keeps as they are: enumerated values the statistics and the views read
 * (type, urgency, outcome, codes, languages…), never a free text or a name.
 */
const KEEP = new Set([
  "type",
  "urgency",
  "outcome",
  "code",
  "lang",
  "instrument",
  "category",
  "kind",
  "role",
  "mode",
  "method",
  "result",
  "status",
  "harm",
  "actions",
  "dataKinds",
  "onLocation",
]);

/** Replaces every string (and string in an array) by ERASED, except under the keys in KEEP; ids of attachments stay. */
export function eraseTexts<T>(value: T, keep = false): T {
  if (typeof value === "string") return (keep ? value : ERASED) as T;
  if (Array.isArray(value)) return value.map((v) => eraseTexts(v, keep)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        k === "id" || k === "sha256" || k === "followUpOf" || k === "subjectIndex"
          ? v
          : eraseTexts(v, KEEP.has(k)),
      ]),
    ) as T;
  }
  return value;
}

/**
 * Requests as a kind of record holding personal data (the lawful module): the retention runs from the
 * request's closing or withdrawal; at its end the request is anonymised (the statistics fields stay); a peer
 * may refuse an incoming request on lawful grounds, and this node's drafters may flag their outgoing ones.
 */
export function requestLawfulKind(): LawfulKindDef {
  return {
    kind: "request",
    personRecordType: "request",
    permissions: { read: "requests:read", flag: "requests:draft", refuse: "requests:answer" },
    async describe(dbx, ids) {
      const rows = await repo.requestsByIds(dbx, ids);
      return new Map(
        rows.map((r) => [r.id, { title: `${r.reference} · ${r.title}`, ownerUnitId: r.ownerUnitId }]),
      );
    },
    async visible(dbx, ctx, id) {
      if (!can(ctx.actor, "requests:read")) return false;
      const [r] = await repo.requestsByIds(dbx, [id]);
      return !!r && ctx.actor.unitId !== null && r.ownerUnitId === ctx.actor.unitId;
    },
    async retentionStart(dbx, ids) {
      const rows = await repo.requestsByIds(dbx, ids);
      return new Map(rows.map((r) => [r.id, r.closedAt ?? r.withdrawnAt ?? null]));
    },
    async erase(tx, _ctx, id, action) {
      // Requests are only ever anonymised: the reports keep counting them (the law keeps the statistics).
      await repo.anonymiseRequest(tx, id, eraseTexts, { lang: "en", text: ERASED });
      return {
        action,
        anonymised: action !== "delete" ? true : "anonymised (requests keep their statistics)",
      };
    },
    async senderOf(dbx, id) {
      const [r] = await repo.requestsByIds(dbx, [id]);
      return r?.direction === "incoming" ? r.peerId : null;
    },
    async sentTo(dbx, id, peerId) {
      const [r] = await repo.requestsByIds(dbx, [id]);
      return !!r && r.direction === "outgoing" && r.peerId === peerId && r.sentAt !== null;
    },
  };
}
