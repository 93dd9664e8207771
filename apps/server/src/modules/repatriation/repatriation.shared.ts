import { RepatriationCaseContent, RepatriationProposal } from "@crossline/schemas";
import type { Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import {
  defineSharedType,
  type ReceivedCopy,
  type ReceivedProposal,
} from "../shared-objects/shared-objects.types.js";

export const REPATRIATION_CASE_TYPE = "repatriation.case";

/**
 * A repatriation case as both sides see it: a shared object of type `repatriation.case` owned by the side that
 * opened it and sent to the side asked to verify. Its content names a person (`person`), so reads go to the
 * access log and the retention policy applies. Steps only grow and keep their order: an update that drops or
 * rewrites one is refused. The receiver projects it into its repatriation_cases table (`onReceived`). The side
 * asked to verify records the verification answer and the travel document on its copy as proposals
 * (`RepatriationProposal`), which the owner applies as its own next version (`onProposal`).
 */
export function repatriationCaseType(
  onReceived: (tx: Tx, copy: ReceivedCopy) => Promise<void>,
  onProposal: (tx: Tx, ctx: Ctx, proposal: ReceivedProposal) => Promise<void>,
) {
  return defineSharedType({
    type: REPATRIATION_CASE_TYPE,
    version: 1,
    schema: RepatriationCaseContent,
    personalData: { fields: ["person"] },
    validateUpdate: (prev, next) => [
      ...(prev.reference !== next.reference
        ? [{ field: "reference", issue: "a case keeps its reference" }]
        : []),
      ...(next.steps.length < prev.steps.length ||
      prev.steps.some((s, i) => next.steps[i]?.kind !== s.kind || next.steps[i]?.at !== s.at)
        ? [{ field: "steps", issue: "steps recorded are kept as they are" }]
        : []),
    ],
    onReceived,
    proposals: { schema: RepatriationProposal, onProposal },
  });
}
