import { z } from "zod";
import { Id, IsoDateTime, LabelledText, NodeId, PageQuery, pageOf } from "./common.js";
import { CountryCode } from "./identifiers.js";
import { Marking } from "./markings.js";
import { NameSearchQuery, PersonDocument, Sex } from "./persons.js";
import { LegalBasis, PartialDate } from "./requests.js";
import { SharedObjectId } from "./shared-objects.js";

/**
 * Fugitives: wanted persons of one unit of one node (names in their original script and romanised, charges,
 * warrants, INTERPOL notices, where they fled and may be), each linked to the node's person record; lists of
 * them published to a peer as shared objects (`fugitive.entry`), the peer's reports coming back, and the
 * return that closes an entry. See docs/fugitives.md.
 */

const str = (max: number) => z.string().trim().min(1).max(max);

/** Where a fugitive stands. `returned` is set by recording a return only. */
export const FUGITIVE_STATUSES = ["at_large", "located", "detained", "returned", "closed"] as const;
export const FugitiveStatus = z.enum(FUGITIVE_STATUSES);
export type FugitiveStatus = z.infer<typeof FugitiveStatus>;

/** INTERPOL notices and diffusions a fugitive may be the subject of. */
export const INTERPOL_NOTICE_KINDS = [
  "red",
  "blue",
  "green",
  "yellow",
  "black",
  "orange",
  "purple",
  "diffusion",
] as const;

/** How a fugitive came back. */
export const RETURN_METHODS = [
  "extradition",
  "repatriation",
  "deportation",
  "voluntary_return",
  "other",
] as const;
export const ReturnMethod = z.enum(RETURN_METHODS);
export type ReturnMethod = z.infer<typeof ReturnMethod>;

/** What a peer holding a list reports on one of its entries. */
export const FUGITIVE_REPORT_KINDS = [
  "sighting",
  "address_found",
  "provisional_arrest",
  "court_step",
  "return",
  "other",
] as const;
export const FugitiveReportKind = z.enum(FUGITIVE_REPORT_KINDS);
export type FugitiveReportKind = z.infer<typeof FugitiveReportKind>;

/**
 * A name in its original script with its romanisation. Unlike a request subject's name the romanised form may
 * be left out for Chinese characters: the node computes the pinyin (and keeps an edited one as given).
 */
export const FugitiveName = z.strictObject({ original: str(200), romanised: str(200).optional() });
export type FugitiveName = z.infer<typeof FugitiveName>;

export const FugitiveCharge = z.strictObject({
  /** e.g. "Criminal Law of the PRC". */
  law: str(300),
  /** e.g. "Art. 382". */
  article: str(64),
  offence: str(500).optional(),
});

export const FugitiveWarrant = z.strictObject({
  authority: str(300),
  /** YYYY-MM-DD. */
  date: z.iso.date(),
  number: str(64),
});

export const NoticeRef = z.strictObject({
  kind: z.enum(INTERPOL_NOTICE_KINDS),
  /** e.g. A-1234/5-2015. */
  reference: str(64),
});

export const Whereabouts = z
  .strictObject({
    country: CountryCode.optional(),
    place: str(300).optional(),
    since: PartialDate.optional(),
  })
  .refine((w) => w.country !== undefined || w.place !== undefined, {
    message: "give a country or a place",
    path: ["country"],
  });

/** A fugitive's record as its unit keeps it (the body of a creation, and of a change with `version`). */
export const FugitiveFields = z.strictObject({
  /** The first is the main name; the others are other forms of it. */
  names: z.array(FugitiveName).min(1).max(20),
  aliases: z.array(FugitiveName).max(50).default([]),
  sex: Sex.optional(),
  dateOfBirth: PartialDate.optional(),
  nationalities: z.array(CountryCode).max(10).default([]),
  documents: z.array(PersonDocument).max(20).default([]),
  formerPosition: str(300).optional(),
  formerEmployer: str(300).optional(),
  flightDate: PartialDate.optional(),
  flightRoute: str(500).optional(),
  whereabouts: z.array(Whereabouts).max(20).default([]),
  charges: z.array(FugitiveCharge).max(50).default([]),
  warrants: z.array(FugitiveWarrant).max(20).default([]),
  notices: z.array(NoticeRef).max(20).default([]),
  /** Cases and requests of this node the caller may see. */
  caseIds: z.array(Id).max(50).default([]),
  requestIds: z.array(Id).max(50).default([]),
});
export type FugitiveFields = z.infer<typeof FugitiveFields>;
/** The fields as stored: every name romanised. */
export type StoredFugitiveFields = Omit<FugitiveFields, "names" | "aliases"> & {
  names: { original: string; romanised?: string }[];
  aliases: { original: string; romanised?: string }[];
};

