import { z } from "zod";
import { Id, IsoDateTime, LabelledText, NodeId } from "./common.js";
import { CountryCode } from "./identifiers.js";
import { Marking } from "./markings.js";
import { Sex } from "./persons.js";
import { LegalBasis, PartialDate, PersonName } from "./requests.js";
import { SharedObjectId } from "./shared-objects.js";

/**
 * Repatriation: one case per person to be returned to the country of which they are said to be a national.
 * The steps, always in this order: the identity-verification request, its answer (verified / not a national /
 * cannot verify, with grounds), the travel document (due a node-policy number of days after verification,
 * 30 by default), the transfer, the arrival. The case is owned by one unit of one node and shared with the
 * peer as a `repatriation.case` shared object, so both sides see the same steps. See docs/repatriation.md.
 */

const str = (max: number) => z.string().trim().min(1).max(max);

/** Where a case stands: the step it waits for, or how it ended. */
export const REPATRIATION_STATUSES = [
  "awaiting_verification",
  "awaiting_document",
  "awaiting_transfer",
  "in_transfer",
  "arrived",
  "not_verified",
] as const;
export const RepatriationStatus = z.enum(REPATRIATION_STATUSES);
export type RepatriationStatus = z.infer<typeof RepatriationStatus>;

/** The steps of a case, in the only order they may be recorded. */
export const REPATRIATION_STEPS = [
  "verification_requested",
  "verification_answered",
  "document_issued",
  "transferred",
  "arrived",
] as const;
export const RepatriationStepKind = z.enum(REPATRIATION_STEPS);
export type RepatriationStepKind = z.infer<typeof RepatriationStepKind>;

/** The answer to an identity-verification request. */
export const VERIFICATION_OUTCOMES = ["verified", "not_national", "cannot_verify"] as const;
export const VerificationOutcome = z.enum(VERIFICATION_OUTCOMES);
export type VerificationOutcome = z.infer<typeof VerificationOutcome>;

/** Travel documents issued for a return. */
export const TRAVEL_DOCUMENT_KINDS = ["passport", "travel_permit", "return_certificate", "other"] as const;
export const TravelDocumentKind = z.enum(TRAVEL_DOCUMENT_KINDS);
export type TravelDocumentKind = z.infer<typeof TravelDocumentKind>;

/** What the board waits for on a case. */
export const REPATRIATION_PENDING = ["verification", "document"] as const;
export type RepatriationPending = (typeof REPATRIATION_PENDING)[number];

/** The node's policy: days allowed for the verification answer and for the travel document. */
export const RepatriationPolicy = z.strictObject({
  verificationDays: z.number().int().min(1).max(366),
  documentDays: z.number().int().min(1).max(366),
});
export type RepatriationPolicy = z.infer<typeof RepatriationPolicy>;
export const DEFAULT_REPATRIATION_POLICY: RepatriationPolicy = { verificationDays: 30, documentDays: 30 };

export const RepatriationPerson = z.strictObject({
  /** The first is the main name; a name in a non-Latin script carries its romanised form. */
  names: z.array(PersonName).min(1).max(10),
  sex: Sex.optional(),
  dateOfBirth: PartialDate.optional(),
  /** The nationality claimed, to be verified. */
  nationality: CountryCode,
  /** Where the person is held or lives now. */
  whereabouts: str(300).optional(),
});
export type RepatriationPerson = z.infer<typeof RepatriationPerson>;

export const CreateRepatriationBody = z
  .strictObject({
    person: RepatriationPerson,
    legalBasis: LegalBasis,
    purpose: str(500).optional(),
    /** The side asked to verify the identity (an active peer); the case is shared with it under `marking`. */
    peer: NodeId.optional(),
    marking: Marking.optional(),
    /** The identity-check request for assistance (type repatriation_identity_check) of this unit, if one was sent. */
    requestId: Id.optional(),
    /** When the verification was asked for (instant with its offset). */
    requestedAt: IsoDateTime,
    note: LabelledText.optional(),
  })
  .refine((b) => !b.peer || b.marking, { message: "required when the case is shared", path: ["marking"] });
export type CreateRepatriationBody = z.infer<typeof CreateRepatriationBody>;

const Version = z.number().int().min(1);

