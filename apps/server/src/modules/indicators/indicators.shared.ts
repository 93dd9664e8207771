import { IdentifierType, IndicatorSetContent, IsoDateTime, LabelledText } from "@crossline/schemas";
import { z } from "zod";
import { defineSharedType, type SharedTypeDef } from "../shared-objects/shared-objects.types.js";

/**
 * Indicators (a malicious IP address, a phishing domain, a wallet, a malware hash…) are shared objects: this
 * declaration is all the indicators domain adds to the common mechanism (ids, versions, markings, fan-out,
 * tombstones, receiver rules, API and audit come from modules/shared-objects).
 */
export const IndicatorContent = z.strictObject({
  kind: IdentifierType,
  value: z.string().trim().min(1).max(2048),
  description: LabelledText.optional(),
  firstSeen: IsoDateTime.optional(),
  lastSeen: IsoDateTime.optional(),
  tags: z.array(z.string().trim().min(1).max(64)).max(32).optional(),
});

export const indicatorType = defineSharedType({
  type: "indicator",
  version: 1,
  schema: IndicatorContent,
  // An e-mail address, a phone number or an account name identifies a person.
  personalData: { fields: ["value"] },
  validateUpdate: (prev, next) =>
    prev.kind !== next.kind
      ? [{ field: "kind", issue: "an indicator keeps its kind: withdraw it and publish another" }]
      : [],
});

/**
 * A batch of indicators (at most INDICATOR_BATCH_MAX): how the indicators store shares SETS with peers, one
 * federation message per batch rather than one per indicator. Withdrawing one indicator is a new version of
 * its batch without it; withdrawing the last one withdraws the batch. The receiver projects each version into
 * its own indicators store (`onReceived`, in the inbox transaction), so searches and the TAXII feed follow.
 */
export function indicatorSetType(onReceived: NonNullable<SharedTypeDef["onReceived"]>) {
  return defineSharedType({
    type: "indicator.set",
    version: 1,
    schema: IndicatorSetContent,
    // E-mail addresses and phone numbers in a batch identify people.
    personalData: { fields: ["indicators"] },
    onReceived,
  });
}
