import { z } from "zod";
import { Id, IsoDateTime, LabelledText, PageQuery, pageOf } from "./common.js";
import { CountryCode } from "./identifiers.js";
import { IDENTITY_DOCUMENT_KINDS, PartialDate, PersonName, SUBJECT_ROLES } from "./requests.js";

/**
 * Persons: one record per node for each person named in requests (and later cases, fugitives,
 * repatriation), so that a person is found once, corrected once and accounted for once. The records
 * that name a person link to it; every read of it, or of a record naming it, is in the access log.
 * See docs/persons.md.
 */

export const SEXES = ["female", "male", "unspecified"] as const;
export const Sex = z.enum(SEXES);
export type Sex = z.infer<typeof Sex>;

/** Kinds of record that can name a person (the record types of links and of access-log rows). */
export const PERSON_RECORD_TYPES = [
  "person",
  "request",
  "shared_object",
  "case",
  "fugitive",
  "repatriation",
  "asset",
] as const;
export const PersonRecordType = z.enum(PERSON_RECORD_TYPES);
export type PersonRecordType = z.infer<typeof PersonRecordType>;

/** What someone did with personal data: read one record, a list page, an export, a file download. */
export const ACCESS_ACTIONS = ["read", "list", "export", "download"] as const;
export const AccessAction = z.enum(ACCESS_ACTIONS);
export type AccessAction = z.infer<typeof AccessAction>;

const str = (max: number) => z.string().trim().min(1).max(max);

/** An identity or travel document. */
export const PersonDocument = z.strictObject({
  kind: z.enum(IDENTITY_DOCUMENT_KINDS),
  number: str(64).optional(),
  issuingCountry: CountryCode.optional(),
  /** YYYY-MM-DD. */
  expiresOn: z.iso.date().optional(),
});
export type PersonDocument = z.infer<typeof PersonDocument>;

/** The person's identity as this node records it (the body of a rectification). */
export const PersonFields = z.strictObject({
  /** The first is the main name; the others are other forms of it (spellings, scripts). */
  names: z.array(PersonName).min(1).max(20),
  aliases: z.array(PersonName).max(50).default([]),
  dateOfBirth: PartialDate.optional(),
  sex: Sex.optional(),
  nationalities: z.array(CountryCode).max(10).default([]),
  documents: z.array(PersonDocument).max(20).default([]),
});
export type PersonFields = z.infer<typeof PersonFields>;

export const PersonId = Id;

/** A record that names the person (a request, a shared copy…), as far as the reader may see it. */
export const PersonLinkView = z.object({
  recordType: PersonRecordType,
  recordId: z.string(),
  /** The subject's position in the record (a request's subjects), when it has one. */
  ordinal: z.number().int().nullable(),
  role: z.enum(SUBJECT_ROLES).nullable(),
  notes: LabelledText.nullable(),
  linkedAt: IsoDateTime,
});
export type PersonLinkView = z.infer<typeof PersonLinkView>;

export const PersonRestriction = z.object({
  reason: z.string(),
  setAt: IsoDateTime,
  setBy: z.string(),
});

export const PersonSummary = z.object({
  id: PersonId,
  /** The main name: original script and romanised. */
  name: PersonName,
  dateOfBirth: z.string().nullable(),
  nationalities: z.array(z.string()),
  restricted: z.boolean(),
  version: z.number().int(),
  updatedAt: IsoDateTime,
});
export type PersonSummary = z.infer<typeof PersonSummary>;

