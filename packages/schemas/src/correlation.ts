import { z } from "zod";

/** Correlation: identifiers the node holds, matched across records (hits) and found by one search box. */

export const CorrelationSearchQuery = z.strictObject({ q: z.string().trim().min(1).max(4096) });

const UnitRef = z.object({ id: z.string(), name: z.string(), nameZh: z.string().nullable() });

export const CorrelationSearchResult = z.object({
  /** How the query was read: its kind and canonical value (null when no normaliser accepts it). */
  query: z.object({ kind: z.string(), value: z.string() }).nullable(),
  /** Records of the caller's unit holding it (or, for a network or domain, something inside it). */
  mine: z.array(
    z.object({ recordType: z.string(), recordId: z.string(), kind: z.string(), value: z.string() }),
  ),
  /** Other units holding it: only that they do and whom to ask, never their records. */
  elsewhere: z.array(z.object({ recordType: z.string(), unit: UnitRef, count: z.number().int() })),
});
export type CorrelationSearchResult = z.infer<typeof CorrelationSearchResult>;

/** How two identifiers match: the same canonical value, or an address inside a network. */
export const HIT_MATCHES = ["exact", "network"] as const;

export const HitView = z.object({
  id: z.number().int(),
  kind: z.string(),
  value: z.string(),
  match: z.enum(HIT_MATCHES),
  mine: z.object({ recordType: z.string(), recordId: z.string() }),
  /** The other record: its id only when it is the caller's unit's too; otherwise its unit, to ask. */
  other: z.object({ recordType: z.string(), recordId: z.string().nullable(), unit: UnitRef }),
  createdAt: z.string(),
});
export type HitView = z.infer<typeof HitView>;

export const HitQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().min(1).optional(),
});
export const HitPage = z.object({ items: z.array(HitView), nextCursor: z.number().int().nullable() });
