import type { CreateRequestBody, RequestDetail } from "@crossline/schemas";
import { issue } from "@crossline/schemas";
import { inTransaction } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError } from "../../lib/errors.js";
import type { AssetsContext } from "./assets.context.js";
import { assetsRepo as repo } from "./assets.repo.js";

/** The request types that start from an asset (packages/schemas requests.ts). */
export const ASSET_REQUEST_TYPES = [
  "asset_tracing",
  "asset_freezing",
  "asset_confiscation",
  "asset_return",
] as const;
export type AssetRequestType = (typeof ASSET_REQUEST_TYPES)[number];

/** The requests module's port: it drafts, authorises (requests:draft) and audits the request itself. */
export interface AssetRequestsPort {
  create(
    ctx: Ctx,
    body: CreateRequestBody,
    link: { origin: { type: "asset"; id: string } },
  ): Promise<RequestDetail>;
}

/**
 * Requests started from an asset: the form is prefilled with the asset (`details.assets[0]`, naming its id);
 * the drafted request names the asset, and the asset keeps the request's id, so the link goes both ways.
 */
export function createAssetRequests(c: AssetsContext, requests: AssetRequestsPort) {
  const { deps, db } = c;

  async function prefill(ctx: Ctx, id: string, type: AssetRequestType) {
    requirePermission(ctx.actor, "fugitives:read");
    const a = await c.load(ctx, id);
    const minor = a.valueMinor !== null ? Number(a.valueMinor) : null;
    // The request's Money holds ISO 4217 amounts up to 2^53 minor units; a crypto value stays in the text.
    const money =
      minor !== null && /^[A-Z]{3}$/.test(a.currency) && Number.isSafeInteger(minor)
        ? { estimatedValue: { amountMinor: minor, currency: a.currency } }
        : {};
    return {
      assetId: a.id,
      type,
      details: {
        assets: [
          {
            assetId: a.id,
            kind: a.kind,
            description: {
              lang: a.description.lang,
              text: `${a.reference}: ${a.description.text}${a.location ? ` (${a.location})` : ""}`,
            },
            ...money,
            jurisdiction: a.jurisdiction,
            identifiers: [],
          },
        ],
      },
    };
  }

  async function draft(ctx: Ctx, id: string, body: CreateRequestBody): Promise<RequestDetail> {
    requirePermission(ctx.actor, "fugitives:write");
    await c.load(ctx, id);
    const form = body.form as { type: string; details?: { assets?: { assetId?: string }[] } };
    if (!(ASSET_REQUEST_TYPES as readonly string[]).includes(form.type))
      throw new AppError("VALIDATION_FAILED", [
        {
          field: "body.form.type",
          ...issue("requests.typeFromAsset", { types: ASSET_REQUEST_TYPES.join(", ") }),
        },
      ]);
    if (!form.details?.assets?.some((x) => x.assetId === id))
      throw new AppError("VALIDATION_FAILED", [
        { field: "body.form.details.assets", issue: "name this asset (its assetId) among the assets" },
      ]);
    const request = await requests.create(ctx, body, { origin: { type: "asset", id } });
    // The request names the asset already (details.assets[].assetId) and its origin; the asset now lists it.
    await inTransaction(db, async (tx) => {
      const a = await c.lock(tx, ctx, id);
      await repo.update(tx, id, { requestIds: [...a.requestIds, request.id] });
      await deps.audit.record(tx, ctx, {
        action: "asset.request",
        targetType: "asset",
        targetId: id,
        details: { requestId: request.id, type: form.type },
      });
    });
    return request;
  }

  return { prefill, draft };
}
