import {
  ASSET_KINDS,
  HARM_KINDS,
  IDENTITY_DOCUMENT_KINDS,
  INTERVIEW_MODES,
  LEGAL_INSTRUMENTS,
  MLA_DATA_KINDS,
  OFFENCE_CATEGORIES,
  ON_LOCATION,
  PRESERVATION_DEFAULT_DAYS,
  PRESERVATION_MAX_DAYS,
  PRESERVATION_MIN_DAYS,
  type RequestType,
  SUBJECT_KINDS,
  SUBJECT_ROLES,
  SUBSCRIBER_DATA,
  TAKEDOWN_ACTIONS,
  TAKEDOWN_TARGET_ROLES,
} from "@crossline/schemas";

/**
 * The request form as data: every field of the draft (common part and per-type details), how it is
 * entered and how it maps to the API's JSON. `values.ts` turns form state into the API body and back
 * (so a saved draft can be reopened); `Fields.tsx` renders it. Labels are i18n keys
 * `requests.f.<label ?? key>`; enum options `<labels>.<value>`.
 */
interface Base {
  key: string;
  /** Label key under requests.f (defaults to key). */
  label?: string;
  /** data-testid (defaults to `<prefix>-<path>`). */
  testId?: string;
  /** Optional fields are left out of the body when empty. */
  optional?: boolean;
  /** A rule shown with the field from the start (key under requests.issue), not only once the server refuses. */
  hint?: "contact" | "custodian";
}
export type FieldSpec =
  | (Base & { kind: "text"; rows?: number })
  | (Base & { kind: "string"; upper?: boolean; placeholder?: string })
  | (Base & { kind: "number"; min?: number; max?: number; default?: number })
  | (Base & { kind: "bool"; default?: boolean })
  /** A statement the requester must make (z.literal(true)). */
  | (Base & { kind: "confirm" })
  | (Base & { kind: "enum"; options: readonly string[]; labels: string; default?: string })
  | (Base & { kind: "multi"; options: readonly string[]; labels: string })
  | (Base & { kind: "datetime" })
  | (Base & { kind: "date" })
  | (Base & { kind: "partialDate" })
  /** Index into the request's subjects (a person). */
  | (Base & { kind: "subject" })
  | (Base & { kind: "money" })
  | (Base & { kind: "identifier" })
  | (Base & { kind: "personName" })
  /** The id of another record (request, asset). */
  | (Base & { kind: "ref" })
  | (Base & { kind: "group"; fields: FieldSpec[] })
  | (Base & { kind: "list"; item: FieldSpec; min?: number; max?: number });

const text = (key: string, extra: Partial<Base> & { rows?: number } = {}): FieldSpec => ({
  kind: "text",
  key,
  ...extra,
});
const string = (
  key: string,
  extra: Partial<Base> & { upper?: boolean; placeholder?: string } = {},
): FieldSpec => ({
  kind: "string",
  key,
  ...extra,
});
const country = (key: string): FieldSpec => string(key, { optional: true, upper: true, placeholder: "CN" });
const period = (optional: boolean): FieldSpec => ({
  kind: "group",
  key: "period",
  optional,
  fields: [
    { kind: "datetime", key: "from" },
    { kind: "datetime", key: "to" },
  ],
});
const courtOrder = (key: string, optional: boolean, extra: FieldSpec[] = []): FieldSpec => ({
  kind: "group",
  key,
  optional,
  fields: [string("issuedBy"), { kind: "date", key: "date" }, string("reference"), ...extra],
});
const custodian = (optional: boolean): FieldSpec => ({
  hint: "custodian",
  kind: "group",
  key: "custodian",
  optional,
  fields: [
    string("name", { optional: true, label: "custodianName" }),
    string("location", { optional: true, label: "custodianLocation" }),
    country("country"),
  ],
});
const subject: FieldSpec = { kind: "subject", key: "subjectIndex" };
const charges: FieldSpec = {
  kind: "list",
  key: "charges",
  min: 1,
  max: 50,
  item: {
    kind: "group",
    key: "charge",
    fields: [
      text("description", { label: "chargeDescription", rows: 2 }),
      string("provisions"),
      string("maximumPenalty", { optional: true }),
    ],
  },
};
const identifiers = (key: string, max: number): FieldSpec => ({
  kind: "list",
  key,
  max,
  item: { kind: "identifier", key: "identifier" },
});
const assets = (min: number): FieldSpec => ({
  kind: "list",
  key: "assets",
  min,
  max: 100,
  item: {
    kind: "group",
    key: "asset",
    fields: [
      {
        kind: "enum",
        key: "kind",
        label: "assetKind",
        options: ASSET_KINDS,
        labels: "requests.opt.assetKind",
      },
      { kind: "money", key: "estimatedValue", optional: true },
      country("jurisdiction"),
      { kind: "ref", key: "assetId", optional: true },
      text("description", { label: "assetDescription", rows: 2 }),
      identifiers("identifiers", 20),
    ],
  },
});
const relatedPreservation: FieldSpec = { kind: "ref", key: "relatedPreservation", optional: true };

