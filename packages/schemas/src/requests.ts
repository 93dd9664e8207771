import { z } from "zod";
import { Id, IsoDateTime, LabelledText } from "./common.js";
import { CountryCode, EmailAddress, Identifier, PhoneNumber } from "./identifiers.js";
import { zodIssue } from "./issue-keys.js";

/**
 * Requests for assistance: the typed content of a request (what the requester drafts and sends).
 * Status, deadlines and the message thread live elsewhere (request-lifecycle.ts, deadlines.ts).
 */

// ---------------------------------------------------------------------------------------------------
// Request types

export const REQUEST_TYPE_NAMES = [
  "preservation",
  "traffic_disclosure",
  "subscriber_info",
  "traffic_content_mla",
  "emergency_disclosure",
  "takedown",
  "fugitive_locate",
  "provisional_arrest",
  "extradition",
  "deportation",
  "repatriation_identity_check",
  "asset_tracing",
  "asset_freezing",
  "asset_confiscation",
  "asset_return",
  "interview",
  "criminal_record",
  "general_information",
] as const;
export const RequestType = z.enum(REQUEST_TYPE_NAMES);
export type RequestType = z.infer<typeof RequestType>;

export const REQUEST_GROUPS = [
  "preservation",
  "disclosure",
  "mla",
  "emergency",
  "takedown",
  "fugitive",
  "asset",
  "other",
] as const;
export type RequestGroup = (typeof REQUEST_GROUPS)[number];

export interface RequestTypeMeta {
  type: RequestType;
  group: RequestGroup;
  label: { en: string; "zh-CN": string };
}

const META: Record<RequestType, Omit<RequestTypeMeta, "type">> = {
  preservation: {
    group: "preservation",
    label: { en: "Expedited preservation of stored data", "zh-CN": "快速保全已存储数据" },
  },
  traffic_disclosure: {
    group: "disclosure",
    label: { en: "Expedited disclosure of traffic data", "zh-CN": "快速披露流量数据" },
  },
  subscriber_info: { group: "disclosure", label: { en: "Subscriber information", "zh-CN": "用户注册信息" } },
  traffic_content_mla: {
    group: "mla",
    label: {
      en: "Traffic or content data (mutual legal assistance)",
      "zh-CN": "流量或内容数据（刑事司法协助）",
    },
  },
  emergency_disclosure: { group: "emergency", label: { en: "Emergency disclosure", "zh-CN": "紧急披露" } },
  takedown: {
    group: "takedown",
    label: { en: "Takedown or disruption of criminal infrastructure", "zh-CN": "关停或瓦解犯罪基础设施" },
  },
  fugitive_locate: { group: "fugitive", label: { en: "Locate a fugitive", "zh-CN": "查找逃犯下落" } },
  provisional_arrest: { group: "fugitive", label: { en: "Provisional arrest", "zh-CN": "临时羁押" } },
  extradition: { group: "fugitive", label: { en: "Extradition", "zh-CN": "引渡" } },
  deportation: { group: "fugitive", label: { en: "Deportation", "zh-CN": "驱逐出境" } },
  repatriation_identity_check: {
    group: "fugitive",
    label: { en: "Identity check for repatriation", "zh-CN": "遣返人员身份核查" },
  },
  asset_tracing: { group: "asset", label: { en: "Asset tracing", "zh-CN": "资产追查" } },
  asset_freezing: { group: "asset", label: { en: "Asset freezing", "zh-CN": "资产冻结" } },
  asset_confiscation: { group: "asset", label: { en: "Asset confiscation", "zh-CN": "资产没收" } },
  asset_return: { group: "asset", label: { en: "Asset return", "zh-CN": "资产返还" } },
  interview: {
    group: "other",
    label: { en: "Interview of a witness or suspect", "zh-CN": "询问证人或犯罪嫌疑人" },
  },
  criminal_record: { group: "other", label: { en: "Criminal record", "zh-CN": "犯罪记录查询" } },
  general_information: { group: "other", label: { en: "General information", "zh-CN": "一般信息查询" } },
};

