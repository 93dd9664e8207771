import {
  issue,
  type RequestDetail,
  type RequestDraftInput,
  type RequestOriginType,
} from "@crossline/schemas";
import type { z } from "zod";
import { uuidv7 } from "../../crypto/ids.js";
import { inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat } from "../../lib/errors.js";
import { invalidTransition, parseForm, type RequestsContext, referenceFor } from "./requests.context.js";
import * as repo from "./requests.repo.js";
import { titleOf } from "./requests.views.js";

/** The form as entered: what is stored as `input` and travels to the peer (validated by parseForm). */
type DraftInput = z.input<typeof RequestDraftInput>;

interface DraftBody {
  peerId?: string;
  peerTimeZone?: string;
  /** Why the personal data in the request is processed; by default the request's type and offence. */
  purpose?: string;
  form: unknown;
}

/**
 * Where a draft comes from: the case (set only through the cases module's port), or the record of another
 * module (a fugitive's, a person's or an asset's: their ports), which `within` links to the request in the request's own
 * transaction.
 */
export interface DraftLink {
  caseId?: string;
  origin?: { type: RequestOriginType; id: string };
  /**
   * The person record the first subject is (the record's person, which the caller may see): linked at
   * position 0 as it is, rather than matched by name and date of birth (which may find no one, or another).
   */
  subjectPerson?: string;
  within?: (tx: Tx, r: { id: string; reference: string; type: string }) => Promise<void>;
}

/** The purpose recorded with a request's legal basis when the drafter states none. */
export function defaultPurpose(form: { type: string }, title: string): string {
  return `Request for assistance (${form.type}): ${title}`.slice(0, 500);
}

/**
 * Drafting outgoing requests: whom to address, create and edit. Submitting, approving and sending are
 * lifecycle events (requests.lifecycle.ts).
 */
export function createRequestDrafts(c: RequestsContext) {
  const { db, clock, audit, peers, lawful } = c.deps;

  /** Whom a request can be addressed to: the active peers (names only, none of the link's details). */
  async function recipients(ctx: Ctx) {
    requirePermission(ctx.actor, "requests:draft");
    return peers.activePeers(db);
  }

  /**
   * Creates a draft. `link.caseId` is the case it is drafted from: set only through the cases module's port
   * (`draftForCase`), which has checked the caller may work on that case.
   */
  async function create(ctx: Ctx, body: DraftBody, link?: DraftLink): Promise<RequestDetail> {
    requirePermission(ctx.actor, "requests:draft");
    const unitId = ctx.actor.unitId;
    assertThat(unitId, new AppError("FORBIDDEN", [{ issue: "only officers of a unit draft requests" }]));
    const form = parseForm(body.form);
    if (form.followUpOf) {
      const orig = await repo.findRequest(db, form.followUpOf);
      assertThat(
        c.visible(ctx, orig),
        new AppError("VALIDATION_FAILED", [{ field: "body.form.followUpOf", issue: "no such request" }]),
      );
    }
    // Before the transaction: the node's identity is then in memory (PGlite has one connection).
    await c.nodeInfo();
    const row = await inTransaction(db, async (tx) => {
      const r = await createIn(tx, ctx, unitId, body, form, link);
      await link?.within?.(tx, r);
      return r;
    });
    return c.detail(ctx, row);
  }

  /**
   * Writes a draft in the caller's transaction, the caller having authorised it and parsed the form (`create`
   * for users; the providers module's port for a notice that crosses the border). Call `c.nodeInfo()` first.
   */
  async function createIn(
    tx: Tx,
    ctx: Ctx,
    unitId: string,
    body: DraftBody,
    form: ReturnType<typeof parseForm>,
    link?: DraftLink,
  ) {
    const node = await c.nodeInfo();
    const now = clock.now();
    const id = uuidv7();
    const r = await repo.insertRequest(tx, {
      id,
      reference: referenceFor(node.id, id, now),
      direction: "outgoing",
      peerId: body.peerId ?? null,
      ownerUnitId: unitId,
      type: form.type,
      urgency: form.urgency,
      status: "draft",
      title: titleOf(form),
      input: body.form as DraftInput,
      content: form,
      followUpOf: form.followUpOf ?? null,
      caseId: link?.caseId ?? null,
      originType: link?.origin?.type ?? null,
      originId: link?.origin?.id ?? null,
      createdBy: ctx.actor.userId,
      createdByLabel: ctx.actor.label,
      createdAt: now,
      updatedAt: now,
      requesterTimeZone: node.timeZone,
      responderTimeZone: body.peerTimeZone ?? null,
    });
    await c.recordEvent(tx, ctx, r, { event: "create", from: null, to: "draft", side: "requester" });
    await c.linkSubjects(tx, ctx, r, link?.subjectPerson ? { pinned: { 0: link.subjectPerson } } : {});
    await lawful.declare(tx, {
      kind: "request",
      recordId: id,
      basis: form.legalBasis,
      purpose: body.purpose ?? defaultPurpose(form, r.title),
      ownerUnitId: unitId,
    });
    await audit.record(tx, ctx, {
      action: "request.create",
      targetType: "request",
      targetId: id,
      details: {
        type: form.type,
        urgency: form.urgency,
        peerId: body.peerId ?? null,
        followUpOf: form.followUpOf ?? null,
        ...(link?.caseId ? { caseId: link.caseId } : {}),
        ...(link?.origin ? { origin: link.origin } : {}),
      },
    });
    return r;
  }

  async function update(
    ctx: Ctx,
    id: string,
    body: DraftBody & { version?: number },
  ): Promise<RequestDetail> {
    requirePermission(ctx.actor, "requests:draft");
    await c.load(ctx, id);
    const form = parseForm(body.form);
    const row = await inTransaction(db, async (tx) => {
      const r = await c.lockRow(tx, id);
      if (r.direction !== "outgoing" || r.status !== "draft") {
        throw invalidTransition(
          issue("draft.notEditable", { status: r.status }),
          await c.userActions(ctx, r, tx),
        );
      }
      if (body.version !== undefined && body.version !== r.version) {
        throw new AppError("CONFLICT", [
          { field: "body.version", ...issue("draft.changed", { version: r.version }) },
        ]);
      }
      const u = await repo.updateRequest(tx, id, {
        peerId: body.peerId ?? r.peerId,
        responderTimeZone: body.peerTimeZone ?? r.responderTimeZone,
        type: form.type,
        urgency: form.urgency,
        title: titleOf(form),
        input: body.form as DraftInput,
        content: form,
        followUpOf: form.followUpOf ?? null,
        updatedAt: clock.now(),
        version: r.version + 1,
      });
      await c.linkSubjects(tx, ctx, u);
      await lawful.declare(tx, {
        kind: "request",
        recordId: id,
        basis: form.legalBasis,
        purpose: body.purpose ?? defaultPurpose(form, u.title),
        ownerUnitId: u.ownerUnitId,
      });
      await audit.record(tx, ctx, {
        action: "request.update_draft",
        targetType: "request",
        targetId: id,
        details: { type: form.type, urgency: form.urgency, version: u.version },
      });
      return u;
    });
    return c.detail(ctx, row);
  }

  return { recipients, create, createIn, update };
}
