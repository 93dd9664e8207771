import {
  type AccessLogEntry,
  issue,
  type NameSearchQuery,
  type PersonFields,
  type PersonFieldsChange,
  type PersonName,
  type PersonQuery,
  type PersonSearchResult,
  type PersonSummary,
  type PersonVersionView,
  type PersonView,
} from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import type { Db, DbOrTx, Tx } from "../../db/client.js";
import { inTransaction } from "../../db/client.js";
import { uniqueConflicts } from "../../db/errors.js";
import { type Ctx, can, requirePermission } from "../../lib/actor.js";
import { mergeChange } from "../../lib/change.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import { keysOf, recordKeys } from "../../lib/name-keys.js";
import type { AccessLogService } from "../access-log/access-log.service.js";
import type { AuditService } from "../audit/audit.service.js";
import { ERASED_ISSUE, erasedError } from "./persons.lawful.js";
import { matchKeyOf, normaliseName, sameName, searchTextOf } from "./persons.match.js";
import { createPersonMerge } from "./persons.merge.js";
import type {
  OrdinalSubject,
  PersonsPort,
  RecordDescriber,
  RecordRef,
  SubjectPerson,
} from "./persons.port.js";
import { fieldsOf, type PersonLinkRow, type PersonRow, personsRepo as repo } from "./persons.repo.js";

export interface PersonsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  accessLog: Pick<AccessLogService, "record" | "forPerson">;
}

/** Whether one of the person's names or aliases is this name (its original script). */
const bearsName = (p: PersonRow, n: PersonName | undefined) =>
  !!n && [...p.names, ...p.aliases].some((m) => normaliseName(m.original) === normaliseName(n.original));

const keyHeld = () =>
  new AppError("CONFLICT", [
    { field: "body.fields.names", issue: "another person record has this main name and date of birth" },
  ]);

export const restrictedError = (field?: string) =>
  new AppError("PERSON_RESTRICTED", [
    { ...(field ? { field } : {}), issue: "processing of this person is restricted while a dispute is open" },
  ]);

function toSummary(r: PersonRow): PersonSummary {
  return {
    id: r.id,
    name: r.names[0],
    dateOfBirth: r.dateOfBirth,
    nationalities: r.nationalities,
    restricted: r.restrictedAt !== null,
    version: r.version,
    updatedAt: r.updatedAt.toISOString(),
  };
}

/**
 * Persons: one record per person the node's records name (docs/persons.md). The port (persons.port.ts) is
 * what other modules call in their transactions; the rest is the API's side: authorization first, every
 * read logged in the access log, every change audited in its own transaction.
 */