export const VerificationAnswerBody = z
  .strictObject({
    version: Version,
    outcome: VerificationOutcome,
    at: IsoDateTime,
    /** Required unless the identity was verified. */
    grounds: LabelledText.optional(),
  })
  .refine((b) => b.outcome === "verified" || (b.grounds && b.grounds.text.trim().length > 0), {
    message: "give the grounds when the identity is not verified",
    path: ["grounds"],
  });
export type VerificationAnswerBody = z.infer<typeof VerificationAnswerBody>;

export const DocumentFile = z.strictObject({
  name: str(255),
  /** The scanned document, base64 (standard alphabet). */
  contentBase64: z.string().min(1).max(20_000_000),
});

export const DocumentBody = z
  .strictObject({
    version: Version,
    at: IsoDateTime,
    kind: TravelDocumentKind,
    number: str(64),
    issuedBy: str(300).optional(),
    /** The last day it is valid (YYYY-MM-DD). */
    validUntil: z.iso.date(),
    file: DocumentFile.optional(),
  })
  .refine((b) => b.validUntil >= b.at.slice(0, 10), {
    message: "the document must be valid after it is issued",
    path: ["validUntil"],
  });
export type DocumentBody = z.infer<typeof DocumentBody>;

export const TransferBody = z.strictObject({
  version: Version,
  at: IsoDateTime,
  from: str(300),
  to: str(300),
  escorts: z.array(str(200)).max(20).default([]),
  /** Flight or vessel. */
  carrier: str(100).optional(),
});
export type TransferBody = z.infer<typeof TransferBody>;

export const ArrivalBody = z.strictObject({
  version: Version,
  at: IsoDateTime,
  place: str(300),
  receivedBy: str(300).optional(),
});
export type ArrivalBody = z.infer<typeof ArrivalBody>;

