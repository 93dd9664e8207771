import { createHmac } from "node:crypto";
import { TlpLevel } from "@crossline/schemas";
import { z } from "zod";
import { uuidv7 } from "../../crypto/ids.js";
import type { Db, DbOrTx } from "../../db/client.js";
import { type Actor, type Ctx, can, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { safeEqual } from "../../lib/secrets.js";
import type { AuditService } from "../audit/audit.service.js";
import { type CollectionRow, type IndicatorRow, indicatorsRepo as repo } from "./indicators.repo.js";
import type { IndicatorsService } from "./indicators.service.js";
import { type StixObject, stixIndicator } from "./indicators.stix.js";

/**
 * TAXII 2.1 (OASIS), served from the indicators store: discovery, one API root, the collections the
 * administrator configured (a feed per peer or of this node, and per TLP level), objects, manifest, versions
 * and status. Only what the token's user may see: the indicators of their unit, each in its latest version (a
 * withdrawn one's is revoked, added when it was withdrawn). Pages follow (date added, id); `next` is an
 * HMAC-signed cursor bound to the collection and the query.
 */

export const TAXII_MEDIA = "application/taxii+json;version=2.1";
export const STIX_MEDIA = "application/stix+json;version=2.1";
export const API_ROOT = "crossline";
const MAX_LIMIT = 1000;
const MAX_CONTENT = 64 * 1024 * 1024;

/** A TAXII error: the status and the fields of the TAXII error message resource. */
export class TaxiiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly title: string,
    readonly description?: string,
    readonly errorCode?: string,
  ) {
    super(title);
  }
}

export const CreateCollectionBody = z.strictObject({
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(1000).optional(),
  /** Only indicators owned by this node id (this node's own feed, or a peer's). */
  ownerNode: z
    .string()
    .regex(/^[A-Z0-9][A-Z0-9-]{1,31}$/)
    .optional(),
  tlp: z.array(TlpLevel).max(5).default([]),
  canWrite: z.boolean().default(false),
});
export type CreateCollectionBody = z.infer<typeof CreateCollectionBody>;

export interface ObjectsQuery {
  added_after?: string;
  limit?: string;
  next?: string;
  "match[id]"?: string;
  "match[type]"?: string;
  "match[version]"?: string;
  "match[spec_version]"?: string;
}

export interface TaxiiDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  nodeId: (dbx: DbOrTx) => Promise<string>;
  indicators: IndicatorsService;
  /** Key material for the cursor's HMAC (the node's master key). */
  secret: string;
}

const csv = (v: string | undefined) =>
  v
    ? v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

function timestamp(v: string, field: string): Date {
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(t))
    throw new TaxiiError(
      400,
      `${field} is not an RFC 3339 timestamp`,
      `got ${JSON.stringify(v.slice(0, 40))}`,
    );
  return new Date(t);
}

