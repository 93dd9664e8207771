import { IdentifierType, IsoDateTime, LabelledText } from "@crossline/schemas";
import { z } from "zod";
import { defineSharedType } from "../shared-objects/shared-objects.types.js";

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