/** A step as recorded: its kind, the instant it happened, who recorded it and when, and its own fields. */
export const RepatriationStep = z.object({
  kind: RepatriationStepKind,
  at: z.string(),
  recordedAt: z.string(),
  by: z.string(),
  /** The side that recorded it when it is not the owner: the side asked to verify, through a proposal. */
  node: z.string().nullable().optional(),
  requestId: z.string().nullable().optional(),
  note: LabelledText.nullable().optional(),
  outcome: VerificationOutcome.nullable().optional(),
  grounds: LabelledText.nullable().optional(),
  document: z
    .object({
      kind: TravelDocumentKind,
      number: z.string(),
      issuedBy: z.string().nullable().optional(),
      validUntil: z.string(),
      file: z
        .object({ name: z.string(), sha256: z.string(), size: z.number(), blobId: z.string() })
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
  from: z.string().nullable().optional(),
  to: z.string().nullable().optional(),
  escorts: z.array(z.string()).nullable().optional(),
  carrier: z.string().nullable().optional(),
  place: z.string().nullable().optional(),
  receivedBy: z.string().nullable().optional(),
});
export type RepatriationStep = z.infer<typeof RepatriationStep>;

/** A travel document's scan as a step names it: the attachment's id, name, SHA-256 and size. */
export const DocumentFileRef = z.strictObject({
  name: z.string().min(1).max(255),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().min(0),
  blobId: z.uuid(),
});

/**
 * A step the side asked to verify records on its copy of a case, proposed to the owner (the shared object's
 * proposal): the verification answer or the travel document. The owner records it as its own next version.
 */
export const RepatriationProposal = z.discriminatedUnion("step", [
  z.strictObject({
    step: z.literal("verification_answered"),
    at: IsoDateTime,
    outcome: VerificationOutcome,
    grounds: LabelledText.nullable(),
  }),
  z.strictObject({
    step: z.literal("document_issued"),
    at: IsoDateTime,
    kind: TravelDocumentKind,
    number: str(64),
    issuedBy: str(300).nullable(),
    validUntil: z.iso.date(),
    file: DocumentFileRef.nullable(),
  }),
]);
export type RepatriationProposal = z.infer<typeof RepatriationProposal>;

/** What travels to the peer (the shared object's content) and what both sides show. */
export const RepatriationCaseContent = z.object({
  reference: z.string().max(100),
  person: z.object({
    names: z.array(z.object({ original: z.string(), romanised: z.string().optional() })).max(10),
    sex: z.string().optional(),
    dateOfBirth: z.string().optional(),
    nationality: z.string(),
    whereabouts: z.string().optional(),
  }),
  status: RepatriationStatus,
  steps: z.array(RepatriationStep).max(20),
  verificationDueAt: z.string().nullable(),
  documentDueAt: z.string().nullable(),
});
export type RepatriationCaseContent = z.infer<typeof RepatriationCaseContent>;

export const RepatriationCaseView = RepatriationCaseContent.extend({
  id: z.string(),
  direction: z.enum(["own", "received"]),
  ownerNode: z.string(),
  peer: z.string().nullable(),
  unitId: z.string(),
  personId: z.string().nullable(),
  requestId: z.string().nullable(),
  sharedObjectId: SharedObjectId.nullable(),
  version: z.number(),
  /** The step it waits for and its deadline, seen at `asOf` (the node's clock). */
  pending: z.enum(REPATRIATION_PENDING).nullable(),
  dueAt: z.string().nullable(),
  deadlineState: z.enum(["ok", "due_soon", "overdue"]).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RepatriationCaseView = z.infer<typeof RepatriationCaseView>;

export const RepatriationBoardItem = z.object({
  id: z.string(),
  reference: z.string(),
  direction: z.enum(["own", "received"]),
  ownerNode: z.string(),
  peer: z.string().nullable(),
  name: z.object({ original: z.string(), romanised: z.string().optional() }),
  status: RepatriationStatus,
  pending: z.enum(REPATRIATION_PENDING),
  since: z.string(),
  dueAt: z.string(),
  /** Milliseconds left at `asOf` (negative once overdue): the countdown. */
  msLeft: z.number(),
  deadlineState: z.enum(["ok", "due_soon", "overdue"]),
});
export type RepatriationBoardItem = z.infer<typeof RepatriationBoardItem>;

export const RepatriationBoard = z.object({
  asOf: z.string(),
  verifications: z.array(RepatriationBoardItem),
  documents: z.array(RepatriationBoardItem),
});
export type RepatriationBoard = z.infer<typeof RepatriationBoard>;

export const RepatriationListQuery = z.strictObject({
  status: RepatriationStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: "a month as YYYY-MM" });
export const RepatriationFiguresQuery = z
  .strictObject({
    from: Month,
    to: Month,
    /** The CSV's header language (default: the caller's Accept-Language); the JSON is the same in both. */
    lang: z.enum(["en", "zh-CN"]).optional(),
  })
  .refine((q) => q.from <= q.to, { message: "must not be after `to`", path: ["from"] })
  .refine(
    (q) =>
      Number(q.to.slice(0, 4)) * 12 +
        Number(q.to.slice(5)) -
        (Number(q.from.slice(0, 4)) * 12 + Number(q.from.slice(5))) <
      120,
    {
      message: "at most 120 months",
      path: ["to"],
    },
  );
export type RepatriationFiguresQuery = z.infer<typeof RepatriationFiguresQuery>;

export const RepatriationMonth = z.object({
  month: z.string(),
  /** Answers recorded in the month, by outcome. */
  verified: z.number(),
  notNational: z.number(),
  cannotVerify: z.number(),
  /** Verification answers in the month: days from request to answer, on average (null when none). */
  averageDaysToVerify: z.number().nullable(),
  documentsIssued: z.number(),
  /** Of those, issued by their due date. */
  documentsInTime: z.number(),
  /** Documents issued in the month: days from verification to issue, on average. */
  averageDaysToDocument: z.number().nullable(),
  arrived: z.number(),
});
export type RepatriationMonth = z.infer<typeof RepatriationMonth>;

/** The monthly figures' columns, in the CSV's order (and the total line's name): labelled in labels-fugitives.ts. */
export const REPATRIATION_FIGURE_COLUMNS = [
  "month",
  "verified",
  "notNational",
  "cannotVerify",
  "averageDaysToVerify",
  "documentsIssued",
  "documentsInTime",
  "averageDaysToDocument",
  "arrived",
] as const satisfies readonly (keyof RepatriationMonth)[];
export const REPATRIATION_FIGURE_LABELS = [...REPATRIATION_FIGURE_COLUMNS, "total"] as const;

export const RepatriationFigures = z.object({
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
  months: z.array(RepatriationMonth),
  total: RepatriationMonth,
});
export type RepatriationFigures = z.infer<typeof RepatriationFigures>;
