import type { DbOrTx } from "../../db/client.js";
import { requestsChangedSince } from "./requests.repo.js";

/**
 * The narrow port through which other modules (correlation) read the identifiers of requests in both
 * directions, without querying the requests tables: requests changed since a point, oldest first.
 */
export interface RequestIdentifierSource {
  changedSince(
    dbx: DbOrTx,
    after: { at: Date; id: string } | null,
    limit: number,
  ): Promise<
    { id: string; ownerUnitId: string; updatedAt: Date; identifiers: { type: string; value: string }[] }[]
  >;
}

export const requestIdentifierSource: RequestIdentifierSource = { changedSince: requestsChangedSince };
