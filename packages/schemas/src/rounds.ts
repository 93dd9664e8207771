import { z } from "zod";
import { IsoDateTime, NodeId, TimeZone } from "./common.js";
import { ErrorDetail } from "./errors.js";

/**
 * Dialogue rounds, joint outcome lists and action plans (docs/rounds.md). A round is one document co-owned
 * by the two participating nodes: the host side writes its versions, the other side proposes changes
 * (each with the version it read); the host applies a proposal unless a field it touches changed since
 * that version to another value, in which case the proposal is kept as a conflict that both sides see.
 */

/** `rnd_` + a UUIDv7 (the same on both nodes; minted by the host). */
export const RoundId = z
  .string()
  .regex(/^rnd_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, {
    message: "a round id: rnd_ and a UUIDv7",
  });
/** Ids of things inside a round (agenda items, outcome lists and items, action items, conflicts). */
export const PartId = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, { message: "letters, digits, '_' and '-'" });

const Line = z.string().trim().max(500);
const Para = z.string().trim().max(8000);

/** A text in both languages; either may be empty while drafting (signing and action items need both). */
export const BiText = z.strictObject({ en: Para.default(""), zh: Para.default("") });
export type BiText = z.infer<typeof BiText>;
/** A short text in both languages (names, titles, cities). */
export const BiLine = z.strictObject({ en: Line.default(""), zh: Line.default("") });

export const CoChair = z.strictObject({
  node: NodeId,
  /** The name in its original script, e.g. 孟建柱. */
  nameOriginal: Line.min(1),
  nameRomanised: Line.min(1),
  title: BiLine,
});
export const DelegationMember = z.strictObject({
  nameOriginal: Line.min(1),
  nameRomanised: Line.default(""),
  title: BiLine.optional(),
});
export const Delegation = z.strictObject({
  node: NodeId,
  agencies: z
    .array(z.strictObject({ name: BiLine, members: z.array(DelegationMember).max(100).default([]) }))
    .max(50),
});
export const AgendaItem = z.strictObject({ id: PartId, title: BiLine });
export const RoundDocument = z.strictObject({
  id: z.string().max(80),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  name: z.string().max(255),
});

const ROUND_FIELDS = {
  number: z.number().int().min(1).max(1000),
  name: BiLine,
  /** Instants with their offset: a date without a time zone is refused. */
  startsAt: IsoDateTime,
  endsAt: IsoDateTime,
  /** The venue's time zone, for calendars and local times. */
  timeZone: TimeZone,
  city: BiLine,
  venue: BiLine,
  coChairs: z.array(CoChair).max(10),
  delegations: z.array(Delegation).max(10),
  agenda: z.array(AgendaItem).max(100),
  documents: z.array(RoundDocument).max(50),
  nextRound: z.strictObject({ startsAt: IsoDateTime, city: BiLine }).nullable(),
};
/** The round's own fields; each top-level field merges on its own (field-level versions). */
export const RoundFields = z.strictObject({
  ...ROUND_FIELDS,
  coChairs: ROUND_FIELDS.coChairs.default([]),
  delegations: ROUND_FIELDS.delegations.default([]),
  agenda: ROUND_FIELDS.agenda.default([]),
  documents: ROUND_FIELDS.documents.default([]),
  nextRound: ROUND_FIELDS.nextRound.default(null),
});
/** A change to some fields: no defaults here, a field left out is left as it is. */
export const RoundFieldsPatch = z.strictObject(ROUND_FIELDS).partial();
export type RoundFields = z.infer<typeof RoundFields>;
export const ROUND_FIELD_NAMES = Object.keys(RoundFields.shape) as (keyof RoundFields)[];

export const ACTION_STATUSES = ["planned", "in_progress", "done", "dropped"] as const;
export const ActionStatus = z.enum(ACTION_STATUSES);
export type ActionStatus = z.infer<typeof ActionStatus>;
export const OUTCOME_LIST_STATES = ["draft", "final"] as const;
export const CONFLICT_STATES = ["open", "accepted", "dismissed"] as const;

export const ActionFields = z.strictObject({
  text: BiText,
  ownerNode: NodeId,
  agency: Line.min(1),
  officer: Line.min(1),
  dueAt: IsoDateTime,
  status: ActionStatus,
});
export type ActionFields = z.infer<typeof ActionFields>;

