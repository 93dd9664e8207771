import type { FugitiveDetail, FugitiveListView, ListStatistics, ReceivedEntryView } from "@crossline/schemas";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessLog, auditLog, fugitiveReports, sharedObjects } from "../../src/db/schema/index.js";
import {
  type FederationWorker,
  startFederationWorker,
} from "../../src/modules/federation/federation.worker.js";
import { fugitiveNamed, ZHANG } from "../support/fugitives-fixtures.js";
import { queuedBehind } from "../support/lock-queue.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { freePort } from "../support/pg-cluster.js";

const CN = "CN-MPS";
const US = "US-DOJ";
type Name = typeof CN | typeof US;
type Err = { error: { code: string; details: { field?: string; issue: string }[] } };
/** A record's or a list's answer, or an error. */
type Answer = { fugitive?: FugitiveDetail; list?: FugitiveListView } & Err;

interface Live {
  node: TestNode;
  admin: Agent;
  officer: Agent;
}

async function listeningNode(id: Name, timeZone: string): Promise<Live> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const node = await createTestNode({
    id,
    timeZone,
    settings: { publicUrl: baseUrl, fedPollMs: 25, fedBackoffBaseMs: 50, fedBackoffMaxMs: 400 },
  });
  await node.rt.app.listen({ host: "127.0.0.1", port });
  // In the node's first unit, which is also where received shared objects land (the intake unit).
  await node.user(`fugitives.${id.toLowerCase()}`, ["fugitive_asset"]);
  return {
    node,
    admin: node.bearer(node.rt.controlToken),
    officer: await node.as(`fugitives.${id.toLowerCase()}`),
  };
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 60_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function call<T>(a: Agent, method: string, url: string, body?: unknown, want = 200): Promise<T> {
  const r = await a.req<T>(method, url, body);
  if (r.status !== want) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Two real nodes (signed, encrypted envelopes over HTTP, delivery workers, receipts): CN-MPS publishes a list
 * of fugitives to US-DOJ; each entry arrives read-only with the owner's version; updates and a removal arrive
 * once; US reports on an entry and the report lands in CN's timeline of that person; a return closes the entry
 * on both sides.
 */
describeDb("fugitive lists shared between two real nodes", () => {
  const n = {} as Record<Name, Live>;
  const workers: FederationWorker[] = [];
  const silent = { info() {}, warn() {}, error() {} };
  let list: FugitiveListView;
  const people: FugitiveDetail[] = [];

  beforeAll(async () => {
    n[CN] = await listeningNode(CN, "Asia/Shanghai");
    n[US] = await listeningNode(US, "America/New_York");
    for (const x of Object.values(n)) {
      workers.push(startFederationWorker(x.node.rt.services.federationService, x.node.rt.config, silent));
    }
    const inv = await n[CN].admin.req<{ invitation: string }>("POST", "/api/v1/peers/invitations");
    const acc = await n[US].admin.req("POST", "/api/v1/peers/accept", { invitation: inv.body.invitation });
    expect(acc.status, JSON.stringify(acc.body)).toBe(201);
  }, 360_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    for (const x of Object.values(n)) await x?.node.close();
  });

  const received = async () =>
    (await call<{ items: ReceivedEntryView[] }>(n[US].officer, "GET", "/api/v1/fugitive-lists/received"))
      .items;
  const copyOf = async (entryId: string) => (await received()).find((e) => e.entryId === entryId);
  const fugitive = async (id: string) =>
    (await call<{ fugitive: FugitiveDetail }>(n[CN].officer, "GET", `/api/v1/fugitives/${id}`)).fugitive;

  it("publishes a list: every entry reaches the peer, read-only, with the owner's version", async () => {
    const cn = n[CN].officer;
    people.push(
      (await call<{ fugitive: FugitiveDetail }>(cn, "POST", "/api/v1/fugitives", ZHANG, 201)).fugitive,
    );
    for (const name of ["陈晓东", "刘芳"]) {
      people.push(
        (
          await call<{ fugitive: FugitiveDetail }>(
            cn,
            "POST",
            "/api/v1/fugitives",
            fugitiveNamed(name, { flightDate: "2014-06", nationalities: ["CN"] }),
            201,
          )
        ).fugitive,
      );
    }
    list = (
      await call<{ list: FugitiveListView }>(
        cn,
        "POST",
        "/api/v1/fugitive-lists",
        { name: { lang: "en", text: "Test list of 2015" }, publishedOn: "2015-04-22" },
        201,
      )
    ).list;
    for (const [i, p] of people.entries()) {
      await call(cn, "POST", `/api/v1/fugitive-lists/${list.id}/entries`, {
        fugitiveId: p.id,
        number: i + 1,
      });
    }
    list = (
      await call<{ list: FugitiveListView }>(cn, "POST", `/api/v1/fugitive-lists/${list.id}/publish`, {
        recipients: [US],
        marking: { tlp: "AMBER" },
      })
    ).list;
    expect(list.entries.every((e) => e.entryId?.startsWith("so_"))).toBe(true);
    const got = await waitFor("US holds the three entries", async () => {
      const items = await received();
      return items.length === 3 && items;
    });
    expect(got.map((e) => [e.number, e.ownerNode, e.version, e.state, e.listName.text])).toEqual([
      [1, CN, 1, "active", "Test list of 2015"],
      [2, CN, 1, "active", "Test list of 2015"],
      [3, CN, 1, "active", "Test list of 2015"],
    ]);
    expect(got[0]?.fields).toMatchObject({ names: [{ original: "张伟明", romanised: "Zhang Weiming" }] });
    // The copy is read-only at the peer: only the owner versions it.
    const entryId = got[0]?.entryId as string;
    const patch = await n[US].officer.req<Err>("PATCH", `/api/v1/shared-objects/${entryId}`, {
      version: 1,
      content: {},
    });
    expect(patch.status).toBe(409);
    // CN's timeline of the person shows the listing.
    expect((await fugitive(people[0]?.id as string)).timeline.map((t) => t.kind)).toEqual([
      "version",
      "listed",
    ]);
  });

  it("a received entry is read on its own route, and each read of it is in the access log", async () => {
    const us = n[US].node;
    const [first] = await received();
    const entryId = first?.entryId as string;
    const one = await call<{ entry: ReceivedEntryView }>(
      n[US].officer,
      "GET",
      `/api/v1/fugitive-lists/received/${entryId}`,
    );
    expect(one.entry).toMatchObject({ entryId, ownerNode: CN, number: 1, version: first?.version });
    expect(one.entry.fields).toMatchObject({ names: [{ original: "张伟明" }] });
    // The read is in the access log as a read of the shared object, by the reader; the list view as a list.
    await us.rt.services.accessLog.flush();
    const rows = await us.rt.services.db.select().from(accessLog).where(eq(accessLog.recordId, entryId));
    expect(rows.filter((r) => r.action === "read")).toEqual([
      expect.objectContaining({ recordType: "shared_object", actorId: expect.any(String) }),
    ]);
    expect(rows.some((r) => r.action === "list")).toBe(true);
    // Another unit of the peer does not hold it: not found, and nothing logged.
    const unit = await us.unit("Another unit");
    await us.user("fugitives.other", ["fugitive_asset"], unit);
    const other = await us.as("fugitives.other");
    const hidden = await other.req<Err>("GET", `/api/v1/fugitive-lists/received/${entryId}`);
    expect(hidden.status).toBe(404);
    // At the owner, the entry is not a received one.
    const owner = await n[CN].officer.req<Err>("GET", `/api/v1/fugitive-lists/received/${entryId}`);
    expect(owner.status).toBe(404);
  });

  it("an update reaches the peer exactly once; a removal withdraws the entry there", async () => {
    const p = people[0] as FugitiveDetail;
    const entryId = list.entries[0]?.entryId as string;
    await call(n[CN].officer, "PATCH", `/api/v1/fugitives/${p.id}`, {
      version: 1,
      fields: { ...ZHANG, legalBasis: undefined, whereabouts: [{ country: "CA", place: "Vancouver" }] },
    });
    const v2 = await waitFor("US has version 2", async () => {
      const c = await copyOf(entryId);
      return c?.version === 2 && c;
    });
    expect(v2.fields).toMatchObject({ whereabouts: [{ country: "CA", place: "Vancouver" }] });
    const usDb = n[US].node.rt.services.db;
    const applied = await usDb
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, entryId), eq(auditLog.action, "shared_object.received_version")));
    expect(applied).toHaveLength(1);

    const third = people[2] as FugitiveDetail;
    const thirdEntry = list.entries[2]?.entryId as string;
    await call(n[CN].officer, "DELETE", `/api/v1/fugitive-lists/${list.id}/entries/${third.id}`);
    const gone = await waitFor("US has the tombstone", async () => {
      const c = await copyOf(thirdEntry);
      return c?.state === "withdrawn" && c;
    });
    expect(gone.fields).toBeNull();
    // A report on an entry the owner removed: a clear error naming the entry, nothing sent.
    const late = await n[US].officer.req<Err>(
      "POST",
      `/api/v1/fugitive-lists/received/${thirdEntry}/reports`,
      {
        kind: "sighting",
        date: "2016-01-10",
        text: { lang: "en", text: "Seen in a shop" },
      },
    );
    expect(late.status).toBe(409);
    expect(late.body.error.details[0]?.field).toBe("params.entryId");
  });

  it("the peer's report travels back and appears, once, in the owner's timeline of that person", async () => {
    const p = people[1] as FugitiveDetail;
    const entryId = list.entries[1]?.entryId as string;
    const made = await call<{ reportId: string }>(
      n[US].officer,
      "POST",
      `/api/v1/fugitive-lists/received/${entryId}/reports`,
      {
        kind: "address_found",
        date: "2016-03-02",
        place: "Queens, New York",
        text: { lang: "en", text: "Lives with a relative." },
      },
      201,
    );
    const withReport = await waitFor("CN's timeline shows the report", async () => {
      const f = await fugitive(p.id);
      return f.timeline.some((t) => t.kind === "report") && f;
    });
    const item = withReport.timeline.find((t) => t.kind === "report");
    expect(item?.report).toMatchObject({
      id: made.reportId,
      kind: "address_found",
      fromNode: US,
      fugitiveId: p.id,
      place: "Queens, New York",
    });
    const rows = await n[CN].node.rt.services.db
      .select()
      .from(fugitiveReports)
      .where(eq(fugitiveReports.id, made.reportId));
    expect(rows).toHaveLength(1);
    // The peer keeps its own report beside the entry.
    expect((await copyOf(entryId))?.reports.map((r) => r.kind)).toEqual(["address_found"]);
  });

  it("a return closes the entry on both sides; the record takes no more changes", async () => {
    const p = people[1] as FugitiveDetail;
    const entryId = list.entries[1]?.entryId as string;
    const early = await n[CN].officer.req<Err>("POST", `/api/v1/fugitives/${p.id}/return`, {
      method: "repatriation",
      date: "2014-01-01",
      place: "Beijing",
    });
    expect(early.status).toBe(400);
    expect(early.body.error.details[0]?.field).toBe("body.date");
    const ahead = await n[CN].officer.req<Err>("POST", `/api/v1/fugitives/${p.id}/return`, {
      method: "repatriation",
      date: "2099-01-01",
      place: "Beijing",
    });
    expect(ahead.status).toBe(400);
    expect(ahead.body.error.details).toEqual([
      expect.objectContaining({ field: "body.date", issue: "in the future" }),
    ]);
    const back = await call<{ fugitive: FugitiveDetail }>(
      n[CN].officer,
      "POST",
      `/api/v1/fugitives/${p.id}/return`,
      {
        method: "repatriation",
        date: "2016-11-30",
        place: "Beijing Capital International Airport",
        escorts: ["Officer A (fictitious)", "Officer B (fictitious)"],
        documents: ["Travel document TD-0001"],
      },
    );
    expect(back.fugitive).toMatchObject({
      status: "returned",
      returned: { method: "repatriation", date: "2016-11-30" },
    });
    expect(back.fugitive.timeline.map((t) => t.kind)).toContain("return");
    const closed = await waitFor("US sees the return", async () => {
      const c = await copyOf(entryId);
      return c?.status === "returned" && c;
    });
    expect(closed.returned).toMatchObject({
      method: "repatriation",
      place: "Beijing Capital International Airport",
    });
    const again = await n[CN].officer.req<Err>("PATCH", `/api/v1/fugitives/${p.id}`, {
      version: back.fugitive.version,
      status: "located",
    });
    expect(again.status).toBe(409);
    const twice = await n[CN].officer.req<Err>("POST", `/api/v1/fugitives/${p.id}/return`, {
      method: "extradition",
      date: "2017-01-01",
      place: "Beijing",
    });
    expect(twice.status).toBe(409);

    const stats = await call<ListStatistics>(
      n[CN].officer,
      "GET",
      `/api/v1/fugitive-lists/${list.id}/statistics?asOf=2017-08-31`,
    );
    expect(stats).toMatchObject({ total: 2, returned: 1, byYear: [{ year: 2016, count: 1 }] });
    expect(stats.byMethod.find((m) => m.method === "repatriation")?.count).toBe(1);
    expect(stats.summary.en).toBe(
      "1 of the 2 on the list “Test list of 2015” had returned by August 2017 (1 of 2: repatriation 1).",
    );
    expect(stats.summary["zh-CN"]).toBe(
      "截至2017年8月，“Test list of 2015”所列2人中已有1人归案（1/2：遣返1人）。",
    );
  });

  describe("changes of a record at the moment its list is published or its entry removed", () => {
    let late: FugitiveListView;
    let first: FugitiveDetail;
    const cnDb = () => n[CN].node.rt.services.db;
    const objectOf = async (id: string) =>
      (await cnDb().select().from(sharedObjects).where(eq(sharedObjects.id, id)))[0];
    const located = (f: FugitiveDetail) =>
      n[CN].officer.req<Answer>("PATCH", `/api/v1/fugitives/${f.id}`, {
        version: f.version,
        status: "located",
      });

    it("a list published while one of its records changes: the entry published carries the change", async () => {
      const cn = n[CN].officer;
      first = (
        await call<{ fugitive: FugitiveDetail }>(cn, "POST", "/api/v1/fugitives", fugitiveNamed("韩立"), 201)
      ).fugitive;
      late = (
        await call<{ list: FugitiveListView }>(
          cn,
          "POST",
          "/api/v1/fugitive-lists",
          { name: { lang: "en", text: "A later list" } },
          201,
        )
      ).list;
      await call(cn, "POST", `/api/v1/fugitive-lists/${late.id}/entries`, {
        fugitiveId: first.id,
        number: 1,
      });
      // On PostgreSQL the change (first in the queue) has locked the record and looked for published entries
      // (none yet) when it waits for the audit chain's head, held here; the publication then reads the record.
      // Read unlocked (old code), it published the record as it was before the change, which never followed.
      const [changed, published] = await queuedBehind(
        cnDb(),
        sql`select 1 from audit_head where id = 1 for update`,
        [
          () => located(first),
          () =>
            n[CN].officer.req<{ list: FugitiveListView } & Err>(
              "POST",
              `/api/v1/fugitive-lists/${late.id}/publish`,
              {
                recipients: [US],
                marking: { tlp: "AMBER" },
              },
            ),
        ],
      );
      expect(changed?.status, JSON.stringify(changed?.body)).toBe(200);
      expect(published?.status, JSON.stringify(published?.body)).toBe(200);
      const entryId = published?.body.list?.entries[0]?.entryId as string;
      expect((await objectOf(entryId))?.content).toMatchObject({ status: "located" });
      const copy = await waitFor("US holds the entry as changed", async () => {
        const c = await copyOf(entryId);
        return c?.status === "located" && c;
      });
      expect(copy.state).toBe("active");
    });

    it("a record changed while its entry is removed from the list: the change is saved, the entry withdrawn", async () => {
      const cn = n[CN].officer;
      const second = (
        await call<{ fugitive: FugitiveDetail }>(cn, "POST", "/api/v1/fugitives", fugitiveNamed("蒋文"), 201)
      ).fugitive;
      const added = await call<{ list: FugitiveListView }>(
        cn,
        "POST",
        `/api/v1/fugitive-lists/${late.id}/entries`,
        {
          fugitiveId: second.id,
          number: 2,
        },
      );
      const entryId = added.list.entries.find((e) => e.fugitiveId === second.id)?.entryId as string;
      expect(entryId).toMatch(/^so_/);
      // On PostgreSQL the removal (first in the queue) waits for the entry's object, held here, to withdraw it;
      // the change has read the entry still listed. Old code: its next version of the entry then found the
      // object withdrawn, and the change was refused (409 "the object is withdrawn").
      const [removed, changed] = await queuedBehind(
        cnDb(),
        sql`select 1 from shared_objects where id = ${entryId} for update`,
        [
          () => n[CN].officer.req<Answer>("DELETE", `/api/v1/fugitive-lists/${late.id}/entries/${second.id}`),
          () => located(second),
        ],
      );
      expect(removed?.status, JSON.stringify(removed?.body)).toBe(200);
      expect(changed?.status, JSON.stringify(changed?.body)).toBe(200);
      expect(changed?.body.fugitive).toMatchObject({ status: "located", version: 2 });
      expect((await objectOf(entryId))?.state).toBe("withdrawn");
    });
  });
});