export const PersonView = z.object({
  id: PersonId,
  names: z.array(PersonName),
  aliases: z.array(PersonName),
  dateOfBirth: z.string().nullable(),
  sex: Sex.nullable(),
  nationalities: z.array(z.string()),
  documents: z.array(PersonDocument),
  ownerUnitId: Id,
  version: z.number().int(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  restriction: PersonRestriction.nullable(),
  links: z.array(PersonLinkView),
});
export type PersonView = z.infer<typeof PersonView>;

/** One earlier version of the record (rectifications keep the history). */
export const PersonVersionView = z.object({
  version: z.number().int(),
  fields: PersonFields,
  changedAt: IsoDateTime,
  changedBy: z.string(),
  reason: z.string().nullable(),
});

export type PersonVersionView = z.infer<typeof PersonVersionView>;

export const PersonQuery = PageQuery.extend({
  /** Part of a name (original or romanised, aliases too), case-insensitive. */
  q: z.string().trim().max(200).optional(),
  reason: z.string().trim().max(500).optional(),
});
export type PersonQuery = z.infer<typeof PersonQuery>;

/** `reason`: why the reader opens it, kept in the access log (or the X-Crossline-Reason header). */
export const ReasonQuery = z.strictObject({ reason: z.string().trim().max(500).optional() });

export const PersonPage = pageOf(PersonSummary);

/**
 * The identity in a rectification, merged into the record (lib/change.ts `mergeChange`, as a PATCH of a
 * fugitive or an asset): a field left out keeps the record's value, `null` clears the date of birth or the
 * sex, an empty list `[]` clears a list.
 */
export const PersonFieldsChange = PersonFields.extend({
  names: PersonFields.shape.names.optional(),
  dateOfBirth: PersonFields.shape.dateOfBirth.unwrap().nullable().optional(),
  sex: PersonFields.shape.sex.unwrap().nullable().optional(),
  aliases: PersonFields.shape.aliases.unwrap().optional(),
  nationalities: PersonFields.shape.nationalities.unwrap().optional(),
  documents: PersonFields.shape.documents.unwrap().optional(),
});
export type PersonFieldsChange = z.infer<typeof PersonFieldsChange>;

export const RectifyPersonBody = z.strictObject({
  /** The version read: a stale one is a conflict. */
  version: z.number().int().min(1),
  fields: PersonFieldsChange,
  /** Why the record is corrected (the data subject's request, a court decision…). */
  reason: str(2000),
});

/** Merges another person record into this one: the two were found to be the same person. */
export const MergePersonBody = z.strictObject({
  /** The version of this record read (a stale one is a conflict). */
  version: z.number().int().min(1),
  /** The record merged in and removed, and the version of it read. */
  otherId: Id,
  otherVersion: z.number().int().min(1),
  /** Why they are the same person (documents compared, a court decision…). */
  reason: str(2000),
});
export type MergePersonBody = z.infer<typeof MergePersonBody>;

export const RestrictPersonBody = z.strictObject({
  restricted: z.boolean(),
  /** Required to set the flag (the dispute); optional to clear it. */
  reason: z.string().trim().max(2000).optional(),
});

// --- Access log --------------------------------------------------------------------------------------------

export const AccessLogEntry = z.object({
  id: z.string(),
  at: IsoDateTime,
  actorId: z.string().nullable(),
  actorLabel: z.string(),
  actorUnitId: z.string().nullable(),
  action: AccessAction,
  recordType: z.string(),
  recordId: z.string(),
  personId: z.string().nullable(),
  reason: z.string().nullable(),
  requestId: z.string().nullable(),
});
export type AccessLogEntry = z.infer<typeof AccessLogEntry>;
export const AccessLogPage = pageOf(AccessLogEntry);

export const UnusualAccessQuery = z.strictObject({
  /** The first and last day (YYYY-MM-DD, UTC) to look at; the last 7 days by default. */
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  /** Reads per user per day above which a day is unusual; the node's policy by default. */
  threshold: z.coerce.number().int().min(1).max(1_000_000).optional(),
});

export const UNUSUAL_KINDS = ["volume", "outside_unit"] as const;
export const UnusualAccessItem = z.object({
  kind: z.enum(UNUSUAL_KINDS),
  actorId: z.string().nullable(),
  actorLabel: z.string(),
  day: z.string(),
  count: z.number().int(),
});
export const UnusualAccessReport = z.object({
  threshold: z.number().int(),
  from: z.string(),
  to: z.string(),
  /** The node's time zone: `from`, `to` and each item's day are days on its calendar. */
  timeZone: z.string(),
  items: z.array(UnusualAccessItem),
});
export type UnusualAccessReport = z.infer<typeof UnusualAccessReport>;

export const AccessLogVerifyResult = z.object({
  ok: z.boolean(),
  seals: z.number().int(),
  rowsChecked: z.number().int(),
  /** Rows written after the last seal (sealed by the next run). */
  unsealed: z.number().int(),
  firstBad: z.object({ seal: z.number().int(), reason: z.string() }).nullable(),
});
export type AccessLogVerifyResult = z.infer<typeof AccessLogVerifyResult>;

/** The node's access-log policy: the reads per user per day above which an auditor is shown the day. */
export const AccessLogPolicy = z.strictObject({
  dailyReadThreshold: z.number().int().min(1).max(1_000_000),
});
export type AccessLogPolicy = z.infer<typeof AccessLogPolicy>;
export const DEFAULT_ACCESS_LOG_POLICY: AccessLogPolicy = { dailyReadThreshold: 200 };

/** Everything the node holds on a person (the JSON export of a subject-access request). */
export const PersonExport = z.object({
  exportedAt: IsoDateTime,
  nodeId: z.string(),
  person: PersonView,
  history: z.array(PersonVersionView),
  records: z.array(
    z.object({
      recordType: z.string(),
      recordId: z.string(),
      reference: z.string().nullable(),
      title: z.string().nullable(),
      /** What the record says about the person (a request's subject entry). */
      subject: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
  accessLog: z.array(AccessLogEntry),
});
export type PersonExport = z.infer<typeof PersonExport>;

/**
 * A ranked search by any name form (Chinese characters, pinyin with or without tones or spaces, romanised
 * names in either order, aliases, Wade–Giles spellings), narrowed by a date of birth (YYYY, YYYY-MM or
 * YYYY-MM-DD: a record with another date is left out, one without a date stays).
 */
export const NameSearchQuery = z.strictObject({
  name: z.string().trim().min(1).max(200),
  dateOfBirth: PartialDate.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  reason: z.string().trim().max(500).optional(),
});
export type NameSearchQuery = z.infer<typeof NameSearchQuery>;

export const PersonSearchResult = PersonSummary.extend({
  /** How closely the names match: 100 or more is the whole name in some form; higher ranks first. */
  score: z.number().int(),
});
export type PersonSearchResult = z.infer<typeof PersonSearchResult>;
export const PersonSearchPage = z.object({ items: z.array(PersonSearchResult) });
