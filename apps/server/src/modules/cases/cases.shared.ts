import { CaseSummaryContent } from "@crossline/schemas";
import { defineSharedType } from "../shared-objects/shared-objects.types.js";

/**
 * The summary of a priority case, shared with peers: a shared object of type `case.summary`. It carries no
 * subjects, identifiers or evidence (those stay in the case file), so it declares no personal-data fields.
 * The marking travels with it and the receiving node enforces it (modules/shared-objects).
 */
export const caseSummaryType = defineSharedType({
  type: "case.summary",
  version: 1,
  schema: CaseSummaryContent,
  validateUpdate: (prev, next) =>
    prev.reference !== next.reference
      ? [{ field: "reference", issue: "a case summary keeps its case's reference" }]
      : [],
});
