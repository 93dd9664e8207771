import { AssetContent, STAGE_RANK } from "@crossline/schemas";
import type { Tx } from "../../db/client.js";
import { defineSharedType, type ReceivedCopy } from "../shared-objects/shared-objects.types.js";

export const ASSET_TYPE = "asset";

/**
 * An asset shared with peers: a shared object of type `asset`. Its content may name the holder (personal data:
 * the access log and the retention policy apply). The receiver projects it into asset_copies (`onReceived`).
 */
export function assetType(onReceived: (tx: Tx, copy: ReceivedCopy) => Promise<void>) {
  return defineSharedType({
    type: ASSET_TYPE,
    version: 1,
    schema: AssetContent,
    personalData: { fields: ["holder"] },
    // The owner's own rules hold on the wire too: the currency stays, stages only go forward.
    validateUpdate: (prev, next) => [
      ...(prev.currency !== next.currency ? [{ field: "currency", issue: "the currency stays" }] : []),
      ...(STAGE_RANK[next.stage] < STAGE_RANK[prev.stage]
        ? [{ field: "stage", issue: "a stage may not go back" }]
        : []),
      ...(next.stages.length < prev.stages.length
        ? [{ field: "stages", issue: "stage entries are never removed" }]
        : []),
    ],
    onReceived,
  });
}
