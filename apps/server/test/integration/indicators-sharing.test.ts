import type { CorrelationSearchResult, HitView, IndicatorView, SharedObjectView } from "@crossline/schemas";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog, indicators, notifications } from "../../src/db/schema/index.js";
import { stixValidator, TLP2_IDS } from "../../src/modules/indicators/indicators.stix.js";
import { upload } from "../support/indicators-fixtures.js";
import { describeDb } from "../support/node.js";
import { call, type ThreeNodes, threeNodes } from "../support/shared-objects-fixtures.js";

const CN = "CN-MPS";
const US = "US-DOJ";
const NX = "NX-NPA";

type Page = { items: IndicatorView[] };

describeDb("indicators shared in batches, withdrawn, correlated (three nodes, in-process hub)", () => {
  let t: ThreeNodes;
  beforeAll(async () => {
    t = await threeNodes();
  }, 360_000);
  afterAll(() => t?.close());

  const rows = (n: number, prefix: string) =>
    [
      "kind,value,description",
      ...Array.from({ length: n }, (_, i) => `ip,${prefix}.${Math.floor(i / 250)}.${i % 250},bot ${i}`),
    ].join("\n");

  it("shares 4,500 indicators in batches that fit an envelope (one message each per peer); the peer holds them read-only", async () => {
    const imp = await upload(t.officers[CN], rows(4500, "10.20"));
    expect(imp.body.import.added).toBe(4500);
    const shared = await call<{ batches: string[]; indicators: number }>(
      t.officers[CN],
      "POST",
      "/api/v1/indicators/share",
      { name: "Botnet C2", importId: imp.body.import.id, marking: { tlp: "AMBER" }, recipients: [US] },
      201,
    );
    expect(shared).toMatchObject({ indicators: 4500 });
    // 4,500 short rows are about a megabyte of JSON: more than the 2,000-per-batch cap alone would cut (3 batches of up
    // to 2,000 overflowed the 128 KiB payload an envelope carries, and sharing failed with 413).
    expect(shared.batches.length).toBeGreaterThan(3);
    await t.hub.flush();
    const puts = t.hub.delivered.filter((d) => d.to === US && d.type === "shared.object.put");
    expect(puts).toHaveLength(shared.batches.length);
    for (const p of puts)
      expect(Buffer.byteLength(JSON.stringify(p.payload))).toBeLessThanOrEqual(t.hub.maxPayloadBytes);
    const us = await call<Page>(t.officers[US], "GET", "/api/v1/indicators?origin=received&limit=500");
    expect(us.items).toHaveLength(500);
    expect(us.items[0]).toMatchObject({ origin: "received", ownerNode: CN, marking: { tlp: "AMBER" } });
    // Read-only on the receiver; and a second share of the same indicators has nothing left to share.
    const w = await t.officers[US].req("POST", `/api/v1/indicators/${us.items[0].id}/withdraw`, {});
    expect(w.status).toBe(409);
    const again = await t.officers[CN].req("POST", "/api/v1/indicators/share", {
      name: "again",
      importId: imp.body.import.id,
      marking: { tlp: "AMBER" },
      recipients: [US],
    });
    expect(again.status).toBe(409);
  });

  it("a withdrawn indicator leaves the peer's store and searches; the rest of its batch stays", async () => {
    const mine = await call<Page>(t.officers[CN], "GET", "/api/v1/indicators?q=10.20.3.7");
    const ind = mine.items.find((i) => i.value === "10.20.3.7");
    expect(ind?.setId).toMatch(/^so_/);
    const before = await call<CorrelationSearchResult>(
      t.officers[US],
      "GET",
      "/api/v1/correlation/search?q=10.20.3.7",
    );
    expect(before.mine.map((m) => m.recordType)).toEqual(["indicator"]);
    await call(t.officers[CN], "POST", `/api/v1/indicators/${ind?.id}/withdraw`, {});
    await t.hub.flush();
    const after = await call<Page>(t.officers[US], "GET", "/api/v1/indicators?q=10.20.3.7");
    expect(after.items.map((i) => i.value)).not.toContain("10.20.3.7");
    expect(after.items.map((i) => i.value)).toContain("10.20.3.70");
    const search = await call<CorrelationSearchResult>(
      t.officers[US],
      "GET",
      "/api/v1/correlation/search?q=10.20.3.7",
    );
    expect(search.mine).toEqual([]);
    const neighbour = await call<Page>(t.officers[US], "GET", "/api/v1/indicators?q=10.20.3.8");
    expect(neighbour.items.map((i) => i.value)).toContain("10.20.3.8");
    // One new version of one batch travelled, not a message per indicator.
    const versions = t.hub.delivered.filter(
      (d) => d.to === US && (d.payload as { id: string }).id === ind?.setId,
    );
    expect(versions.map((d) => (d.payload as { version: number }).version)).toEqual([1, 2]);
  });

  it("a marking forbids what it must: RED to a node it does not name is refused (409), nothing shared", async () => {
    const imp = await upload(t.officers[CN], "kind,value\ndomain,red-only.example\n");
    const r = await t.officers[CN].req<{ error: { details: { field: string }[] } }>(
      "POST",
      "/api/v1/indicators/share",
      {
        name: "Red",
        importId: imp.body.import.id,
        marking: { tlp: "RED", releasableTo: [NX] },
        recipients: [US],
      },
    );
    expect(r.status).toBe(409);
    expect(r.body.error.details[0].field).toBe("body.recipients.0");
    const list = await call<Page>(t.officers[CN], "GET", "/api/v1/indicators?q=red-only.example");
    expect(list.items[0].setId).toBeNull();
  });

  it("a new identifier matching one held before is a hit for both units, without showing the other's record", async () => {
    // US already holds CN's 10.20.x.y (received). Its own import of a network around some of them is a hit.
    const imp = await upload(t.officers[US], "kind,value\nip,10.20.5.0/24\nemail,boss@phish.example\n");
    expect(imp.body.import.added).toBe(2);
    const hits = await call<{ items: HitView[] }>(
      t.officers[US],
      "GET",
      "/api/v1/correlation/hits?limit=200",
    );
    expect(hits.items.length).toBeGreaterThanOrEqual(200);
    expect(hits.items.every((h) => h.match === "network" && h.kind === "ip")).toBe(true);
    const notes = await t.nodes[US].rt.services.db.select().from(notifications);
    expect(notes.filter((n) => n.messageKey === "correlation_hit").map((n) => n.params)).toContainEqual(
      expect.objectContaining({ kinds: "ip" }),
    );
    // A domain search finds the e-mail address on it; an address search finds the network around it.
    const d = await call<CorrelationSearchResult>(
      t.officers[US],
      "GET",
      "/api/v1/correlation/search?q=phish.example",
    );
    expect(d.query).toEqual({ kind: "domain", value: "phish.example" });
    expect(d.mine.map((m) => m.value)).toEqual(["boss@phish.example"]);
    const a = await call<CorrelationSearchResult>(
      t.officers[US],
      "GET",
      "/api/v1/correlation/search?q=10.20.5.77",
    );
    expect(a.mine.map((m) => m.value).sort()).toEqual(["10.20.5.0/24", "10.20.5.77"]);
  });

  it("another unit sees only that a unit holds it and whom to ask", async () => {
    const other = await t.nodes[US].unit("Cyber desk");
    await t.nodes[US].user("cyber.us", ["case_officer"], other);
    const cyber = await t.nodes[US].as("cyber.us");
    await upload(cyber, "kind,value\nemail,Boss@phish.example\n");
    const hits = await call<{ items: HitView[] }>(cyber, "GET", "/api/v1/correlation/hits");
    expect(hits.items).toHaveLength(1);
    expect(hits.items[0].other.recordId).toBeNull();
    expect(hits.items[0].other.unit.id).not.toBe(other);
    const s = await call<CorrelationSearchResult>(
      cyber,
      "GET",
      "/api/v1/correlation/search?q=boss@phish.example",
    );
    expect(s.mine).toHaveLength(1);
    expect(s.elsewhere).toEqual([
      {
        recordType: "indicator",
        unit: expect.objectContaining({ id: hits.items[0].other.unit.id }),
        count: 1,
      },
    ]);
  });

  // Races: two calls at once (a double click, two processes serving one node). Each pair goes through the API
  // together; on PostgreSQL the two transactions run on two connections.
  type Err = { error: { code: string; details: { field?: string; issue: string }[] } };
  const cnDb = () => t.nodes[CN].rt.services.db;
  const audits = (action: string, targetIds: string[]) =>
    cnDb()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, action), inArray(auditLog.targetId, targetIds)));
  const own = async (q: string) =>
    (await call<Page>(t.officers[CN], "GET", `/api/v1/indicators?origin=own&q=${q}`)).items.sort((a, b) =>
      a.value.localeCompare(b.value),
    );
  const received = async (q: string) =>
    (await call<Page>(t.officers[US], "GET", `/api/v1/indicators?origin=received&q=${q}`)).items
      .map((i) => i.value)
      .sort();
  const setOf = (id: string) =>
    call<{ object: SharedObjectView }>(t.officers[CN], "GET", `/api/v1/shared-objects/${id}`);
  const valuesIn = (o: SharedObjectView) =>
    ((o.content?.indicators ?? []) as { value: string }[]).map((i) => i.value).sort();
  type StixIndicator = {
    id: string;
    pattern: string;
    revoked?: boolean;
    created: string;
    modified: string;
    object_marking_refs: string[];
  };
  /** A TAXII client of a node's officer, on a new collection: `poll` pages on from a date added. */
  const taxiiClient = async (node: typeof CN | typeof US, collection: Record<string, unknown>) => {
    const col = await call<{ collection: { id: string } }>(
      await t.nodes[node].as("admin"),
      "POST",
      "/api/v1/taxii/collections",
      collection,
      201,
    );
    const token = await call<{ secret: string }>(
      t.officers[node],
      "POST",
      "/api/v1/tokens",
      { name: `siem ${collection.title}`, expiresInDays: 1 },
      201,
    );
    const client = t.nodes[node].bearer(token.secret);
    /** Everything added after `after`, page by page as a client follows `next`, and the last date added seen. */
    const poll = async (after: string) => {
      const objects: StixIndicator[] = [];
      let last = after;
      let next: string | undefined;
      do {
        const r = await client.req<{ objects?: StixIndicator[]; more: boolean; next?: string }>(
          "GET",
          `/taxii2/crossline/collections/${col.collection.id}/objects/?added_after=${encodeURIComponent(after)}${next ? `&next=${encodeURIComponent(next)}` : ""}`,
          undefined,
          { accept: "application/taxii+json;version=2.1" },
        );
        expect(r.status).toBe(200);
        for (const o of r.body.objects ?? []) {
          expect(stixValidator().object(o)).toBeNull();
          objects.push(o);
        }
        last = String(r.headers["x-taxii-date-added-last"] ?? last);
        next = r.body.more ? r.body.next : undefined;
      } while (next);
      return { objects, last };
    };
    return { poll };
  };

  it("two shares of the same indicators at once: one batch, one message to the peer, one audit entry; the other is a 409", async () => {
    await upload(t.officers[CN], "kind,value\ndomain,twice-a.example\ndomain,twice-b.example\n");
    const ids = (await own("twice-")).map((i) => i.id);
    expect(ids).toHaveLength(2);
    const body = { name: "Double click", ids, marking: { tlp: "AMBER" }, recipients: [US] };
    const res = await Promise.all([
      t.officers[CN].req<{ batches: string[] } & Err>("POST", "/api/v1/indicators/share", body),
      t.officers[CN].req<{ batches: string[] } & Err>("POST", "/api/v1/indicators/share", body),
    ]);
    expect(res.map((r) => r.status).sort()).toEqual([201, 409]);
    const won = res.find((r) => r.status === 201)?.body;
    const lost = res.find((r) => r.status === 409)?.body;
    expect(won?.batches).toHaveLength(1);
    expect(lost?.error.details[0].field).toMatch(/^body\.ids\.[01]$/);
    const setId = won?.batches[0] as string;
    expect((await own("twice-")).map((i) => i.setId)).toEqual([setId, setId]);
    const sets = await call<{ items: SharedObjectView[] }>(
      t.officers[CN],
      "GET",
      "/api/v1/shared-objects?type=indicator.set&direction=own&limit=200",
    );
    expect(sets.items.filter((o) => o.content?.name === "Double click").map((o) => o.id)).toEqual([setId]);
    await t.hub.flush();
    const puts = t.hub.delivered.filter(
      (d) =>
        d.to === US &&
        d.type === "shared.object.put" &&
        JSON.stringify(d.payload).includes("twice-a.example"),
    );
    expect(puts).toHaveLength(1);
    expect(await received("twice-")).toEqual(["twice-a.example", "twice-b.example"]);
    expect(await audits("indicators.share", [setId])).toHaveLength(1);
    expect(await audits("shared_object.publish", [setId])).toHaveLength(1);
  });

  it("a withdraw and a share of the same indicator at once: whichever comes second sees the first, the peer never holds it", async () => {
    await upload(t.officers[CN], "kind,value\ndomain,race-x.example\ndomain,race-y.example\n");
    const [x, y] = await own("race-");
    const [shared, withdrawn] = await Promise.all([
      t.officers[CN].req<{ batches: string[] } & Err>("POST", "/api/v1/indicators/share", {
        name: "Race",
        ids: [x.id, y.id],
        marking: { tlp: "AMBER" },
        recipients: [US],
      }),
      t.officers[CN].req("POST", `/api/v1/indicators/${x.id}/withdraw`, {}),
    ]);
    expect(withdrawn.status).toBe(200);
    await t.hub.flush();
    const [nx, ny] = await own("race-");
    expect(nx.state).toBe("withdrawn");
    if (shared.status === 201) {
      // The share came first: the withdraw versioned its batch without x.
      const setId = shared.body.batches[0];
      expect(nx.setId).toBe(setId);
      expect(valuesIn((await setOf(setId)).object)).toEqual(["race-y.example"]);
      expect(await received("race-")).toEqual(["race-y.example"]);
    } else {
      // The withdraw came first: x is no longer an indicator to share, and nothing was shared.
      expect(shared.status).toBe(409);
      expect(shared.body.error.details[0].field).toBe("body.ids.0");
      expect([nx.setId, ny.setId]).toEqual([null, null]);
      expect(await received("race-")).toEqual([]);
    }
    expect(await audits("indicators.withdraw", [x.id])).toHaveLength(1);
  });

  it("two withdraws from one batch at once: each version builds on the other's, neither indicator stays at the peer", async () => {
    await upload(
      t.officers[CN],
      "kind,value\ndomain,pair-a.example\ndomain,pair-b.example\ndomain,pair-c.example\n",
    );
    const [a, b] = await own("pair-");
    const { batches } = await call<{ batches: string[] }>(
      t.officers[CN],
      "POST",
      "/api/v1/indicators/share",
      {
        name: "Pair",
        ids: (await own("pair-")).map((i) => i.id),
        marking: { tlp: "AMBER" },
        recipients: [US],
      },
      201,
    );
    await t.hub.flush();
    expect(await received("pair-")).toEqual(["pair-a.example", "pair-b.example", "pair-c.example"]);
    const res = await Promise.all([
      t.officers[CN].req("POST", `/api/v1/indicators/${a.id}/withdraw`, {}),
      t.officers[CN].req("POST", `/api/v1/indicators/${b.id}/withdraw`, {}),
    ]);
    expect(res.map((r) => r.status)).toEqual([200, 200]);
    await t.hub.flush();
    const set = (await setOf(batches[0])).object;
    expect(set.version).toBe(3);
    expect(valuesIn(set)).toEqual(["pair-c.example"]);
    expect(await received("pair-")).toEqual(["pair-c.example"]);
  });

  it("the same indicator withdrawn twice at once: one new version of its batch, one audit entry; the other is a 409", async () => {
    const [, , c] = await own("pair-");
    const res = await Promise.all([
      t.officers[CN].req<Err>("POST", `/api/v1/indicators/${c.id}/withdraw`, {}),
      t.officers[CN].req<Err>("POST", `/api/v1/indicators/${c.id}/withdraw`, {}),
    ]);
    expect(res.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(res.find((r) => r.status === 409)?.body.error.details[0].issue).toBe(
      "the indicator is withdrawn already",
    );
    await t.hub.flush();
    // c was the batch's last indicator: the batch is withdrawn, once (a tombstone is one more version).
    const set = (await setOf(c.setId as string)).object;
    expect(set).toMatchObject({ state: "withdrawn", version: 4 });
    expect(await audits("indicators.withdraw", [c.id])).toHaveLength(1);
    expect(await audits("shared_object.withdraw", [c.setId as string])).toHaveLength(1);
    expect(await received("pair-")).toEqual([]);
  });

  it("TAXII clients learn each new version: a marking the share changed (owner), each withdrawal as the revoked version, without the value (peer); the rest of a batch is not sent again", async () => {
    // A client that took an indicator from the peer's feed and pages on with added_after (the last date added it
    // got) must learn that the owner withdrew it: it meets the indicator's revoked version, and nothing else.
    await upload(
      t.officers[CN],
      "kind,value\ndomain,feed-a.example\ndomain,feed-b.example\ndomain,feed-c.example\n",
    );
    const [a, b, c] = await own("feed-");
    expect(a.marking.tlp).toBe("AMBER");
    // The owner's own feed: the share changes their marking (AMBER → GREEN), a new version of each there.
    const ownFeed = await taxiiClient(CN, { title: "CN-MPS own", ownerNode: CN });
    const before = await ownFeed.poll("2000-01-01T00:00:00Z");
    const { batches } = await call<{ batches: string[] }>(
      t.officers[CN],
      "POST",
      "/api/v1/indicators/share",
      { name: "Feed", ids: [a.id, b.id, c.id], marking: { tlp: "GREEN" }, recipients: [US] },
      201,
    );
    await t.hub.flush();
    const remarked = await ownFeed.poll(before.last);
    expect(remarked.objects.map((o) => [o.pattern, o.object_marking_refs]).sort()).toEqual(
      ["a", "b", "c"].map((x) => [`[domain-name:value = 'feed-${x}.example']`, [TLP2_IDS.GREEN]]),
    );
    for (const o of remarked.objects) expect(Date.parse(o.modified)).toBeGreaterThan(Date.parse(o.created));
    // A share that leaves the marking as it was makes no new version.
    await upload(t.officers[CN], "kind,value\ndomain,same-marking.example\n");
    const [same] = await own("same-marking");
    const added = await ownFeed.poll(remarked.last);
    expect(added.objects.map((o) => o.pattern)).toEqual(["[domain-name:value = 'same-marking.example']"]);
    await call(
      t.officers[CN],
      "POST",
      "/api/v1/indicators/share",
      { name: "Same", ids: [same.id], marking: { tlp: "AMBER" }, recipients: [US] },
      201,
    );
    expect((await ownFeed.poll(added.last)).objects).toEqual([]);

    const { poll } = await taxiiClient(US, { title: "CN-MPS green", ownerNode: CN, tlp: ["GREEN"] });
    const first = await poll("2000-01-01T00:00:00Z");
    expect(first.objects.map((o) => o.pattern).sort()).toEqual([
      "[domain-name:value = 'feed-a.example']",
      "[domain-name:value = 'feed-b.example']",
      "[domain-name:value = 'feed-c.example']",
    ]);
    const stixOf = (v: string) => first.objects.find((o) => o.pattern.includes(v))?.id;

    await call(t.officers[CN], "POST", `/api/v1/indicators/${a.id}/withdraw`, {});
    await t.hub.flush();
    const second = await poll(first.last);
    expect(second.objects).toHaveLength(1);
    const revoked = second.objects[0];
    expect(revoked).toMatchObject({ id: stixOf("feed-a"), revoked: true });
    expect(revoked.pattern).not.toContain("feed-a");
    expect(Date.parse(revoked.modified)).toBeGreaterThan(Date.parse(revoked.created));
    // It left the peer's store: its value is erased there, and the peer's officers no longer find it.
    const [row] = await t.nodes[US].rt.services.db.select().from(indicators).where(eq(indicators.id, a.id));
    expect(row).toMatchObject({ state: "withdrawn", value: "", description: null });
    expect((await t.officers[US].req("GET", `/api/v1/indicators/${a.id}`)).status).toBe(404);
    expect(await received("feed-")).toEqual(["feed-b.example", "feed-c.example"]);

    // The last two: c was the batch's last, so its batch is withdrawn (a tombstone); both are revoked all the same.
    await call(t.officers[CN], "POST", `/api/v1/indicators/${b.id}/withdraw`, {});
    await call(t.officers[CN], "POST", `/api/v1/indicators/${c.id}/withdraw`, {});
    await t.hub.flush();
    expect((await setOf(batches[0])).object.state).toBe("withdrawn");
    const third = await poll(second.last);
    expect(third.objects.map((o) => [o.id, o.revoked]).sort()).toEqual(
      [
        [stixOf("feed-b"), true],
        [stixOf("feed-c"), true],
      ].sort(),
    );
    expect(JSON.stringify(third.objects)).not.toMatch(/feed-[bc]/);
    expect(await received("feed-")).toEqual([]);
    const all = await poll("2000-01-01T00:00:00Z");
    expect(all.objects.map((o) => o.revoked)).toEqual([true, true, true]);
  });
});