/** Every request type with its group and bilingual label, in display order. */
export const REQUEST_TYPES: readonly RequestTypeMeta[] = REQUEST_TYPE_NAMES.map((type) => ({
  type,
  ...META[type],
}));

export function requestTypeMeta(type: RequestType): RequestTypeMeta {
  return { type, ...META[type] };
}

export const URGENCIES = ["emergency", "urgent", "routine"] as const;
export const Urgency = z.enum(URGENCIES);
export type Urgency = z.infer<typeof Urgency>;

// ---------------------------------------------------------------------------------------------------
// Building blocks

const str = (max: number) => z.string().trim().min(1).max(max);

/** Labelled free text that must say something (LabelledText allows the empty string). */
export const NonEmptyText = LabelledText.extend({
  text: z.string().trim().min(1, { message: "must not be empty" }).max(20_000),
});
export type NonEmptyText = z.infer<typeof NonEmptyText>;

/** A date that may be only partly known: YYYY, YYYY-MM or YYYY-MM-DD. */
export const PartialDate = z
  .string()
  .trim()
  .max(10)
  .refine(
    (s) => {
      const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(s);
      if (!m) return false;
      const [y, mo, d] = [Number(m[1]), m[2] ? Number(m[2]) : 1, m[3] ? Number(m[3]) : 1];
      if (mo < 1 || mo > 12 || d < 1) return false;
      return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
    },
    { message: "must be YYYY, YYYY-MM or YYYY-MM-DD" },
  );

const NON_LATIN = /[^\p{Script=Latin}\p{Script=Common}\p{Script=Inherited}]/u;

/** A name in its original script, with a romanisation (required when the original is not in Latin script). */
export const PersonName = z
  .strictObject({ original: str(200), romanised: str(200).optional() })
  .refine((n) => n.romanised !== undefined || !NON_LATIN.test(n.original), {
    message: "give the romanised form of a name written in a non-Latin script",
    path: ["romanised"],
  });
export type PersonName = z.infer<typeof PersonName>;

export const SUBJECT_ROLES = ["suspect", "victim", "witness", "other"] as const;
export const SUBJECT_KINDS = ["person", "organisation"] as const;

export const Subject = z
  .strictObject({
    kind: z.enum(SUBJECT_KINDS),
    role: z.enum(SUBJECT_ROLES),
    /** The first name is the main one; the others are aliases or other spellings. */
    names: z.array(PersonName).min(1).max(20),
    dateOfBirth: PartialDate.optional(),
    nationality: CountryCode.optional(),
    notes: LabelledText.optional(),
  })
  .refine((s) => s.kind === "person" || s.dateOfBirth === undefined, {
    message: "only a person has a date of birth",
    path: ["dateOfBirth"],
  });
export type Subject = z.infer<typeof Subject>;

export const LEGAL_INSTRUMENTS = [
  "budapest_convention",
  "budapest_second_protocol",
  "bilateral_mlaa",
  "bilateral_agreement",
  "untoc",
  "uncac",
  "reciprocity",
  "domestic_law",
  "other",
  "interpol_rules",
  "un_cybercrime_convention",
  "prc_icjaa",
] as const;
const NEEDS_REFERENCE: ReadonlySet<string> = new Set([
  "bilateral_mlaa",
  "bilateral_agreement",
  "domestic_law",
  "other",
]);

/**
 * The legal basis: the instrument, the article relied on (e.g. instrument budapest_convention with
 * article "29"), and a free-text reference (required where the instrument alone does not say which
 * text is meant, e.g. "PRC-US Agreement on Mutual Legal Assistance in Criminal Matters, 2000").
 */
export const LegalBasis = z
  .strictObject({
    instrument: z.enum(LEGAL_INSTRUMENTS),
    article: str(100).optional(),
    reference: str(1000).optional(),
  })
  .refine((b) => b.reference !== undefined || !NEEDS_REFERENCE.has(b.instrument), {
    message: "name the agreement or law relied on",
    path: ["reference"],
  });
export type LegalBasis = z.infer<typeof LegalBasis>;

