import {
  type AnswerInput,
  allowedEvents,
  type ErrorDetail,
  type EventName,
  type issue as issueRef,
  preservationExpiry,
  REQUEST_ORIGIN_TYPES,
  type RequestDetail,
  RequestDraftInput,
  type RequestOriginType,
  type Side,
  secondCheckGuard,
  secondCheckRequired,
  type TimelineEventName,
} from "@crossline/schemas";
import type { z } from "zod";
import { uuidv7 } from "../../crypto/ids.js";
import type { Db, DbOrTx, Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat, notFound, zodIssueDetail } from "../../lib/errors.js";
import type { AccessLogPort } from "../access-log/access-log.service.js";
import type { AuditService } from "../audit/audit.service.js";
import type { BlobPort, PeerDirectory } from "../federation/federation.directory.js";
import type { FederationPort } from "../federation/federation.types.js";
import type { HotlineService } from "../hotline/hotline.service.js";
import type { LawfulPort } from "../lawful/lawful.types.js";
import type { NodeService } from "../node/node.service.js";
import type { NotificationsService } from "../notifications/notifications.service.js";
import type { OrgService } from "../org/org.service.js";
import type { PersonsPort } from "../persons/persons.port.js";
import type { RequestPolicyService } from "./requests.policy.js";
import type { RequestWatchers } from "./requests.port.js";
import * as repo from "./requests.repo.js";
import {
  detailParts,
  localSide,
  makeZoner,
  type RequestRow,
  toEventView,
  toExtensionView,
  toSummary,
} from "./requests.views.js";

export type AttachmentRef = { id: string; sha256: string; size: number; name?: string };

export interface RequestsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  node: Pick<NodeService, "summary">;
  policy: RequestPolicyService;
  hotline: HotlineService;
  notifications: NotificationsService;
  federation: FederationPort;
  /** The peers this node knows (names and state): federation's read port, instead of its table. */
  peers: PeerDirectory;
  org: Pick<OrgService, "findUnit">;
  /** Personal data: each request's legal basis and retention, and the screening that may hold it back. */
  lawful: LawfulPort;
  /**
   * Attachments through federation, which owns the blobs: uploaded bytes become a federation blob (so
   * envelopes that reference it carry it to the peer); reads go through its blob port.
   */
  attachments: BlobPort & {
    putAttachment(tx: Tx, bytes: Buffer, name?: string): Promise<AttachmentRef>;
  };
  /** The person records the subjects link to (persons' port: the module never reads their tables). */
  persons: PersonsPort;
  /** Reads of requests naming a person are logged here. */
  accessLog: AccessLogPort;
  /** Told of each event the peer applies to a request here (the providers module: notices across the border). */
  watchers?: RequestWatchers;
}

export type Form = z.output<typeof RequestDraftInput>;

/** An event refused in the request's state: the issue (a fixed text, or a key with parameters) and what is allowed. */
export function invalidTransition(issue: string | ReturnType<typeof issueRef>, allowed: string[]): AppError {
  return new AppError("INVALID_TRANSITION", [
    { ...(typeof issue === "string" ? { issue } : issue), allowed },
  ]);
}

/** Parses a draft form; on failure a VALIDATION_FAILED naming each field under `prefix`. */
export function parseForm(input: unknown, prefix = "body.form"): Form {
  // reportInput: the issue keeps the offending value, so Zod's locales can name the type received.
  const r = RequestDraftInput.safeParse(input, { reportInput: true });
  if (r.success) return r.data;
  const details: ErrorDetail[] = r.error.issues
    .slice(0, 50)
    .map((i) => zodIssueDetail([prefix, ...i.path.map(String)].join("."), i));
  throw new AppError("VALIDATION_FAILED", details);
}

/** Whether a request's form names a person among its subjects. */
export function namesAPerson(form: Pick<Form, "subjects"> | undefined): boolean {
  return !!form?.subjects?.some((s) => s.kind === "person");
}

/** The person subjects of a form, at their positions (organisations are not persons). */
export function personSubjects(form: Pick<Form, "subjects">) {
  return (form.subjects ?? []).flatMap((s, ordinal) =>
    s.kind === "person"
      ? [
          {
            ordinal,
            names: s.names,
            dateOfBirth: s.dateOfBirth,
            nationality: s.nationality,
            role: s.role,
            notes: s.notes,
          },
        ]
      : [],
  );
}

export function referenceFor(nodeId: string, id: string, at: Date): string {
  return `${nodeId}-${at.getUTCFullYear()}-${id.replace(/-/g, "").slice(-10).toUpperCase()}`;
}