/** The changes either side may make; each is applied by the host, in the order it receives them. */
export const RoundOp = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("round.set"), fields: RoundFieldsPatch }),
  z.strictObject({
    op: z.literal("outcome.list.create"),
    listId: PartId,
    /** A correction: the final list this one replaces (its items are copied as the starting draft). */
    replaces: PartId.nullable().default(null),
  }),
  z.strictObject({
    op: z.literal("outcome.item.put"),
    listId: PartId,
    itemId: PartId,
    en: Para.optional(),
    zh: Para.optional(),
  }),
  z.strictObject({ op: z.literal("outcome.item.remove"), listId: PartId, itemId: PartId }),
  z.strictObject({
    op: z.literal("outcome.item.comment"),
    listId: PartId,
    itemId: PartId,
    text: Para.min(1),
  }),
  z.strictObject({
    op: z.literal("outcome.sign"),
    listId: PartId,
    listVersion: z.number().int().min(1),
    /** JWS compact (EdDSA) over the canonical outcome document. */
    jws: z.string().max(200_000),
  }),
  z.strictObject({ op: z.literal("action.put"), itemId: PartId, fields: ActionFields.partial() }),
  z.strictObject({
    op: z.literal("action.progress"),
    itemId: PartId,
    at: IsoDateTime,
    note: BiText,
    status: ActionStatus.optional(),
  }),
  z.strictObject({
    op: z.literal("conflict.resolve"),
    conflictId: PartId,
    resolution: z.enum(["accept", "dismiss"]),
  }),
  /**
   * A document uploaded to the round (POST …/documents makes it: the bytes travel to the other side with the
   * change). Only appends, so it never conflicts; removing one is a `round.set` of `documents`.
   */
  z.strictObject({ op: z.literal("document.add"), document: RoundDocument }),
]);
export type RoundOp = z.infer<typeof RoundOp>;

const Who = z.strictObject({ node: NodeId, name: z.string().max(200) });
export const OutcomeItem = z.strictObject({
  id: PartId,
  n: z.number().int().min(1),
  en: z.string(),
  zh: z.string(),
  removed: z.boolean(),
  history: z.array(
    z.strictObject({
      listVersion: z.number().int(),
      en: z.string(),
      zh: z.string(),
      by: Who,
      at: z.string(),
    }),
  ),
  comments: z.array(z.strictObject({ by: Who, at: z.string(), text: z.string() })),
});
export type OutcomeItem = z.infer<typeof OutcomeItem>;
export const OutcomeSignature = z.strictObject({
  node: NodeId,
  kid: z.string(),
  listVersion: z.number().int(),
  jws: z.string(),
  signedAt: z.string(),
  /** SHA-256 of the signer's public key (hex), shown beside the signature. */
  keyFingerprint: z.string(),
});
export const OutcomeList = z.strictObject({
  id: PartId,
  /** 1 for the first list of a round, 2 for its first correction… */
  seq: z.number().int().min(1),
  replaces: PartId.nullable(),
  replacedBy: PartId.nullable(),
  state: z.enum(OUTCOME_LIST_STATES),
  /** +1 per wording change; a signature covers one version. */
  version: z.number().int().min(1),
  items: z.array(OutcomeItem),
  signatures: z.array(OutcomeSignature),
});
export type OutcomeList = z.infer<typeof OutcomeList>;
export const ActionItem = ActionFields.extend({
  id: PartId,
  updates: z.array(
    z.strictObject({
      at: z.string(),
      note: BiText,
      status: ActionStatus.optional(),
      by: Who,
    }),
  ),
});
export type ActionItem = z.infer<typeof ActionItem>;
/**
 * One reason a kept change could not apply: the refusal's error detail (its English `issue`, and when it is one
 * of ours its message key and parameters, so each reader sees it in their own language), without `allowed`.
 */
