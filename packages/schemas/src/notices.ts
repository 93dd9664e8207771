import { z } from "zod";
import { Id, IsoDateTime, Language, NodeId, TimeZone, Username } from "./common.js";
import { UrgencyDeadlines } from "./deadlines.js";
import { CountryCode, EmailAddress, Identifier, NormalisedIdentifier, PhoneNumber } from "./identifiers.js";
import { RequestStatus } from "./request-lifecycle.js";
import { AttachmentRef, NonEmptyText, Urgency } from "./requests.js";
import type { Permission } from "./roles.js";

/**
 * Online service providers and the notices a node sends them (China's Cybersecurity Law, in force
 * 1 June 2017: stop the spread, delete, keep records and logs, assist public security). The register,
 * the notice form, its lifecycle as a pure transition table (like request-lifecycle.ts), the deadline
 * policy per kind (the same deadline engine as requests: deadlines.ts), and the verification code.
 */

const str = (max: number) => z.string().trim().min(1).max(max);

// ---------------------------------------------------------------------------------------------------
// The register

/** The ways a provider accepts notices. */
export const PROVIDER_CHANNELS = ["portal", "email", "api", "post"] as const;
export const ProviderChannel = z.enum(PROVIDER_CHANNELS);
export type ProviderChannel = z.infer<typeof ProviderChannel>;

export const ProviderContact = z
  .strictObject({
    name: str(200),
    email: EmailAddress.optional(),
    phone: PhoneNumber.optional(),
  })
  .refine((c) => c.email !== undefined || c.phone !== undefined, {
    message: "give an e-mail address or a phone number",
    path: ["email"],
  });

export const ProviderInput = z.strictObject({
  name: str(300),
  nameZh: str(300),
  country: CountryCode,
  services: z.array(str(120)).min(1).max(30),
  legalEntity: str(500),
  contacts: z.array(ProviderContact).min(1).max(10),
  channels: z.array(ProviderChannel).min(1).max(PROVIDER_CHANNELS.length),
  /**
   * The peer node whose authorities reach this provider (a provider in the other country): a notice to it
   * becomes a request for assistance to that peer instead of going to the provider directly.
   */
  viaPeerId: NodeId.nullable().optional(),
});
export type ProviderInput = z.infer<typeof ProviderInput>;
export const ProviderPatch = ProviderInput.partial().extend({ active: z.boolean().optional() });

