import type {
  AddCaseIdentifierBody,
  AddCaseSubjectBody,
  AddNoteBody,
  AddTaskBody,
  CaseDetail,
  CasePolicy,
  CaseQuery,
  CreateCaseBody,
  CreateRequestBody,
  ErrorDetail,
  UpdateCaseBody,
  UpdateTaskBody,
} from "@crossline/schemas";
import { issue } from "@crossline/schemas";
import type { z } from "zod";
import { uuidv7 } from "../../crypto/ids.js";
import { type DbOrTx, inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat } from "../../lib/errors.js";
import { type CasesContext, type CasesDeps, createCasesContext } from "./cases.context.js";
import { createCaseEvidence } from "./cases.evidence.js";
import { type CaseRow, casesRepo as repo } from "./cases.repo.js";
import { createCaseSharing } from "./cases.sharing.js";

type In<T extends z.ZodType> = z.infer<T>;
const MAX_PAGE = 200;
const CURSOR = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CASE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const invalid = (field: string, issue: string) => new AppError("VALIDATION_FAILED", [{ field, issue }]);

/**
 * Cases: the case file of one unit (need to know: the unit and the members it adds; anyone else gets 404).
 * This file is the façade and the file itself (case, members, subjects, identifiers, tasks, notes, linked
 * requests); evidence and its chain of custody are in cases.evidence.ts, sharing the summary, the priority
 * list and the status report in cases.sharing.ts. Every change is audited in its own transaction.
 */
