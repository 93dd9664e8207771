import {
  type AnswerInput,
  type DECLINE_GROUNDS,
  type EventName,
  issue,
  label,
  type NOTICE_REFUSAL_GROUNDS,
  type NoticeDetail,
  NoticeDraftInput,
  type NoticeDraftInputRaw,
  type NoticeFromRequestInput,
  type NoticeKind,
  type NoticeLocator,
  type NoticeOutcome,
  type NoticeStatus,
  nextNoticeStatus,
  type RequestDraftInputRaw,
  type RequestStatus,
  TERMINAL_STATUSES,
} from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import type { Tx } from "../../db/client.js";
import { type Ctx, requirePermission, systemCtx } from "../../lib/actor.js";
import { AppError, assertThat } from "../../lib/errors.js";
import type { LinkedRequest } from "../requests/requests.port.js";
import { type ProvidersContext, parseOrFail } from "./providers.context.js";
import type { NoticeRow, ProviderRow } from "./providers.repo.js";
import * as repo from "./providers.repo.js";

type NoticeGround = (typeof NOTICE_REFUSAL_GROUNDS)[number];
type DeclineGround = (typeof DECLINE_GROUNDS)[number];
type NormalisedId = NoticeLocator["identifier"];

/** An identifier as stored (normalised) back into the form a schema parses (it normalises it again). */
export function identifierInput(id: NormalisedId): Record<string, unknown> {
  const { raw, scheme: _scheme, ...rest } = id as NormalisedId & { scheme?: string };
  return { ...rest, value: raw || id.value };
}

const clip = (s: string, max = 19_000) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/**
 * The request for assistance a notice to a provider in the other country becomes (pure): its kind picks the
 * request type, its locators become the identifiers (and targets), its reason the facts; the legal basis is
 * the notice's law, stated as domestic law.
 */
export function requestFormOf(
  n: NoticeRow,
  p: ProviderRow,
  me: { id: string; agency: string },
  code: string,
): RequestDraftInputRaw {
  const locators = n.locators as unknown as NoticeLocator[];
  const ids = locators.map((l) => identifierInput(l.identifier));
  const values = locators.map((l) => l.identifier.value).join(", ");
  const windowed = locators.find((l) => l.from && l.to);
  const period = windowed ? { from: windowed.from as string, to: windowed.to as string } : undefined;
  const en = (text: string) => ({ lang: "en" as const, text: clip(text) });
  const what = `${label("noticeKind", n.kind, "en")} (${label("noticeKind", n.kind, "zh-CN")})`;
  const common = {
    urgency: n.urgency as "routine",
    ...(n.urgency !== "routine" ? { urgencyReason: n.reason } : {}),
    legalBasis: { instrument: "domestic_law", article: n.legalBasis.article, reference: n.legalBasis.law },
    requestingAuthority: {
      name: me.agency,
      officer: { name: { original: n.createdByLabel } },
      contact: { other: `Crossline node ${me.id}, notice ${n.reference}` },
    },
    offence: { category: "other", description: n.reason },
    facts: n.reason,
    identifiers: ids,
    measuresSought: en(
      `${what} by ${p.name} / ${p.nameZh} (${p.country}), as in notice ${n.reference} ` +
        `(verification code ${code}). Locators: ${values}`,
    ),
  };
  const kind = n.kind as NoticeKind;
  switch (kind) {
    case "remove_content":
    case "stop_spread":
      return {
        type: "takedown",
        ...common,
        details: {
          targets: ids.map((identifier) => ({ identifier, role: "illegal_content" })),
          action: kind === "stop_spread" ? "block" : "takedown",
          evidenceOfAbuse: n.reason,
        },
      } as RequestDraftInputRaw;
    case "preserve_data":
      return {
        type: "preservation",
        ...common,
        details: {
          dataToPreserve: en(`Logs and stored data concerning: ${values}`),
          linkToOffence: n.reason,
          custodian: { name: p.name, country: p.country },
          whyPreservationNeeded: en(
            `Notice ${n.reference}: the provider must keep the data until it is disclosed`,
          ),
          mutualAssistanceToFollow: true,
          ...(period ? { period } : {}),
        },
      } as RequestDraftInputRaw;
    case "disclose_subscriber":
      return {
        type: "subscriber_info",
        ...common,
        details: {
          provider: p.name,
          dataSought: ["name", "contact", "registration"],
          ...(period ? { period } : {}),
        },
      } as RequestDraftInputRaw;
    case "disclose_traffic": {
      const sent = n.sentAt ?? new Date();
      return {
        type: "traffic_disclosure",
        ...common,
        details: {
          communication: n.reason,
          // Logs are kept at least six months (Cybersecurity Law Art. 21): that window when the notice names none.
          period: period ?? {
            from: new Date(sent.getTime() - 183 * 86_400_000).toISOString(),
            to: sent.toISOString(),
          },
        },
      } as RequestDraftInputRaw;
    }
    case "technical_assistance":
      return {
        type: "general_information",
        ...common,
        details: { question: common.measuresSought },
      } as RequestDraftInputRaw;
  }
}