export const RequestingAuthority = z.strictObject({
  /** Agency and unit, e.g. "Ministry of Public Security, Cybersecurity Bureau". */
  name: str(300),
  officer: z.strictObject({ name: PersonName, title: str(200).optional() }),
  contact: z
    .strictObject({
      phone: PhoneNumber.optional(),
      email: EmailAddress.optional(),
      other: str(500).optional(),
    })
    .refine((c) => c.phone !== undefined || c.email !== undefined || c.other !== undefined, {
      message: "give at least one way to reach the officer",
    }),
});
export type RequestingAuthority = z.infer<typeof RequestingAuthority>;

/** Offence categories, including the joint work areas agreed in 2016 (the first four). */
export const OFFENCE_CATEGORIES = [
  "csam",
  "terrorist_misuse",
  "email_web_fraud",
  "online_firearms",
  "ransomware",
  "botnet",
  "intrusion",
  "trade_secret_theft",
  "fraud",
  "money_laundering",
  "corruption",
  "illegal_immigration",
  "other",
] as const;
export const OffenceCategory = z.enum(OFFENCE_CATEGORIES);
export type OffenceCategory = z.infer<typeof OffenceCategory>;

export const Offence = z.strictObject({
  category: OffenceCategory,
  description: NonEmptyText,
  /** The provisions of the requesting side's law, e.g. "PRC Criminal Law Art. 287a". */
  provisions: str(1000).optional(),
});

export const AttachmentRef = z.strictObject({
  id: Id,
  name: str(255),
  sha256: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[0-9a-f]{64}$/, { message: "must be 64 hex digits" }),
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
export type AttachmentRef = z.infer<typeof AttachmentRef>;

/** A time window; `from` must not be after `to`. */
export const Period = z
  .strictObject({ from: IsoDateTime, to: IsoDateTime })
  .refine((p) => Date.parse(p.from) <= Date.parse(p.to), {
    message: "must not be before from",
    path: ["to"],
  });

export const Money = z.strictObject({
  /** Integer minor units (cents, fen). */
  amountMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, { message: "must be an ISO 4217 code such as CNY or USD" }),
});

/** A warrant, court order or judgment. */
export const CourtOrder = z.strictObject({
  issuedBy: str(300),
  date: z.iso.date(),
  reference: str(200),
});

export const Charge = z.strictObject({
  description: NonEmptyText,
  provisions: str(1000),
  maximumPenalty: str(200).optional(),
});

export const ASSET_KINDS = [
  "bank_account",
  "crypto",
  "real_estate",
  "vehicle",
  "vessel",
  "aircraft",
  "securities",
  "company_share",
  "cash",
  "valuables",
  "other",
] as const;

export const AssetRef = z.strictObject({
  /** The asset record on the requesting node, when there is one. */
  assetId: Id.optional(),
  kind: z.enum(ASSET_KINDS),
  description: NonEmptyText,
  estimatedValue: Money.optional(),
  jurisdiction: CountryCode.optional(),
  identifiers: z.array(Identifier).max(20).default([]),
});

/** Which subject (index into `subjects`) a fugitive/interview/record request is about. */
const SubjectIndex = z.number().int().min(0).max(99);

// ---------------------------------------------------------------------------------------------------
// Per-type details

export const PRESERVATION_MIN_DAYS = 60;
export const PRESERVATION_DEFAULT_DAYS = 90;
export const PRESERVATION_MAX_DAYS = 365;

/** Custodian of the data, or the location of the computer system (at least one). */
export const Custodian = z
  .strictObject({
    name: str(300).optional(),
    location: str(1000).optional(),
    country: CountryCode.optional(),
  })
  .refine((c) => c.name !== undefined || c.location !== undefined, {
    message: "name the custodian of the data or the location of the system",
  });

/**
 * Expedited preservation (Budapest Convention Art. 29). Its six required elements are: requesting
 * authority, offence and facts (common fields), data to preserve and its link to the offence,
 * custodian or location, why preservation is needed, and that a mutual-assistance request will follow.
 */
