import { FugitiveEntryContent } from "@crossline/schemas";
import type { Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import { defineSharedType, type ReceivedCopy } from "../shared-objects/shared-objects.types.js";

export const FUGITIVE_ENTRY_TYPE = "fugitive.entry";

/**
 * An entry of a published list of fugitives: a shared object of type `fugitive.entry`, one per person on the
 * list. Its content names a person (`fields`), so reads go to the access log and the retention policy applies.
 * The receiver projects it into its fugitive_copies table (`onReceived`), read-only with the owner's version.
 */
export function fugitiveEntryType(onReceived: (tx: Tx, copy: ReceivedCopy, ctx: Ctx) => Promise<void>) {
  return defineSharedType({
    type: FUGITIVE_ENTRY_TYPE,
    version: 1,
    schema: FugitiveEntryContent,
    personalData: { fields: ["fields"] },
    validateUpdate: (prev, next) => [
      ...(prev.list.id !== next.list.id ? [{ field: "list", issue: "an entry stays on its list" }] : []),
      ...(prev.returned && !next.returned ? [{ field: "returned", issue: "a return is final" }] : []),
    ],
    onReceived,
    // The photos' bytes go with each version of the entry (federation attachments).
    attachments: (content) =>
      ((content as FugitiveEntryContent).photos ?? []).map((p) => ({
        id: p.id,
        sha256: p.sha256,
        size: p.size,
        name: p.name,
      })),
  });
}