/** A live notice was made of the incoming request already (one per request; a withdrawn one leaves room). */
export const madeOfRequest = (reference: string) =>
  new AppError("CONFLICT", [{ field: "body.requestId", ...issue("notice.madeOfRequest", { reference }) }]);

/** A request withdrawn by its sender, or closed: nothing is left to ask a provider for. */
export function assertRequestOpen(status: RequestStatus | undefined): void {
  if (status && TERMINAL_STATUSES.includes(status))
    throw new AppError("INVALID_TRANSITION", [
      { field: "body.requestId", ...issue("notice.requestEnded", { status }) },
    ]);
}

/** The kind of notice a request asks for (the peer's officer may choose another). */
export function noticeKindOf(r: Pick<LinkedRequest, "type" | "content">): NoticeKind {
  switch (r.type) {
    case "takedown":
      return (r.content.details as { action?: string }).action === "block" ? "stop_spread" : "remove_content";
    case "preservation":
      return "preserve_data";
    case "subscriber_info":
    case "emergency_disclosure":
      return "disclose_subscriber";
    case "traffic_disclosure":
    case "traffic_content_mla":
      return "disclose_traffic";
    default:
      return "technical_assistance";
  }
}

/** What a provider says, in the request's terms; and back. */
const TO_DECLINE: Record<NoticeGround, DeclineGround> = {
  no_such_data: "no_data_held",
  not_our_service: "insufficient_information",
  insufficient_legal_basis: "other",
  locator_unclear: "insufficient_information",
  technically_impossible: "other",
  other: "other",
};
const TO_NOTICE_GROUND: Partial<Record<DeclineGround, NoticeGround>> = {
  no_data_held: "no_such_data",
  data_no_longer_available: "no_such_data",
  insufficient_information: "locator_unclear",
};
const TO_REQUEST_OUTCOME = {
  done: "fulfilled",
  partly_done: "partly_fulfilled",
  refused: "declined",
} as const;
const TO_NOTICE_OUTCOME: Record<AnswerInput["outcome"], NoticeOutcome> = {
  fulfilled: "done",
  partly_fulfilled: "partly_done",
  declined: "refused",
};

/** The notice events the peer's request events stand for on the requester's notice. */
const REMOTE: Partial<Record<EventName, "receive" | "start_work" | "answer">> = {
  acknowledge: "receive",
  start_work: "start_work",
  answer: "answer",
};

/**
 * Across the border (issue 15, point 5), through the requests module's port: on the requesting node a notice to
 * a provider registered `viaPeerId` leaves as a request for assistance to that peer, in the transaction that
 * sends it; the peer's request moves the notice (received, in progress, answered). On the peer, a compliance
 * officer turns the incoming request into its own notice; sending it starts the request, the provider's answer
 * (with its evidence) answers it, and a withdrawal of the request withdraws the notice. Both notices link to the
 * request between them.
 */
