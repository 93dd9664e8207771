import {
  type FugitiveEntryContent,
  type FugitiveListView,
  FugitiveReportPayload,
  type Language,
  type ListStatistics,
  label,
  type Marking,
  RETURN_METHODS,
  type ReceivedEntryView,
  type ReportBody,
  type ReturnBody,
  type ReturnMethod,
  zonedToday,
} from "@crossline/schemas";
import type { z } from "zod";
import { uuidv7 } from "../../crypto/ids.js";
import { inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import { defineHandler, PermanentRejection } from "../federation/federation.types.js";
import type { ReceivedCopy } from "../shared-objects/shared-objects.types.js";
import { earliest, type FugitivesContext, reportView } from "./fugitives.context.js";
import type { FugitiveErasure } from "./fugitives.erasure.js";
import type { FugitiveEvidence } from "./fugitives.evidence.js";
import { entryPhoto } from "./fugitives.photos.js";
import {
  type CopyRow,
  type EvidenceRow,
  type FugitiveRow,
  type ListRow,
  type ReportRow,
  fugitivesRepo as repo,
} from "./fugitives.repo.js";
import { FUGITIVE_ENTRY_TYPE } from "./fugitives.shared.js";

const REPORT_MESSAGE = "fugitive.report";

const MONTHS_EN = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/**
 * Lists of fugitives and what travels with them: each entry of a published list is a shared object of type
 * `fugitive.entry` (the one mechanism: versions, markings, exactly-once updates and tombstones); the peer
 * holding it reports on it with a signed `fugitive.report` message that lands in the owner's timeline; a
 * return closes the entry (its next version carries the return to every holder); statistics per list.
 */
export function createFugitiveLists(
  c: FugitivesContext,
  evidence: FugitiveEvidence,
  erasure: FugitiveErasure,
) {
  const { deps, db } = c;
  const { clock, audit } = deps;
  const so = deps.sharedObjects.domainPort;

  async function loadList(ctx: Ctx, id: string, tx?: Tx): Promise<ListRow> {
    const row = tx ? await repo.lockList(tx, id) : await repo.findList(db, id);
    assertThat(row && !!ctx.actor.unitId && row.unitId === ctx.actor.unitId, notFound("fugitive list"));
    return row;
  }

  /** What the peer learns of one entry: the record less its links to this node's cases and requests. */
  async function entryContent(
    tx: Tx,
    list: ListRow,
    number: number,
    f: FugitiveRow,
  ): Promise<FugitiveEntryContent> {
    const { caseIds: _c, requestIds: _r, ...fields } = f.fields;
    const photos = (await repo.photosOf(tx, f.id)).map(entryPhoto);
    return {
      list: { id: list.id, name: list.name, ...(list.publishedOn ? { publishedOn: list.publishedOn } : {}) },
      number,
      reference: f.reference,
      status: f.status,
      fields,
      ...(f.returned ? { returned: { ...f.returned, method: f.returned.method as ReturnMethod } } : {}),
      ...(photos.length ? { photos } : {}),
    };
  }

  async function publishEntry(tx: Tx, ctx: Ctx, list: ListRow, number: number, f: FugitiveRow) {
    await deps.lawful.assertReleasable(tx, "fugitive_entry", f.id);
    const id = await so.publishIn(tx, ctx, {
      type: FUGITIVE_ENTRY_TYPE,
      unitId: list.unitId,
      marking: list.marking as Marking,
      content: await entryContent(tx, list, number, f),
      recipients: list.recipients,
    });
    await repo.updateEntry(tx, list.id, f.id, { sharedObjectId: id });
  }

  /** After a change to a fugitive: the next version of each of its published entries, to every holder. */
  async function syncEntries(tx: Tx, ctx: Ctx, f: FugitiveRow) {
    for (const e of await repo.entriesOf(tx, f.id)) {
      if (!e.sharedObjectId || e.removedAt) continue;
      // The entry's object locked before its state is read: a removal from the list (its tombstone) or another
      // withdrawal committed meanwhile is seen and the record's change goes on without it (read unlocked, the
      // update refused the change: 409 "the object is withdrawn").
      if ((await so.lockIn(tx, e.sharedObjectId)).state !== "active") continue;
      const list = await repo.findList(tx, e.listId);
      if (!list) continue;
      await so.updateIn(tx, ctx, e.sharedObjectId, { content: await entryContent(tx, list, e.number, f) });
    }
  }

  async function view(list: ListRow): Promise<FugitiveListView> {
    const listed = await repo.listed(db, list.id);
    return {
      id: list.id,
      name: list.name,
      publishedOn: list.publishedOn ?? null,
      direction: "own",
      ownerNode: await deps.nodeId(db),
      recipients: list.recipients,
      marking: list.marking ?? null,
      entries: listed.map((e) => ({
        number: e.number,
        fugitiveId: e.fugitiveId,
        entryId: e.sharedObjectId ?? null,
        name: e.name ?? { original: "" },
        status: e.status,
        version: e.version,
      })),
    };
  }

  async function createList(ctx: Ctx, body: { name: ListRow["name"]; publishedOn?: string }) {
    requirePermission(ctx.actor, "fugitives:write");
    const unitId = ctx.actor.unitId;
    assertThat(unitId, new AppError("FORBIDDEN", [{ issue: "only an officer of a unit keeps lists" }]));
    const list = await inTransaction(db, async (tx) => {
      const row = await repo.insertList(tx, {
        id: uuidv7(),
        unitId,
        name: body.name,
        publishedOn: body.publishedOn ?? null,
        recipients: [],
        marking: null,
        createdAt: clock.now(),
      });
      await audit.record(tx, ctx, {
        action: "fugitive.list_create",
        targetType: "fugitive_list",
        targetId: row.id,
        details: {},
      });
      return row;
    });
    return view(list);
  }

  async function getList(ctx: Ctx, id: string) {
    requirePermission(ctx.actor, "fugitives:read");
    const v = await view(await loadList(ctx, id));
    await deps.accessLog.record(
      db,
      ctx,
      v.entries.map((e) => ({
        action: "list" as const,
        recordType: "fugitive",
        recordId: e.fugitiveId as string,
        recordUnitId: ctx.actor.unitId,
      })),
    );
    return v;
  }

  async function lists(ctx: Ctx) {
    requirePermission(ctx.actor, "fugitives:read");
    if (!ctx.actor.unitId) return { items: [] };
    const rows = await repo.listsOfUnit(db, ctx.actor.unitId);
    return {
      items: rows.map((l) => ({
        id: l.id,
        name: l.name,
        publishedOn: l.publishedOn ?? null,
        recipients: l.recipients,
      })),
    };
  }

  async function addEntry(ctx: Ctx, listId: string, body: { fugitiveId: string; number: number }) {
    requirePermission(ctx.actor, "fugitives:write");
    const list = await inTransaction(db, async (tx) => {
      const l = await loadList(ctx, listId, tx);
      const f = await repo.lock(tx, body.fugitiveId);
      if (!c.canSee(ctx, f))
        throw new AppError("VALIDATION_FAILED", [{ field: "body.fugitiveId", issue: "no such fugitive" }]);
      const existing = await repo.findEntry(tx, l.id, f.id);
      if (existing && !existing.removedAt)
        throw new AppError("CONFLICT", [{ field: "body.fugitiveId", issue: "already on the list" }]);
      if (existing)
        throw new AppError("CONFLICT", [
          { field: "body.fugitiveId", issue: "removed from this list: a removal is final" },
        ]);
      if (await repo.numberTaken(tx, l.id, body.number))
        throw new AppError("CONFLICT", [{ field: "body.number", issue: "the number is taken on this list" }]);
      await repo.insertEntry(tx, {
        listId: l.id,
        fugitiveId: f.id,
        number: body.number,
        sharedObjectId: null,
        addedAt: clock.now(),
        removedAt: null,
      });
      // A list already published: the new entry goes to its peers at once.
      if (l.recipients.length) await publishEntry(tx, ctx, l, body.number, f);
      await audit.record(tx, ctx, {
        action: "fugitive.list_add",
        targetType: "fugitive_list",
        targetId: l.id,
        details: { fugitiveId: f.id, number: body.number },
      });
      return l;
    });
    return view(list);
  }

  async function removeEntry(ctx: Ctx, listId: string, fugitiveId: string) {
    requirePermission(ctx.actor, "fugitives:write");
    const list = await inTransaction(db, async (tx) => {
      const l = await loadList(ctx, listId, tx);
      const e = await repo.findEntry(tx, l.id, fugitiveId);
      assertThat(e && !e.removedAt, notFound("list entry"));
      await repo.updateEntry(tx, l.id, fugitiveId, { removedAt: clock.now() });
      // The tombstone reaches every peer holding the entry, once.
      if (e.sharedObjectId) await so.withdrawIn(tx, ctx, e.sharedObjectId);
      await audit.record(tx, ctx, {
        action: "fugitive.list_remove",
        targetType: "fugitive_list",
        targetId: l.id,
        details: { fugitiveId, number: e.number, ...(e.sharedObjectId ? { entryId: e.sharedObjectId } : {}) },
      });
      return l;
    });
    return view(list);
  }

  async function publish(ctx: Ctx, listId: string, body: { recipients: string[]; marking: Marking }) {
    requirePermission(ctx.actor, "fugitives:write");
    const list = await inTransaction(db, async (tx) => {
      const l = await loadList(ctx, listId, tx);
      const fresh = body.recipients.filter((p) => !l.recipients.includes(p));
      if (!fresh.length)
        throw new AppError("CONFLICT", [
          { field: "body.recipients", issue: "already published to these peers" },
        ]);
      if (l.recipients.length && JSON.stringify(l.marking) !== JSON.stringify(body.marking))
        throw new AppError("CONFLICT", [
          { field: "body.marking", issue: "a published list keeps the marking it was published under" },
        ]);
      const before = [...l.recipients];
      const next = { ...l, recipients: [...before, ...fresh], marking: body.marking };
      await repo.updateList(tx, l.id, { recipients: next.recipients, marking: body.marking });
      const entries = await repo.entries(tx, l.id);
      // The records locked before they are read, as a change of one locks it: a change committed meanwhile is
      // in the version published, and one waiting behind this finds the entry published and sends its next
      // version. Read unlocked, a change at the same moment was in neither (the peers kept the older record).
      const rows = new Map(
        (
          await repo.lockMany(
            tx,
            entries.map((e) => e.fugitiveId),
          )
        ).map((r) => [r.id, r]),
      );
      for (const e of entries) {
        const f = rows.get(e.fugitiveId);
        if (!f) continue;
        if (e.sharedObjectId) {
          await deps.lawful.assertReleasable(tx, "fugitive_entry", f.id);
          await so.shareIn(tx, ctx, e.sharedObjectId, fresh);
        } else await publishEntry(tx, ctx, next, e.number, f);
      }
      await audit.record(tx, ctx, {
        action: "fugitive.list_publish",
        targetType: "fugitive_list",
        targetId: l.id,
        details: { recipients: fresh, entries: entries.length, tlp: body.marking.tlp },
      });
      return l;
    });
    return view((await repo.findList(db, list.id)) as ListRow);
  }

  // --- the peer's side: received entries and reports ---

  /**
   * Projects a received `fugitive.entry` into fugitive_copies (the shared-objects inbox calls this, and the
   * erasure of the copy at the end of its retention). A copy losing its content loses its files with it.
   */
  async function onReceived(tx: Tx, copy: ReceivedCopy, ctx: Ctx) {
    const content = copy.content as FugitiveEntryContent | null;
    const prev = await repo.findCopy(tx, copy.id);
    if (!content && !prev) return; // a tombstone overtaking the copy: nothing to show
    await repo.upsertCopy(tx, {
      entryId: copy.id,
      ownerNode: copy.ownerNode,
      unitId: copy.unitId,
      version: copy.version,
      state: copy.state,
      listId: content?.list.id ?? (prev?.listId as string),
      listName: content?.list.name ?? (prev?.listName as ListRow["name"]),
      number: content?.number ?? (prev?.number as number),
      content: content ?? null,
      updatedAt: clock.now(),
    });
    if (!content && prev?.content)
      await erasure.eraseCopyFiles(tx, ctx, prev, copy.state === "withdrawn" ? "withdrawn" : "erased");
  }

  /** A received entry as the reader sees it, with the reports we sent on it. */
  function receivedView(x: CopyRow, reports: ReportRow[], files: EvidenceRow[]): ReceivedEntryView {
    const content = x.content as FugitiveEntryContent | null;
    return {
      entryId: x.entryId,
      ownerNode: x.ownerNode,
      version: x.version,
      state: x.state,
      listId: x.listId,
      listName: x.listName,
      number: x.number,
      status: content?.status ?? null,
      fields: content?.fields ?? null,
      returned: content?.returned ?? null,
      photos: content?.photos ?? [],
      reports: reports.filter((r) => r.entryId === x.entryId).map((r) => reportView(r, files)),
    };
  }

  /** The access-log rows of received entries shown: those with content name a person. */
  function logReceived(ctx: Ctx, copies: CopyRow[], action: "read" | "list") {
    return deps.accessLog.record(
      db,
      ctx,
      copies
        .filter((x) => x.content)
        .map((x) => ({ action, recordType: "shared_object", recordId: x.entryId, recordUnitId: x.unitId })),
    );
  }

  async function received(ctx: Ctx): Promise<{ items: ReceivedEntryView[] }> {
    requirePermission(ctx.actor, "fugitives:read");
    if (!ctx.actor.unitId) return { items: [] };
    const copies = await repo.copiesOfUnit(db, ctx.actor.unitId);
    const reports = await repo.reportsOfEntries(
      db,
      copies.map((x) => x.entryId),
    );
    const files = await repo.evidenceOfReports(
      db,
      reports.map((r) => r.id),
    );
    await logReceived(ctx, copies, "list");
    return { items: copies.map((x) => receivedView(x, reports, files)) };
  }

  /** One received entry held by the caller's unit (a read of personal data: logged as a read). */
  async function receivedEntry(ctx: Ctx, entryId: string): Promise<ReceivedEntryView> {
    requirePermission(ctx.actor, "fugitives:read");
    const copy = await repo.findCopy(db, entryId);
    assertThat(copy && ctx.actor.unitId && copy.unitId === ctx.actor.unitId, notFound("list entry"));
    const reports = await repo.reportsOfEntries(db, [entryId]);
    const files = await repo.evidenceOfReports(
      db,
      reports.map((r) => r.id),
    );
    await logReceived(ctx, [copy], "read");
    return receivedView(copy, reports, files);
  }

  async function report(ctx: Ctx, entryId: string, body: ReportBody) {
    requirePermission(ctx.actor, "fugitives:write");
    const id = uuidv7();
    const { evidenceIds = [], ...fields } = body;
    // Before the transaction: the node's identity is then in memory (PGlite has one connection).
    await deps.nodeId(db);
    await inTransaction(db, async (tx) => {
      const copy = await repo.findCopy(tx, entryId);
      assertThat(copy && copy.unitId === ctx.actor.unitId, notFound("list entry"));
      if (copy.state === "withdrawn")
        throw new AppError("CONFLICT", [
          { field: "params.entryId", issue: "the owner removed this entry from its list" },
        ]);
      const now = clock.now();
      const self = await deps.nodeId(tx);
      await repo.insertReport(tx, {
        id,
        direction: "out",
        entryId,
        fugitiveId: null,
        fromNode: self,
        unitId: copy.unitId,
        kind: fields.kind,
        date: fields.date,
        place: fields.place ?? null,
        text: fields.text,
        createdBy: ctx.actor.label,
        createdAt: now,
      });
      // The files the report names go with it: their bytes as attachments of its envelope.
      const files = await evidence.take(tx, copy, evidenceIds, id, self);
      const payload: z.infer<typeof FugitiveReportPayload> = {
        reportId: id,
        entryId,
        report: fields,
        evidence: files.evidence,
        createdAt: now.toISOString(),
      };
      await deps.federation.enqueue(tx, ctx, {
        peerId: copy.ownerNode,
        type: REPORT_MESSAGE,
        payload,
        ...(files.attachments.length ? { attachments: files.attachments } : {}),
      });
      await audit.record(tx, ctx, {
        action: "fugitive.report",
        targetType: "shared_object",
        targetId: entryId,
        details: {
          reportId: id,
          kind: body.kind,
          to: copy.ownerNode,
          ...(evidenceIds.length ? { evidenceIds } : {}),
        },
      });
    });
    return { reportId: id };
  }

  /** The owner's side of a report: stored once, in the fugitive's timeline, from a peer holding the entry. */
  function registerHandlers() {
    deps.federation.registerHandler(
      defineHandler(REPORT_MESSAGE, FugitiveReportPayload, async (tx, msg, ctx) => {
        const p = msg.payload;
        const entry = await repo.entryBySharedObject(tx, p.entryId);
        const list = entry ? await repo.findList(tx, entry.listId) : undefined;
        if (!entry || !list?.recipients.includes(msg.peerId))
          throw new PermanentRejection("NOT_SHARED", "no entry of ours was published to the sender");
        const stored = await repo.insertReport(tx, {
          id: p.reportId,
          direction: "in",
          entryId: p.entryId,
          fugitiveId: entry.fugitiveId,
          fromNode: msg.peerId,
          unitId: list.unitId,
          kind: p.report.kind,
          date: p.report.date,
          place: p.report.place ?? null,
          text: p.report.text,
          createdBy: msg.peerId,
          createdAt: new Date(p.createdAt),
        });
        if (!stored) return;
        await evidence.receive(
          tx,
          msg,
          { reportId: p.reportId, entryId: p.entryId, fugitiveId: entry.fugitiveId, unitId: list.unitId },
          p.evidence,
        );
        await audit.record(tx, ctx, {
          action: "fugitive.report_received",
          targetType: "fugitive",
          targetId: entry.fugitiveId,
          details: {
            reportId: p.reportId,
            kind: p.report.kind,
            from: msg.peerId,
            entryId: p.entryId,
            ...(p.evidence.length ? { evidenceIds: p.evidence.map((e) => e.id) } : {}),
          },
        });
      }),
    );
  }

  // --- returns and statistics ---

  async function recordReturn(ctx: Ctx, id: string, body: ReturnBody): Promise<FugitiveRow> {
    requirePermission(ctx.actor, "fugitives:write");
    // A return is recorded once it happened: not after today on the officer's calendar.
    if (body.date > zonedToday(await deps.readerZone(ctx), clock.now()))
      throw new AppError("VALIDATION_FAILED", [{ field: "body.date", issue: "in the future" }]);
    return inTransaction(db, async (tx) => {
      const before = await c.lock(tx, ctx, id);
      if (before.status === "returned")
        throw new AppError("CONFLICT", [{ issue: "the return of this fugitive is already recorded" }]);
      const flight = before.fields.flightDate;
      if (flight && body.date < earliest(flight))
        throw new AppError("VALIDATION_FAILED", [{ field: "body.date", issue: "before the date of flight" }]);
      if (before.fields.dateOfBirth && body.date < earliest(before.fields.dateOfBirth))
        throw new AppError("VALIDATION_FAILED", [{ field: "body.date", issue: "before the date of birth" }]);
      const now = clock.now();
      const returned = { ...body, recordedAt: now.toISOString() };
      const after = await repo.update(tx, id, {
        status: "returned",
        returned,
        closedAt: now,
        version: before.version + 1,
        updatedAt: now,
      });
      await repo.insertVersion(tx, {
        fugitiveId: id,
        version: after.version,
        fields: after.fields,
        status: "returned",
        changedAt: now,
        changedBy: ctx.actor.label,
        reason: `return: ${body.method}`,
      });
      // The entry's next version carries the return: the peers' copies close with it.
      await syncEntries(tx, ctx, after);
      await audit.record(tx, ctx, {
        action: "fugitive.return",
        targetType: "fugitive",
        targetId: id,
        details: { method: body.method, date: body.date, version: after.version },
      });
      return after;
    });
  }

  function summaryText(
    lang: Language,
    s: {
      name: string;
      total: number;
      returned: number;
      asOf: string;
      byMethod: { method: ReturnMethod; count: number }[];
    },
  ): string {
    const [y, m] = s.asOf.split("-").map(Number) as [number, number];
    const over = s.returned >= 10 && s.returned % 10 !== 0;
    const shown = over ? Math.floor(s.returned / 10) * 10 : s.returned;
    const parts = s.byMethod.filter((x) => x.count > 0);
    if (lang === "zh-CN") {
      const how = parts.map((x) => `${label("returnMethod", x.method, lang)}${x.count}人`).join("、");
      return `截至${y}年${m}月，“${s.name}”所列${s.total}人中已有${shown}${over ? "余" : ""}人归案（${s.returned}/${s.total}${how ? `：${how}` : ""}）。`;
    }
    const how = parts
      .map((x) => `${label("returnMethod", x.method, lang).toLowerCase()} ${x.count}`)
      .join(", ");
    return `${over ? "Over " : ""}${shown} of the ${s.total} on the list “${s.name}” had returned by ${MONTHS_EN[m - 1]} ${y} (${s.returned} of ${s.total}${how ? `: ${how}` : ""}).`;
  }

  async function statistics(ctx: Ctx, listId: string, q: { asOf?: string }): Promise<ListStatistics> {
    requirePermission(ctx.actor, "fugitives:read");
    const list = await loadList(ctx, listId);
    const asOf = q.asOf ?? zonedToday(await deps.nodeZone(), clock.now());
    const groups = await repo.listFigures(db, list.id, asOf);
    const done = groups.filter((g) => g.done);
    const sum = (gs: typeof groups) => gs.reduce((n, g) => n + g.n, 0);
    const total = sum(groups);
    const returned = sum(done);
    const byMethod = RETURN_METHODS.map((method) => ({
      method,
      count: sum(done.filter((g) => g.method === method)),
    }));
    const years = new Map<number, number>();
    for (const g of done) if (g.year !== null) years.set(g.year, (years.get(g.year) ?? 0) + g.n);
    const base = { name: list.name.text, total, returned, asOf, byMethod };
    return {
      listId: list.id,
      name: list.name,
      asOf,
      total,
      returned,
      byMethod,
      byYear: [...years.entries()].sort((a, b) => a[0] - b[0]).map(([year, count]) => ({ year, count })),
      summary: { en: summaryText("en", base), "zh-CN": summaryText("zh-CN", base) },
    };
  }

  return {
    syncEntries,
    onReceived,
    registerHandlers,
    recordReturn,
    api: {
      createList,
      getList,
      lists,
      addEntry,
      removeEntry,
      publish,
      received,
      receivedEntry,
      report,
      statistics,
    },
  };
}
