import {
  type ErrorDetail,
  issue,
  type Marking,
  markingRefusal,
  type PublishSharedObjectBody,
  RETRYABLE_SHARE_REFUSALS,
  SHARED_MSG,
  type SharedObjectQuery,
  type SharedObjectView,
  type ShareRefusal,
  type UpdateSharedObjectBody,
} from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import { type Db, type DbOrTx, inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat, notFound, zodIssueDetail } from "../../lib/errors.js";
import type { AuditService } from "../audit/audit.service.js";
import type { BlobPort } from "../federation/federation.directory.js";
import type { AttachmentRef, FederationPort } from "../federation/federation.types.js";
import { createFanout } from "./shared-objects.fanout.js";
import { createSharedProposals } from "./shared-objects.proposals.js";
import { type HolderRow, sharedObjectsRepo as repo, type SharedObjectRow } from "./shared-objects.repo.js";
import {
  NO_PERSONAL_DATA_HOOKS,
  type PersonalDataHooks,
  type PersonalDataSubject,
  personalFieldsIn,
  type SharedTypeDef,
  type SharedTypeRegistry,
} from "./shared-objects.types.js";

export interface SharedObjectsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  federation: FederationPort;
  types: SharedTypeRegistry;
  /** This node's id (read in the caller's transaction when there is one). */
  nodeId: (dbx: DbOrTx) => Promise<string>;
  /** The unit that receives incoming objects (the node's intake unit). */
  intakeUnitId: (dbx: DbOrTx) => Promise<string>;
  personalData?: PersonalDataHooks;
  /** Screening for lawful use: throws when a flag holds the object back from new recipients. */
  screening?: { assertReleasable(dbx: DbOrTx, kind: "shared_object", id: string): Promise<void> };
  /** Federation's blob port: the files a type's content names go with its versions (SharedTypeDef.attachments). */
  blobs?: Pick<BlobPort, "storedAttachments">;
}

const MAX_PAGE = 200;

/** Issues of a content check, each naming `body.content.<field>` as the API caller wrote it. */
export function parseContent(def: SharedTypeDef, content: unknown): Record<string, unknown> {
  const r = def.schema.safeParse(content, { reportInput: true });
  if (r.success) return r.data;
  throw new AppError(
    "VALIDATION_FAILED",
    r.error.issues.map((i) => zodIssueDetail(["body", "content", ...i.path.map(String)].join("."), i)),
  );
}

/** Whether a copy held here may be passed on to some other peer at all (RED: only to the named ones). */
const canShareOnward = (row: SharedObjectRow, self: string) =>
  row.state === "active" &&
  (row.ownerNode === self ||
    markingRefusal(row.marking, { nodeId: "", onward: true }) !== "ONWARD_FORBIDDEN");