export function createTaxiiService(deps: TaxiiDeps) {
  const { db, clock, audit, nodeId, indicators } = deps;
  const key = createHmac("sha256", deps.secret).update("taxii-cursor").digest();
  const sign = (s: string) => createHmac("sha256", key).update(s).digest("base64url");

  function reader(actor: Actor): string {
    if (!can(actor, "sharing:read") || !actor.unitId)
      throw new TaxiiError(403, "this token may not read indicators", undefined, "FORBIDDEN");
    return actor.unitId;
  }

  async function collectionOf(id: string): Promise<CollectionRow> {
    const c = z.uuid().safeParse(id).success ? await repo.collection(db, id) : undefined;
    if (!c) throw new TaxiiError(404, "no such collection", `collection ${id.slice(0, 60)}`, "NOT_FOUND");
    return c;
  }

  const collectionView = (c: CollectionRow, actor: Actor) => ({
    id: c.id,
    title: c.title,
    ...(c.description ? { description: c.description } : {}),
    can_read: can(actor, "sharing:read") && actor.unitId !== null,
    can_write: c.canWrite && can(actor, "sharing:write") && actor.unitId !== null,
    media_types: [STIX_MEDIA],
  });

  function discovery(baseUrl: string) {
    return {
      title: "Crossline TAXII 2.1",
      description: "Indicators of this node and those its peers shared with it, per the caller's unit.",
      default: `${baseUrl}/taxii2/${API_ROOT}/`,
      api_roots: [`${baseUrl}/taxii2/${API_ROOT}/`],
    };
  }

  function apiRoot(root: string) {
    if (root !== API_ROOT) throw new TaxiiError(404, "no such API root", root.slice(0, 60), "NOT_FOUND");
    return {
      title: "Crossline indicators",
      description: "Indicator feeds per peer and per TLP level.",
      versions: [TAXII_MEDIA],
      max_content_length: MAX_CONTENT,
    };
  }

  async function collections(root: string, actor: Actor) {
    apiRoot(root);
    return { collections: (await repo.collections(db)).map((c) => collectionView(c, actor)) };
  }

  async function collection(root: string, actor: Actor, id: string) {
    apiRoot(root);
    return collectionView(await collectionOf(id), actor);
  }

  /** The cursor: where the last page ended, bound (signed) to the collection and the query's filters. */
  function encodeNext(bind: string, last: IndicatorRow): string {
    const body = Buffer.from(
      JSON.stringify({ b: bind, t: last.createdAt.toISOString(), i: last.id }),
    ).toString("base64url");
    return `${body}.${sign(body)}`;
  }

  function decodeNext(bind: string, next: string): { at: Date; id: string } {
    const bad = () =>
      new TaxiiError(
        400,
        "the next cursor is not valid",
        "use the `next` value of the previous page unchanged",
        "BAD_CURSOR",
      );
    const [body, mac] = next.split(".");
    if (!body || !mac || !safeEqual(mac, sign(body))) throw bad();
    try {
      const c = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as {
        b: string;
        t: string;
        i: string;
      };
      if (c.b !== bind) throw bad();
      return { at: new Date(c.t), id: c.i };
    } catch {
      throw bad();
    }
  }

  /** One page of a collection's indicators the reader may see (latest versions), with the date-added range. */
  async function page(root: string, actor: Actor, id: string, q: ObjectsQuery, objectId?: string) {
    apiRoot(root);
    const unitId = reader(actor);
    const c = await collectionOf(id);
    const limit = q.limit === undefined ? MAX_LIMIT : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new TaxiiError(400, "limit must be a positive whole number", undefined, "BAD_LIMIT");
    const types = csv(q["match[type]"]);
    const ids = objectId ? [objectId] : csv(q["match[id]"]);
    const specs = csv(q["match[spec_version]"]);
    const versions = csv(q["match[version]"]) ?? ["last"];
    for (const v of versions) if (!["last", "first", "all"].includes(v)) timestamp(v, "match[version]");
    const addedAfter = q.added_after ? timestamp(q.added_after, "added_after") : undefined;
    const bind = JSON.stringify([c.id, unitId, q.added_after, types, ids, specs, versions, objectId ?? null]);
    const after = q.next ? decodeNext(bind, q.next) : undefined;
    // Only indicators live here; a filter that admits none of them answers an empty page.
    const none = (types && !types.includes("indicator")) || (specs && !specs.includes("2.1"));
    const rows = none
      ? []
      : (
          await repo.feed(db, {
            unitIds: [unitId],
            ownerNode: c.ownerNode,
            tlp: c.tlp,
            addedAfter,
            stixIds: ids,
            after,
            limit: Math.min(limit, MAX_LIMIT) + 1,
          })
        ).filter((r) => {
          // Each indicator has one version here (its `modified`): first, last and all name it; a timestamp must equal it.
          const stamps = versions.filter((v) => !["last", "first", "all"].includes(v));
          return (
            stamps.length === 0 ||
            versions.length > stamps.length ||
            stamps.some((v) => Date.parse(v) === r.updatedAt.getTime())
          );
        });
    const pageRows = rows.slice(0, Math.min(limit, MAX_LIMIT));
    const more = rows.length > pageRows.length;
    return {
      rows: pageRows,
      more,
      next: more ? encodeNext(bind, pageRows[pageRows.length - 1]) : undefined,
      first: pageRows[0]?.createdAt,
      last: pageRows[pageRows.length - 1]?.createdAt,
    };
  }

  async function objects(root: string, actor: Actor, id: string, q: ObjectsQuery) {
    const p = await page(root, actor, id, q);
    return { ...p, body: envelope(p.rows.map(stixIndicator), p.more, p.next) };
  }

  async function object(root: string, actor: Actor, id: string, objectId: string, q: ObjectsQuery) {
    const p = await page(root, actor, id, q, objectId);
    if (!p.rows.length && !q.next)
      throw new TaxiiError(404, "no such object in this collection", objectId.slice(0, 80), "NOT_FOUND");
    return { ...p, body: envelope(p.rows.map(stixIndicator), p.more, p.next) };
  }

  async function manifest(root: string, actor: Actor, id: string, q: ObjectsQuery) {
    const p = await page(root, actor, id, q);
    return {
      ...p,
      body: {
        more: p.more,
        ...(p.next ? { next: p.next } : {}),
        ...(p.rows.length
          ? {
              objects: p.rows.map((r) => ({
                id: r.stixId,
                date_added: r.createdAt.toISOString(),
                version: r.updatedAt.toISOString(),
                media_type: STIX_MEDIA,
              })),
            }
          : {}),
      },
    };
  }

  async function versions(root: string, actor: Actor, id: string, objectId: string, q: ObjectsQuery) {
    const p = await page(root, actor, id, { ...q, "match[version]": "all" }, objectId);
    if (!p.rows.length)
      throw new TaxiiError(404, "no such object in this collection", objectId.slice(0, 80), "NOT_FOUND");
    return { ...p, body: { more: p.more, versions: p.rows.map((r) => r.updatedAt.toISOString()) } };
  }

  /** POST objects: the envelope's objects are imported into the caller's unit like a STIX bundle. */
  async function addObjects(root: string, ctx: Ctx, id: string, body: unknown, contentType: string) {
    apiRoot(root);
    const c = await collectionOf(id);
    if (!c.canWrite || !can(ctx.actor, "sharing:write") || !ctx.actor.unitId)
      throw new TaxiiError(
        403,
        "this collection does not accept objects from this token",
        undefined,
        "FORBIDDEN",
      );
    if (!contentType.startsWith("application/taxii+json"))
      throw new TaxiiError(
        415,
        "unsupported media type",
        `send Content-Type: ${TAXII_MEDIA}`,
        "UNSUPPORTED_MEDIA_TYPE",
      );
    const env = z
      .object({ objects: z.array(z.record(z.string(), z.unknown())).max(100_000) })
      .safeParse(body);
    if (!env.success)
      throw new TaxiiError(
        422,
        "the body is not a TAXII envelope",
        'expected { "objects": [ … ] }',
        "BAD_ENVELOPE",
      );
    const requestTimestamp = clock.now();
    const bundle = JSON.stringify({ type: "bundle", id: `bundle--${uuidv7()}`, objects: env.data.objects });
    const report = await indicators.importFile(
      ctx,
      { format: "stix", fileName: `taxii:${c.id}`, tlp: "AMBER" },
      (async function* () {
        yield bundle;
      })(),
    );
    const failedIds = new Set(report.problems.map((p) => p.objectId));
    const version = (o: Record<string, unknown>) => String(o.modified ?? o.created ?? "");
    const successes = env.data.objects
      .filter((o) => !failedIds.has(String(o.id)))
      .map((o) => ({ id: String(o.id), version: version(o) }));
    const failures = report.problems.map((p) => ({
      id: p.objectId ?? "",
      version: version(env.data.objects.find((o) => o.id === p.objectId) ?? {}),
      message: `${p.code}: ${p.issue}`,
    }));
    const statusId = uuidv7();
    await repo.insertStatus(db, {
      id: statusId,
      unitId: ctx.actor.unitId,
      userId: ctx.actor.userId,
      collectionId: c.id,
      status: "complete",
      total: env.data.objects.length,
      success: successes,
      failure: failures,
      requestTimestamp,
    });
    return statusView(await repo.status(db, statusId));
  }

  function statusView(s: Awaited<ReturnType<typeof repo.status>>) {
    if (!s) throw new TaxiiError(404, "no such status", undefined, "NOT_FOUND");
    return {
      id: s.id,
      status: s.status,
      request_timestamp: s.requestTimestamp.toISOString(),
      total_count: s.total,
      success_count: s.success.length,
      successes: s.success,
      failure_count: s.failure.length,
      failures: s.failure,
      pending_count: 0,
      pendings: [],
    };
  }

  async function status(root: string, actor: Actor, id: string) {
    apiRoot(root);
    const s = z.uuid().safeParse(id).success ? await repo.status(db, id) : undefined;
    // Another unit's status does not exist for this caller.
    if (!s || s.unitId !== actor.unitId) throw new TaxiiError(404, "no such status", undefined, "NOT_FOUND");
    return statusView(s);
  }

  async function createCollection(ctx: Ctx, body: CreateCollectionBody) {
    requirePermission(ctx.actor, "node:manage");
    const self = await nodeId(db);
    const row = await repo.insertCollection(db, {
      id: uuidv7(),
      title: body.title,
      description: body.description ?? null,
      ownerNode: body.ownerNode ?? null,
      tlp: body.tlp,
      canWrite: body.canWrite,
      createdAt: clock.now(),
    });
    await audit.recordAlone(ctx, {
      action: "taxii.collection.create",
      targetType: "taxii_collection",
      targetId: row.id,
      details: { title: row.title, ownerNode: row.ownerNode, self: row.ownerNode === self, tlp: row.tlp },
    });
    return adminView(row);
  }

  const adminView = (c: CollectionRow) => ({
    id: c.id,
    title: c.title,
    description: c.description,
    ownerNode: c.ownerNode,
    tlp: c.tlp as z.infer<typeof TlpLevel>[],
    canWrite: c.canWrite,
    url: `/taxii2/${API_ROOT}/collections/${c.id}/`,
  });

  async function listCollections(ctx: Ctx) {
    requirePermission(ctx.actor, "node:manage");
    return (await repo.collections(db)).map(adminView);
  }

  return {
    discovery,
    apiRoot,
    collections,
    collection,
    objects,
    object,
    manifest,
    versions,
    addObjects,
    status,
    createCollection,
    listCollections,
  };
}

function envelope(objects: StixObject[], more: boolean, next: string | undefined) {
  return { more, ...(next ? { next } : {}), ...(objects.length ? { objects } : {}) };
}

export type TaxiiService = ReturnType<typeof createTaxiiService>;