export const ConflictReason = z.strictObject(
  ErrorDetail.pick({ field: true, issue: true, key: true, params: true }).shape,
);
export type ConflictReason = z.infer<typeof ConflictReason>;
export const RoundConflict = z.strictObject({
  id: PartId,
  proposalId: z.string(),
  from: NodeId,
  base: z.number().int(),
  op: RoundOp,
  /** The fields that changed since `base` to another value, or the reason it could not apply. */
  fields: z.array(z.string()),
  /** The reasons in English, joined (conflicts kept before `reasons` existed have only this). */
  reason: z.string(),
  reasons: z.array(ConflictReason).max(50).optional(),
  state: z.enum(CONFLICT_STATES),
  at: z.string(),
});
export type RoundConflict = z.infer<typeof RoundConflict>;
/** What a history entry records: every change a round can take, its creation, and a change kept as a conflict. */
export const ROUND_CHANGE_OPS = [
  "round.create",
  "round.set",
  "outcome.list.create",
  "outcome.item.put",
  "outcome.item.remove",
  "outcome.item.comment",
  "outcome.sign",
  "action.put",
  "action.progress",
  "conflict.resolve",
  "document.add",
  "conflict",
] as const;
export const RoundChange = z.strictObject({
  version: z.number().int(),
  proposalId: z.string().nullable(),
  op: z.string(),
  /** The change in English (logs, scripts); entries written before `note` existed have only this. */
  summary: z.string(),
  /**
   * The same change as a message key and its parameters (`rounds.change.*` in issue-keys.ts), which each reader
   * sees in their own language (`issueText`).
   */
  note: z
    .strictObject({
      key: z.string().max(100),
      params: z.record(z.string(), z.union([z.string(), z.number()])),
    })
    .optional(),
  by: Who,
  at: z.string(),
});
export type RoundChange = z.infer<typeof RoundChange>;

/** The co-owned document: the same on both nodes at the same version. */
export const RoundDoc = z.strictObject({
  id: RoundId,
  hostNode: NodeId,
  guestNode: NodeId,
  version: z.number().int().min(1),
  fields: RoundFields,
  /** Field path → the version that last changed it (the field-level merge reads these). */
  fieldVersions: z.record(z.string(), z.number().int()),
  outcomeLists: z.array(OutcomeList),
  actionItems: z.array(ActionItem),
  conflicts: z.array(RoundConflict),
  history: z.array(RoundChange),
  /** The host's clock: shown, never compared. */
  updatedAt: z.string(),
});
export type RoundDoc = z.infer<typeof RoundDoc>;

// --- Messages between the two nodes -----------------------------------------------------------------------

export const ROUNDS_MSG = { state: "rounds.state", proposal: "rounds.proposal" } as const;
export const RoundStatePayload = z.object({ doc: RoundDoc });
export const RoundProposalPayload = z.object({
  roundId: RoundId,
  proposalId: z.string().min(1).max(80),
  base: z.number().int().min(1),
  op: RoundOp,
  by: Who,
});

// --- API --------------------------------------------------------------------------------------------------

export const CreateRoundBody = z.strictObject({ guestNode: NodeId, fields: RoundFields });
export type CreateRoundBody = z.infer<typeof CreateRoundBody>;
/** A change with the round version the caller read. */
export const RoundChangeBody = z.strictObject({ base: z.number().int().min(1), op: RoundOp });
export type RoundChangeBody = z.infer<typeof RoundChangeBody>;
export const PROPOSAL_STATES = ["pending", "applied", "conflict"] as const;
export const RoundProposalView = z.object({
  id: z.string(),
  base: z.number().int(),
  op: z.string(),
  state: z.enum(PROPOSAL_STATES),
  createdAt: z.string(),
});
export const RoundView = z.object({
  doc: RoundDoc,
  role: z.enum(["host", "guest"]),
  /** This node's proposals not yet answered by the host (guest side only). */
  pending: z.array(RoundProposalView),
});
export type RoundView = z.infer<typeof RoundView>;
export const RoundSummary = z.object({
  id: RoundId,
  hostNode: NodeId,
  guestNode: NodeId,
  version: z.number().int(),
  number: z.number().int(),
  name: BiLine,
  startsAt: z.string(),
  endsAt: z.string(),
  timeZone: z.string(),
  city: BiLine,
  openConflicts: z.number().int(),
  finalLists: z.number().int(),
  actionItems: z.number().int(),
});
/** A document for the round, base64 in JSON (agenda papers, the signed outcome's scan, a presentation). */
export const RoundDocumentUpload = z.strictObject({
  name: z.string().trim().min(1).max(255),
  contentBase64: z.string().min(1).max(26_000_000),
});
export type RoundDocumentUpload = z.infer<typeof RoundDocumentUpload>;

export const RoundChangeResult = z.object({
  round: RoundView,
  /** `applied` on the host; `pending` on the guest until the host answers. */
  outcome: z.enum(["applied", "pending"]),
  proposalId: z.string().nullable(),
});