export const PreservationDetails = z.strictObject({
  dataToPreserve: NonEmptyText,
  linkToOffence: NonEmptyText,
  custodian: Custodian,
  whyPreservationNeeded: NonEmptyText,
  mutualAssistanceToFollow: z.literal(true, {
    error: "state that a mutual-assistance request for the data will follow (true)",
  }),
  preservationDays: z
    .number()
    .int()
    .min(PRESERVATION_MIN_DAYS, { message: `preservation lasts at least ${PRESERVATION_MIN_DAYS} days` })
    .max(PRESERVATION_MAX_DAYS)
    .default(PRESERVATION_DEFAULT_DAYS),
  period: Period.optional(),
});

/** Expedited disclosure of traffic data, enough to identify the next provider in the path (Art. 30). */
export const TrafficDisclosureDetails = z.strictObject({
  relatedPreservation: Id.optional(),
  communication: NonEmptyText,
  period: Period,
  knownPath: NonEmptyText.optional(),
});

export const SUBSCRIBER_DATA = ["name", "address", "contact", "payment", "registration", "service"] as const;
export const SubscriberInfoDetails = z.strictObject({
  provider: str(300).optional(),
  dataSought: z.array(z.enum(SUBSCRIBER_DATA)).min(1).max(SUBSCRIBER_DATA.length),
  period: Period.optional(),
});

export const MLA_DATA_KINDS = ["traffic", "content", "subscriber", "stored_files"] as const;
export const TrafficContentMlaDetails = z.strictObject({
  relatedPreservation: Id.optional(),
  dataKinds: z.array(z.enum(MLA_DATA_KINDS)).min(1).max(MLA_DATA_KINDS.length),
  dataSought: NonEmptyText,
  custodian: Custodian.optional(),
  period: Period.optional(),
  /** Formalities the evidence must meet to be admissible (certificates, chain of custody...). */
  formalities: NonEmptyText.optional(),
});

export const HARM_KINDS = [
  "death",
  "serious_injury",
  "child_sexual_abuse",
  "kidnapping",
  "terrorist_attack",
  "suicide",
  "other",
] as const;

/** The statement an emergency disclosure stands on: the imminent risk, who is at risk, why it is urgent. */
export const RiskToLife = z.strictObject({
  harm: z.enum(HARM_KINDS),
  description: NonEmptyText,
  personsAtRisk: NonEmptyText,
  whyUrgent: NonEmptyText,
});

export const EmergencyDisclosureDetails = z.strictObject({
  riskToLife: RiskToLife,
  dataSought: NonEmptyText,
  provider: str(300).optional(),
});

export const TAKEDOWN_TARGET_ROLES = [
  "phishing_site",
  "botnet_c2",
  "malware_distribution",
  "fraud_site",
  "illegal_content",
  "other",
] as const;
export const TAKEDOWN_ACTIONS = ["takedown", "sinkhole", "block", "suspend_account", "seize_domain"] as const;

export const TakedownDetails = z.strictObject({
  targets: z
    .array(z.strictObject({ identifier: Identifier, role: z.enum(TAKEDOWN_TARGET_ROLES) }))
    .min(1)
    .max(500),
  action: z.enum(TAKEDOWN_ACTIONS),
  evidenceOfAbuse: NonEmptyText,
  /** For coordinated operations: not before this time. */
  notBefore: IsoDateTime.optional(),
});

export const ON_LOCATION = ["inform_only", "provisional_arrest_to_follow"] as const;
export const FugitiveLocateDetails = z.strictObject({
  subjectIndex: SubjectIndex,
  warrant: CourtOrder.optional(),
  /** Interpol notice or priority-list reference. */
  noticeReference: str(200).optional(),
  lastKnownLocation: NonEmptyText.optional(),
  suspectedWhereabouts: NonEmptyText.optional(),
  onLocation: z.enum(ON_LOCATION).default("inform_only"),
});

