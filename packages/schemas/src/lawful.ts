import { z } from "zod";
import { Id, IsoDateTime, NodeId } from "./common.js";
import { zodIssue } from "./issue-keys.js";
import { LEGAL_INSTRUMENTS } from "./requests.js";
import { SharedObjectId } from "./shared-objects.js";

/**
 * Personal data: the legal basis and retention of every record that holds it, and the screening of what
 * leaves the node for lawful use (no political, military, religious or racial character: INTERPOL's
 * Article 3 test). One mechanism (apps/server/src/modules/lawful); each domain declares its record kinds.
 */

/** The kinds of record that hold personal data. A domain appends its kind here and registers it on the server. */
export const LAWFUL_KINDS = [
  "request",
  "shared_object",
  "case",
  "fugitive_entry",
  "person",
  "asset",
  "repatriation_case",
] as const;
export const LawfulKind = z.enum(LAWFUL_KINDS);
export type LawfulKind = z.infer<typeof LawfulKind>;

/** What happens to a record's personal data when its retention ends. Anonymisation keeps the statistics fields. */
export const ERASURE_ACTIONS = ["anonymise", "delete"] as const;
export const ErasureAction = z.enum(ERASURE_ACTIONS);
export type ErasureAction = z.infer<typeof ErasureAction>;

/** The characters an item is screened for (INTERPOL Constitution, Article 3). */
export const SCREENING_CHARACTERS = ["political", "military", "religious", "racial"] as const;
export const ScreeningCharacter = z.enum(SCREENING_CHARACTERS);
export type ScreeningCharacter = z.infer<typeof ScreeningCharacter>;

/**
 * The grounds a legal reviewer states for clearing or blocking an item, and a receiver for refusing one. A
 * closed list (counted in the reports) plus the reviewer's own text.
 */
export const LAWFUL_GROUNDS = [
  "ordinary_law_crime",
  "predominantly_ordinary_crime",
  "political_character",
  "military_character",
  "religious_character",
  "racial_character",
  "no_legal_basis",
  "disproportionate",
  "human_rights_risk",
  "other",
] as const;
export const LawfulGround = z.enum(LAWFUL_GROUNDS);
export type LawfulGround = z.infer<typeof LawfulGround>;

export const FLAG_STATES = ["flagged", "cleared", "blocked"] as const;
export const FlagState = z.enum(FLAG_STATES);
export type FlagState = z.infer<typeof FlagState>;

/** Why a record is on the retention dashboard. */
export const RETENTION_DUE = ["review", "deletion"] as const;
export const RetentionDue = z.enum(RETENTION_DUE);
export type RetentionDue = z.infer<typeof RetentionDue>;

const text = (max: number) => z.string().trim().min(1).max(max);
/** The record's id as its domain spells it (a uuid, so_<uuidv7>…). */
export const RecordId = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, - and _ only");

/** The legal basis of a record: a closed instrument, the article (free text) and, where needed, which text. */
export const LawfulBasis = z.strictObject({
  instrument: z.enum(LEGAL_INSTRUMENTS),
  article: text(100).optional(),
  reference: text(1000).optional(),
});
export type LawfulBasis = z.infer<typeof LawfulBasis>;

/** The node's retention policy for one kind of record. */
export const KindPolicy = z.strictObject({
  /** Years from the retention start (e.g. a request's closing) until its personal data is erased. */
  retentionYears: z.number().int().min(0).max(100),
  /** Months after which the basis of a record is reviewed (from its creation, then from each review). */
  reviewMonths: z.number().int().min(1).max(600),
  action: ErasureAction,
});
export type KindPolicy = z.infer<typeof KindPolicy>;

export const RetentionPolicy = z.strictObject({
  kinds: z.partialRecord(LawfulKind, KindPolicy),
  /** Shared objects: years from storage, per shared type (e.g. "indicator": 2); others use kinds.shared_object. */
  sharedTypes: z.record(z.string().max(64), z.number().int().min(0).max(100)),
});
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;

export const LawfulRecordView = z.object({
  kind: LawfulKind,
  recordId: z.string(),
  /** A short title from the record's domain (its reference and type), for lists. */
  title: z.string(),
  basis: LawfulBasis.nullable(),
  purpose: z.string(),
  /** The basis was migrated from before the mechanism existed and awaits a review. */
  pendingReview: z.boolean(),
  ownerUnitId: Id.nullable(),
  reviewAt: IsoDateTime.nullable(),
  retentionStart: IsoDateTime.nullable(),
  retainUntil: IsoDateTime.nullable(),
  action: ErasureAction,
  erasedAt: IsoDateTime.nullable(),
});
export type LawfulRecordView = z.infer<typeof LawfulRecordView>;

export const RetentionDueItem = z.object({
  kind: LawfulKind,
  recordId: z.string(),
  title: z.string(),
  due: RetentionDue,
  /** When it fell due (the review date or the retention end). */
  dueAt: IsoDateTime,
  action: ErasureAction,
  ownerUnitId: Id.nullable(),
  pendingReview: z.boolean(),
});
export type RetentionDueItem = z.infer<typeof RetentionDueItem>;