export const CreateFugitiveBody = FugitiveFields.extend({
  /** Why the node holds this personal data (docs/personal-data.md). */
  legalBasis: LegalBasis,
  purpose: str(500).optional(),
});
export type CreateFugitiveBody = z.infer<typeof CreateFugitiveBody>;

const fl = FugitiveFields.shape;
/**
 * The record in a change: a field left out keeps the record's value; `null` clears a field the record may be
 * without (sex, date of birth, former position and employer, flight date and route); an empty list `[]` clears
 * a list (not the names: a record has a name). A field given replaces the record's whole.
 */
export const FugitiveFieldsChange = FugitiveFields.extend({
  names: fl.names.optional(),
  sex: fl.sex.unwrap().nullable().optional(),
  dateOfBirth: fl.dateOfBirth.unwrap().nullable().optional(),
  formerPosition: fl.formerPosition.unwrap().nullable().optional(),
  formerEmployer: fl.formerEmployer.unwrap().nullable().optional(),
  flightDate: fl.flightDate.unwrap().nullable().optional(),
  flightRoute: fl.flightRoute.unwrap().nullable().optional(),
  aliases: fl.aliases.unwrap().optional(),
  nationalities: fl.nationalities.unwrap().optional(),
  documents: fl.documents.unwrap().optional(),
  whereabouts: fl.whereabouts.unwrap().optional(),
  charges: fl.charges.unwrap().optional(),
  warrants: fl.warrants.unwrap().optional(),
  notices: fl.notices.unwrap().optional(),
  caseIds: fl.caseIds.unwrap().optional(),
  requestIds: fl.requestIds.unwrap().optional(),
});
export type FugitiveFieldsChange = z.infer<typeof FugitiveFieldsChange>;

export const UpdateFugitiveBody = z.strictObject({
  /** The version read; a stale one is 409. */
  version: z.number().int().min(1),
  fields: FugitiveFieldsChange.optional(),
  /** Not `returned`: a return is recorded with its details (POST …/return). */
  status: z.enum(["at_large", "located", "detained", "closed"]).optional(),
  reason: str(500).optional(),
});
export type UpdateFugitiveBody = z.infer<typeof UpdateFugitiveBody>;

export const FugitiveQuery = PageQuery.extend({
  q: z.string().trim().max(200).optional(),
  status: FugitiveStatus.optional(),
});
export type FugitiveQuery = z.infer<typeof FugitiveQuery>;

export const RomaniseQuery = z.strictObject({ text: str(200) });

const ViewName = z.object({ original: z.string(), romanised: z.string().optional() });