export function createNoticeBorder(c: ProvidersContext) {
  const { db, clock, audit, notifications } = c.deps;

  function port() {
    const p = c.deps.requests;
    assertThat(p, new AppError("CONFLICT", [{ field: "providerId", issue: "this node cannot reach peers" }]));
    return p;
  }

  /** Requester: the notice leaves as a request to the provider's peer; returns the notice linked to it. */
  async function relay(tx: Tx, ctx: Ctx, n: NoticeRow, p: ProviderRow, me: { id: string; agency: string }) {
    const form = requestFormOf(n, p, me, n.verificationCode ?? "");
    const r = await port().sendIn(tx, ctx, {
      unitId: n.ownerUnitId,
      peerId: p.viaPeerId as string,
      form,
      purpose: clip(`Notice ${n.reference} to ${p.name}, reached through ${p.viaPeerId}`, 500),
    });
    const u = await repo.updateNotice(tx, n.id, { outRequestId: r.id });
    await c.recordEvent(tx, ctx, u, {
      event: "relayed",
      from: u.status as NoticeStatus,
      to: u.status as NoticeStatus,
      side: "authority",
      data: { requestId: r.id, reference: r.reference, peerId: r.peerId, type: r.type },
    });
    await audit.record(tx, ctx, {
      action: "notice.relay",
      targetType: "notice",
      targetId: n.id,
      details: { requestId: r.id, reference: r.reference, peerId: r.peerId, type: r.type },
    });
    return u;
  }

  /** Peer: the notice made of a request was sent to the provider; the request is acknowledged and in progress. */
  async function started(tx: Tx, ctx: Ctx, n: NoticeRow) {
    if (n.inRequestId) await port().startIn(tx, ctx, n.inRequestId);
  }

  /** Requester: withdrawing the notice withdraws its request. */
  async function withdrawn(tx: Tx, ctx: Ctx, n: NoticeRow, reason: string) {
    if (n.outRequestId) await port().withdrawIn(tx, ctx, n.outRequestId, reason);
  }

  /** Peer: the provider's answer (and its evidence, as attachments) answers the request it came from. */
  async function answered(
    tx: Tx,
    ctx: Ctx,
    n: NoticeRow,
    a: { outcome: NoticeOutcome; text: { lang: "en" | "zh-CN"; text: string }; grounds?: NoticeGround },
    evidence: string[],
  ) {
    if (!n.inRequestId) return;
    const attachments = [];
    for (const id of evidence) {
      const f = await repo.readFile(tx, n.id, id);
      if (f) attachments.push({ ...(await port().putAttachment(tx, f.data, f.name)), name: f.name });
    }
    const outcome = TO_REQUEST_OUTCOME[a.outcome];
    const answer: AnswerInput = {
      outcome,
      summary: a.text,
      ...(outcome !== "fulfilled"
        ? { grounds: { code: TO_DECLINE[a.grounds ?? "other"], explanation: a.text } }
        : {}),
      attachments,
    };
    await port().answerIn(tx, ctx, n.inRequestId, answer);
  }

  /** The peer moved a request this node holds: the notice linked to it follows (inbox transaction). */
  async function peerEvent(
    tx: Tx,
    r: { id: string; direction: string; answeredAt: Date | null; reference: string },
    event: EventName,
    data: Record<string, unknown>,
    actorLabel: string,
  ) {
    const n =
      r.direction === "outgoing"
        ? await repo.findNoticeByOutRequest(tx, r.id)
        : event === "withdraw"
          ? await repo.findNoticeByInRequest(tx, r.id)
          : undefined;
    if (!n) return;
    const locked = await repo.lockNotice(tx, n.id);
    if (!locked) return;
    const now = clock.now();
    if (r.direction === "incoming") {
      // The requester withdrew: the notice made of its request is withdrawn, and its provider told.
      const to = nextNoticeStatus(locked.status as NoticeStatus, "withdraw");
      if (!to) return;
      const u = await repo.updateNotice(tx, n.id, { status: to, withdrawnAt: now, updatedAt: now });
      await moved(tx, u, "withdraw", locked.status, to, actorLabel, r, "authority");
      if (!repo.UNSENT.includes(locked.status))
        await c.tellProvider(tx, u, "notice_withdrawn", await c.nodeInfo());
      return;
    }
    const as = REMOTE[event];
    if (!as) return;
    const answer = as === "answer" ? (data.answer as AnswerInput | undefined) : undefined;
    const outcome = answer ? TO_NOTICE_OUTCOME[answer.outcome] : undefined;
    const to = nextNoticeStatus(locked.status as NoticeStatus, as, outcome);
    if (!to) return;
    const set: repo.NoticeSet = { status: to, updatedAt: now, receivedAt: locked.receivedAt ?? now };
    if (answer && outcome) {
      const at = r.answeredAt ?? now;
      const ground = answer.grounds ? (TO_NOTICE_GROUND[answer.grounds.code] ?? "other") : undefined;
      Object.assign(set, {
        answer: {
          outcome,
          text: answer.summary,
          ...(ground ? { grounds: ground } : {}),
          // The evidence stays with the request (its attachments): the chain links to it.
          attachmentIds: [],
          answeredBy: actorLabel,
        },
        answeredAt: at,
        actedAt: outcome === "refused" ? null : at,
      });
    }
    const u = await repo.updateNotice(tx, n.id, set);
    await moved(tx, u, as, locked.status, to, actorLabel, r, "provider");
    if (answer && outcome) {
      const p = await repo.findProvider(tx, u.providerId);
      await notifications.notify(tx, {
        userIds: await c.deps.recipientsFor(tx, ["provider_compliance"]),
        kind: "provider.notice_answered",
        subjectId: u.id,
        severity: "info",
        key: "notice_answered",
        params: {
          reference: u.reference,
          provider: p?.name ?? "",
          outcome: `${label("noticeOutcome", outcome, "en")} / ${label("noticeOutcome", outcome, "zh-CN")}`,
        },
      });
    }
  }

  async function moved(
    tx: Tx,
    u: NoticeRow,
    event: "withdraw" | "receive" | "start_work" | "answer",
    from: string,
    to: NoticeStatus,
    actorLabel: string,
    r: { id: string; reference: string },
    side: "authority" | "provider",
  ) {
    await repo.insertEvent(tx, {
      id: uuidv7(),
      noticeId: u.id,
      event,
      fromStatus: from,
      toStatus: to,
      side,
      actorUserId: null,
      actorLabel,
      at: clock.now(),
      data: { requestId: r.id, reference: r.reference },
    });
    await audit.record(tx, systemCtx(), {
      action: "notice.remote",
      targetType: "notice",
      targetId: u.id,
      details: { event, from, to, requestId: r.id, actor: actorLabel },
    });
    await c.settle(tx, u.id, event);
  }

  /** Peer: a compliance officer turns an incoming request its unit holds into a draft notice to a provider. */
  async function fromRequest(
    ctx: Ctx,
    input: NoticeFromRequestInput,
    createDraft: (ctx: Ctx, form: NoticeDraftInput, link: { inRequestId: string }) => Promise<NoticeDetail>,
  ): Promise<NoticeDetail> {
    requirePermission(ctx.actor, "notices:draft");
    const r = await port().readIncoming(ctx, input.requestId, "body.requestId");
    // A first look, to answer before the form is built; createDraft decides under the request's lock.
    assertRequestOpen(r.status);
    const taken = await repo.findNoticeByInRequest(db, r.id);
    if (taken && taken.status !== "withdrawn") throw madeOfRequest(taken.reference);
    const content = r.content as unknown as {
      identifiers?: NormalisedId[];
      facts: { lang: "en" | "zh-CN"; text: string };
      details: { targets?: { identifier: NormalisedId }[]; period?: { from: string; to: string } };
    };
    const ids = content.identifiers?.length
      ? content.identifiers
      : (content.details.targets ?? []).map((t) => t.identifier);
    const period = content.details.period;
    assertThat(
      ids.length > 0,
      new AppError("VALIDATION_FAILED", [
        { field: "body.requestId", issue: "the request names no identifier a provider could act on" },
      ]),
    );
    const raw: NoticeDraftInputRaw = {
      providerId: input.providerId,
      kind: input.kind ?? noticeKindOf(r),
      urgency: r.urgency as "routine",
      legalBasis: input.legalBasis,
      locators: ids.slice(0, 50).map((id) => ({
        identifier: identifierInput(id) as NoticeDraftInputRaw["locators"][number]["identifier"],
        ...(period ? { from: period.from, to: period.to } : {}),
      })),
      reason: content.facts,
      ...(input.actBy ? { actBy: input.actBy } : {}),
    };
    return createDraft(ctx, parseOrFail(NoticeDraftInput, raw, "body"), { inRequestId: r.id });
  }

  return { relay, started, withdrawn, answered, peerEvent, fromRequest };
}

export type NoticeBorder = ReturnType<typeof createNoticeBorder>;