export const ProviderView = z.object({
  id: Id,
  name: z.string(),
  nameZh: z.string(),
  country: z.string(),
  services: z.array(z.string()),
  legalEntity: z.string(),
  contacts: z.array(
    z.object({ name: z.string(), email: z.string().optional(), phone: z.string().optional() }),
  ),
  channels: z.array(ProviderChannel),
  viaPeerId: z.string().nullable(),
  active: z.boolean(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type ProviderView = z.infer<typeof ProviderView>;

export const ProviderUserInput = z.strictObject({
  username: Username,
  displayName: str(200),
  email: EmailAddress,
  language: Language.default("en"),
  timeZone: TimeZone,
});
export const ProviderUserView = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  timeZone: z.string(),
});

// ---------------------------------------------------------------------------------------------------
// Notices

export const NOTICE_KINDS = [
  "remove_content",
  "stop_spread",
  "preserve_data",
  "disclose_subscriber",
  "disclose_traffic",
  "technical_assistance",
] as const;
export const NoticeKind = z.enum(NOTICE_KINDS);
export type NoticeKind = z.infer<typeof NoticeKind>;

export const NOTICE_STATUSES = [
  "draft",
  "pending_approval",
  "sent",
  "received",
  "in_progress",
  "done",
  "partly_done",
  "refused",
  "withdrawn",
] as const;
export const NoticeStatus = z.enum(NOTICE_STATUSES);
export type NoticeStatus = z.infer<typeof NoticeStatus>;

/** The provider has finished: its answer is final (done, partly done or refused). */
export const NOTICE_ANSWERED: readonly NoticeStatus[] = ["done", "partly_done", "refused"];
export const NOTICE_FINAL: readonly NoticeStatus[] = [...NOTICE_ANSWERED, "withdrawn"];

export const NOTICE_OUTCOMES = ["done", "partly_done", "refused"] as const;
export const NoticeOutcome = z.enum(NOTICE_OUTCOMES);
export type NoticeOutcome = z.infer<typeof NoticeOutcome>;

/** Grounds a provider may give for refusing (or only partly acting on) a notice. */
export const NOTICE_REFUSAL_GROUNDS = [
  "no_such_data",
  "not_our_service",
  "insufficient_legal_basis",
  "locator_unclear",
  "technically_impossible",
  "other",
] as const;

export const NOTICE_SIDES = ["authority", "provider"] as const;
export type NoticeSide = (typeof NOTICE_SIDES)[number];

export const NOTICE_EVENTS = [
  "submit_for_approval",
  "approve",
  "reject_approval",
  "send",
  "receive",
  "start_work",
  "answer",
  "withdraw",
] as const;
export const NoticeEvent = z.enum(NOTICE_EVENTS);
export type NoticeEvent = z.infer<typeof NoticeEvent>;

/** Timeline entries that do not change the status. */
export const NOTICE_RECORD_EVENTS = [
  "create",
  "edit",
  "question",
  "reply",
  "evidence",
  "overdue",
  /** Across the border: the notice left as a request for assistance to the provider's peer. */
  "relayed",
] as const;
export const NOTICE_TIMELINE_EVENTS = [...NOTICE_EVENTS, ...NOTICE_RECORD_EVENTS] as const;
export type NoticeTimelineEvent = (typeof NOTICE_TIMELINE_EVENTS)[number];

export interface NoticeEventDef {
  name: NoticeEvent;
  from: readonly NoticeStatus[];
  /** The status after the event; for `answer`, the outcome decides (done / partly_done / refused). */
  to: NoticeStatus | "outcome";
  side: NoticeSide;
  permission: Permission;
}

const OPEN_AT_PROVIDER: readonly NoticeStatus[] = ["sent", "received", "in_progress"];

/** The transition table of a notice. */
export const NOTICE_TRANSITIONS: Readonly<Record<NoticeEvent, NoticeEventDef>> = {
  submit_for_approval: {
    name: "submit_for_approval",
    from: ["draft"],
    to: "pending_approval",
    side: "authority",
    permission: "notices:draft",
  },
  approve: {
    name: "approve",
    from: ["pending_approval"],
    to: "sent",
    side: "authority",
    permission: "notices:approve",
  },
  reject_approval: {
    name: "reject_approval",
    from: ["pending_approval"],
    to: "draft",
    side: "authority",
    permission: "notices:approve",
  },
  send: { name: "send", from: ["draft"], to: "sent", side: "authority", permission: "notices:draft" },
  receive: { name: "receive", from: ["sent"], to: "received", side: "provider", permission: "portal:answer" },
  start_work: {
    name: "start_work",
    from: ["sent", "received"],
    to: "in_progress",
    side: "provider",
    permission: "portal:answer",
  },
  answer: {
    name: "answer",
    from: OPEN_AT_PROVIDER,
    to: "outcome",
    side: "provider",
    permission: "portal:answer",
  },
  withdraw: {
    name: "withdraw",
    from: ["draft", "pending_approval", ...OPEN_AT_PROVIDER],
    to: "withdrawn",
    side: "authority",
    permission: "notices:draft",
  },
};

/** The events of `side` open from `status` for someone holding `permissions`. */
export function allowedNoticeEvents(
  status: NoticeStatus,
  side: NoticeSide,
  permissions: ReadonlySet<string>,
): NoticeEvent[] {
  return NOTICE_EVENTS.filter((e) => {
    const d = NOTICE_TRANSITIONS[e];
    return d.side === side && d.from.includes(status) && permissions.has(d.permission);
  });
}

/** The status after `event` from `status`, or null when the table does not allow it. */
export function nextNoticeStatus(
  status: NoticeStatus,
  event: NoticeEvent,
  outcome?: NoticeOutcome,
): NoticeStatus | null {
  const d = NOTICE_TRANSITIONS[event];
  if (!d.from.includes(status)) return null;
  if (d.to !== "outcome") return d.to;
  return outcome ?? null;
}

/** The law and article a notice rests on, e.g. "Cybersecurity Law of the PRC", "Art. 47". */
export const NoticeLegalBasis = z.strictObject({ law: str(300), article: str(100) });

/** What the notice is about: one identifier (a URL, an account, an address…) and the time window concerned. */
export const NoticeLocatorInput = z
  .strictObject({
    identifier: Identifier,
    from: IsoDateTime.optional(),
    to: IsoDateTime.optional(),
  })
  .refine((l) => !l.from || !l.to || Date.parse(l.from) <= Date.parse(l.to), {
    message: "must not be before from",
    path: ["to"],
  });
export const NoticeLocator = z.object({
  identifier: NormalisedIdentifier,
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
});
export type NoticeLocator = z.infer<typeof NoticeLocator>;

export const NoticeDraftInput = z.strictObject({
  providerId: Id,
  kind: NoticeKind,
  urgency: Urgency,
  legalBasis: NoticeLegalBasis,
  locators: z.array(NoticeLocatorInput).min(1).max(50),
  reason: NonEmptyText,
  /**
   * A deadline earlier than the policy's (never later): the provider must act by then. It must lie after
   * the moment the notice is sent, else sending is refused.
   */
  actBy: IsoDateTime.optional(),
});
export type NoticeDraftInput = z.output<typeof NoticeDraftInput>;
export type NoticeDraftInputRaw = z.input<typeof NoticeDraftInput>;

/**
 * Across the border: the peer's incoming request (which this node's unit holds) turned into this node's own
 * notice to a provider in its register. The locators, urgency, reason and (unless given) the kind come from
 * the request; the legal basis is this node's own law.
 */
export const NoticeFromRequestInput = z.strictObject({
  requestId: Id,
  providerId: Id,
  legalBasis: NoticeLegalBasis,
  kind: NoticeKind.optional(),
  actBy: IsoDateTime.optional(),
});
export type NoticeFromRequestInput = z.output<typeof NoticeFromRequestInput>;

export const NoticeActionInput = z.discriminatedUnion("event", [
  z.strictObject({ event: z.literal("submit_for_approval") }),
  z.strictObject({ event: z.literal("approve") }),
  z.strictObject({ event: z.literal("reject_approval"), reason: str(2000).optional() }),
  z.strictObject({ event: z.literal("send") }),
  z.strictObject({ event: z.literal("withdraw"), reason: str(2000) }),
]);

export const NoticeAnswerInput = z
  .strictObject({
    outcome: NoticeOutcome,
    text: NonEmptyText,
    grounds: z.enum(NOTICE_REFUSAL_GROUNDS).optional(),
    /** When the provider acted (removed the content, preserved the data…); default: now. */
    actedAt: IsoDateTime.optional(),
    attachmentIds: z.array(Id).max(20).default([]),
  })
  .refine((a) => a.outcome === "done" || a.grounds !== undefined, {
    message: "say why the notice was not fully acted on",
    path: ["grounds"],
  });

export const PortalActionInput = z.discriminatedUnion("event", [
  z.strictObject({ event: z.literal("receive") }),
  z.strictObject({ event: z.literal("start_work") }),
]);

export const NoticeMessageInput = z.strictObject({ text: NonEmptyText });

/** Deadlines per kind and urgency: acknowledge = the provider confirms receipt; answer = it acts. */
export const NoticeDeadlinePolicy = z.record(NoticeKind, UrgencyDeadlines);
export type NoticeDeadlinePolicy = z.infer<typeof NoticeDeadlinePolicy>;

export const NoticePolicy = z.strictObject({
  deadlines: NoticeDeadlinePolicy,
  fourEyes: z.record(NoticeKind, z.boolean()),
});
export type NoticePolicy = z.infer<typeof NoticePolicy>;

const H = 60;
const D = 24 * H;
/**
 * Shipped defaults (routine act-by): content removal and stopping the spread 24 h (the law's "immediately"
 * read as a working day), preservation 24 h (logs roll over), subscriber 5 d, traffic 5 d, technical
 * assistance 7 d. Urgent halves it (at least 1 h), emergency: 1 h to confirm, 4 h to act.
 */
const ROUTINE_ACT: Record<NoticeKind, number> = {
  remove_content: D,
  stop_spread: D,
  preserve_data: D,
  disclose_subscriber: 5 * D,
  disclose_traffic: 5 * D,
  technical_assistance: 7 * D,
};
function noticeDefaults(kind: NoticeKind): z.infer<typeof UrgencyDeadlines> {
  const act = ROUTINE_ACT[kind];
  return {
    emergency: { acknowledgeMinutes: H, answerMinutes: Math.min(act, 4 * H) },
    urgent: { acknowledgeMinutes: 2 * H, answerMinutes: Math.max(2 * H, Math.ceil(act / 2 / H) * H) },
    routine: { acknowledgeMinutes: Math.min(act, D), answerMinutes: act },
  };
}
export const DEFAULT_NOTICE_POLICY: NoticePolicy = {
  deadlines: Object.fromEntries(NOTICE_KINDS.map((k) => [k, noticeDefaults(k)])) as NoticeDeadlinePolicy,
  fourEyes: Object.fromEntries(NOTICE_KINDS.map((k) => [k, true])) as Record<NoticeKind, boolean>,
};

// ---------------------------------------------------------------------------------------------------
// Verification codes: 20 Crockford base32 symbols (100 random bits) and a check symbol, in groups of four.

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Check symbols: mod 37 (Crockford's extra five), so any single substitution or transposition is caught. */
const CHECK = `${CROCKFORD}*~$=U`;
export const VERIFICATION_CODE_DATA_LENGTH = 20;

function checkSymbol(data: string): string {
  let n = 0;
  for (const ch of data) n = (n * 32 + CROCKFORD.indexOf(ch)) % 37;
  return CHECK[n];
}

/** Makes a code from 20 random values 0–31 (the caller supplies randomness: crypto on the server). */
export function makeVerificationCode(randomSymbols: readonly number[]): string {
  if (randomSymbols.length !== VERIFICATION_CODE_DATA_LENGTH) throw new RangeError("20 symbols expected");
  const data = randomSymbols.map((n) => CROCKFORD[n & 31]).join("");
  const all = data + checkSymbol(data);
  return all.match(/.{1,4}/g)?.join("-") ?? all;
}

/**
 * The canonical form of a code as typed (spaces, dashes and case ignored; I/L read as 1, O as 0), or null
 * when it is not a well-formed code or its check symbol is wrong: a mistyped or guessed code is caught here.
 */
export function normaliseVerificationCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]/g, "").replace(/[IL]/g, "1").replace(/O/g, "0");
  if (s.length !== VERIFICATION_CODE_DATA_LENGTH + 1) return null;
  const data = s.slice(0, -1);
  if (![...data].every((c) => CROCKFORD.includes(c))) return null;
  if (checkSymbol(data) !== s.slice(-1)) return null;
  return s.match(/.{1,4}/g)?.join("-") ?? s;
}