export const FugitiveSummary = z.object({
  id: Id,
  /** e.g. CN-MPS-F-2026-0001. */
  reference: z.string(),
  name: ViewName,
  dateOfBirth: z.string().nullable(),
  nationalities: z.array(z.string()),
  status: FugitiveStatus,
  personId: Id,
  unitId: Id,
  version: z.number().int(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type FugitiveSummary = z.infer<typeof FugitiveSummary>;
export const FugitivePage = pageOf(FugitiveSummary);

export const ReturnBody = z.strictObject({
  method: ReturnMethod,
  /** YYYY-MM-DD, not before the flight. */
  date: z.iso.date(),
  place: str(300),
  escorts: z.array(str(200)).max(20).default([]),
  documents: z.array(str(300)).max(20).default([]),
  note: str(2000).optional(),
});
export type ReturnBody = z.infer<typeof ReturnBody>;
export const ReturnView = ReturnBody.extend({ recordedAt: IsoDateTime });

/** What a report says (as it travels to the owner). */
export const ReportFields = z.strictObject({
  kind: FugitiveReportKind,
  /** YYYY-MM-DD: when it happened. */
  date: z.iso.date(),
  place: str(300).optional(),
  text: LabelledText,
});

/** The largest evidence file a report takes (bytes), and how many one report takes. */
export const FUGITIVE_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024;
export const MAX_REPORT_EVIDENCE = 10;

/** A report a peer makes on an entry of a list it holds: `evidenceIds` are files uploaded for it before. */
export const ReportBody = ReportFields.extend({
  /** Evidence files uploaded to this entry by the caller's unit (POST …/evidence), not yet in a report. */
  evidenceIds: z.array(Id).max(MAX_REPORT_EVIDENCE).default([]),
});
export type ReportBody = z.infer<typeof ReportBody>;

/** An evidence file (photo of a sighting, a lease, a court paper…) uploaded for a report on a peer's entry. */
export const EvidenceUploadBody = z.strictObject({
  name: str(255),
  contentBase64: z
    .string()
    .min(1)
    .max(Math.ceil((FUGITIVE_EVIDENCE_MAX_BYTES * 4) / 3) + 16)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, { message: "standard base64" }),
});
export type EvidenceUploadBody = z.infer<typeof EvidenceUploadBody>;

/** An evidence file as a report carries it (the bytes travel as a federation attachment of the report). */
export const ReportEvidence = z.strictObject({
  id: Id,
  name: z.string().max(255),
  /** By the file's first bytes (JPEG, PNG, WebP, PDF), else application/octet-stream. */
  contentType: z.string().max(100),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().min(1).max(FUGITIVE_EVIDENCE_MAX_BYTES),
});
export type ReportEvidence = z.infer<typeof ReportEvidence>;

export const FugitiveReportView = ReportFields.extend({
  id: Id,
  /** The evidence files that came with the report (the owner downloads them from the record). */
  evidence: z.array(ReportEvidence).default([]),
  /** The node that made the report. */
  fromNode: NodeId,
  /** On the owner's side: the fugitive; on the peer's: null. */
  fugitiveId: Id.nullable(),
  entryId: SharedObjectId,
  createdAt: IsoDateTime,
});
export type FugitiveReportView = z.infer<typeof FugitiveReportView>;

// --- Photos ---

/** The largest photo a record takes (bytes). */
export const FUGITIVE_PHOTO_MAX_BYTES = 5 * 1024 * 1024;
/** The photo formats taken, recognised by their first bytes (not by the name or a declared type). */
export const PHOTO_CONTENT_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;
export const PhotoContentType = z.enum(PHOTO_CONTENT_TYPES);
export type PhotoContentType = z.infer<typeof PhotoContentType>;

export const PhotoUploadBody = z.strictObject({
  name: str(255),
  contentBase64: z
    .string()
    .min(1)
    .max(Math.ceil((FUGITIVE_PHOTO_MAX_BYTES * 4) / 3) + 16)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, { message: "standard base64" }),
  /** What the photo shows, for those who cannot see it (the console says "Photo of <name>" without one). */
  alt: str(300).optional(),
});
export type PhotoUploadBody = z.infer<typeof PhotoUploadBody>;

/** A photo as it travels in a list entry: the bytes go with the entry's version as a federation attachment. */
export const EntryPhoto = z.strictObject({
  id: Id,
  name: z.string().max(255),
  contentType: PhotoContentType,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().min(1).max(FUGITIVE_PHOTO_MAX_BYTES),
  alt: z.string().max(300).optional(),
});
export type EntryPhoto = z.infer<typeof EntryPhoto>;

export const FugitivePhotoView = z.object({
  id: Id,
  name: z.string(),
  contentType: PhotoContentType,
  sha256: z.string(),
  size: z.number().int(),
  alt: z.string().nullable(),
  uploadedBy: z.string(),
  uploadedAt: IsoDateTime,
});
export type FugitivePhotoView = z.infer<typeof FugitivePhotoView>;

// --- Requests started from a record ---

/** The request types that start from a fugitive's (or a person's) record. */
export const FUGITIVE_REQUEST_TYPES = [
  "fugitive_locate",
  "provisional_arrest",
  "extradition",
  "deportation",
  "repatriation_identity_check",
] as const;
export const FugitiveRequestType = z.enum(FUGITIVE_REQUEST_TYPES);
export type FugitiveRequestType = z.infer<typeof FugitiveRequestType>;

/** A request linked to a record, as the record's page lists it. */
export const LinkedRequestView = z.object({
  id: Id,
  reference: z.string(),
  type: z.string(),
  status: z.string(),
  peerId: z.string().nullable(),
});

/** A request naming a person, as the person's page lists it: with the events of its life (oldest first). */
export const PersonLinkedRequest = LinkedRequestView.extend({
  /** The subject's position in the request's form. */
  ordinal: z.number().int().nullable(),
  /** Drafted from this person's record (POST /api/v1/persons/:id/requests). */
  fromRecord: z.boolean(),
  events: z.array(z.object({ event: z.string(), status: z.string(), at: IsoDateTime })),
});
export type PersonLinkedRequest = z.infer<typeof PersonLinkedRequest>;

/** The form a request started from a record begins with (partial: the officer completes it). */
export const RecordRequestPrefill = z.looseObject({
  type: FugitiveRequestType,
  details: z.record(z.string(), z.unknown()),
});

/** One line of a fugitive's timeline: its versions, list entries, the peers' reports, the return and requests. */
export const FugitiveTimelineItem = z.object({
  at: IsoDateTime,
  kind: z.enum(["version", "listed", "unlisted", "report", "return", "request"]),
  version: z.number().int().nullable(),
  by: z.string(),
  report: FugitiveReportView.nullable(),
  listId: Id.nullable(),
  /** kind `request`: the request and the event of its life (create, send, acknowledge, answer, close…). */
  request: z
    .object({ id: Id, reference: z.string(), type: z.string(), event: z.string(), status: z.string() })
    .nullable()
    .default(null),
});

export const FugitiveDetail = FugitiveSummary.extend({
  fields: FugitiveFields,
  returned: ReturnView.nullable(),
  lists: z.array(z.object({ listId: Id, name: LabelledText, number: z.number().int(), entryId: z.string() })),
  timeline: z.array(FugitiveTimelineItem),
  photos: z.array(FugitivePhotoView).default([]),
  /** The requests linked to the record (drafted from it, or named in fields.requestIds) that the caller may see. */
  requests: z.array(LinkedRequestView).default([]),
});
export type FugitiveDetail = z.infer<typeof FugitiveDetail>;

export const FugitiveVersionView = z.object({
  version: z.number().int(),
  fields: FugitiveFields,
  status: FugitiveStatus,
  changedAt: IsoDateTime,
  changedBy: z.string(),
  reason: z.string().nullable(),
});

// --- Shared lists ---

export const CreateListBody = z.strictObject({
  name: LabelledText.refine((t) => t.text.trim().length > 0 && t.text.length <= 300, {
    message: "1 to 300 characters",
    path: ["text"],
  }),
  /** YYYY-MM-DD: when the list was published. */
  publishedOn: z.iso.date().optional(),
});

export const AddEntryBody = z.strictObject({
  fugitiveId: Id,
  /** The fugitive's number on the list (1 … 10 000), unique in it. */
  number: z.number().int().min(1).max(10_000),
});

export const PublishListBody = z.strictObject({
  recipients: z.array(NodeId).min(1).max(20),
  marking: Marking,
});

export const ListEntryView = z.object({
  number: z.number().int(),
  fugitiveId: Id.nullable(),
  entryId: z.string().nullable(),
  name: ViewName,
  status: FugitiveStatus,
  version: z.number().int(),
});

export const FugitiveListView = z.object({
  id: Id,
  name: LabelledText,
  publishedOn: z.string().nullable(),
  /** own: this node's list; received: a peer's, read-only here. */
  direction: z.enum(["own", "received"]),
  ownerNode: NodeId,
  recipients: z.array(NodeId),
  marking: Marking.nullable(),
  entries: z.array(ListEntryView),
});
export type FugitiveListView = z.infer<typeof FugitiveListView>;

/** A received entry as the peer holding it sees it (read-only, the owner's version). */
export const ReceivedEntryView = z.object({
  entryId: SharedObjectId,
  ownerNode: NodeId,
  version: z.number().int(),
  state: z.enum(["active", "withdrawn"]),
  listId: Id,
  listName: LabelledText,
  number: z.number().int(),
  status: FugitiveStatus.nullable(),
  fields: z.record(z.string(), z.unknown()).nullable(),
  returned: ReturnView.nullable(),
  reports: z.array(FugitiveReportView),
  /** The entry's photos; `GET …/received/:entryId/photos/:photoId` gives the bytes once they have arrived. */
  photos: z.array(EntryPhoto).default([]),
});
export type ReceivedEntryView = z.infer<typeof ReceivedEntryView>;

/** The content of a `fugitive.entry` shared object: what the peer holding the list learns of one entry. */
export const FugitiveEntryContent = z.strictObject({
  list: z.strictObject({ id: Id, name: LabelledText, publishedOn: z.iso.date().optional() }),
  number: z.number().int().min(1),
  reference: z.string().max(64),
  status: FugitiveStatus,
  fields: FugitiveFields.omit({ caseIds: true, requestIds: true }),
  returned: ReturnView.optional(),
  /** The record's photos: the bytes travel with the version as federation attachments. */
  photos: z.array(EntryPhoto).max(20).optional(),
});
export type FugitiveEntryContent = z.infer<typeof FugitiveEntryContent>;

/** The signed message carrying a report back to the list's owner. */
export const FugitiveReportPayload = z.strictObject({
  reportId: Id,
  entryId: SharedObjectId,
  report: ReportFields,
  /** The evidence files, each also an attachment of the envelope (same id and SHA-256). */
  evidence: z.array(ReportEvidence).max(MAX_REPORT_EVIDENCE).default([]),
  createdAt: IsoDateTime,
});
export type FugitiveReportPayload = z.infer<typeof FugitiveReportPayload>;

export const StatisticsQuery = z.strictObject({
  /** YYYY-MM-DD: count returns up to this day (default: today). */
  asOf: z.iso.date().optional(),
});

export const ListStatistics = z.object({
  listId: Id,
  name: LabelledText,
  asOf: z.string(),
  total: z.number().int(),
  returned: z.number().int(),
  byMethod: z.array(z.object({ method: ReturnMethod, count: z.number().int() })),
  byYear: z.array(z.object({ year: z.number().int(), count: z.number().int() })),
  /** For a dialogue round, in both languages. */
  summary: z.object({ en: z.string(), "zh-CN": z.string() }),
});
export type ListStatistics = z.infer<typeof ListStatistics>;

// --- Name search and the duplicate warning ---

/** A ranked search of the unit's fugitives by any name form (see NameSearchQuery). */
export const FugitiveSearchQuery = NameSearchQuery;

export const FugitiveMatch = FugitiveSummary.extend({
  /** How closely the names match: 100 or more is the whole name in some form; higher ranks first. */
  score: z.number().int(),
});
export type FugitiveMatch = z.infer<typeof FugitiveMatch>;
export const FugitiveSearchPage = z.object({ items: z.array(FugitiveMatch) });

/** The names (and date of birth) of a record about to be created: which records of the unit it may repeat. */
export const DuplicateCheckBody = z.strictObject({
  names: z.array(FugitiveName).min(1).max(20),
  aliases: z.array(FugitiveName).max(50).default([]),
  dateOfBirth: PartialDate.optional(),
});
export type DuplicateCheckBody = z.infer<typeof DuplicateCheckBody>;

/** A record's creation: the record, and the unit's records it may repeat (a warning: it is created anyway). */
export const CreatedFugitive = z.object({ fugitive: FugitiveDetail, duplicates: z.array(FugitiveMatch) });