export function createSharedObjectsService(deps: SharedObjectsDeps) {
  const { db, clock, audit, types, nodeId, intakeUnitId } = deps;
  const hooks = deps.personalData ?? NO_PERSONAL_DATA_HOOKS;
  const fanout = createFanout(deps);
  const proposals = createSharedProposals(deps);

  const subjectOf = (row: SharedObjectRow): PersonalDataSubject => ({
    type: row.type,
    objectId: row.id,
    ownerNode: row.ownerNode,
    direction: row.direction,
    marking: row.marking,
    fields: personalFieldsIn(types.get(row.type), row.content),
  });

  /** When the personal data of a row as it stands is due for erasure (the hooks decide; null when none). */
  function retainUntil(row: Omit<SharedObjectRow, "retainUntil">, at: Date): Date | null {
    const s = subjectOf({ ...row, retainUntil: null });
    return s.fields.length ? hooks.retentionEnd(s, at) : null;
  }

  /** Tells the access log who read personal data: only objects that hold some reach the hooks. */
  async function logReads(dbx: DbOrTx, ctx: Ctx, rows: SharedObjectRow[]) {
    const subjects = rows.map(subjectOf).filter((s) => s.fields.length > 0);
    if (subjects.length) await hooks.onRead(dbx, ctx, subjects);
  }

  function view(row: SharedObjectRow, holders: HolderRow[], self: string): SharedObjectView {
    return {
      id: row.id,
      type: row.type,
      typeVersion: row.typeVersion,
      ownerNode: row.ownerNode,
      direction: row.direction,
      sourceNode: row.sourceNode,
      path: row.path,
      version: row.version,
      state: row.state,
      marking: row.marking,
      content: row.content ?? null,
      ownerUpdatedAt: row.ownerUpdatedAt.toISOString(),
      receivedAt: row.direction === "received" ? row.createdAt.toISOString() : null,
      withdrawnAt: row.withdrawnAt?.toISOString() ?? null,
      canShareOnward: canShareOnward(row, self),
      holders: holders
        .filter((h) => h.objectId === row.id)
        .sort((a, b) => a.peerId.localeCompare(b.peerId))
        .map((h) => ({
          nodeId: h.peerId,
          state: h.state,
          version: h.version,
          refusal: (h.refusal as SharedObjectView["holders"][number]["refusal"]) ?? null,
          since: h.createdAt.toISOString(),
        })),
    };
  }

  /** A row the actor's unit owns here, else NOT_FOUND (another unit's object does not exist for them). */
  function visible(ctx: Ctx, row: SharedObjectRow | undefined): SharedObjectRow {
    assertThat(
      row && ctx.actor.unitId !== null && row.unitId === ctx.actor.unitId,
      notFound("shared object"),
    );
    return row;
  }

  function ownedHere(row: SharedObjectRow) {
    if (row.direction !== "own") {
      throw new AppError("CONFLICT", [issue("shared.readOnly", { node: row.ownerNode })]);
    }
    if (row.state === "withdrawn") throw new AppError("CONFLICT", [{ issue: "the object is withdrawn" }]);
  }

  /**
   * Checks each new recipient of a row: not this node, not where the copy came from (no loops), not a node
   * that holds it already, and admitted by the marking. Issues name `recipients[i]`.
   */
  function checkRecipients(
    row: Pick<SharedObjectRow, "ownerNode" | "path" | "marking">,
    recipients: string[],
    holders: HolderRow[],
    self: string,
  ) {
    const onward = row.ownerNode !== self;
    const issues: ErrorDetail[] = [];
    recipients.forEach((r, i) => {
      const field = `body.recipients.${i}`;
      const held = holders.find((h) => h.peerId === r);
      if (r === self) issues.push({ field, issue: "this node itself" });
      else if (row.path.includes(r)) issues.push({ field, ...issue("shared.cameFrom", { node: r }) });
      else if (held?.state === "active") issues.push({ field, ...issue("shared.heldAlready", { node: r }) });
      else if (held?.state === "refused" && !RETRYABLE_SHARE_REFUSALS.has(held.refusal as ShareRefusal))
        issues.push({ field, ...issue("shared.refusedBy", { node: r, reason: String(held.refusal) }) });
      else if (held?.state === "withdrawn")
        issues.push({ field, ...issue("shared.withdrawnFrom", { node: r }) });
      else {
        const refusal = markingRefusal(row.marking, { nodeId: r, onward });
        if (refusal === "NOT_NAMED") issues.push({ field, ...issue("marking.notReleasable", { node: r }) });
        if (refusal === "ONWARD_FORBIDDEN")
          issues.push({ field, issue: "the marking forbids passing it on" });
      }
    });
    if (issues.length) throw new AppError("CONFLICT", issues);
  }

  /**
   * Queues the first copy to each new recipient and records it as a holder (again, for a peer whose refusal a
   * later attempt may overcome: see RETRYABLE_SHARE_REFUSALS).
   */
  async function addRecipients(
    tx: Tx,
    ctx: Ctx,
    row: SharedObjectRow,
    recipients: string[],
    holders: HolderRow[],
  ) {
    const now = clock.now();
    const payload = fanout.putPayload(row);
    const files = await fanout.attachmentsOf(tx, row);
    const before = new Set(holders.map((h) => h.peerId));
    for (const [i, peerId] of recipients.entries()) {
      if (!(await fanout.send(tx, ctx, peerId, SHARED_MSG.put, payload, files))) {
        throw new AppError("VALIDATION_FAILED", [
          { field: `body.recipients.${i}`, ...issue("peer.notActive", { node: peerId }) },
        ]);
      }
      if (before.has(peerId)) {
        await repo.setHolder(tx, row.id, peerId, {
          state: "active",
          refusal: null,
          version: row.version,
          updatedAt: now,
        });
      } else {
        await repo.addHolder(tx, {
          objectId: row.id,
          peerId,
          state: "active",
          version: row.version,
          createdAt: now,
          updatedAt: now,
        });
      }
    }
  }

  async function list(ctx: Ctx, q: SharedObjectQuery) {
    requirePermission(ctx.actor, "sharing:read");
    const limit = Math.min(q.limit, MAX_PAGE);
    if (!ctx.actor.unitId) return { items: [], nextCursor: null };
    if (q.cursor !== undefined && !/^so_[0-9a-f-]{36}$/.test(q.cursor)) {
      throw new AppError("VALIDATION_FAILED", [
        { field: "querystring.cursor", issue: "not a cursor of this list" },
      ]);
    }
    const self = await nodeId(db);
    const rows = await repo.page(db, {
      unitId: ctx.actor.unitId,
      type: q.type,
      direction: q.direction,
      state: q.state,
      afterId: q.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const holders = await repo.holders(
      db,
      page.map((r) => r.id),
    );
    await logReads(db, ctx, page);
    return {
      items: page.map((r) => view(r, holders, self)),
      nextCursor: rows.length > limit ? page[page.length - 1].id : null,
    };
  }

  async function get(ctx: Ctx, id: string): Promise<SharedObjectView> {
    requirePermission(ctx.actor, "sharing:read");
    const row = visible(ctx, await repo.find(db, id));
    await logReads(db, ctx, [row]);
    return view(row, await repo.holders(db, [id]), await nodeId(db));
  }

  /** The domain port's read: objects by id with their holders (the domain decided the caller may see them). */
  async function viewsOf(dbx: DbOrTx, ids: string[]): Promise<SharedObjectView[]> {
    if (!ids.length) return [];
    const self = await nodeId(dbx);
    const holders = await repo.holders(dbx, ids);
    const rows = await Promise.all(ids.map((id) => repo.find(dbx, id)));
    return rows.filter((r): r is SharedObjectRow => !!r).map((r) => view(r, holders, self));
  }

  /**
   * Publishes in the caller's transaction (the domain port: a domain that has authorised the caller on its
   * own record, e.g. a case whose summary a supervisor approved, publishes with its own change). Returns the id.
   */
  async function publishIn(
    tx: Tx,
    ctx: Ctx,
    body: { type: string; unitId: string; marking: Marking; content: unknown; recipients?: string[] },
  ): Promise<string> {
    const def = types.get(body.type);
    assertThat(def, () => new AppError("VALIDATION_FAILED", [{ field: "body.type", issue: "no such type" }]));
    const content = parseContent(def, body.content);
    const self = await nodeId(tx);
    const recipients = body.recipients ?? [];
    const now = clock.now();
    const base = {
      id: `so_${uuidv7()}`,
      ownerNode: self,
      type: def.type,
      typeVersion: def.version,
      direction: "own" as const,
      unitId: body.unitId,
      sourceNode: null,
      path: [self],
      version: 1,
      state: "active" as const,
      marking: body.marking,
      content,
      ownerUpdatedAt: now,
      createdAt: now,
      updatedAt: now,
      withdrawnAt: null,
      createdBy: ctx.actor.userId,
    };
    checkRecipients(base, recipients, [], self);
    const row = await repo.insert(tx, { ...base, retainUntil: retainUntil(base, now) });
    await addRecipients(tx, ctx, row, recipients, []);
    await audit.record(tx, ctx, {
      action: "shared_object.publish",
      targetType: "shared_object",
      targetId: row.id,
      details: { type: row.type, tlp: row.marking.tlp, recipients },
    });
    return row.id;
  }

  async function publish(
    ctx: Ctx,
    body: PublishSharedObjectBody & { marking: Marking },
  ): Promise<SharedObjectView> {
    requirePermission(ctx.actor, "sharing:write");
    const unitId = ctx.actor.unitId;
    assertThat(unitId, () => new AppError("FORBIDDEN", [{ issue: "only an officer of a unit publishes" }]));
    const def = types.get(body.type);
    if (!def) {
      throw new AppError("VALIDATION_FAILED", [
        { field: "body.type", issue: "no domain of this node declares this type", allowed: types.names() },
      ]);
    }
    const id = await inTransaction(db, (tx) => publishIn(tx, ctx, { ...body, type: def.type, unitId }));
    return get(ctx, id);
  }

  /** Writes the next version of an own row and sends it to every holder (in the caller's transaction). */
  async function updateRow(
    tx: Tx,
    ctx: Ctx,
    row: SharedObjectRow,
    body: { content?: unknown; marking?: Marking; attachments?: AttachmentRef[] },
  ) {
    const id = row.id;
    ownedHere(row);
    const def = types.get(row.type);
    assertThat(def, () => new AppError("CONFLICT", [issue("shared.typeUndeclared", { type: row.type })]));
    const content = body.content !== undefined ? parseContent(def, body.content) : (row.content ?? {});
    const issues = def.validateUpdate?.(row.content ?? {}, content) ?? [];
    if (issues.length) {
      throw new AppError(
        "VALIDATION_FAILED",
        issues.map((i) => ({ field: `body.content.${i.field}`, issue: i.issue })),
      );
    }
    const now = clock.now();
    const next = {
      ...row,
      typeVersion: def.version,
      version: row.version + 1,
      marking: body.marking ?? row.marking,
      content,
      ownerUpdatedAt: now,
      updatedAt: now,
    };
    const updated = await repo.update(tx, id, {
      typeVersion: next.typeVersion,
      version: next.version,
      marking: next.marking,
      content,
      ownerUpdatedAt: now,
      updatedAt: now,
      retainUntil: retainUntil(next, now),
    });
    const unreachable = await fanout.sendVersion(tx, ctx, updated, body.attachments);
    await audit.record(tx, ctx, {
      action: "shared_object.update",
      targetType: "shared_object",
      targetId: id,
      details: {
        version: updated.version,
        tlp: updated.marking.tlp,
        ...(body.content !== undefined && body.content !== null
          ? { fields: Object.keys(body.content).sort() }
          : {}),
        ...(unreachable.length ? { unreachable } : {}),
      },
    });
  }

  /** The domain port: a new version of an own object in the caller's transaction (the domain authorised). */
  async function updateIn(
    tx: Tx,
    ctx: Ctx,
    id: string,
    body: { content?: unknown; marking?: Marking; attachments?: AttachmentRef[] },
  ) {
    const row = await repo.lock(tx, id);
    assertThat(row, notFound("shared object"));
    await updateRow(tx, ctx, row, body);
  }

  async function update(ctx: Ctx, id: string, body: UpdateSharedObjectBody & { marking?: Marking }) {
    requirePermission(ctx.actor, "sharing:write");
    await inTransaction(db, async (tx) => {
      const row = visible(ctx, await repo.lock(tx, id));
      ownedHere(row);
      if (body.version !== row.version) {
        throw new AppError("CONFLICT", [
          {
            field: "body.version",
            ...issue("record.staleVersion", { what: "object", version: row.version }),
          },
        ]);
      }
      await updateRow(tx, ctx, row, body);
    });
    return get(ctx, id);
  }

  /** Withdraws an own row: the tombstone to every holder (in the caller's transaction). */
  async function withdrawRow(tx: Tx, ctx: Ctx, row: SharedObjectRow) {
    ownedHere(row);
    const { version, unreachable } = await tombstone(tx, ctx, row);
    await audit.record(tx, ctx, {
      action: "shared_object.withdraw",
      targetType: "shared_object",
      targetId: row.id,
      details: { version, ...(unreachable.length ? { unreachable } : {}) },
    });
  }

  /** The owner's tombstone: a version of its own, content erased, queued to every active holder. */
  async function tombstone(tx: Tx, ctx: Ctx, row: SharedObjectRow) {
    const now = clock.now();
    // The tombstone is a version of its own, so it outranks every copy of the object already sent.
    const tomb = await repo.update(tx, row.id, {
      version: row.version + 1,
      state: "withdrawn",
      content: null,
      withdrawnAt: now,
      ownerUpdatedAt: now,
      updatedAt: now,
      retainUntil: null,
    });
    const unreachable = await fanout.sendTombstone(tx, ctx, tomb, "owner");
    return { version: tomb.version, unreachable };
  }

  /** The domain port: withdraws an own object in the caller's transaction (the domain authorised). */
  async function withdrawIn(tx: Tx, ctx: Ctx, id: string) {
    const row = await repo.lock(tx, id);
    assertThat(row, notFound("shared object"));
    await withdrawRow(tx, ctx, row);
  }

  async function withdraw(ctx: Ctx, id: string) {
    requirePermission(ctx.actor, "sharing:write");
    await inTransaction(db, async (tx) => withdrawRow(tx, ctx, visible(ctx, await repo.lock(tx, id))));
    return get(ctx, id);
  }

  async function shareRow(tx: Tx, ctx: Ctx, row: SharedObjectRow, recipients: string[]) {
    const id = row.id;
    if (row.state === "withdrawn") throw new AppError("CONFLICT", [{ issue: "the object is withdrawn" }]);
    const self = await nodeId(tx);
    // An own object flagged for legal review goes to no new peer until a legal reviewer clears it.
    if (row.direction === "own") await deps.screening?.assertReleasable(tx, "shared_object", id);
    const holders = await repo.holders(tx, [id]);
    checkRecipients(row, recipients, holders, self);
    await addRecipients(tx, ctx, row, recipients, holders);
    await audit.record(tx, ctx, {
      action: row.direction === "own" ? "shared_object.share" : "shared_object.share_onward",
      targetType: "shared_object",
      targetId: id,
      details: { version: row.version, recipients, ownerNode: row.ownerNode },
    });
  }

  /** The domain port: more recipients for an own object in the caller's transaction (the domain authorised). */
  async function shareIn(tx: Tx, ctx: Ctx, id: string, recipients: string[]) {
    const row = await repo.lock(tx, id);
    assertThat(row, notFound("shared object"));
    await shareRow(tx, ctx, row, recipients);
  }

  /**
   * Erases an object's personal data when its retention ended (the lawful module decides and audits): this
   * node's own object is withdrawn, so the tombstone travels to every peer holding a copy and each deletes
   * it there; a received copy loses its content here, and its type's `onReceived` hook empties the domain's
   * projection of it. Returns what the audit entry records.
   */
  async function eraseForRetention(tx: Tx, ctx: Ctx, id: string): Promise<Record<string, unknown>> {
    const row = await repo.lock(tx, id);
    assertThat(row, notFound("shared object"));
    if (row.state === "withdrawn" || row.content === null) return { already: true };
    if (row.ownerNode === (await nodeId(tx))) {
      const holders = (await repo.holders(tx, [id]))
        .filter((h) => h.state === "active")
        .map((h) => h.peerId)
        .sort();
      const { version, unreachable } = await tombstone(tx, ctx, row);
      return {
        type: row.type,
        withdrawn: true,
        version,
        holders,
        ...(unreachable.length ? { unreachable } : {}),
      };
    }
    const erased = await repo.update(tx, id, { content: null, retainUntil: null, updatedAt: clock.now() });
    // The domain's projection of the copy (and the files it names) goes in the same transaction.
    await types.get(row.type)?.onReceived?.(tx, erased, ctx);
    return { type: row.type, withdrawn: false, copyOf: row.ownerNode };
  }

  /** Adds recipients: the owner to its object; a receiver to its copy, when the marking lets it pass it on. */
  async function share(ctx: Ctx, id: string, recipients: string[]) {
    requirePermission(ctx.actor, "sharing:write");
    await inTransaction(db, async (tx) =>
      shareRow(tx, ctx, visible(ctx, await repo.lock(tx, id)), recipients),
    );
    return get(ctx, id);
  }

  /**
   * The current version and content of an object, its row locked until the caller's transaction ends: a domain
   * that rebuilds an object's content from its own rows (an indicator set without a withdrawn indicator) takes
   * this first and reads its rows after, so two rebuilds at once cannot write content read before the other's.
   */
  async function lockIn(tx: Tx, id: string) {
    const row = await repo.lock(tx, id);
    assertThat(row, notFound("shared object"));
    return { version: row.version, state: row.state, content: row.content ?? null };
  }

  /**
   * The state of an own object, read without a lock (a domain's view of its record: an asset shows its sharing
   * as withdrawn once the object is, whichever way it was withdrawn); undefined for an unknown id.
   */
  async function stateOf(dbx: DbOrTx, id: string) {
    return (await repo.find(dbx, id))?.state;
  }

  return {
    list,
    get,
    publish,
    update,
    withdraw,
    share,
    types,
    fanout,
    intakeUnitId,
    retainUntil,
    /**
     * For domains that share their own records (cases, indicator sets): the same rules, in the domain's
     * transaction, once the domain has authorised the caller on its own record.
     */
    domainPort: {
      publishIn,
      updateIn,
      withdrawIn,
      shareIn,
      viewsOf,
      lockIn,
      stateOf,
      proposeIn: proposals.proposeIn,
    },
    /** The owner's handler of holders' proposals (registered with the inbox's). */
    proposalHandlers: proposals.handlers,
    eraseForRetention,
  };
}

export type SharedObjectsService = ReturnType<typeof createSharedObjectsService>;