export function createPersonsService(deps: PersonsDeps) {
  const { db, clock, audit, accessLog } = deps;
  const describers = new Map<string, RecordDescriber>();

  /** Another module tells how to describe its records on the person page and in the export. */
  function registerRecords(recordType: string, d: RecordDescriber) {
    describers.set(recordType, d);
  }

  /** Auditors see every person; others those of their unit or named by one of their unit's records. */
  async function visible(dbx: DbOrTx, ctx: Ctx, r: PersonRow | undefined): Promise<PersonRow> {
    assertThat(r, notFound("person"));
    if (can(ctx.actor, "audit:read")) return r;
    const unit = ctx.actor.unitId;
    assertThat(unit, notFound("person"));
    if (r.ownerUnitId === unit) return r;
    const links = await repo.linksOf(dbx, r.id);
    assertThat(
      links.some((l) => l.recordUnitId === unit),
      notFound("person"),
    );
    return r;
  }

  const linkVisible = (ctx: Ctx, l: PersonLinkRow) =>
    can(ctx.actor, "audit:read") || (ctx.actor.unitId !== null && l.recordUnitId === ctx.actor.unitId);

  function view(ctx: Ctx, r: PersonRow, links: PersonLinkRow[]): PersonView {
    return {
      id: r.id,
      names: r.names,
      aliases: r.aliases,
      dateOfBirth: r.dateOfBirth,
      sex: (r.sex as PersonView["sex"]) ?? null,
      nationalities: r.nationalities,
      documents: r.documents,
      ownerUnitId: r.ownerUnitId,
      version: r.version,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      restriction:
        r.restrictedAt && r.restrictedBy
          ? { reason: r.restrictionReason ?? "", setAt: r.restrictedAt.toISOString(), setBy: r.restrictedBy }
          : null,
      links: links
        .filter((l) => linkVisible(ctx, l))
        .map((l) => ({
          recordType: l.recordType as PersonView["links"][number]["recordType"],
          recordId: l.recordId,
          ordinal: l.ordinal,
          role: (l.role as PersonView["links"][number]["role"]) ?? null,
          notes: l.notes ?? null,
          linkedAt: l.createdAt.toISOString(),
        })),
    };
  }

  // --- The port ----------------------------------------------------------------------------------------

  async function snapshot(tx: Tx, r: PersonRow, by: string, reason: string | null) {
    await repo.insertVersion(tx, {
      personId: r.id,
      version: r.version,
      fields: fieldsOf(r),
      changedAt: r.updatedAt,
      changedBy: by,
      reason,
    });
  }

  const findOrCreate: PersonsPort["findOrCreate"] = async (tx, ctx, subject, ownerUnitId) => {
    // Two records naming a new person at once (two drafts, several processes on PostgreSQL) both find no one:
    // the second insert waits for the first's commit and gives way, and the record just committed is the person
    // (read again: each statement sees what was committed before it began).
    for (let attempt = 1; attempt <= 3; attempt++) {
      const found = await findOrCreateOnce(tx, ctx, subject, ownerUnitId);
      if (found) return found;
    }
    throw new AppError("NODE_BUSY", [issue("transaction.retry")]);
  };

  /** The person, or undefined when another transaction recorded them since the look (the insert gave way). */
  async function findOrCreateOnce(
    tx: Tx,
    ctx: Ctx,
    subject: SubjectPerson,
    ownerUnitId: string,
  ): Promise<{ personId: string; created: boolean; restricted: boolean } | undefined> {
    const now = clock.now();
    const key = matchKeyOf(subject);
    const existing = key ? await repo.findByKey(tx, key) : undefined;
    if (existing) {
      // The same person: keep any name form or nationality this record adds (found once, corrected once).
      const names = [...existing.names];
      for (const n of subject.names) if (!names.some((m) => sameName(m, n))) names.push(n);
      const nationalities = [...existing.nationalities];
      if (subject.nationality && !nationalities.includes(subject.nationality))
        nationalities.push(subject.nationality);
      if (names.length !== existing.names.length || nationalities.length !== existing.nationalities.length) {
        const u = await repo.update(tx, existing.id, {
          names: names.slice(0, 20),
          nationalities: nationalities.slice(0, 10),
          search: searchTextOf({ names, aliases: existing.aliases }),
          version: existing.version + 1,
          updatedAt: now,
        });
        await repo.setNameKeys(tx, u.id, recordKeys([...u.names, ...u.aliases]));
        await snapshot(tx, u, ctx.actor.label, "a record named the person with another name form");
        await audit.record(tx, ctx, {
          action: "person.complete",
          targetType: "person",
          targetId: u.id,
          details: { version: u.version, names: names.length, nationalities },
        });
      }
      return { personId: existing.id, created: false, restricted: existing.restrictedAt !== null };
    }
    const row = await repo.insert(tx, {
      id: uuidv7(),
      ownerUnitId,
      names: subject.names,
      aliases: [],
      dateOfBirth: subject.dateOfBirth ?? null,
      nationalities: subject.nationality ? [subject.nationality] : [],
      documents: [],
      matchKey: key,
      search: searchTextOf({ names: subject.names }),
      version: 1,
      createdAt: now,
      updatedAt: now,
      // No record names the person until the caller links it (in this transaction).
      unlinkedAt: now,
    });
    if (!row) return undefined;
    await repo.addNameKeys(tx, row.id, recordKeys(row.names));
    await snapshot(tx, row, ctx.actor.label, null);
    await audit.record(tx, ctx, {
      action: "person.create",
      targetType: "person",
      targetId: row.id,
      details: { ownerUnitId },
    });
    return { personId: row.id, created: true, restricted: false };
  }

  const link: PersonsPort["link"] = async (tx, ctx, record, l, opts = {}) => {
    // The person's row locked to the commit: an erasure (persons.lawful.ts) takes it too and checks under it
    // that no record names the person, so the two take turns. After an erasure the person is gone (404) or
    // anonymised (409); an erasure waiting behind this link finds it and is refused.
    const p = await repo.lock(tx, l.personId);
    assertThat(p, notFound("person"));
    if (p.erasedAt) throw erasedError();
    const current = (await repo.linksOfRecord(tx, record.recordType, record.recordId)).find(
      (x) => x.ordinal === l.ordinal,
    );
    const isNew = current?.personId !== l.personId;
    if (isNew && p.restrictedAt && !opts.allowRestricted) throw restrictedError();
    await repo.insertLink(tx, {
      id: uuidv7(),
      personId: l.personId,
      recordType: record.recordType,
      recordId: record.recordId,
      recordUnitId: record.recordUnitId,
      ordinal: l.ordinal,
      role: l.role ?? null,
      notes: l.notes ?? null,
      createdAt: clock.now(),
    });
    await repo.markLinked(tx, l.personId);
    // The person this position named before may now be named by no record.
    if (current && isNew) await repo.markUnlinked(tx, [current.personId], clock.now());
    if (isNew) {
      await audit.record(tx, ctx, {
        action: "person.link",
        targetType: "person",
        targetId: l.personId,
        details: { recordType: record.recordType, recordId: record.recordId, ordinal: l.ordinal },
      });
    }
  };

  const linkById: PersonsPort["linkById"] = async (tx, ctx, record, l, field) => {
    const p = await repo.find(tx, l.personId);
    const seen = p ? await visible(tx, ctx, p).catch(() => null) : null;
    assertThat(seen, new AppError("NOT_FOUND", [{ field, ...issue("record.notFound", { what: "person" }) }]));
    try {
      await link(tx, ctx, record, l);
    } catch (err) {
      throw withField(err, field);
    }
  };

  const linkSubjects: PersonsPort["linkSubjects"] = async (tx, ctx, record, subjects, opts) => {
    const before = await repo.linksOfRecord(tx, record.recordType, record.recordId);
    // Every person this may lock (those it names, those it named, those the names find) locked at once in id
    // order before any other: two records naming the same people in opposite orders (two drafts, several
    // processes) otherwise each locked its first and waited for the other's (a deadlock, 503). The persons
    // it then creates are created in match-key order for the same reason (an insert waits for another's of
    // the same key).
    const keys = subjects.flatMap((s) => (s.personId ? [] : (matchKeyOf(s) ?? [])));
    await repo.lockInOrder(tx, [
      ...before.map((b) => b.personId),
      ...subjects.flatMap((s) => (s.personId ? [s.personId] : [])),
      ...(await repo.idsByKeys(tx, keys)),
    ]);
    const keep = new Set(subjects.map((s) => s.ordinal));
    const dropped = before.filter((b) => !keep.has(b.ordinal));
    for (const b of dropped) await repo.deleteLink(tx, b.recordType, b.recordId, b.ordinal);
    await repo.markUnlinked(
      tx,
      dropped.map((b) => b.personId),
      clock.now(),
    );
    const held = new Map(
      (await repo.findMany(tx, [...new Set(before.map((b) => b.personId))])).map((p) => [p.id, p]),
    );
    const chosen = new Map<number, string>();
    const keyOf = (s: OrdinalSubject) => matchKeyOf(s) ?? "";
    const byKey = [...subjects].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    for (const s of byKey) {
      // Without a date of birth a subject matches no one (persons.match.ts): the person the record already
      // links at this position, under this main name, stays linked rather than a new record each edit.
      const was = held.get(before.find((b) => b.ordinal === s.ordinal)?.personId ?? "");
      const kept =
        !matchKeyOf(s) && was && !was.dateOfBirth && bearsName(was, s.names[0]) ? was.id : undefined;
      chosen.set(
        s.ordinal,
        s.personId ??
          kept ??
          (await findOrCreate(tx, ctx, s, record.recordUnitId ?? ctx.actor.unitId ?? "")).personId,
      );
    }
    for (const s of subjects) {
      const personId = chosen.get(s.ordinal) as string;
      try {
        await link(
          tx,
          ctx,
          record,
          { personId, ordinal: s.ordinal, role: s.role ?? null, notes: s.notes ?? null },
          { allowRestricted: opts.allowRestricted },
        );
      } catch (err) {
        throw withField(err, `${opts.field}.${s.ordinal}`);
      }
    }
  };

  const unlinkRecord: PersonsPort["unlinkRecord"] = async (tx, recordType, recordId) => {
    const named = await repo.deleteLinksOf(tx, recordType, recordId);
    await repo.markUnlinked(tx, named, clock.now());
    return named;
  };

  const linkedTo: PersonsPort["linkedTo"] = async (dbx, recordType, recordId) => {
    const links = await repo.linksOfRecord(dbx, recordType, recordId);
    const people = new Map(
      (await repo.findMany(dbx, [...new Set(links.map((l) => l.personId))])).map((p) => [p.id, p]),
    );
    return links.flatMap((l) => {
      const p = people.get(l.personId);
      return p
        ? [{ personId: p.id, ordinal: l.ordinal, name: p.names[0], restricted: p.restrictedAt !== null }]
        : [];
    });
  };

  const namesFor: PersonsPort["namesFor"] = async (dbx, ids) =>
    new Map((await repo.findMany(dbx, ids)).map((p) => [p.id, p.names[0] as PersonName]));

  const assertNotRestricted: PersonsPort["assertNotRestricted"] = async (
    dbx,
    recordType,
    recordId,
    field,
  ) => {
    const restricted = (await linkedTo(dbx, recordType, recordId)).find((p) => p.restricted);
    if (restricted) throw restrictedError(field ? `${field}.${restricted.ordinal}` : undefined);
  };

  const port: PersonsPort = {
    findOrCreate,
    link,
    unlinkRecord,
    linkById,
    linkSubjects,
    linkedTo,
    namesFor,
    assertNotRestricted,
  };

  // --- The API's side ----------------------------------------------------------------------------------

  async function list(
    ctx: Ctx,
    q: PersonQuery,
  ): Promise<{ items: PersonSummary[]; nextCursor: string | null }> {
    requirePermission(ctx.actor, "persons:read");
    if (q.cursor !== undefined) {
      assertThat(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(q.cursor),
        new AppError("VALIDATION_FAILED", [
          { field: "querystring.cursor", issue: "not a cursor from this list" },
        ]),
      );
    }
    const rows = await repo.page(db, {
      unitId: ctx.actor.unitId,
      all: can(ctx.actor, "audit:read"),
      search: q.q ? q.q.toLowerCase() : undefined,
      afterId: q.cursor,
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    await accessLog.record(
      db,
      withReason(ctx, q.reason),
      page.map((r) => ({
        action: "list",
        recordType: "person",
        recordId: r.id,
        recordUnitId: r.ownerUnitId,
        personId: r.id,
      })),
    );
    return {
      items: page.map(toSummary),
      nextCursor: rows.length > q.limit ? page[page.length - 1].id : null,
    };
  }

  /**
   * Persons found by any form of a name (lib/name-keys.ts), best first, narrowed by the date of birth; only
   * those the caller may see, each result logged in the access log as a list read.
   */
  async function search(ctx: Ctx, q: NameSearchQuery): Promise<{ items: PersonSearchResult[] }> {
    requirePermission(ctx.actor, "persons:read");
    const hits = await repo.searchByKeys(db, {
      keys: keysOf(q.name),
      unitId: ctx.actor.unitId,
      all: can(ctx.actor, "audit:read"),
      ...(q.dateOfBirth ? { dateOfBirth: q.dateOfBirth } : {}),
      minScore: 1,
      limit: q.limit,
    });
    const rows = new Map(
      (
        await repo.findMany(
          db,
          hits.map((h) => h.id),
        )
      ).map((r) => [r.id, r]),
    );
    const items = hits.flatMap((h) => {
      const r = rows.get(h.id);
      return r ? [{ ...toSummary(r), score: h.score }] : [];
    });
    await accessLog.record(
      db,
      withReason(ctx, q.reason),
      items.map((r) => ({
        action: "list",
        recordType: "person",
        recordId: r.id,
        recordUnitId: rows.get(r.id)?.ownerUnitId ?? null,
        personId: r.id,
      })),
    );
    return { items };
  }

  /** Gives name keys to persons recorded before they existed (at start; nothing to do on a new node). */
  async function indexNames(batch = 500): Promise<number> {
    let done = 0;
    let after: string | undefined;
    for (;;) {
      const rows = await repo.unindexed(db, batch, after);
      if (!rows.length) return done;
      after = rows[rows.length - 1]?.id;
      await inTransaction(db, async (tx) => {
        for (const r of rows) await repo.setNameKeys(tx, r.id, recordKeys([...r.names, ...r.aliases]));
      });
      done += rows.length;
    }
  }

  /** Reads a person the actor may see, logging the read (action `read`, or `export`). */
  async function load(ctx: Ctx, id: string, action: "read" | "export" = "read") {
    const r = await visible(db, ctx, await repo.find(db, id));
    await accessLog.record(db, ctx, [
      { action, recordType: "person", recordId: r.id, recordUnitId: r.ownerUnitId, personId: r.id },
    ]);
    return r;
  }

  async function get(ctx: Ctx, id: string): Promise<PersonView> {
    requirePermission(ctx.actor, "persons:read");
    const r = await load(ctx, id);
    return view(ctx, r, await repo.linksOf(db, r.id));
  }

  async function history(ctx: Ctx, id: string): Promise<PersonVersionView[]> {
    requirePermission(ctx.actor, "persons:read");
    const r = await load(ctx, id);
    return (await repo.versions(db, r.id)).map((v) => ({
      version: v.version,
      fields: v.fields,
      changedAt: v.changedAt.toISOString(),
      changedBy: v.changedBy,
      reason: v.reason,
    }));
  }

  /** Who read the person, or the records naming them: auditors only. Not itself logged (it reads the log). */
  async function accessOf(
    ctx: Ctx,
    id: string,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: AccessLogEntry[]; nextCursor: string | null }> {
    requirePermission(ctx.actor, "audit:read");
    const r = await visible(db, ctx, await repo.find(db, id));
    const links = await repo.linksOf(db, r.id);
    // Reads of records merged into this one were logged under their own ids: they are this person's too.
    const merged = await repo.mergedInto(db, r.id);
    return accessLog.forPerson(ctx, r.id, [...new Set([...links.map((l) => l.recordId), ...merged])], q);
  }

  /** Rectification: a new version of the record, the previous one kept, audited. */
  async function rectify(
    ctx: Ctx,
    id: string,
    body: { version: number; fields: PersonFieldsChange; reason: string },
  ): Promise<PersonView> {
    requirePermission(ctx.actor, "persons:rectify");
    await visible(db, ctx, await repo.find(db, id));
    const row = await inTransaction(db, async (tx) => {
      // The records naming the person locked before the person (RecordDescriber.lock), as an edit of one of them
      // takes it and then the persons it names: the other way round, an edit of a draft naming the person and
      // this at once (several processes on PostgreSQL) each held one and waited for the other (a deadlock, 503).
      await lockRecords(tx, await repo.linksOf(tx, id));
      const r = await repo.lock(tx, id);
      assertThat(r, notFound("person"));
      if (r.erasedAt) throw erasedError();
      if (r.version !== body.version) {
        throw new AppError("CONFLICT", [
          { field: "body.version", ...issue("record.changed", { version: r.version }) },
        ]);
      }
      const before = fieldsOf(r);
      // A field left out keeps the record's value; null clears it, as does an empty list.
      const f: PersonFields = mergeChange(body.fields, before);
      const key = matchKeyOf(f);
      if (key) {
        const other = await repo.findByKey(tx, key);
        if (other && other.id !== id) throw keyHeld();
      }
      const u = await repo.update(tx, id, {
        names: f.names,
        aliases: f.aliases,
        dateOfBirth: f.dateOfBirth ?? null,
        sex: f.sex ?? null,
        nationalities: f.nationalities,
        documents: f.documents,
        matchKey: key,
        search: searchTextOf(f),
        version: r.version + 1,
        updatedAt: clock.now(),
      });
      await repo.setNameKeys(tx, id, recordKeys([...f.names, ...f.aliases]));
      await snapshot(tx, u, ctx.actor.label, body.reason);
      // Both sides' keys: a field given before and left out now is cleared.
      const keys = new Set([...Object.keys(f), ...Object.keys(before)]);
      const changed = ([...keys] as (keyof PersonFields)[]).filter(
        (k) => JSON.stringify(f[k] ?? null) !== JSON.stringify(before[k] ?? null),
      );
      // The correction reaches every record holding a copy of the person, and through them the peers.
      const records = changed.length ? await propagate(tx, ctx, u, changed, body.reason) : {};
      await audit.record(tx, ctx, {
        action: "person.rectify",
        targetType: "person",
        targetId: id,
        details: { version: u.version, changed, reason: body.reason, records },
      });
      return u;
      // Another record taking the key since the check (a rectification or a new person at once): the index says.
    }).catch(uniqueConflicts({ persons_match_key: keyHeld }));
    return view(ctx, row, await repo.linksOf(db, id));
  }

  /** Locks these linked records through their owner modules (`lock`): type by type in name order, each in id order. */
  async function lockRecords(tx: Tx, links: { recordType: string; recordId: string }[]): Promise<void> {
    for (const type of [...new Set(links.map((l) => l.recordType))].sort()) {
      const ids = links.filter((l) => l.recordType === type).map((l) => l.recordId);
      await describers.get(type)?.lock?.(tx, ids);
    }
  }

  /** Hands a rectification to the owner module of each record naming the person; how many changed, per type. */
  async function propagate(
    tx: Tx,
    ctx: Ctx,
    u: PersonRow,
    changed: (keyof PersonFields)[],
    reason: string,
  ): Promise<Record<string, number>> {
    const byType = new Map<string, { recordId: string; ordinal: number }[]>();
    // Read again under the person's lock: a record that linked the person after the first read (its edit
    // committed before the lock) is locked now, after the person; those locked before are held already.
    const links = await repo.linksOf(tx, u.id);
    await lockRecords(tx, links);
    for (const l of links) {
      byType.set(l.recordType, [
        ...(byType.get(l.recordType) ?? []),
        { recordId: l.recordId, ordinal: l.ordinal },
      ]);
    }
    const out: Record<string, number> = {};
    for (const [type, records] of byType) {
      const hook = describers.get(type)?.rectified;
      if (!hook) continue;
      const fields = fieldsOf(u);
      const n = await hook(tx, ctx, records, { personId: u.id, fields, changed, version: u.version, reason });
      if (n) out[type] = n;
    }
    return out;
  }

  /** Sets or clears the restriction flag (supervisor): while set, no new links and no sending. */
  async function restrict(
    ctx: Ctx,
    id: string,
    body: { restricted: boolean; reason?: string },
  ): Promise<PersonView> {
    requirePermission(ctx.actor, "persons:restrict");
    await visible(db, ctx, await repo.find(db, id));
    if (body.restricted) {
      assertThat(
        body.reason,
        new AppError("VALIDATION_FAILED", [
          { field: "body.reason", issue: "give the reason for the restriction" },
        ]),
      );
    }
    const row = await inTransaction(db, async (tx) => {
      const r = await repo.lock(tx, id);
      assertThat(r, notFound("person"));
      if (r.erasedAt) throw erasedError();
      const now = clock.now();
      const u = await repo.update(
        tx,
        id,
        body.restricted
          ? { restrictedAt: now, restrictedBy: ctx.actor.label, restrictionReason: body.reason ?? null }
          : { restrictedAt: null, restrictedBy: null, restrictionReason: null },
      );
      await audit.record(tx, ctx, {
        action: body.restricted ? "person.restrict" : "person.unrestrict",
        targetType: "person",
        targetId: id,
        details: { reason: body.reason ?? null },
      });
      return u;
    });
    return view(ctx, row, await repo.linksOf(db, id));
  }

  /** The records naming a person, described by their modules (for the page and the export). */
  async function records(ctx: Ctx, links: PersonLinkRow[]) {
    const out: {
      recordType: string;
      recordId: string;
      reference: string | null;
      title: string | null;
      subject: Record<string, unknown> | null;
    }[] = [];
    const byType = new Map<string, PersonLinkRow[]>();
    for (const l of links.filter((x) => linkVisible(ctx, x) || can(ctx.actor, "persons:export"))) {
      byType.set(l.recordType, [...(byType.get(l.recordType) ?? []), l]);
    }
    for (const [type, ls] of byType) {
      const d = describers.get(type);
      const described = d
        ? new Map(
            (
              await d.describe(
                db,
                ls.map((l) => l.recordId),
              )
            ).map((x) => [x.id, x]),
          )
        : new Map();
      for (const l of ls) {
        const x = described.get(l.recordId);
        out.push({
          recordType: type,
          recordId: l.recordId,
          reference: x?.reference ?? null,
          title: x?.title ?? null,
          subject: x?.subjects[l.ordinal] ?? null,
        });
      }
    }
    return out;
  }

  return {
    port,
    registerRecords,
    merge: createPersonMerge({ db, clock, audit, describers, visible, view }),
    list,
    search,
    indexNames,
    get,
    history,
    accessOf,
    rectify,
    restrict,
    load,
    records,
    view,
    visible,
    linksOf: (id: string) => repo.linksOf(db, id),
  };
}

/** A link's refusal (restricted, erased) naming the subject's field. */
function withField(err: unknown, field: string): unknown {
  if (err instanceof AppError && err.code === "PERSON_RESTRICTED") return restrictedError(field);
  if (err instanceof AppError && err.details.some((d) => d.issue === ERASED_ISSUE)) return erasedError(field);
  return err;
}

/** The reason given in the query wins over the header's. */
export function withReason(ctx: Ctx, reason: string | undefined): Ctx {
  return reason ? { ...ctx, reason } : ctx;
}

export type PersonsService = ReturnType<typeof createPersonsService>;
export type { RecordRef };