/** The severity of a notice about a request of this urgency. */
export function severityOf(urgency: string): "info" | "urgent" | "emergency" {
  return urgency === "emergency" ? "emergency" : urgency === "urgent" ? "urgent" : "info";
}

/** The notifications (by kind) that ask the responding desk to take the request up. */
const TAKE_UP = ["request_received", "request_assigned", "escalation", "escalation_received"] as const;
/** Every kind that asks someone to act on a request; all are done once it is closed or withdrawn. */
const ALL_ASKS = [
  ...TAKE_UP,
  "approval_needed",
  "approval_rejected",
  "request_request_more_info",
  "answer_overdue",
  "extension_requested",
  "preservation_expiring",
] as const;

/**
 * Which notifications a timeline event settles: those that asked for what the event does, on this node (the
 * kinds are side-specific, so one table serves both sides). An acknowledgement or answer settles the take-up
 * alerts of the responding desk, and, on the requesting node, the escalation it raised; approving or returning
 * a request settles the approval asked; providing what was asked settles the request for more information;
 * deciding an extension settles its asking; asking one settles the expiry warning.
 */
const SETTLES: Partial<Record<TimelineEventName, readonly string[]>> = {
  acknowledge: TAKE_UP,
  start_work: TAKE_UP,
  request_more_info: TAKE_UP,
  answer: [...TAKE_UP, "answer_overdue", "request_provide_more_info"],
  approve: ["approval_needed"],
  reject_approval: ["approval_needed"],
  submit_for_approval: ["approval_rejected"],
  send: ["approval_rejected"],
  provide_more_info: ["request_request_more_info"],
  extension_requested: ["preservation_expiring"],
  extension_granted: ["extension_requested"],
  extension_refused: ["extension_requested"],
  close: ALL_ASKS,
  withdraw: ALL_ASKS,
};

const isOriginType = (t: string | null): t is RequestOriginType =>
  (REQUEST_ORIGIN_TYPES as readonly (string | null)[]).includes(t);

/**
 * What every part of the requests module shares: its dependencies, the node's identity, reading a request
 * the actor may see, the actions open to them, the detail view, and recording a timeline event. The
 * parts (queries, drafts, lifecycle, thread, preservation, sweeps, inbox) each take this one object.
 */