export const ProvisionalArrestDetails = z.strictObject({
  subjectIndex: SubjectIndex,
  warrant: CourtOrder,
  charges: z.array(Charge).min(1).max(50),
  whereabouts: NonEmptyText,
  extraditionToFollow: z.literal(true, { error: "state that a request for extradition will follow (true)" }),
});

export const ExtraditionDetails = z.strictObject({
  subjectIndex: SubjectIndex,
  warrant: CourtOrder,
  charges: z.array(Charge).min(1).max(50),
  judgment: CourtOrder.extend({ sentence: str(300) }).optional(),
  provisionalArrestRequest: Id.optional(),
});

export const DeportationDetails = z.strictObject({
  subjectIndex: SubjectIndex,
  whereabouts: NonEmptyText.optional(),
  /** What makes the person removable, as far as the requesting side knows. */
  grounds: NonEmptyText,
  warrant: CourtOrder.optional(),
  travelDocumentOffered: z.boolean().default(false),
});

export const IDENTITY_DOCUMENT_KINDS = [
  "passport",
  "national_id",
  "household_register",
  "birth_certificate",
  "other",
] as const;

export const RepatriationIdentityCheckDetails = z.strictObject({
  subjectIndex: SubjectIndex,
  documents: z
    .array(
      z.strictObject({
        kind: z.enum(IDENTITY_DOCUMENT_KINDS),
        number: str(64).optional(),
        issuingCountry: CountryCode.optional(),
      }),
    )
    .max(10)
    .default([]),
  fingerprintsAvailable: z.boolean().default(false),
  photoAvailable: z.boolean().default(false),
  /** Once identity is verified, the travel document is due within 30 days (see travelDocumentDueBy). */
  travelDocumentRequested: z.boolean().default(true),
});

export const AssetTracingDetails = z.strictObject({
  assets: z.array(AssetRef).max(100).default([]),
  leads: NonEmptyText,
});

export const AssetFreezingDetails = z.strictObject({
  assets: z.array(AssetRef).min(1).max(100),
  domesticOrder: CourtOrder.optional(),
  riskOfDissipation: NonEmptyText,
});

export const AssetConfiscationDetails = z.strictObject({
  assets: z.array(AssetRef).min(1).max(100),
  confiscationOrder: CourtOrder,
  orderIsFinal: z.boolean(),
});

export const AssetReturnDetails = z.strictObject({
  assets: z.array(AssetRef).min(1).max(100),
  confiscationOrder: CourtOrder,
  /** To whom the assets go: victims, legitimate owners or the requesting state. */
  returnTo: NonEmptyText,
});

export const INTERVIEW_MODES = ["in_person", "video", "written"] as const;
export const InterviewDetails = z.strictObject({
  subjectIndex: SubjectIndex,
  questions: NonEmptyText,
  mode: z.enum(INTERVIEW_MODES),
  officersToAttend: z.boolean().default(false),
  language: str(50).optional(),
});

export const CriminalRecordDetails = z.strictObject({
  subjectIndex: SubjectIndex,
  purpose: NonEmptyText,
});

export const GeneralInformationDetails = z.strictObject({
  question: NonEmptyText,
});

// ---------------------------------------------------------------------------------------------------
// The request draft

const common = {
  urgency: Urgency,
  /** Why the request is urgent or an emergency; required unless routine. */
  urgencyReason: NonEmptyText.optional(),
  legalBasis: LegalBasis,
  requestingAuthority: RequestingAuthority,
  offence: Offence,
  facts: NonEmptyText,
  subjects: z.array(Subject).max(100).default([]),
  identifiers: z.array(Identifier).max(500).default([]),
  measuresSought: NonEmptyText,
  attachments: z.array(AttachmentRef).max(100).default([]),
  followUpOf: Id.optional(),
};

const draftOf = <T extends RequestType, D extends z.ZodType>(type: T, details: D) =>
  z.strictObject({ type: z.literal(type), ...common, details });

const TYPES_NEEDING_IDENTIFIERS: ReadonlySet<RequestType> = new Set([
  "traffic_disclosure",
  "subscriber_info",
]);

