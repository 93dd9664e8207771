import type {
  CreateFugitiveBody,
  DuplicateCheckBody,
  FugitiveDetail,
  FugitiveFields,
  FugitiveMatch,
  FugitiveQuery,
  NameSearchQuery,
  PhotoUploadBody,
  ReturnBody,
  StoredFugitiveFields,
  UpdateFugitiveBody,
} from "@crossline/schemas";
import { issue } from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import { type DbOrTx, inTransaction } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { canonicalJson } from "../../lib/canonical-json.js";
import { mergeChange } from "../../lib/change.js";
import { AppError, assertThat } from "../../lib/errors.js";
import { DUPLICATE_SCORE, keysOf, recordKeys } from "../../lib/name-keys.js";
import { normaliseName } from "../persons/persons.match.js";
import {
  createFugitivesContext,
  dateIssues,
  type FugitivesDeps,
  fieldsOf,
  reportView,
} from "./fugitives.context.js";
import { createFugitiveErasure } from "./fugitives.erasure.js";
import { createFugitiveEvidence } from "./fugitives.evidence.js";
import { createFugitiveLists } from "./fugitives.lists.js";
import { romanise as pinyinOf, withRomanised } from "./fugitives.names.js";
import { createFugitivePhotos, photoView } from "./fugitives.photos.js";
import { createFugitiveRectification, relinkFugitives } from "./fugitives.rectify.js";
import { type FugitiveRow, fugitivesRepo as repo } from "./fugitives.repo.js";
import { createFugitiveRequests } from "./fugitives.requests.js";

const MAX_PAGE = 200;
const CURSOR = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
type Issue = { field: string; issue: string };

/** Every name form, lower-cased without spaces: "Zhang Wei", "zhangwei" and "张伟" all find 张伟. */
function searchText(f: StoredFugitiveFields): string {
  return [...f.names, ...f.aliases]
    .flatMap((n) => [n.original, n.romanised ?? ""])
    .filter(Boolean)
    .map((s) => normaliseName(s).replace(/ /g, ""))
    .join("\n");
}

/** Whether a change touches what the likely duplicates are found by: the names, aliases and date of birth. */
function namesChanged(a: StoredFugitiveFields, b: StoredFugitiveFields): boolean {
  const of = (f: StoredFugitiveFields) =>
    canonicalJson({ names: f.names, aliases: f.aliases, dateOfBirth: f.dateOfBirth ?? null });
  return of(a) !== of(b);
}

/**
 * Fugitive records: one unit's (need to know: another unit's is 404), linked to the node's person record,
 * versioned (every version kept), every read in the access log, every change audited in its own transaction.
 * Lists, their publication to peers, the peers' reports and returns are in fugitives.lists.ts.
 */