export function createRequestsContext(deps: RequestsDeps) {
  const { db, clock, policy, node } = deps;

  /**
   * The node's id and time zone. `node.summary()` reads once per process and then answers from memory;
   * every entry point calls it before opening a transaction (PGlite has one connection), and the
   * federation inbox has called it before it runs a handler.
   */
  async function nodeInfo(): Promise<{ id: string; timeZone: string }> {
    const n = await node.summary();
    return { id: n.id, timeZone: n.timeZone };
  }

  /** Deny by default: requests:read, and the request belongs to the actor's unit; else not found. */
  function visible(ctx: Ctx, r: RequestRow | undefined): r is RequestRow {
    return !!r && ctx.actor.unitId !== null && r.ownerUnitId === ctx.actor.unitId;
  }

  async function load(ctx: Ctx, id: string): Promise<RequestRow> {
    requirePermission(ctx.actor, "requests:read");
    // Before any transaction of the caller: the node's identity is then in memory for recordEvent.
    await nodeInfo();
    const r = await repo.findRequest(db, id);
    assertThat(visible(ctx, r), notFound("request"));
    return r;
  }

  async function lockRow(tx: Tx, id: string): Promise<RequestRow> {
    const r = await repo.lockRequest(tx, id);
    assertThat(r, notFound("request"));
    return r;
  }

  function guardInput(r: RequestRow) {
    return { type: r.type, urgency: r.urgency, secondCheck: r.secondCheck ?? null };
  }

  /** What a user may do now: lifecycle events of their side they hold the permission for, less guards. */
  async function userActions(ctx: Ctx, r: RequestRow, dbx: DbOrTx = db): Promise<EventName[]> {
    const events = allowedEvents(r.status, localSide(r), ctx.actor.permissions);
    const fourEyes = (await policy.read(dbx)).fourEyes[r.type];
    return events.filter((e) => {
      if (e === "send") return !fourEyes && r.peerId !== null;
      if (e === "submit_for_approval") return fourEyes;
      if (e === "approve") return r.createdBy !== ctx.actor.userId;
      if (e === "answer") return secondCheckGuard(guardInput(r), "declined") === null;
      return true;
    });
  }

  async function detail(ctx: Ctx, r: RequestRow): Promise<RequestDetail> {
    const me = await nodeInfo();
    const now = clock.now();
    const zoner = makeZoner(r);
    const [events, followUps, extensions, people] = await Promise.all([
      repo.eventsOf(db, r.id),
      repo.followUpsOf(db, r.id),
      repo.extensionsOf(db, r.id),
      deps.persons.linkedTo(db, "request", r.id),
    ]);
    return {
      ...toSummary(r, now, me.timeZone),
      ...detailParts(r, secondCheckRequired(guardInput(r))),
      followUps: followUps
        .filter((f) => f.ownerUnitId === ctx.actor.unitId)
        .map((f) => ({ id: f.id, reference: f.reference, status: f.status })),
      extensions: extensions.map(toExtensionView),
      timeline: events.map((e) => toEventView(e, zoner)),
      allowedActions: await userActions(ctx, r),
      origin: isOriginType(r.originType) && r.originId ? { type: r.originType, id: r.originId } : null,
      subjectPersons: people.map((p) => ({
        ordinal: p.ordinal,
        personId: p.personId,
        restricted: p.restricted,
      })),
    };
  }

  /** Appends to a request's timeline; returns the event id (the peer's id for an event it sent). */
  async function recordEvent(
    tx: Tx,
    ctx: Ctx | null,
    r: Pick<RequestRow, "id">,
    e: {
      event: TimelineEventName;
      from: RequestRow["status"] | null;
      to: RequestRow["status"];
      side: Side;
      data?: Record<string, unknown>;
      nodeId?: string;
      actorLabel?: string;
      at?: Date;
      msgId?: string | null;
      id?: string;
    },
  ): Promise<string> {
    const id = e.id ?? uuidv7();
    await repo.insertEvent(tx, {
      id,
      requestId: r.id,
      event: e.event,
      fromStatus: e.from,
      toStatus: e.to,
      side: e.side,
      nodeId: e.nodeId ?? (await nodeInfo()).id,
      actorUserId: ctx?.actor.userId ?? null,
      actorLabel: e.actorLabel ?? ctx?.actor.label ?? "system",
      at: e.at ?? clock.now(),
      data: e.data ?? {},
      msgId: e.msgId ?? null,
    });
    const settled = SETTLES[e.event];
    if (settled) await deps.notifications.settle(tx, { requestId: r.id, kinds: settled });
    return id;
  }

  /** The columns an answer sets; a preservation that is not declined runs from the answer. */
  function answerColumns(r: RequestRow, answer: AnswerInput, at: Date): repo.RequestSet {
    const out: repo.RequestSet = { answer, outcome: answer.outcome, answeredAt: at };
    if (r.type === "preservation" && answer.outcome !== "declined") {
      const details = r.content.details as { preservationDays?: number };
      out.preservationExpiresAt = preservationExpiry(at, details.preservationDays ?? 90);
    }
    return out;
  }

  /**
   * Links the request's person subjects to person records (found or created) at their positions; a new
   * link to a restricted person is refused (PERSON_RESTRICTED naming body.form.subjects.<i>), unless the
   * request came from a peer.
   */
  async function linkSubjects(
    tx: Tx,
    ctx: Ctx,
    r: Pick<RequestRow, "id" | "ownerUnitId" | "content">,
    opts: { field?: string; received?: boolean; pinned?: Record<number, string> } = {},
  ): Promise<void> {
    await deps.persons.linkSubjects(
      tx,
      ctx,
      { recordType: "request", recordId: r.id, recordUnitId: r.ownerUnitId },
      personSubjects(r.content).map((s) =>
        opts.pinned?.[s.ordinal] ? { ...s, personId: opts.pinned[s.ordinal] } : s,
      ),
      { field: opts.field ?? "body.form.subjects", allowRestricted: opts.received },
    );
  }

  /** Logs reads of requests that name a person (one INSERT, whatever the number of rows). */
  async function logReads(ctx: Ctx, rows: RequestRow[], action: "read" | "list" | "download") {
    await deps.accessLog.record(
      db,
      ctx,
      rows
        .filter((r) => namesAPerson(r.content))
        .map((r) => ({ action, recordType: "request", recordId: r.id, recordUnitId: r.ownerUnitId })),
    );
  }

  return {
    deps,
    nodeInfo,
    linkSubjects,
    logReads,
    visible,
    load,
    lockRow,
    guardInput,
    userActions,
    detail,
    recordEvent,
    answerColumns,
  };
}

export type RequestsContext = ReturnType<typeof createRequestsContext>;