/** The signed notice as a file: what a provider keeps and can check later (`crossline notices verify FILE`). */
export const SIGNED_NOTICE_FORMAT = "crossline-notice/1";
export const SignedNoticeFile = z.strictObject({
  format: z.literal(SIGNED_NOTICE_FORMAT),
  code: z.string().max(64),
  notice: z.record(z.string(), z.unknown()),
  signature: z.string().max(64 * 1024),
});
export type SignedNoticeFile = z.infer<typeof SignedNoticeFile>;

export const VerifyInput = z
  .strictObject({
    code: z.string().trim().max(64).optional(),
    document: SignedNoticeFile.optional(),
    /** The provider asking (its id in the register): a genuine notice addressed to another is a replay. */
    addressee: Id.optional(),
  })
  .refine((v) => v.code !== undefined || v.document !== undefined, {
    message: "give a verification code or a signed notice",
    path: ["code"],
  });

export const VERIFY_RESULTS = [
  "valid",
  "withdrawn",
  "unknown",
  "malformed",
  "forged",
  "altered",
  "replayed",
] as const;
export type VerifyResult = (typeof VERIFY_RESULTS)[number];

export const VerifyView = z.object({
  result: z.enum(VERIFY_RESULTS),
  /** Present when the notice is genuine (valid or withdrawn). */
  notice: z
    .object({
      reference: z.string(),
      node: z.string(),
      agency: z.string(),
      officer: z.string(),
      approvedBy: z.string().nullable(),
      provider: z.string(),
      providerZh: z.string(),
      kind: NoticeKind,
      sentAt: IsoDateTime,
      actBy: IsoDateTime.nullable(),
      inForce: z.boolean(),
      status: NoticeStatus,
      withdrawnAt: IsoDateTime.nullable(),
    })
    .nullable(),
});
export type VerifyView = z.infer<typeof VerifyView>;