/**
 * The input to create (or replace) a draft request. Unknown fields are refused. Cross-field rules:
 * - emergency_disclosure must have urgency "emergency";
 * - urgent and emergency requests state an urgencyReason (emergency_disclosure: details.riskToLife);
 * - traffic_disclosure and subscriber_info name at least one identifier;
 * - details.subjectIndex must point at a person in `subjects`.
 */
export const RequestDraftInput = z
  .discriminatedUnion("type", [
    draftOf("preservation", PreservationDetails),
    draftOf("traffic_disclosure", TrafficDisclosureDetails),
    draftOf("subscriber_info", SubscriberInfoDetails),
    draftOf("traffic_content_mla", TrafficContentMlaDetails),
    draftOf("emergency_disclosure", EmergencyDisclosureDetails),
    draftOf("takedown", TakedownDetails),
    draftOf("fugitive_locate", FugitiveLocateDetails),
    draftOf("provisional_arrest", ProvisionalArrestDetails),
    draftOf("extradition", ExtraditionDetails),
    draftOf("deportation", DeportationDetails),
    draftOf("repatriation_identity_check", RepatriationIdentityCheckDetails),
    draftOf("asset_tracing", AssetTracingDetails),
    draftOf("asset_freezing", AssetFreezingDetails),
    draftOf("asset_confiscation", AssetConfiscationDetails),
    draftOf("asset_return", AssetReturnDetails),
    draftOf("interview", InterviewDetails),
    draftOf("criminal_record", CriminalRecordDetails),
    draftOf("general_information", GeneralInformationDetails),
  ])
  .superRefine((r, ctx) => {
    if (r.type === "emergency_disclosure" && r.urgency !== "emergency") {
      ctx.addIssue({
        code: "custom",
        path: ["urgency"],
        message: "an emergency disclosure has urgency emergency",
      });
    }
    if (r.urgency !== "routine" && r.type !== "emergency_disclosure" && r.urgencyReason === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["urgencyReason"],
        ...zodIssue("request.urgencyReason", { urgency: r.urgency }),
      });
    }
    if (TYPES_NEEDING_IDENTIFIERS.has(r.type) && r.identifiers.length === 0) {
      ctx.addIssue({ code: "custom", path: ["identifiers"], message: "name at least one identifier" });
    }
    if ("subjectIndex" in r.details) {
      const subject = r.subjects[r.details.subjectIndex];
      if (!subject) {
        ctx.addIssue({
          code: "custom",
          path: ["details", "subjectIndex"],
          ...zodIssue("request.subjectIndex", { count: r.subjects.length }),
        });
      } else if (subject.kind !== "person") {
        ctx.addIssue({
          code: "custom",
          path: ["details", "subjectIndex"],
          message: "must point at a person",
        });
      }
    }
  });
export type RequestDraftInput = z.infer<typeof RequestDraftInput>;
/** What a client sends (before defaults and normalisation). */
export type RequestDraftInputRaw = z.input<typeof RequestDraftInput>;
export type RequestDraftOf<T extends RequestType> = Extract<RequestDraftInput, { type: T }>;

/** The details schema of each request type (for clients that build forms from them). */
export const DETAILS_SCHEMAS = {
  preservation: PreservationDetails,
  traffic_disclosure: TrafficDisclosureDetails,
  subscriber_info: SubscriberInfoDetails,
  traffic_content_mla: TrafficContentMlaDetails,
  emergency_disclosure: EmergencyDisclosureDetails,
  takedown: TakedownDetails,
  fugitive_locate: FugitiveLocateDetails,
  provisional_arrest: ProvisionalArrestDetails,
  extradition: ExtraditionDetails,
  deportation: DeportationDetails,
  repatriation_identity_check: RepatriationIdentityCheckDetails,
  asset_tracing: AssetTracingDetails,
  asset_freezing: AssetFreezingDetails,
  asset_confiscation: AssetConfiscationDetails,
  asset_return: AssetReturnDetails,
  interview: InterviewDetails,
  criminal_record: CriminalRecordDetails,
  general_information: GeneralInformationDetails,
} as const satisfies Record<RequestType, z.ZodType>;