/** The canonical document both nodes sign for an outcome list (canonical JSON of exactly this). */
export const OutcomeDocument = z.strictObject({
  type: z.literal("crossline.outcome-list"),
  roundId: RoundId,
  roundNumber: z.number().int(),
  roundName: z.strictObject({ en: z.string(), zh: z.string() }),
  hostNode: NodeId,
  guestNode: NodeId,
  listId: PartId,
  seq: z.number().int(),
  listVersion: z.number().int(),
  replaces: PartId.nullable(),
  items: z.array(z.strictObject({ n: z.number().int(), en: z.string(), zh: z.string() })),
});
export type OutcomeDocument = z.infer<typeof OutcomeDocument>;
export const OUTCOME_JWS_TYP = "crossline-outcome-list+jws";
/** The published export: the document, both signatures and the keys they were checked against. */
export const OutcomeExport = z.object({
  format: z.literal("crossline.outcome-list.export/1"),
  document: OutcomeDocument,
  canonical: z.string(),
  signatures: z.array(
    z.object({
      node: NodeId,
      kid: z.string(),
      jws: z.string(),
      signedAt: z.string(),
      keyFingerprint: z.string(),
      publicKey: z.object({
        kty: z.literal("OKP"),
        crv: z.literal("Ed25519"),
        x: z.string(),
        kid: z.string(),
      }),
    }),
  ),
});
export type OutcomeExport = z.infer<typeof OutcomeExport>;
export const SIGNATURE_CHECKS = ["valid", "bad_signature", "other_text", "unknown_key", "missing"] as const;
export const OutcomeVerification = z.object({
  valid: z.boolean(),
  final: z.boolean(),
  signatures: z.array(
    z.object({
      node: z.string(),
      kid: z.string(),
      keyFingerprint: z.string(),
      check: z.enum(SIGNATURE_CHECKS),
    }),
  ),
});
export type OutcomeVerification = z.infer<typeof OutcomeVerification>;

export const ActionBoardQuery = z.strictObject({
  roundId: RoundId.optional(),
  ownerNode: NodeId.optional(),
  status: ActionStatus.optional(),
  overdue: z.enum(["true", "false"]).optional(),
});
export const ActionBoardItem = ActionItem.extend({
  roundId: RoundId,
  roundNumber: z.number().int(),
  overdue: z.boolean(),
});
export const ActionSummary = z.object({
  roundId: RoundId,
  roundNumber: z.number().int(),
  bySide: z.array(
    z.object({
      node: NodeId,
      total: z.number().int(),
      planned: z.number().int(),
      in_progress: z.number().int(),
      done: z.number().int(),
      dropped: z.number().int(),
      overdue: z.number().int(),
    }),
  ),
});

// --- Progress report before a round -----------------------------------------------------------------------

/** The figures of the progress report, each labelled in both languages (labels.ts › progressFigure). */
export const PROGRESS_FIGURES = [
  "requests_sent",
  "requests_answered_in_time",
  "requests_answered_late",
  "requests_open_overdue",
  "hotline_tests",
  "hotline_tests_answered",
  "priority_cases_own",
  "priority_cases_received",
  "priority_cases_updated",
  "actions_done",
  "actions_late",
  "actions_open",
  "fugitives_returned",
  "assets_recovered",
  "repatriations",
] as const;
export type ProgressFigureKey = (typeof PROGRESS_FIGURES)[number];
export const PROGRESS_SECTIONS = [
  "requests",
  "hotline",
  "cases",
  "actions",
  "fugitives",
  "repatriation",
] as const;

export const ProgressQuery = z.strictObject({
  peer: NodeId,
  /** Days on this node's calendar, both included. */
  from: z.iso.date(),
  to: z.iso.date(),
});
export type ProgressQuery = z.infer<typeof ProgressQuery>;
export const ProgressFigure = z.object({
  section: z.enum(PROGRESS_SECTIONS),
  figure: z.enum(PROGRESS_FIGURES),
  /** What the figure is counted by: a request type, a side (node id); null for a total. */
  by: z.string().nullable(),
  /** null when this node keeps no records of the kind (the figure is "not recorded", not zero). */
  value: z.number().nullable(),
  /** The records behind the figure (request ids, ping ids, case ids, round/action ids), to trace it. */
  records: z.array(z.string()),
});
export type ProgressFigure = z.infer<typeof ProgressFigure>;
export const ProgressReport = z.object({
  format: z.literal("crossline.progress-report/1"),
  node: NodeId,
  peer: NodeId,
  from: z.string(),
  to: z.string(),
  generatedAt: z.string(),
  /** The median round trip of the answered hotline tests, in milliseconds. */
  hotlineMedianRttMs: z.number().nullable(),
  figures: z.array(ProgressFigure),
});
export type ProgressReport = z.infer<typeof ProgressReport>;