// ---------------------------------------------------------------------------------------------------
// Views

export const NoticeEventView = z.object({
  id: Id,
  event: z.enum(NOTICE_TIMELINE_EVENTS),
  fromStatus: NoticeStatus.nullable(),
  toStatus: NoticeStatus,
  side: z.enum(NOTICE_SIDES),
  actor: z.string(),
  at: IsoDateTime,
  data: z.record(z.string(), z.unknown()),
});

export const NoticeMessageView = z.object({
  id: Id,
  side: z.enum(NOTICE_SIDES),
  author: z.string(),
  text: NonEmptyText,
  at: IsoDateTime,
});

export const NoticeAnswerView = z.object({
  outcome: NoticeOutcome,
  text: NonEmptyText,
  grounds: z.enum(NOTICE_REFUSAL_GROUNDS).nullable(),
  actedAt: IsoDateTime,
  answeredBy: z.string(),
  attachments: z.array(AttachmentRef),
});

/** An instant with its wall-clock rendering in the reader's time zone. */
export const LocalTime = z.object({ at: IsoDateTime, local: z.string(), zone: z.string() });

export const NoticeSummary = z.object({
  id: Id,
  reference: z.string(),
  providerId: Id,
  providerName: z.string(),
  providerNameZh: z.string(),
  kind: NoticeKind,
  urgency: Urgency,
  status: NoticeStatus,
  sentAt: IsoDateTime.nullable(),
  acknowledgeBy: LocalTime.nullable(),
  actBy: LocalTime.nullable(),
  deadlineState: z.enum(["ok", "due_soon", "overdue"]).nullable(),
  timeToActionMinutes: z.number().int().nullable(),
  createdAt: IsoDateTime,
});
export type NoticeSummary = z.infer<typeof NoticeSummary>;