/** Per-type details, in the order the form shows them. */
export const DETAILS_SPEC: Record<RequestType, FieldSpec[]> = {
  preservation: [
    text("dataToPreserve"),
    text("linkToOffence"),
    custodian(false),
    text("whyPreservationNeeded"),
    { kind: "confirm", key: "mutualAssistanceToFollow" },
    {
      kind: "number",
      key: "preservationDays",
      min: PRESERVATION_MIN_DAYS,
      max: PRESERVATION_MAX_DAYS,
      default: PRESERVATION_DEFAULT_DAYS,
    },
    period(true),
  ],
  traffic_disclosure: [
    text("communication"),
    period(false),
    text("knownPath", { optional: true }),
    relatedPreservation,
  ],
  subscriber_info: [
    string("provider", { optional: true }),
    {
      kind: "multi",
      key: "dataSought",
      label: "subscriberData",
      options: SUBSCRIBER_DATA,
      labels: "requests.opt.subscriberData",
    },
    period(true),
  ],
  traffic_content_mla: [
    { kind: "multi", key: "dataKinds", options: MLA_DATA_KINDS, labels: "requests.opt.mlaDataKind" },
    text("dataSought"),
    custodian(true),
    period(true),
    text("formalities", { optional: true }),
    relatedPreservation,
  ],
  emergency_disclosure: [
    {
      kind: "group",
      key: "riskToLife",
      fields: [
        { kind: "enum", key: "harm", options: HARM_KINDS, labels: "requests.harm", default: "death" },
        text("description", { label: "riskDescription", rows: 3 }),
        text("personsAtRisk"),
        text("whyUrgent"),
      ],
    },
    text("dataSought"),
    string("provider", { optional: true }),
  ],
  takedown: [
    {
      kind: "list",
      key: "targets",
      min: 1,
      max: 500,
      item: {
        kind: "group",
        key: "target",
        fields: [
          { kind: "identifier", key: "identifier" },
          {
            kind: "enum",
            key: "role",
            label: "targetRole",
            options: TAKEDOWN_TARGET_ROLES,
            labels: "requests.opt.takedownRole",
          },
        ],
      },
    },
    { kind: "enum", key: "action", options: TAKEDOWN_ACTIONS, labels: "requests.opt.takedownAction" },
    text("evidenceOfAbuse"),
    { kind: "datetime", key: "notBefore", optional: true },
  ],
  fugitive_locate: [
    subject,
    string("noticeReference", { optional: true }),
    text("lastKnownLocation", { optional: true }),
    text("suspectedWhereabouts", { optional: true }),
    {
      kind: "enum",
      key: "onLocation",
      options: ON_LOCATION,
      labels: "requests.opt.onLocation",
      default: "inform_only",
    },
    courtOrder("warrant", true),
  ],
  provisional_arrest: [
    subject,
    text("whereabouts"),
    courtOrder("warrant", false),
    charges,
    { kind: "confirm", key: "extraditionToFollow" },
  ],
  extradition: [
    subject,
    courtOrder("warrant", false),
    charges,
    courtOrder("judgment", true, [string("sentence")]),
    { kind: "ref", key: "provisionalArrestRequest", optional: true },
  ],
  deportation: [
    subject,
    text("grounds"),
    text("whereabouts", { optional: true }),
    { kind: "bool", key: "travelDocumentOffered", default: false },
    courtOrder("warrant", true),
  ],
  repatriation_identity_check: [
    subject,
    {
      kind: "list",
      key: "documents",
      max: 10,
      item: {
        kind: "group",
        key: "document",
        fields: [
          {
            kind: "enum",
            key: "kind",
            label: "documentKind",
            options: IDENTITY_DOCUMENT_KINDS,
            labels: "requests.opt.documentKind",
          },
          string("number", { optional: true, label: "documentNumber" }),
          country("issuingCountry"),
        ],
      },
    },
    { kind: "bool", key: "fingerprintsAvailable", default: false },
    { kind: "bool", key: "photoAvailable", default: false },
    { kind: "bool", key: "travelDocumentRequested", default: true },
  ],
  asset_tracing: [text("leads"), assets(0)],
  asset_freezing: [text("riskOfDissipation"), assets(1), courtOrder("domesticOrder", true)],
  asset_confiscation: [
    assets(1),
    courtOrder("confiscationOrder", false),
    { kind: "bool", key: "orderIsFinal", default: false },
  ],
  asset_return: [text("returnTo"), assets(1), courtOrder("confiscationOrder", false)],
  interview: [
    subject,
    text("questions", { rows: 4 }),
    {
      kind: "enum",
      key: "mode",
      label: "interviewMode",
      options: INTERVIEW_MODES,
      labels: "requests.opt.interviewMode",
    },
    string("language", { optional: true, label: "interviewLanguage" }),
    { kind: "bool", key: "officersToAttend", default: false },
  ],
  criminal_record: [subject, text("purpose")],
  general_information: [text("question", { rows: 4 })],
};

