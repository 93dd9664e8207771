import {
  type ArrivalBody,
  type CreateRepatriationBody,
  type DocumentBody,
  issue,
  type LabelledText,
  type RepatriationCaseContent,
  RepatriationProposal,
  type RepatriationStatus,
  type RepatriationStep,
  type TransferBody,
  type VerificationAnswerBody,
  type VerificationOutcome,
} from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import { inTransaction, type Tx } from "../../db/client.js";
import { uniqueConflicts } from "../../db/errors.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat } from "../../lib/errors.js";
import type { AttachmentRef } from "../federation/federation.types.js";
import type { ReceivedProposal } from "../shared-objects/shared-objects.types.js";
import { type RepatriationContext, sendNextVersion } from "./repatriation.context.js";
import { type CaseRow, repatriationRepo as repo } from "./repatriation.repo.js";
import { REPATRIATION_CASE_TYPE } from "./repatriation.shared.js";

const DAY_MS = 86_400_000;
/** A step may be dated a little ahead of this node's clock (another side's clock, a slow form), no more. */
const FUTURE_SLACK_MS = 5 * 60_000;
type Issue = { field: string; issue: string };

/** The status a step is recorded from, and what the officer is told when the case waits for another step. */
const NEXT_OF: Record<RepatriationStatus, string> = {
  awaiting_verification: "the identity-verification answer",
  awaiting_document: "the travel document",
  awaiting_transfer: "the transfer",
  in_transfer: "the arrival",
  arrived: "nothing: the person has arrived",
  not_verified: "nothing: the identity was not verified",
};

/**
 * A repatriation case's life: opened with its identity-verification request, then each step in order (answer,
 * travel document, transfer, arrival), each a new version of the case, audited in its own transaction with the
 * next version of the shared object that carries it to the peer. A step out of order, a step dated before the
 * one it follows or in the future, a received case (read-only here) are refused, naming the field; nothing is
 * half-saved.
 */