export function createCasesService(deps: CasesDeps) {
  const c = createCasesContext(deps);
  const { db, clock, audit } = deps;
  const evidence = createCaseEvidence(c);
  const sharing = createCaseSharing(c);

  /** Checks that a user may hold a role on a case of `unitId` (enabled; of the unit unless `anyUnit`). */
  async function checkPerson(dbx: DbOrTx, field: string, userId: string, unitId: string, caseId?: string) {
    const u = await deps.unitOfUser(dbx, userId);
    const member = caseId ? await repo.isMember(dbx, caseId, userId) : false;
    if (!u || (u.unitId !== unitId && !member)) {
      throw invalid(field, "no enabled officer of the case's unit or among its members");
    }
  }

  async function list(ctx: Ctx, q: CaseQuery) {
    requirePermission(ctx.actor, "cases:read");
    if (q.cursor !== undefined && !CURSOR.test(q.cursor))
      throw invalid("querystring.cursor", "not a cursor of this list");
    const limit = Math.min(q.limit, MAX_PAGE);
    const rows = await repo.page(db, {
      unitId: ctx.actor.unitId,
      userId: ctx.actor.userId,
      status: q.status,
      category: q.category,
      priority: q.priority === undefined ? undefined : q.priority === "true",
      search: q.q || undefined,
      afterId: q.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      items: page.map(c.summaryRow),
      nextCursor: rows.length > limit ? (page[page.length - 1] as CaseRow).id : null,
    };
  }

  async function detail(row: CaseRow): Promise<CaseDetail> {
    const [members, subjects, identifiers, tasks, notes, requests, pol] = await Promise.all([
      repo.members(db, row.id),
      repo.subjects(db, row.id),
      repo.identifiers(db, row.id),
      repo.tasks(db, row.id),
      repo.notes(db, row.id),
      deps.requests.requestsOfCase(row.id),
      c.policy(),
    ]);
    return {
      ...c.summaryRow(row),
      summary: row.summary ?? null,
      asks: row.asks ?? null,
      members: members.map((m) => ({ userId: m.userId, addedAt: m.addedAt.toISOString() })),
      subjects: subjects.map((s) => ({
        id: s.id,
        subject: s.subject,
        personId: s.personId ?? null,
        createdAt: s.createdAt.toISOString(),
      })),
      identifiers: identifiers.map((i) => ({
        id: i.id,
        identifier: i.identifier,
        note: i.note ?? null,
        createdAt: i.createdAt.toISOString(),
      })),
      evidence: await evidence.views(row.id),
      tasks: tasks.map((t) => ({
        id: t.id,
        title: t.title,
        assigneeId: t.assigneeId ?? null,
        dueDate: t.dueDate ?? null,
        done: t.done,
        version: t.version,
      })),
      notes: notes.map((n) => ({
        id: n.id,
        text: n.text,
        authorLabel: n.authorLabel,
        createdAt: n.createdAt.toISOString(),
      })),
      requests,
      shares: await sharing.views(row.id),
      sharedObjectId: row.sharedObjectId ?? null,
      approvalRequired: pol.shareApproval,
    };
  }

  async function get(ctx: Ctx, id: string): Promise<CaseDetail> {
    requirePermission(ctx.actor, "cases:read");
    return detail(await c.load(ctx, id));
  }

  async function create(ctx: Ctx, body: In<typeof CreateCaseBody>) {
    requirePermission(ctx.actor, "cases:write");
    const unitId = ctx.actor.unitId;
    assertThat(unitId, new AppError("FORBIDDEN", [{ issue: "only an officer of a unit opens a case" }]));
    const lead = body.leadOfficerId ?? ctx.actor.userId;
    if (body.leadOfficerId) await checkPerson(db, "body.leadOfficerId", body.leadOfficerId, unitId);
    const node = await deps.nodeInfo();
    const now = clock.now();
    const id = uuidv7();
    const row = await inTransaction(db, async (tx) => {
      const year = now.getUTCFullYear();
      const seq = await repo.nextSeq(tx, year);
      const r = await repo.insert(tx, {
        id,
        reference: `${node.id}-C-${year}-${String(seq).padStart(4, "0")}`,
        year,
        seq,
        unitId,
        title: body.title,
        titleSearch: body.title.text.toLowerCase(),
        category: body.category,
        status: "open",
        outcome: null,
        priority: body.priority ?? false,
        leadOfficerId: lead,
        summary: body.summary ?? null,
        asks: body.asks ?? null,
        sharedObjectId: null,
        version: 1,
        createdBy: ctx.actor.userId,
        createdAt: now,
        updatedAt: now,
      });
      await audit.record(tx, ctx, {
        action: "case.create",
        targetType: "case",
        targetId: id,
        details: { reference: r.reference, category: r.category, priority: r.priority },
      });
      return r;
    });
    return detail(row);
  }

  async function update(ctx: Ctx, id: string, body: In<typeof UpdateCaseBody>) {
    requirePermission(ctx.actor, "cases:write");
    const row = await inTransaction(db, async (tx) => {
      const before = await c.lock(tx, ctx, id);
      if (body.version !== before.version) {
        throw new AppError("CONFLICT", [
          {
            field: "body.version",
            ...issue("record.staleVersion", { what: "case", version: before.version }),
          },
        ]);
      }
      const status = body.status ?? before.status;
      const outcome =
        body.outcome === undefined ? (status === "closed" ? before.outcome : null) : body.outcome;
      const issues: ErrorDetail[] = [];
      if (status === "closed" && !outcome)
        issues.push({ field: "body.outcome", issue: "closing a case takes an outcome" });
      if (issues.length) throw new AppError("VALIDATION_FAILED", issues);
      if (body.leadOfficerId)
        await checkPerson(tx, "body.leadOfficerId", body.leadOfficerId, before.unitId, id);
      const after = await repo.update(tx, id, {
        ...(body.title ? { title: body.title, titleSearch: body.title.text.toLowerCase() } : {}),
        ...(body.category ? { category: body.category } : {}),
        status,
        outcome: outcome ?? null,
        ...(body.priority !== undefined ? { priority: body.priority } : {}),
        ...(body.leadOfficerId ? { leadOfficerId: body.leadOfficerId } : {}),
        ...(body.summary !== undefined ? { summary: body.summary } : {}),
        ...(body.asks !== undefined ? { asks: body.asks } : {}),
        version: before.version + 1,
        updatedAt: clock.now(),
      });
      await c.syncSummary(tx, ctx, before, after);
      const { version: _v, ...changed } = body;
      await audit.record(tx, ctx, {
        action: "case.update",
        targetType: "case",
        targetId: id,
        details: {
          version: after.version,
          fields: Object.keys(changed).sort(),
          ...(before.status !== after.status ? { status: [before.status, after.status] } : {}),
        },
      });
      return after;
    });
    return detail(row);
  }

  /** One change to the case file in one transaction: the case locked (need to know), the change, its audit. */
  async function change(
    ctx: Ctx,
    id: string,
    action: string,
    fn: (
      tx: Parameters<Parameters<typeof inTransaction>[1]>[0],
      row: CaseRow,
    ) => Promise<Record<string, unknown>>,
  ) {
    requirePermission(ctx.actor, "cases:write");
    const row = await inTransaction(db, async (tx) => {
      const before = await c.lock(tx, ctx, id);
      const details = await fn(tx, before);
      const after = await c.touch(tx, before);
      await audit.record(tx, ctx, {
        action,
        targetType: "case",
        targetId: id,
        details: { version: after.version, ...details },
      });
      return after;
    });
    return detail(row);
  }

  const addMember = (ctx: Ctx, id: string, userId: string) =>
    change(ctx, id, "case.member_add", async (tx, row) => {
      // Only the owning unit adds people: a member does not widen the circle further.
      if (row.unitId !== ctx.actor.unitId)
        throw new AppError("FORBIDDEN", [{ issue: "only the owning unit adds members" }]);
      const u = await deps.unitOfUser(tx, userId);
      if (!u) throw invalid("body.userId", "no enabled user with this id");
      if (u.unitId === row.unitId) throw invalid("body.userId", "already in the owning unit");
      await repo.addMember(tx, { caseId: id, userId, addedBy: ctx.actor.userId, addedAt: clock.now() });
      return { userId };
    });

  /**
   * A subject of the case. A person subject links to the node's person record: the one named by `personId`
   * when the caller may see it (persons port: another unit's person is NOT_FOUND, as if there were none), else
   * the one the names and date of birth find, or a new one in the case's unit. The link's position is the
   * subject's among the case's subjects.
   */
  const addSubject = (ctx: Ctx, id: string, body: In<typeof AddCaseSubjectBody>) =>
    change(ctx, id, "case.subject_add", async (tx, row) => {
      const s = body.subject;
      if (body.personId && s.kind !== "person")
        throw invalid("body.personId", "only a person subject links to a person record");
      const subjectId = uuidv7();
      const record = { recordType: "case", recordId: id, recordUnitId: row.unitId };
      const ordinal = (await repo.subjects(tx, id)).length;
      let personId: string | null = null;
      if (body.personId) {
        personId = body.personId;
        await deps.persons.linkById(tx, ctx, record, { personId, ordinal, role: s.role }, "body.personId");
      } else if (s.kind === "person") {
        const found = await deps.persons.findOrCreate(
          tx,
          ctx,
          {
            names: s.names,
            ...(s.dateOfBirth ? { dateOfBirth: s.dateOfBirth } : {}),
            ...(s.nationality ? { nationality: s.nationality } : {}),
          },
          row.unitId,
        );
        personId = found.personId;
        try {
          await deps.persons.link(tx, ctx, record, { personId, ordinal, role: s.role });
        } catch (err) {
          if (err instanceof AppError && err.code === "PERSON_RESTRICTED") {
            throw new AppError("PERSON_RESTRICTED", [
              {
                // the person module's own text (a key with parameters, if it becomes one), on this field
                ...(err.details[0] ?? {
                  issue: "processing of this person is restricted while a dispute is open",
                }),
                field: "body.subject",
              },
            ]);
          }
          throw err;
        }
      }
      await repo.insertSubject(tx, {
        id: subjectId,
        caseId: id,
        subject: s,
        personId,
        createdAt: clock.now(),
      });
      return { subjectId, kind: s.kind, role: s.role, ...(personId ? { personId } : {}) };
    });

  const addIdentifier = (ctx: Ctx, id: string, body: In<typeof AddCaseIdentifierBody>) =>
    change(ctx, id, "case.identifier_add", async (tx, row) => {
      const identifierId = uuidv7();
      const added = await repo.insertIdentifier(tx, {
        id: identifierId,
        caseId: id,
        type: body.identifier.type,
        value: body.identifier.value,
        identifier: body.identifier,
        note: body.note ?? null,
        createdAt: clock.now(),
      });
      if (!added.length)
        throw new AppError("CONFLICT", [{ field: "body.identifier", issue: "the case holds it already" }]);
      // Indexed under the case (its canonical value, as stored): a matching indicator or request identifier
      // is a hit told to both owning units; a peer or another unit learns whom to ask, not the case.
      const hits = await deps.correlation.index(tx, "case", [
        {
          recordId: id,
          ownerUnit: row.unitId,
          identifiers: [{ kind: body.identifier.type, value: body.identifier.value }],
        },
      ]);
      return { identifierId, type: body.identifier.type, hits };
    });

  const addTask = (ctx: Ctx, id: string, body: In<typeof AddTaskBody>) =>
    change(ctx, id, "case.task_add", async (tx, row) => {
      if (body.assigneeId) await checkPerson(tx, "body.assigneeId", body.assigneeId, row.unitId, id);
      const taskId = uuidv7();
      const now = clock.now();
      await repo.insertTask(tx, {
        id: taskId,
        caseId: id,
        title: body.title,
        assigneeId: body.assigneeId ?? null,
        dueDate: body.dueDate ?? null,
        done: false,
        version: 1,
        createdAt: now,
        updatedAt: now,
      });
      return { taskId };
    });

  const updateTask = (ctx: Ctx, id: string, taskId: string, body: In<typeof UpdateTaskBody>) =>
    change(ctx, id, "case.task_update", async (tx, row) => {
      const t = await repo.lockTask(tx, id, taskId);
      assertThat(
        t,
        new AppError("NOT_FOUND", [{ field: "params.taskId", issue: "no such task in this case" }]),
      );
      if (t.version !== body.version) {
        throw new AppError("CONFLICT", [
          { field: "body.version", ...issue("record.staleVersion", { what: "task", version: t.version }) },
        ]);
      }
      if (body.assigneeId) await checkPerson(tx, "body.assigneeId", body.assigneeId, row.unitId, id);
      await repo.updateTask(tx, taskId, {
        ...(body.done !== undefined ? { done: body.done } : {}),
        ...(body.assigneeId !== undefined ? { assigneeId: body.assigneeId } : {}),
        ...(body.dueDate !== undefined ? { dueDate: body.dueDate } : {}),
        version: t.version + 1,
        updatedAt: clock.now(),
      });
      const { version: _v, ...changed } = body;
      return { taskId, fields: Object.keys(changed).sort() };
    });

  const addNote = (ctx: Ctx, id: string, body: In<typeof AddNoteBody>) =>
    change(ctx, id, "case.note_add", async (tx) => {
      const noteId = uuidv7();
      await repo.insertNote(tx, {
        id: noteId,
        caseId: id,
        text: body.text,
        authorId: ctx.actor.userId,
        authorLabel: ctx.actor.label,
        createdAt: clock.now(),
      });
      return { noteId, lang: body.text.lang };
    });

  /**
   * What a request drafted from this case starts with: the case's category, subjects and identifiers. The
   * console fills the rest of the form (legal basis, authority, facts) and posts it to draftRequest.
   */
  async function requestPrefill(ctx: Ctx, id: string) {
    requirePermission(ctx.actor, "cases:read");
    const row = await c.load(ctx, id);
    const [subjects, identifiers] = await Promise.all([repo.subjects(db, id), repo.identifiers(db, id)]);
    return {
      caseId: id,
      offence: { category: row.category },
      subjects: subjects.map((s) => s.subject),
      // In the form a request's draft takes (canonical value and options; the typed input is not repeated).
      identifiers: identifiers.map((i) => {
        const { raw: _raw, ...input } = i.identifier as typeof i.identifier & { raw?: string };
        return input;
      }),
    };
  }

  /** Drafts a request linked to this case (the requests module creates and audits it; the case lists it). */
  async function draftRequest(ctx: Ctx, id: string, body: CreateRequestBody) {
    requirePermission(ctx.actor, "cases:write");
    await c.load(ctx, id);
    return deps.requests.create(ctx, body, { caseId: id });
  }

  async function getPolicy(ctx: Ctx): Promise<CasePolicy> {
    if (!ctx.actor.permissions.has("policy:manage")) requirePermission(ctx.actor, "cases:read");
    return c.policy();
  }

  async function putPolicy(ctx: Ctx, value: CasePolicy): Promise<CasePolicy> {
    requirePermission(ctx.actor, "policy:manage");
    const before = await c.policy();
    await inTransaction(db, async (tx) => {
      await c.putPolicy(tx, value);
      await audit.record(tx, ctx, {
        action: "policy.cases.update",
        targetType: "policy",
        targetId: "cases.policy",
        details: { before, after: value },
      });
    });
    return c.policy();
  }

  /** What the persons module shows of a case naming a person (its page, the subject-access export). */
  async function describe(dbx: DbOrTx, ids: string[]) {
    const out: {
      id: string;
      reference: string;
      title: string;
      ownerUnitId: string;
      subjects: Record<string, unknown>[];
    }[] = [];
    for (const id of ids.filter((x) => CASE_ID.test(x))) {
      const r = await repo.find(dbx, id);
      if (!r) continue;
      const subjects = await repo.subjects(dbx, id);
      out.push({
        id: r.id,
        reference: r.reference,
        title: r.title.text,
        ownerUnitId: r.unitId,
        subjects: subjects.map((x) => x.subject as unknown as Record<string, unknown>),
      });
    }
    return out;
  }

  return {
    describe,
    /** Two person records merged (persons.port.ts `relinked`): the case subjects naming the removed one. */
    relinked: async (tx: Tx, _ctx: Ctx, ids: string[], from: string, to: string) => {
      await repo.repointSubjects(tx, ids, from, to);
    },
    list,
    get,
    create,
    update,
    addMember,
    addSubject,
    addIdentifier,
    addTask,
    updateTask,
    addNote,
    requestPrefill,
    draftRequest,
    getPolicy,
    putPolicy,
    addEvidence: async (ctx: Ctx, id: string, body: Parameters<typeof evidence.add>[2]) => {
      await evidence.add(ctx, id, body);
      return detail(await c.load(ctx, id));
    },
    recordCustody: async (
      ctx: Ctx,
      id: string,
      evidenceId: string,
      body: Parameters<typeof evidence.custody>[3],
    ) => {
      await evidence.custody(ctx, id, evidenceId, body);
      return detail(await c.load(ctx, id));
    },
    downloadEvidence: evidence.download,
    requestShare: async (ctx: Ctx, id: string, body: Parameters<typeof sharing.requestShare>[2]) => {
      await sharing.requestShare(ctx, id, body);
      return detail(await c.load(ctx, id));
    },
    decideShare: async (
      ctx: Ctx,
      id: string,
      shareId: string,
      body: Parameters<typeof sharing.decide>[3],
    ) => {
      await sharing.decide(ctx, id, shareId, body);
      return detail(await c.load(ctx, id));
    },
    withdrawSummary: async (ctx: Ctx, id: string) => {
      await sharing.withdraw(ctx, id);
      return detail(await c.load(ctx, id));
    },
    priorityList: sharing.priorityList,
    statusReport: sharing.statusReport,
  };
}

export type CasesService = ReturnType<typeof createCasesService>;
export type { CasesContext };