/** The common part of every request (after type, urgency, peer and language, which the page lays out). */
export const COMMON_SPEC: FieldSpec[] = [
  {
    kind: "group",
    key: "legalBasis",
    fields: [
      {
        kind: "enum",
        key: "instrument",
        options: LEGAL_INSTRUMENTS,
        labels: "requests.instrument",
        default: "budapest_convention",
        testId: "form-instrument",
      },
      string("article", { optional: true }),
      string("reference", { optional: true, label: "basisReference", testId: "form-basis-reference" }),
    ],
  },
  {
    kind: "group",
    key: "requestingAuthority",
    fields: [
      string("name", { label: "authorityName", testId: "form-authority" }),
      {
        kind: "group",
        key: "officer",
        fields: [
          { kind: "personName", key: "name", label: "officerName", testId: "form-officer" },
          string("title", { optional: true, label: "officerTitle" }),
        ],
      },
      {
        kind: "group",
        key: "contact",
        hint: "contact",
        fields: [
          string("phone", { optional: true, testId: "form-phone", placeholder: "+86 10 6620 0000" }),
          string("email", { optional: true }),
          string("other", { optional: true, label: "otherContact" }),
        ],
      },
    ],
  },
  {
    kind: "group",
    key: "offence",
    fields: [
      {
        kind: "enum",
        key: "category",
        options: OFFENCE_CATEGORIES,
        labels: "requests.offence",
        default: "intrusion",
      },
      string("provisions", { optional: true }),
      text("description", { label: "offenceDescription", testId: "form-offence", rows: 2 }),
    ],
  },
  text("facts", { testId: "form-facts", rows: 3 }),
  text("measuresSought", { testId: "form-measures", rows: 2 }),
  {
    kind: "list",
    key: "subjects",
    max: 100,
    item: {
      kind: "group",
      key: "subject",
      fields: [
        {
          kind: "enum",
          key: "kind",
          label: "subjectKind",
          options: SUBJECT_KINDS,
          labels: "requests.subjectKind",
        },
        {
          kind: "enum",
          key: "role",
          label: "subjectRole",
          options: SUBJECT_ROLES,
          labels: "requests.subjectRole",
        },
        { kind: "partialDate", key: "dateOfBirth", optional: true },
        country("nationality"),
        { kind: "list", key: "names", min: 1, max: 20, item: { kind: "personName", key: "name" } },
        text("notes", { optional: true, label: "subjectNotes", rows: 1 }),
      ],
    },
  },
  identifiers("identifiers", 500),
  { kind: "ref", key: "followUpOf", optional: true },
];
