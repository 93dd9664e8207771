import { z } from "zod";
import { Id, IsoDateTime, LabelledText, NodeId, PageQuery, pageOf } from "./common.js";
import { Identifier, NormalisedIdentifier } from "./identifiers.js";
import { Marking } from "./markings.js";
import { OffenceCategory, Subject } from "./requests.js";
import { SharedObjectId } from "./shared-objects.js";

/**
 * Cases: the case file of one unit of one node (subjects, identifiers, evidence with its chain of custody,
 * tasks, notes, linked requests), and the summary of a priority case shared with peers as a shared object
 * of type `case.summary`. The offence categories are the requests' (the 2016 joint work areas first), so a
 * request drafted from a case carries the case's category as it is.
 */

export const CASE_STATUSES = ["open", "suspended", "closed"] as const;
export const CaseStatus = z.enum(CASE_STATUSES);
export type CaseStatus = z.infer<typeof CaseStatus>;

/** How a closed case ended (required when closing, refused otherwise). */
export const CASE_OUTCOMES = [
  "charged",
  "convicted",
  "transferred",
  "suspect_located",
  "insufficient_evidence",
  "no_offence",
  "merged",
  "other",
] as const;
export const CaseOutcome = z.enum(CASE_OUTCOMES);
export type CaseOutcome = z.infer<typeof CaseOutcome>;

/** The records of an evidence item's chain of custody (append-only: each is a row, never changed). */
export const CUSTODY_ACTIONS = ["collected", "handed_over", "exported", "downloaded"] as const;
export const CustodyAction = z.enum(CUSTODY_ACTIONS);
export type CustodyAction = z.infer<typeof CustodyAction>;

/** Where a case summary's sharing stands: waiting for a supervisor, refused, or sent. */
export const CASE_SHARE_STATES = ["pending", "approved", "rejected"] as const;
export const CaseShareState = z.enum(CASE_SHARE_STATES);
export type CaseShareState = z.infer<typeof CaseShareState>;

const str = (max: number) => z.string().trim().min(1).max(max);
const Version = z.number().int().min(1).max(2_000_000_000);
const Day = z.iso.date();

/** A case's own reference, e.g. CN-MPS-C-2026-0001 (node, "C", year, per-node sequence). */
export const CaseReference = z.string().max(80);

export const CreateCaseBody = z.strictObject({
  title: LabelledText.extend({ text: str(300) }),
  category: OffenceCategory,
  priority: z.boolean().default(false),
  /** A user of the case's unit; the creator when left out. */
  leadOfficerId: Id.optional(),
  /** What the case is about, in a few lines: what a shared summary says. */
  summary: LabelledText.optional(),
  /** What is asked of the peers a summary is shared with. */
  asks: LabelledText.optional(),
});
export type CreateCaseBody = z.input<typeof CreateCaseBody>;

export const UpdateCaseBody = z
  .strictObject({
    /** The version read (optimistic concurrency): a stale one is 409. */
    version: Version,
    title: LabelledText.extend({ text: str(300) }).optional(),
    category: OffenceCategory.optional(),
    status: CaseStatus.optional(),
    outcome: CaseOutcome.nullable().optional(),
    priority: z.boolean().optional(),
    leadOfficerId: Id.optional(),
    summary: LabelledText.nullable().optional(),
    asks: LabelledText.nullable().optional(),
  })
  .refine((b) => b.outcome === undefined || b.outcome === null || b.status === "closed", {
    message: "an outcome goes with status closed",
    path: ["outcome"],
  });
export type UpdateCaseBody = z.input<typeof UpdateCaseBody>;

export const CaseQuery = PageQuery.extend({
  status: CaseStatus.optional(),
  category: OffenceCategory.optional(),
  priority: z.enum(["true", "false"]).optional(),
  /** A reference or words of the title. */
  q: z.string().trim().max(200).optional(),
});
export type CaseQuery = z.infer<typeof CaseQuery>;

export const AddCaseSubjectBody = z.strictObject({
  subject: Subject,
  /** The person record of the persons module, when there is one. */
  personId: Id.optional(),
});
export const AddCaseIdentifierBody = z.strictObject({
  identifier: Identifier,
  note: LabelledText.optional(),
});
export const AddEvidenceBody = z.strictObject({
  name: str(255),
  /** The file, base64 (standard alphabet). */
  contentBase64: z.string().min(1).max(40_000_000),
  description: LabelledText.optional(),
  /** Who collected it (a name; an officer of another agency may have). */
  collectedBy: str(200),
  collectedAt: IsoDateTime,
  /** A malware sample: downloaded only with an explicit confirmation naming the reason (audited). */
  malwareSample: z.boolean().optional(),
});
/** What a download of a malware sample must carry: the confirmation and the reason, both recorded. */
export const EvidenceFileQuery = z.strictObject({
  confirm: z.literal("malware_sample").optional(),
  reason: str(500).optional(),
});
export const CustodyBody = z.strictObject({
  action: z.enum(["handed_over", "exported"]),
  /** To whom it was handed over or exported. */
  to: str(300),
  note: str(2000).optional(),
});
export const AddTaskBody = z.strictObject({
  title: LabelledText.extend({ text: str(500) }),
  assigneeId: Id.optional(),
  dueDate: Day.optional(),
});
export const UpdateTaskBody = z.strictObject({
  version: Version,
  done: z.boolean().optional(),
  assigneeId: Id.nullable().optional(),
  dueDate: Day.nullable().optional(),
});
export const AddNoteBody = z.strictObject({ text: LabelledText.extend({ text: str(20_000) }) });
export const AddMemberBody = z.strictObject({ userId: Id });
export const ShareCaseBody = z.strictObject({
  recipients: z.array(NodeId).min(1).max(20),
  marking: Marking,
});
export type ShareCaseBody = z.input<typeof ShareCaseBody>;
export const DecideShareBody = z.strictObject({
  approve: z.boolean(),
  reason: str(2000).optional(),
});