export function createFugitivesService(deps: FugitivesDeps) {
  const c = createFugitivesContext(deps);
  const { db, clock, audit } = deps;
  const evidence = createFugitiveEvidence(c);
  const erasure = createFugitiveErasure(c);
  const lists = createFugitiveLists(c, evidence, erasure);
  const photos = createFugitivePhotos(c, lists.syncEntries);
  const requests = createFugitiveRequests(c, deps.requests);

  /** Romanises the names, checks the dates and the links; throws with every issue, each naming its field. */
  async function prepare(ctx: Ctx, f: FugitiveFields, field: string): Promise<StoredFugitiveFields> {
    const names = withRomanised(f.names, `${field}.names`);
    const aliases = withRomanised(f.aliases, `${field}.aliases`);
    const stored: StoredFugitiveFields = { ...f, names: names.value, aliases: aliases.value };
    const issues: Issue[] = [...names.issues, ...aliases.issues, ...dateIssues(stored, field)];
    for (const [i, id] of f.caseIds.entries()) {
      if (!(await deps.linkable.caseVisible(ctx, id)))
        issues.push({ field: `${field}.caseIds.${i}`, issue: "no such case" });
    }
    for (const [i, id] of f.requestIds.entries()) {
      if (!(await deps.linkable.requestVisible(ctx, id)))
        issues.push({ field: `${field}.requestIds.${i}`, issue: "no such request" });
    }
    if (issues.length) throw new AppError("VALIDATION_FAILED", issues);
    return stored;
  }

  async function list(ctx: Ctx, q: FugitiveQuery) {
    requirePermission(ctx.actor, "fugitives:read");
    if (q.cursor !== undefined && !CURSOR.test(q.cursor))
      throw new AppError("VALIDATION_FAILED", [
        { field: "querystring.cursor", issue: "not a cursor of this list" },
      ]);
    if (!ctx.actor.unitId) return { items: [], nextCursor: null };
    const limit = Math.min(q.limit, MAX_PAGE);
    const rows = await repo.page(db, {
      unitId: ctx.actor.unitId,
      search: q.q ? normaliseName(q.q).replace(/ /g, "") : undefined,
      status: q.status,
      afterId: q.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    await c.logReads(db, ctx, page, "list");
    return {
      items: page.map(c.summary),
      nextCursor: rows.length > limit ? (page[page.length - 1] as FugitiveRow).id : null,
    };
  }

  async function detail(ctx: Ctx, dbx: DbOrTx, r: FugitiveRow): Promise<FugitiveDetail> {
    const [versions, reports, entries, photoRows, linked] = await Promise.all([
      repo.versions(dbx, r.id),
      repo.reportsOfFugitive(dbx, r.id),
      repo.entriesOf(dbx, r.id),
      repo.photosOf(dbx, r.id),
      requests.linked(ctx, r),
    ]);
    const listRows = await Promise.all(entries.map((e) => repo.findList(dbx, e.listId)));
    const evidence = await repo.evidenceOfReports(
      dbx,
      reports.map((x) => x.id),
    );
    const timeline: FugitiveDetail["timeline"] = [
      ...versions.map((v) => ({
        at: v.changedAt.toISOString(),
        kind: "version" as const,
        version: v.version,
        by: v.changedBy,
        report: null,
        listId: null,
        request: null,
      })),
      ...entries
        .flatMap((e) => [
          { at: e.addedAt, kind: "listed" as const, e },
          ...(e.removedAt ? [{ at: e.removedAt, kind: "unlisted" as const, e }] : []),
        ])
        .map((x) => ({
          at: x.at.toISOString(),
          kind: x.kind,
          version: null,
          by: "",
          report: null,
          listId: x.e.listId,
          request: null,
        })),
      ...reports.map((rep) => ({
        at: rep.createdAt.toISOString(),
        kind: "report" as const,
        version: null,
        by: rep.fromNode,
        report: reportView(rep, evidence),
        listId: null,
        request: null,
      })),
      ...(r.returned
        ? [
            {
              at: r.returned.recordedAt,
              kind: "return" as const,
              version: null,
              by: "",
              report: null,
              listId: null,
              request: null,
            },
          ]
        : []),
      ...linked.timeline,
    ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    return {
      ...c.summary(r),
      fields: fieldsOf(r),
      returned: r.returned ? { ...r.returned, method: r.returned.method as "other" } : null,
      lists: entries
        .filter((e) => !e.removedAt)
        .map((e) => ({
          listId: e.listId,
          name: listRows[entries.indexOf(e)]?.name ?? { lang: "en" as const, text: "" },
          number: e.number,
          entryId: e.sharedObjectId ?? "",
        })),
      timeline,
      photos: photoRows.map(photoView),
      requests: linked.requests,
    };
  }

  async function get(ctx: Ctx, id: string): Promise<FugitiveDetail> {
    requirePermission(ctx.actor, "fugitives:read");
    const row = await c.load(ctx, id);
    await c.logReads(db, ctx, [row], "read");
    return detail(ctx, db, row);
  }

  async function history(ctx: Ctx, id: string) {
    requirePermission(ctx.actor, "fugitives:read");
    const row = await c.load(ctx, id);
    await c.logReads(db, ctx, [row], "read");
    const versions = await repo.versions(db, row.id);
    return {
      items: versions.map((v) => ({
        version: v.version,
        fields: v.fields as FugitiveFields,
        status: v.status,
        changedAt: v.changedAt.toISOString(),
        changedBy: v.changedBy,
        reason: v.reason ?? null,
      })),
    };
  }

  /** The unit's records, best first, whose names (and date of birth) make them likely the same person. */
  async function likelySame(
    dbx: DbOrTx,
    unitId: string,
    names: { original: string; romanised?: string }[],
    dateOfBirth: string | undefined,
  ) {
    const hits = await repo.searchByKeys(dbx, {
      keys: recordKeys(names),
      unitId,
      ...(dateOfBirth ? { dateOfBirth } : {}),
      minScore: DUPLICATE_SCORE,
      limit: 10,
    });
    return matchRows(dbx, hits);
  }

  /** The records of the hits, best first, with their rows (read once: the access log takes them too). */
  async function matchRows(dbx: DbOrTx, hits: { id: string; score: number }[]) {
    const found = await repo.byIds(
      dbx,
      hits.map((h) => h.id),
    );
    const rows = new Map(found.map((r) => [r.id, r]));
    const items = hits.flatMap((h) => {
      const r = rows.get(h.id);
      return r ? [{ ...c.summary(r), score: h.score }] : [];
    });
    return { items, rows: found };
  }

  /** The unit's fugitives by any form of a name, ranked, narrowed by the date of birth (each result logged). */
  async function search(ctx: Ctx, q: NameSearchQuery): Promise<{ items: FugitiveMatch[] }> {
    requirePermission(ctx.actor, "fugitives:read");
    if (!ctx.actor.unitId) return { items: [] };
    const { items, rows } = await matchRows(
      db,
      await repo.searchByKeys(db, {
        keys: keysOf(q.name),
        unitId: ctx.actor.unitId,
        ...(q.dateOfBirth ? { dateOfBirth: q.dateOfBirth } : {}),
        minScore: 1,
        limit: q.limit,
      }),
    );
    await c.logReads(db, ctx, rows, "list");
    return { items };
  }

  /** Before a record is created: the unit's records it may repeat (names romanised as creation would). */
  async function duplicates(ctx: Ctx, body: DuplicateCheckBody): Promise<{ items: FugitiveMatch[] }> {
    requirePermission(ctx.actor, "fugitives:write");
    if (!ctx.actor.unitId) return { items: [] };
    const names = withRomanised(body.names, "body.names");
    const aliases = withRomanised(body.aliases, "body.aliases");
    const issues = [...names.issues, ...aliases.issues];
    if (issues.length) throw new AppError("VALIDATION_FAILED", issues);
    const { items, rows } = await likelySame(
      db,
      ctx.actor.unitId,
      [...names.value, ...aliases.value],
      body.dateOfBirth,
    );
    await c.logReads(db, ctx, rows, "list");
    return { items };
  }

  /** Gives name keys to fugitives recorded before they existed (at start; nothing to do on a new node). */
  async function indexNames(batch = 500): Promise<number> {
    let done = 0;
    let after: string | undefined;
    for (;;) {
      const rows = await repo.unindexed(db, batch, after);
      if (!rows.length) return done;
      after = rows[rows.length - 1]?.id;
      await inTransaction(db, async (tx) => {
        for (const r of rows)
          await repo.setNameKeys(tx, r.id, recordKeys([...r.fields.names, ...r.fields.aliases]));
      });
      done += rows.length;
    }
  }

  /**
   * Records a fugitive. The unit's records whose names make them likely the same person come back beside it
   * (a warning: the record is created anyway; the console asks first through `duplicates`).
   */
  async function create(
    ctx: Ctx,
    body: CreateFugitiveBody,
  ): Promise<{ fugitive: FugitiveDetail; duplicates: FugitiveMatch[] }> {
    requirePermission(ctx.actor, "fugitives:write");
    const unitId = ctx.actor.unitId;
    assertThat(
      unitId,
      new AppError("FORBIDDEN", [{ issue: "only an officer of a unit keeps fugitive records" }]),
    );
    const { legalBasis, purpose, ...fields } = body;
    const stored = await prepare(ctx, fields, "body");
    const now = clock.now();
    const id = uuidv7();
    const node = await deps.nodeId(db);
    const { row, similar, similarRows } = await inTransaction(db, async (tx) => {
      const year = now.getUTCFullYear();
      // nextSeq's lock serialises the node's creations to their commit, so the likely duplicates are looked up
      // after it: a record of the same person created at the same moment (another request, another process)
      // has committed by then and is found; looked up before, the two creations missed each other.
      const seq = await repo.nextSeq(tx, year);
      const { items: similar, rows: similarRows } = await likelySame(
        tx,
        unitId,
        [...stored.names, ...stored.aliases],
        stored.dateOfBirth,
      );
      const person = await deps.persons.findOrCreate(
        tx,
        ctx,
        {
          names: stored.names,
          ...(stored.dateOfBirth ? { dateOfBirth: stored.dateOfBirth } : {}),
          ...(stored.nationalities[0] ? { nationality: stored.nationalities[0] } : {}),
        },
        unitId,
      );
      const r = await repo.insert(tx, {
        id,
        reference: `${node}-F-${year}-${String(seq).padStart(4, "0")}`,
        year,
        seq,
        unitId,
        personId: person.personId,
        fields: stored,
        nameSearch: searchText(stored),
        status: "at_large",
        version: 1,
        createdBy: ctx.actor.userId,
        createdAt: now,
        updatedAt: now,
      });
      await repo.addNameKeys(tx, id, recordKeys([...stored.names, ...stored.aliases]));
      await deps.persons.link(
        tx,
        ctx,
        { recordType: "fugitive", recordId: id, recordUnitId: unitId },
        { personId: person.personId, ordinal: 0, role: "suspect" },
      );
      await repo.insertVersion(tx, {
        fugitiveId: id,
        version: 1,
        fields: stored,
        status: "at_large",
        changedAt: now,
        changedBy: ctx.actor.label,
        reason: null,
      });
      const main = stored.names[0];
      await deps.lawful.declare(tx, {
        kind: "fugitive_entry",
        recordId: id,
        basis: legalBasis,
        purpose: purpose ?? `Fugitive record: ${main?.romanised ?? main?.original ?? r.reference}`,
        ownerUnitId: unitId,
      });
      await audit.record(tx, ctx, {
        action: "fugitive.create",
        targetType: "fugitive",
        targetId: id,
        details: { reference: r.reference, personId: person.personId, personCreated: person.created },
      });
      return { row: r, similar, similarRows };
    });
    if (similar.length) await c.logReads(db, ctx, similarRows, "list");
    return { fugitive: await detail(ctx, db, row), duplicates: similar };
  }

  /**
   * Changes a record (its next version). A change of its names, aliases or date of birth comes back with the
   * unit's other records those make it likely the same person as, as a creation does (a warning: the change is
   * saved), looked up under the lock creations take, after the change.
   */
  async function update(
    ctx: Ctx,
    id: string,
    body: UpdateFugitiveBody,
  ): Promise<{ fugitive: FugitiveDetail; duplicates: FugitiveMatch[] }> {
    requirePermission(ctx.actor, "fugitives:write");
    let stored: StoredFugitiveFields | undefined;
    let renaming = false;
    if (body.fields) {
      // A field left out keeps the record's value, null clears it; read before the transaction, the
      // version check below makes sure the record merged with is the one changed.
      const current = await c.load(ctx, id);
      stored = await prepare(ctx, mergeChange<FugitiveFields>(body.fields, current.fields), "body.fields");
      renaming = namesChanged(current.fields, stored);
    }
    const { row, similar, similarRows } = await inTransaction(db, async (tx) => {
      // A rename and a creation (or another rename) of the same person at the same moment take turns, as two
      // creations do: the later one's warning names the other. The lock is taken before the record's, as a
      // creation takes it before any other (a creation locks the person; a rectification of the person locks
      // the person, then this record).
      if (renaming) await repo.lockNames(tx);
      const before = await c.lock(tx, ctx, id);
      if (body.version !== before.version) {
        throw new AppError("CONFLICT", [
          {
            field: "body.version",
            ...issue("record.staleVersion", { what: "record", version: before.version }),
          },
        ]);
      }
      if (before.status === "returned") {
        throw new AppError("CONFLICT", [{ issue: "the fugitive has returned: the record is closed" }]);
      }
      const now = clock.now();
      const fields = stored ?? before.fields;
      const status = body.status ?? before.status;
      // The same as `renaming` once the version matched (a record's fields change only with its version).
      const renamed = stored !== undefined && namesChanged(before.fields, stored);
      if (renamed && !renaming) await repo.lockNames(tx);
      const after = await repo.update(tx, id, {
        fields,
        nameSearch: searchText(fields),
        status,
        closedAt: status === "closed" ? now : null,
        version: before.version + 1,
        updatedAt: now,
      });
      if (stored) await repo.setNameKeys(tx, id, recordKeys([...fields.names, ...fields.aliases]));
      const { items: similar, rows: similarRows } = renamed
        ? await likelySame(tx, after.unitId, [...fields.names, ...fields.aliases], fields.dateOfBirth)
        : { items: [], rows: [] };
      await repo.insertVersion(tx, {
        fugitiveId: id,
        version: after.version,
        fields,
        status,
        changedAt: now,
        changedBy: ctx.actor.label,
        reason: body.reason ?? null,
      });
      await lists.syncEntries(tx, ctx, after);
      await audit.record(tx, ctx, {
        action: "fugitive.update",
        targetType: "fugitive",
        targetId: id,
        details: {
          version: after.version,
          ...(stored ? { fields: true } : {}),
          ...(body.status ? { status: body.status } : {}),
          ...(body.reason ? { reason: body.reason } : {}),
        },
      });
      return {
        row: after,
        similar: similar.filter((m) => m.id !== id),
        similarRows: similarRows.filter((r) => r.id !== id),
      };
    });
    if (similarRows.length) await c.logReads(db, ctx, similarRows, "list");
    return { fugitive: await detail(ctx, db, row), duplicates: similar };
  }

  function romanise(ctx: Ctx, text: string) {
    requirePermission(ctx.actor, "fugitives:read");
    return { original: text, romanised: pinyinOf(text) };
  }

  async function recordReturn(ctx: Ctx, id: string, body: ReturnBody): Promise<FugitiveDetail> {
    return detail(ctx, db, await lists.recordReturn(ctx, id, body));
  }

  async function addPhoto(ctx: Ctx, id: string, body: PhotoUploadBody): Promise<FugitiveDetail> {
    return detail(ctx, db, await photos.add(ctx, id, body));
  }

  /** What the persons module shows of a fugitive record naming a person (its page, the subject-access export). */
  async function describe(dbx: DbOrTx, ids: string[]) {
    return (await repo.byIds(dbx, ids)).map((r) => ({
      id: r.id,
      reference: r.reference,
      title: r.fields.names[0]?.romanised ?? r.fields.names[0]?.original ?? null,
      ownerUnitId: r.unitId,
      subjects: [r.fields as unknown as Record<string, unknown>],
    }));
  }

  return {
    describe,
    /** The persons module's hook: a rectified person's correction, to the records and the peers holding them. */
    rectified: createFugitiveRectification(c, lists, searchText),
    relinked: relinkFugitives,
    list,
    search,
    duplicates,
    indexNames,
    get,
    history,
    create,
    update,
    romanise,
    recordReturn,
    addPhoto,
    photo: photos.download,
    receivedPhoto: photos.receivedPhoto,
    uploadEvidence: evidence.upload,
    evidence: evidence.download,
    sentEvidence: evidence.readBack,
    sweepUnsentEvidence: evidence.sweepUnsent,
    requestPrefill: requests.prefill,
    draftRequest: requests.draft,
    onReceived: lists.onReceived,
    /** The lawful kind's erasure of a record's files (photos, the reports' evidence and texts). */
    eraseRecordFiles: erasure.eraseRecordFiles,
    registerHandlers: lists.registerHandlers,
    ...lists.api,
  };
}

export type FugitivesService = ReturnType<typeof createFugitivesService>;
