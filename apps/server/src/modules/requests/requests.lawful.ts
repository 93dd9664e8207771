import type { DbOrTx, Tx } from "../../db/client.js";
import { can } from "../../lib/actor.js";
import type { BlobPort } from "../federation/federation.directory.js";
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
 * Every attachment id named anywhere in these values (a form, an answer, an event's data, a thread message's
 * list): any object with a UUID `id`, a SHA-256 and a size is a reference, wherever a schema put it.
 */
export function attachmentIdsIn(values: readonly unknown[]): string[] {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const ids = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!v || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    if (
      typeof o.id === "string" &&
      uuid.test(o.id) &&
      typeof o.sha256 === "string" &&
      /^[0-9a-f]{64}$/.test(o.sha256) &&
      typeof o.size === "number"
    ) {
      ids.add(o.id);
    }
    for (const x of Object.values(o)) walk(x);
  };
  walk(values);
  return [...ids].sort();
}

export interface RequestLawfulDeps {
  /** Federation's blob port: the bytes of an anonymised request's attachments go with its texts. */
  blobs: Pick<BlobPort, "eraseBlobs">;
  /** This node's id: the origin of the files uploaded here. */
  nodeId(dbx: DbOrTx): Promise<string>;
}

/** What an erasure did to a request's files, as its audit entry records it. */
export interface RequestFilesErased {
  /** Attachments whose bytes were deleted (uploaded here, or received from the peer). */
  attachments: string[];
  /** Kept because an envelope still waiting for delivery carries them; erased once it has left. */
  kept: string[];
  /** Named by another request too (one upload attached to both): its bytes stay for it. */
  namedByAnotherRequest?: string[];
}

/**
 * Requests as a kind of record holding personal data (the lawful module): the retention runs from the
 * request's closing or withdrawal; at its end the request is anonymised (the statistics fields stay) and the
 * bytes of its attachments are erased; a peer may refuse an incoming request on lawful grounds, and this node's
 * drafters may flag their outgoing ones.
 */
export function requestLawfulKind(deps: RequestLawfulDeps): LawfulKindDef {
  /**
   * The attachments the request names (form, answer, events, thread), read before its texts go: federation
   * blobs of this node (uploaded here) or of the peer (received with its messages), erased through the blob
   * port in the erasure's transaction, except those another request still names.
   */
  async function eraseFiles(
    tx: Tx,
    id: string,
    named: { peerId: string | null; values: unknown[] },
  ): Promise<RequestFilesErased> {
    const ids = attachmentIdsIn(named.values);
    const elsewhere = new Set(await repo.attachmentsNamedElsewhere(tx, id, ids, ERASED));
    const files: RequestFilesErased = { attachments: [], kept: [] };
    const origins = [await deps.nodeId(tx), ...(named.peerId ? [named.peerId] : [])];
    for (const origin of origins) {
      const r = await deps.blobs.eraseBlobs(
        tx,
        origin,
        ids.filter((x) => !elsewhere.has(x)),
      );
      files.attachments.push(...r.erased);
      files.kept.push(...r.kept);
    }
    files.attachments.sort();
    files.kept.sort();
    if (elsewhere.size) files.namedByAnotherRequest = [...elsewhere].sort();
    return files;
  }

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
      const named = await repo.attachmentHolders(tx, id);
      // Requests are only ever anonymised: the reports keep counting them (the law keeps the statistics).
      await repo.anonymiseRequest(tx, id, eraseTexts, { lang: "en", text: ERASED });
      return {
        action,
        anonymised: action !== "delete" ? true : "anonymised (requests keep their statistics)",
        ...(named ? { files: await eraseFiles(tx, id, named) } : {}),
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