export const CaseSubjectView = z.object({
  id: Id,
  subject: Subject,
  personId: Id.nullable(),
  createdAt: z.string(),
});
export const CaseIdentifierView = z.object({
  id: Id,
  identifier: NormalisedIdentifier,
  note: LabelledText.nullable(),
  createdAt: z.string(),
});
export const CustodyView = z.object({
  id: Id,
  action: CustodyAction,
  actorLabel: z.string(),
  to: z.string().nullable(),
  note: z.string().nullable(),
  at: z.string(),
});
export const EvidenceView = z.object({
  id: Id,
  name: z.string(),
  sha256: z.string(),
  size: z.number(),
  description: LabelledText.nullable(),
  collectedBy: z.string(),
  collectedAt: z.string(),
  malwareSample: z.boolean(),
  custody: z.array(CustodyView),
});
export const TaskView = z.object({
  id: Id,
  title: LabelledText,
  assigneeId: Id.nullable(),
  dueDate: z.string().nullable(),
  done: z.boolean(),
  version: z.number(),
});
export const NoteView = z.object({
  id: Id,
  text: LabelledText,
  authorLabel: z.string(),
  createdAt: z.string(),
});
export const CaseRequestView = z.object({
  id: Id,
  reference: z.string(),
  type: z.string(),
  status: z.string(),
  peerId: z.string().nullable(),
  title: z.string(),
});
export const CaseShareView = z.object({
  id: Id,
  recipients: z.array(z.string()),
  marking: Marking,
  state: CaseShareState,
  requestedBy: z.string(),
  decidedBy: z.string().nullable(),
  reason: z.string().nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});

export const CaseSummaryRow = z.object({
  id: Id,
  reference: CaseReference,
  title: LabelledText,
  category: OffenceCategory,
  status: CaseStatus,
  outcome: CaseOutcome.nullable(),
  priority: z.boolean(),
  unitId: Id,
  leadOfficerId: Id.nullable(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CaseSummaryRow = z.infer<typeof CaseSummaryRow>;
export const CasePage = pageOf(CaseSummaryRow);

export const CaseDetail = CaseSummaryRow.extend({
  summary: LabelledText.nullable(),
  asks: LabelledText.nullable(),
  members: z.array(z.object({ userId: Id, addedAt: z.string() })),
  subjects: z.array(CaseSubjectView),
  identifiers: z.array(CaseIdentifierView),
  evidence: z.array(EvidenceView),
  tasks: z.array(TaskView),
  notes: z.array(NoteView),
  requests: z.array(CaseRequestView),
  shares: z.array(CaseShareView),
  /** The shared object carrying this case's summary, once a share was approved. */
  sharedObjectId: SharedObjectId.nullable(),
  /** Whether this node asks for a supervisor's approval before a summary leaves. */
  approvalRequired: z.boolean(),
});
export type CaseDetail = z.infer<typeof CaseDetail>;

/** The content of a `case.summary` shared object: what a peer learns of a priority case (no subjects). */
export const CaseSummaryContent = z.strictObject({
  reference: CaseReference,
  title: LabelledText,
  category: OffenceCategory,
  status: CaseStatus,
  outcome: CaseOutcome.optional(),
  priority: z.boolean(),
  summary: LabelledText.optional(),
  /** What the owner asks of the receiving side. */
  asks: LabelledText.optional(),
});
export type CaseSummaryContent = z.infer<typeof CaseSummaryContent>;

/** The node's case policy (node_settings): whether a summary needs a supervisor's approval to leave. */
export const CasePolicy = z.strictObject({ shareApproval: z.boolean() });
export type CasePolicy = z.infer<typeof CasePolicy>;

// ---------------------------------------------------------------------------------------------------
// Priority list and the status report on cybercrime cases

export const PriorityItem = z.object({
  direction: z.enum(["own", "received"]),
  peerId: z.string(),
  sharedObjectId: SharedObjectId,
  caseId: Id.nullable(),
  reference: z.string(),
  title: LabelledText,
  category: OffenceCategory,
  status: CaseStatus,
  outcome: CaseOutcome.nullable(),
  asks: LabelledText.nullable(),
  version: z.number(),
  lastUpdate: z.string(),
  withdrawn: z.boolean(),
});
export type PriorityItem = z.infer<typeof PriorityItem>;
export const PriorityList = z.object({ items: z.array(PriorityItem) });
export const PriorityQuery = z.strictObject({ peer: NodeId.optional() });

export const CaseReportQuery = z.strictObject({
  peer: NodeId,
  from: Day,
  to: Day,
  lang: z.enum(["en", "zh-CN"]).default("en"),
});
export type CaseReportQuery = z.infer<typeof CaseReportQuery>;
export const CaseStatusReport = z.object({
  peer: z.string(),
  from: z.string(),
  to: z.string(),
  /** The node's time zone: the period's days are days on its calendar. */
  timeZone: z.string(),
  generatedAt: z.string(),
  totals: z.object({
    own: z.number(),
    received: z.number(),
    open: z.number(),
    suspended: z.number(),
    closed: z.number(),
    updatedInPeriod: z.number(),
  }),
  items: z.array(PriorityItem.extend({ updatedInPeriod: z.boolean() })),
});
export type CaseStatusReport = z.infer<typeof CaseStatusReport>;