export const NoticeLinkView = z.object({
  kind: z.enum(["request_out", "request_in"]),
  requestId: Id.nullable(),
  peerId: z.string().nullable(),
  reference: z.string().nullable(),
  /** The request's status on this node (the same on both nodes once its events have travelled). */
  status: RequestStatus.nullable(),
  /**
   * The evidence the provider's answer carried, as the request's answer attachments on this node (downloaded from
   * the request: `GET /api/v1/requests/:requestId/attachments/:id`): on the requester's side, the provider's own files.
   */
  evidence: z.array(AttachmentRef),
});

export const NoticeDetail = NoticeSummary.extend({
  legalBasis: NoticeLegalBasis,
  locators: z.array(NoticeLocator),
  reason: NonEmptyText,
  requestedActBy: IsoDateTime.nullable(),
  createdBy: z.string(),
  approvedBy: z.string().nullable(),
  verificationCode: z.string().nullable(),
  answer: NoticeAnswerView.nullable(),
  evidence: z.array(AttachmentRef),
  messages: z.array(NoticeMessageView),
  timeline: z.array(NoticeEventView),
  links: z.array(NoticeLinkView),
  allowedActions: z.array(NoticeEvent),
});
export type NoticeDetail = z.infer<typeof NoticeDetail>;

export const NoticeQuery = z.strictObject({
  status: NoticeStatus.optional(),
  providerId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const NoticeFiguresQuery = z.strictObject({
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
});
export const NoticeFigureRow = z.object({
  providerId: Id,
  providerName: z.string(),
  providerNameZh: z.string(),
  kind: NoticeKind,
  sent: z.number().int(),
  answered: z.number().int(),
  done: z.number().int(),
  partlyDone: z.number().int(),
  refused: z.number().int(),
  overdue: z.number().int(),
  /** Done or partly done within the deadline, over the notices whose deadline has passed or that were answered. */
  complianceRate: z.number().nullable(),
  medianTimeToActionMinutes: z.number().nullable(),
});
export const NoticeFigures = z.object({
  from: IsoDateTime,
  to: IsoDateTime,
  rows: z.array(NoticeFigureRow),
  overdue: z.array(NoticeSummary),
});
export type NoticeFigures = z.infer<typeof NoticeFigures>;