export function createRepatriationSteps(c: RepatriationContext) {
  const { deps, db } = c;
  const { clock, audit } = deps;
  const so = deps.sharedObjects.domainPort;

  function notInFuture(at: string, field: string): Issue[] {
    return Date.parse(at) > clock.now().getTime() + FUTURE_SLACK_MS
      ? [{ field, issue: "is in the future" }]
      : [];
  }

  async function create(ctx: Ctx, body: CreateRepatriationBody): Promise<CaseRow> {
    requirePermission(ctx.actor, "fugitives:write");
    const unitId = ctx.actor.unitId;
    assertThat(
      unitId,
      new AppError("FORBIDDEN", [{ issue: "only an officer of a unit keeps repatriation cases" }]),
    );
    const issues: Issue[] = [...notInFuture(body.requestedAt, "body.requestedAt")];
    if (body.requestId && !(await deps.identityCheckRequest(ctx, body.requestId)))
      issues.push({
        field: "body.requestId",
        issue: "no identity-check request for repatriation of your unit has this id",
      });
    const self = await deps.nodeId(db);
    if (body.peer && (body.peer === self || (await deps.peerState(db, body.peer)) !== "active"))
      issues.push({ field: "body.peer", issue: "not an active peer of this node" });
    if (issues.length) throw new AppError("VALIDATION_FAILED", issues);
    const policy = await c.policy();
    const now = clock.now();
    const requestedAt = new Date(body.requestedAt);
    const verificationDueAt = new Date(requestedAt.getTime() + policy.verificationDays * DAY_MS);
    // Numbered under nextSeq's lock; the unique index on own references is the database's guard. A number taken
    // meanwhile by a writer outside the lock fails the insert: the whole creation runs again with the next number,
    // and the third time the client is told.
    for (let attempt = 1; ; attempt++) {
      const taken = new AppError("CONFLICT", [
        { issue: "another case took the next reference at the same moment: try again" },
      ]);
      try {
        return await createIn(ctx, body, { self, unitId, now, requestedAt, verificationDueAt }).catch(
          uniqueConflicts({ repatriation_cases_own_reference: () => taken }),
        );
      } catch (err) {
        if (err !== taken || attempt >= 3) throw err;
      }
    }
  }

  function createIn(
    ctx: Ctx,
    body: CreateRepatriationBody,
    at: { self: string; unitId: string; now: Date; requestedAt: Date; verificationDueAt: Date },
  ): Promise<CaseRow> {
    const { self, unitId, now, requestedAt, verificationDueAt } = at;
    return inTransaction(db, async (tx) => {
      const year = now.getUTCFullYear();
      const prefix = `${self}-R-${year}-`;
      const reference = `${prefix}${String(await repo.nextSeq(tx, prefix)).padStart(4, "0")}`;
      const p = body.person;
      const person = await deps.persons.findOrCreate(
        tx,
        ctx,
        {
          names: p.names,
          ...(p.dateOfBirth ? { dateOfBirth: p.dateOfBirth } : {}),
          nationality: p.nationality,
        },
        unitId,
      );
      const id = uuidv7();
      const first: RepatriationStep = {
        kind: "verification_requested",
        at: requestedAt.toISOString(),
        recordedAt: now.toISOString(),
        by: ctx.actor.label,
        requestId: body.requestId ?? null,
        note: body.note ?? null,
      };
      const content: RepatriationCaseContent = {
        reference,
        person: p,
        status: "awaiting_verification",
        steps: [first],
        verificationDueAt: verificationDueAt.toISOString(),
        documentDueAt: null,
      };
      await repo.insert(tx, {
        id,
        direction: "own",
        ownerNode: self,
        peer: body.peer ?? null,
        unitId,
        personId: person.personId,
        requestId: body.requestId ?? null,
        sharedObjectId: null,
        reference,
        content,
        status: "awaiting_verification",
        version: 1,
        verificationDueAt,
        documentDueAt: null,
        createdBy: ctx.actor.userId,
        createdAt: now,
        updatedAt: now,
      });
      await deps.persons.link(
        tx,
        ctx,
        { recordType: "repatriation", recordId: id, recordUnitId: unitId },
        { personId: person.personId, ordinal: 0, role: "other" },
      );
      const main = p.names[0];
      await deps.lawful.declare(tx, {
        kind: "repatriation_case",
        recordId: id,
        basis: body.legalBasis,
        purpose: body.purpose ?? `Repatriation: ${main?.romanised ?? main?.original ?? reference}`,
        ownerUnitId: unitId,
      });
      let sharedObjectId: string | null = null;
      if (body.peer && body.marking) {
        await deps.lawful.assertReleasable(tx, "repatriation_case", id);
        sharedObjectId = await so.publishIn(tx, ctx, {
          type: REPATRIATION_CASE_TYPE,
          unitId,
          marking: body.marking,
          content,
          recipients: [body.peer],
        });
      }
      const row = sharedObjectId ? await repo.update(tx, id, { sharedObjectId }) : await repo.find(tx, id);
      await audit.record(tx, ctx, {
        action: "repatriation.create",
        targetType: "repatriation_case",
        targetId: id,
        details: {
          reference,
          personId: person.personId,
          personCreated: person.created,
          ...(body.peer ? { peer: body.peer } : {}),
          ...(body.requestId ? { requestId: body.requestId } : {}),
          verificationDueAt: verificationDueAt.toISOString(),
        },
      });
      return row as CaseRow;
    });
  }

  /** Who records a step: an officer of this node, or the peer asked to verify (through its proposal). */
  type Who = { by: string; node: string | null };
  type Made = {
    step: RepatriationStep;
    status: RepatriationStatus;
    set?: Partial<CaseRow>;
    content?: Partial<RepatriationCaseContent>;
    details: Record<string, unknown>;
  };
  type Expect = { from: RepatriationStatus; action: string };

  /** The case must wait for exactly this step, at the version read, dated no earlier than the step before. */
  function checkStep(before: CaseRow, version: number, at: Date, expect: Expect) {
    if (version !== before.version)
      throw new AppError("CONFLICT", [
        { field: "body.version", ...issue("record.staleVersion", { what: "case", version: before.version }) },
      ]);
    if (before.status !== expect.from)
      throw new AppError("CONFLICT", [
        {
          field: "params.id",
          ...issue("repatriation.stepOrder", { status: before.status, next: NEXT_OF[before.status] }),
        },
      ]);
    const last = before.content.steps[before.content.steps.length - 1];
    if (last && at.getTime() < Date.parse(last.at))
      throw new AppError("VALIDATION_FAILED", [
        {
          field: "body.at",
          ...issue("repatriation.beforePreviousStep", { step: last.kind, at: last.at }),
        },
      ]);
  }

  /**
   * Writes a step on an own case: the next version, the shared object's next version to the peer (with the
   * files this node stored for it), the audit entry; all in the caller's transaction.
   */
  async function commit(
    tx: Tx,
    ctx: Ctx,
    before: CaseRow,
    made: Made,
    action: string,
    attachments?: AttachmentRef[],
  ): Promise<CaseRow> {
    const now = clock.now();
    const closed = made.status === "arrived" || made.status === "not_verified";
    const content: RepatriationCaseContent = {
      ...before.content,
      ...made.content,
      status: made.status,
      steps: [...before.content.steps, made.step],
    };
    const after = await repo.update(tx, before.id, {
      ...made.set,
      content,
      status: made.status,
      version: before.version + 1,
      updatedAt: now,
      ...(closed ? { closedAt: now } : {}),
    });
    // Both sides see the same steps: the shared object's next version, in this transaction.
    await sendNextVersion(so, tx, ctx, after.sharedObjectId, {
      content,
      ...(attachments?.length ? { attachments } : {}),
    });
    await audit.record(tx, ctx, {
      action,
      targetType: "repatriation_case",
      targetId: before.id,
      details: { version: after.version, at: made.step.at, ...made.details },
    });
    return after;
  }

  /**
   * Records one step: the case must be the caller's own, at the version read, waiting for exactly this step,
   * and the step dated no earlier than the one before and not in the future. On a received case the side asked
   * to verify may record the answer and the travel document (`propose`): they go to the owner as a proposal on
   * the shared object, and come back as the owner's next version.
   */
  async function record(
    ctx: Ctx,
    id: string,
    body: { version: number; at: string },
    expect: Expect,
    build: (tx: Tx, before: CaseRow, at: Date, who: Who) => Promise<Made>,
    propose?: (
      tx: Tx,
      before: CaseRow,
    ) => Promise<{ content: RepatriationProposal; attachments?: AttachmentRef[] }>,
  ): Promise<{ row: CaseRow; proposalId?: string }> {
    requirePermission(ctx.actor, "fugitives:write");
    const future = notInFuture(body.at, "body.at");
    if (future.length) throw new AppError("VALIDATION_FAILED", future);
    return inTransaction(db, async (tx) => {
      const before = await c.lock(tx, ctx, id);
      const at = new Date(body.at);
      if (before.direction !== "own") {
        if (!propose || !before.sharedObjectId)
          throw new AppError("CONFLICT", [
            {
              field: "params.id",
              issue: "a received case is read-only here: its owner records this step",
            },
          ]);
        checkStep(before, body.version, at, expect);
        const p = await propose(tx, before);
        const proposalId = await so.proposeIn(tx, ctx, {
          id: before.sharedObjectId,
          version: before.version,
          content: p.content,
          ...(p.attachments ? { attachments: p.attachments } : {}),
        });
        await audit.record(tx, ctx, {
          action: "repatriation.propose",
          targetType: "repatriation_case",
          targetId: id,
          details: { step: p.content.step, to: before.ownerNode, version: before.version, proposalId },
        });
        return { row: before, proposalId };
      }
      checkStep(before, body.version, at, expect);
      const made = await build(tx, before, at, { by: ctx.actor.label, node: null });
      const file = made.step.document?.file;
      const attachments = file
        ? [{ id: file.blobId, sha256: file.sha256, size: file.size, name: file.name }]
        : undefined;
      return { row: await commit(tx, ctx, before, made, expect.action, attachments) };
    });
  }

  const stepBase = (who: Who, kind: RepatriationStep["kind"], at: Date): RepatriationStep => ({
    kind,
    at: at.toISOString(),
    recordedAt: clock.now().toISOString(),
    by: who.by,
    ...(who.node ? { node: who.node } : {}),
  });

  type AnswerInput = { outcome: VerificationOutcome; grounds: LabelledText | null };
  const ANSWER: Expect = { from: "awaiting_verification", action: "repatriation.answer" };
  const DOCUMENT: Expect = { from: "awaiting_document", action: "repatriation.document" };

  async function buildAnswer(tx: Tx, at: Date, who: Who, input: AnswerInput): Promise<Made> {
    const verified = input.outcome === "verified";
    // The travel document's deadline runs from the verification, under the policy in force at that moment.
    const days = (await c.policy(tx)).documentDays;
    const documentDueAt = verified ? new Date(at.getTime() + days * DAY_MS) : null;
    return {
      step: { ...stepBase(who, "verification_answered", at), outcome: input.outcome, grounds: input.grounds },
      status: verified ? "awaiting_document" : "not_verified",
      set: { documentDueAt },
      content: { documentDueAt: documentDueAt?.toISOString() ?? null },
      details: {
        outcome: input.outcome,
        ...(documentDueAt ? { documentDueAt: documentDueAt.toISOString() } : {}),
        ...(who.node ? { recordedBy: who.node } : {}),
      },
    };
  }

  async function answer(ctx: Ctx, id: string, body: VerificationAnswerBody) {
    const input: AnswerInput = { outcome: body.outcome, grounds: body.grounds ?? null };
    return record(
      ctx,
      id,
      body,
      ANSWER,
      (tx, _before, at, who) => buildAnswer(tx, at, who, input),
      async () => ({
        content: { step: "verification_answered", at: new Date(body.at).toISOString(), ...input },
      }),
    );
  }

  function decodeFile(b64: string): Buffer {
    const bytes = Buffer.from(b64, "base64");
    assertThat(
      bytes.length > 0 && bytes.toString("base64").replace(/=+$/, "") === b64.replace(/=+$/, ""),
      new AppError("VALIDATION_FAILED", [
        { field: "body.file.contentBase64", issue: "must be non-empty standard base64" },
      ]),
    );
    return bytes;
  }

  type DocumentInput = Omit<Extract<RepatriationProposal, { step: "document_issued" }>, "step" | "at">;

  function buildDocument(before: CaseRow, at: Date, who: Who, input: DocumentInput): Made {
    const inTime = before.documentDueAt ? at.getTime() <= before.documentDueAt.getTime() : true;
    return {
      step: { ...stepBase(who, "document_issued", at), document: input },
      status: "awaiting_transfer",
      details: {
        kind: input.kind,
        inTime,
        ...(input.file ? { sha256: input.file.sha256 } : {}),
        ...(who.node ? { recordedBy: who.node } : {}),
      },
    };
  }

  async function issueDocument(ctx: Ctx, id: string, body: DocumentBody) {
    const bytes = body.file ? decodeFile(body.file.contentBase64) : null;
    // The scanned document is stored as every attachment is (federation blobs, with its SHA-256); its bytes
    // travel to the other side with the step (the shared object's version, or the proposal).
    const store = async (tx: Tx): Promise<{ input: DocumentInput; ref: AttachmentRef | null }> => {
      const ref = bytes && body.file ? await deps.blobs.putAttachment(tx, bytes, body.file.name) : null;
      return {
        ref,
        input: {
          kind: body.kind,
          number: body.number,
          issuedBy: body.issuedBy ?? null,
          validUntil: body.validUntil,
          file:
            ref && body.file
              ? { name: body.file.name, sha256: ref.sha256, size: ref.size, blobId: ref.id }
              : null,
        },
      };
    };
    return record(
      ctx,
      id,
      body,
      DOCUMENT,
      async (tx, before, at, who) => buildDocument(before, at, who, (await store(tx)).input),
      async (tx) => {
        const { input, ref } = await store(tx);
        return {
          content: { step: "document_issued", at: new Date(body.at).toISOString(), ...input },
          ...(ref ? { attachments: [ref] } : {}),
        };
      },
    );
  }

  async function transfer(ctx: Ctx, id: string, body: TransferBody) {
    return record(
      ctx,
      id,
      body,
      { from: "awaiting_transfer", action: "repatriation.transfer" },
      async (_tx, _before, at, who) => ({
        step: {
          ...stepBase(who, "transferred", at),
          from: body.from,
          to: body.to,
          escorts: body.escorts,
          carrier: body.carrier ?? null,
        },
        status: "in_transfer",
        details: { from: body.from, to: body.to },
      }),
    );
  }

  async function arrive(ctx: Ctx, id: string, body: ArrivalBody) {
    return record(
      ctx,
      id,
      body,
      { from: "in_transfer", action: "repatriation.arrival" },
      async (_tx, _before, at, who) => ({
        step: {
          ...stepBase(who, "arrived", at),
          place: body.place,
          receivedBy: body.receivedBy ?? null,
        },
        status: "arrived",
        details: { place: body.place },
      }),
    );
  }

  /**
   * The owner's side of a step the peer asked to verify recorded on its copy (the shared object's proposal,
   * already checked by the mechanism: the sender holds the case at its current version). The same rules as an
   * officer's step; the step names who recorded it and on which side. Throws to refuse it (the proposer is told).
   */
  async function applyProposal(tx: Tx, ctx: Ctx, p: ReceivedProposal): Promise<void> {
    const before = await repo.bySharedObject(tx, p.id);
    if (before?.direction !== "own" || before.peer !== p.from)
      throw new AppError("CONFLICT", [
        { issue: "no case of ours was shared with the proposer under this id" },
      ]);
    const proposal = RepatriationProposal.parse(p.content);
    const at = new Date(proposal.at);
    const who: Who = { by: p.by, node: p.from };
    const issues = notInFuture(proposal.at, "body.at");
    if (issues.length) throw new AppError("VALIDATION_FAILED", issues);
    if (proposal.step === "verification_answered") {
      checkStep(before, before.version, at, ANSWER);
      const made = await buildAnswer(tx, at, who, proposal);
      await commit(tx, ctx, before, made, ANSWER.action);
      return;
    }
    checkStep(before, before.version, at, DOCUMENT);
    const { step: _s, at: _a, ...input } = proposal;
    // The scan came with the proposal: it must be one of the envelope's attachments (its bytes, from the peer).
    const file = input.file;
    if (file && !p.attachments.some((a) => a.id === file.blobId && a.sha256 === file.sha256))
      throw new AppError("VALIDATION_FAILED", [
        { field: "body.file", issue: "the document's file did not come with the proposal" },
      ]);
    await commit(tx, ctx, before, buildDocument(before, at, who, input), DOCUMENT.action);
  }

  return { create, answer, issueDocument, transfer, arrive, applyProposal };
}