export const RetentionDueList = z.object({ items: z.array(RetentionDueItem), generatedAt: IsoDateTime });
export type RetentionDueList = z.infer<typeof RetentionDueList>;

export const RetentionQuery = z.strictObject({ due: RetentionDue.optional() });

/** A reviewer confirms (or restates) the basis and sets the next review date. */
export const ReviewBasisBody = z.strictObject({
  basis: LawfulBasis.optional(),
  purpose: text(500).optional(),
  /** The next review; default: now + the kind's review months. */
  reviewAt: IsoDateTime.optional(),
});

/** What a UUID column takes (any version: the domains' ids are v4 or v7). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The record id must be one its kind can have (a shared object's `so_<UUIDv7>`, else a UUID): a 400 naming the
 * field, where the domain's lookup of any other string in its UUID column failed the request with a 500.
 */
function recordIdOfItsKind(field: string) {
  return (v: { kind: LawfulKind } & Record<string, unknown>, ctx: z.RefinementCtx) => {
    const id = String(v[field]);
    const shared = v.kind === "shared_object";
    if (shared ? SharedObjectId.safeParse(id).success : UUID.test(id)) return;
    ctx.addIssue({
      code: "custom",
      path: [field],
      ...zodIssue(shared ? "lawful.recordIdShared" : "lawful.recordIdUuid"),
    });
  };
}

export const EraseBody = z.strictObject({
  /** Why now (shown in the audit trail). */
  note: text(1000).optional(),
});

export const RecordParams = z
  .strictObject({ kind: LawfulKind, id: RecordId })
  .superRefine(recordIdOfItsKind("id"));

// ---------------------------------------------------------------------------------------------------
// Screening

export const FlagBody = z
  .strictObject({
    kind: LawfulKind,
    recordId: RecordId,
    characters: z.array(ScreeningCharacter).min(1).max(4),
    note: text(2000),
  })
  .superRefine(recordIdOfItsKind("recordId"));

export const DecisionBody = z.strictObject({
  decision: z.enum(["clear", "block"]),
  ground: LawfulGround,
  text: text(4000),
});

export const RefuseBody = z
  .strictObject({
    kind: LawfulKind,
    recordId: RecordId,
    ground: LawfulGround,
    text: text(4000),
  })
  .superRefine(recordIdOfItsKind("recordId"));

export const FlagView = z.object({
  id: Id,
  kind: LawfulKind,
  recordId: z.string(),
  title: z.string(),
  ownerUnitId: Id.nullable(),
  state: FlagState,
  characters: z.array(ScreeningCharacter),
  note: z.string(),
  flaggedBy: z.string(),
  flaggedAt: IsoDateTime,
  ground: LawfulGround.nullable(),
  groundText: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: IsoDateTime.nullable(),
});
export type FlagView = z.infer<typeof FlagView>;

export const RefusalView = z.object({
  id: Id,
  kind: LawfulKind,
  recordId: z.string(),
  /** sent: this node refused the peer's item; received: the peer refused this node's item. */
  direction: z.enum(["sent", "received"]),
  peerId: z.string(),
  ground: LawfulGround,
  text: z.string(),
  by: z.string(),
  at: IsoDateTime,
});
export type RefusalView = z.infer<typeof RefusalView>;

export const FlagQuery = z.strictObject({ state: FlagState.optional() });

/** What the console shows on a record's page: its basis and retention, its screening and refusals. */
export const LawfulStatus = z.object({
  record: LawfulRecordView.nullable(),
  flags: z.array(FlagView),
  refusals: z.array(RefusalView),
  /** Whether the item may leave the node now (no open or blocking flag). */
  releasable: z.boolean(),
});
export type LawfulStatus = z.infer<typeof LawfulStatus>;

/** The screening figures of the reports: flags decided and refusals, per ground. */
export const ScreeningCounts = z.object({
  rows: z.array(
    z.object({
      ground: LawfulGround,
      cleared: z.number().int(),
      blocked: z.number().int(),
      refusedSent: z.number().int(),
      refusedReceived: z.number().int(),
    }),
  ),
  openFlags: z.number().int(),
});
export type ScreeningCounts = z.infer<typeof ScreeningCounts>;

/** The wire payload of a refusal on lawful grounds, back to the node that sent the item. */
export const LAWFUL_MSG = { refused: "lawful.refused" } as const;
export const LawfulRefusedPayload = z
  .strictObject({
    kind: LawfulKind,
    recordId: RecordId,
    ground: LawfulGround,
    text: text(4000),
    by: text(200),
    at: IsoDateTime,
    refusingNode: NodeId,
  })
  .superRefine(recordIdOfItsKind("recordId"));
export type LawfulRefusedPayload = z.infer<typeof LawfulRefusedPayload>;
