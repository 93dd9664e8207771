import { afterAll, beforeAll, expect, it } from "vitest";
import { makeActor } from "../../src/lib/actor.js";
import { stixValidator } from "../../src/modules/indicators/indicators.stix.js";
import { upload } from "../support/indicators-fixtures.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";

const TAXII = "application/taxii+json;version=2.1";

/** The media type of a response, its parameters' spacing, quoting and charset aside. */
const media = (h: string | null) =>
  String(h)
    .replace(/[\s"]/g, "")
    .replace(/;charset=utf-8/i, "");

type Envelope = { more: boolean; next?: string; objects?: { id: string; type: string; pattern: string }[] };

/** A TAXII client's view: a real listening node, reached with fetch() and an API token. */
describeDb("TAXII 2.1 server, driven over HTTP like a TAXII client", () => {
  let node: TestNode;
  let officer: Agent;
  let base: string;
  let token: string;
  let feed: string;
  let green: string;
  let officerUnit: string;
  const get = (url: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${url}`, { headers: { accept: TAXII, authorization: `Bearer ${token}`, ...headers } });

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    officerUnit = (await node.user("officer", ["case_officer"])).unitId;
    officer = await node.as("officer");
    const rows = Array.from({ length: 25 }, (_, i) => `domain,c2-${i}.example,${i % 2 ? "GREEN" : "AMBER"}`);
    await upload(officer, ["kind,value,tlp", ...rows].join("\n"));
    const admin = await node.as("admin");
    const mk = async (body: object) =>
      (await admin.req<{ collection: { id: string } }>("POST", "/api/v1/taxii/collections", body)).body
        .collection.id;
    feed = await mk({ title: "CN-MPS feed", ownerNode: "CN-MPS", canWrite: true });
    green = await mk({ title: "TLP:GREEN", tlp: ["GREEN"] });
    const t = await officer.req<{ secret: string }>("POST", "/api/v1/tokens", {
      name: "taxii",
      expiresInDays: 1,
    });
    token = t.body.secret;
    await node.rt.app.listen({ port: 0, host: "127.0.0.1" });
    const addr = node.rt.app.server.address();
    base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  }, 120_000);
  afterAll(() => node?.close());

  it("discovery, API root and collections, in the TAXII media type", async () => {
    const d = await get("/taxii2/");
    expect(d.status).toBe(200);
    expect(media(d.headers.get("content-type"))).toBe(TAXII);
    const disc = (await d.json()) as { api_roots: string[] };
    expect(disc.api_roots).toEqual([`${base}/taxii2/crossline/`]);
    const root = (await (await get("/taxii2/crossline/")).json()) as { versions: string[] };
    expect(root.versions).toEqual([TAXII]);
    const cols = (await (await get("/taxii2/crossline/collections/")).json()) as {
      collections: { id: string; can_read: boolean; can_write: boolean }[];
    };
    expect(cols.collections.map((c) => [c.id, c.can_read, c.can_write])).toEqual([
      [feed, true, true],
      [green, true, false],
    ]);
  });

  it("pages objects with limit and a signed next, with the date-added headers; every object is valid STIX", async () => {
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const r = await get(
        `/taxii2/crossline/collections/${feed}/objects/?limit=10${next ? `&next=${encodeURIComponent(next)}` : ""}`,
      );
      expect(r.status).toBe(200);
      expect(r.headers.get("x-taxii-date-added-first")).toMatch(/^\d{4}-/);
      expect(r.headers.get("x-taxii-date-added-last")).toMatch(/^\d{4}-/);
      const env = (await r.json()) as Envelope;
      for (const o of env.objects ?? []) {
        expect(stixValidator().object(o)).toBeNull();
        seen.push(o.id);
      }
      next = env.more ? env.next : undefined;
      pages++;
    } while (next);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(25);
    // match[id], match[type], added_after, the manifest, versions and a single object.
    const one = (await (
      await get(`/taxii2/crossline/collections/${feed}/objects/?match[id]=${seen[3]}`)
    ).json()) as Envelope;
    expect(one.objects?.map((o) => o.id)).toEqual([seen[3]]);
    const none = (await (
      await get(`/taxii2/crossline/collections/${feed}/objects/?match[type]=malware`)
    ).json()) as Envelope;
    expect(none).toEqual({ more: false });
    const later = (await (
      await get(`/taxii2/crossline/collections/${feed}/objects/?added_after=2099-01-01T00:00:00Z`)
    ).json()) as Envelope;
    expect(later.objects).toBeUndefined();
    const manifest = (await (
      await get(`/taxii2/crossline/collections/${feed}/manifest/?limit=5`)
    ).json()) as {
      objects: { id: string; media_type: string }[];
      more: boolean;
    };
    expect(manifest.objects).toHaveLength(5);
    expect(manifest.more).toBe(true);
    expect(manifest.objects[0].media_type).toBe("application/stix+json;version=2.1");
    const versions = (await (
      await get(`/taxii2/crossline/collections/${feed}/objects/${seen[0]}/versions/`)
    ).json()) as {
      versions: string[];
    };
    expect(versions.versions).toHaveLength(1);
    const single = await get(`/taxii2/crossline/collections/${feed}/objects/${seen[0]}/`);
    expect(((await single.json()) as Envelope).objects?.[0].id).toBe(seen[0]);
    // The per-marking collection serves only its TLP level.
    const g = (await (await get(`/taxii2/crossline/collections/${green}/objects/`)).json()) as Envelope;
    expect(g.objects).toHaveLength(12);
  });

  it("an import that started first and committed last is not skipped by a client paging with added_after", async () => {
    // A TAXII client asks for what was added after the last date added it got (X-TAXII-Date-Added-Last). An
    // import's indicators were dated at its start: one started before another and committed after the client
    // had read the other's was dated before that client's point, and never reached it.
    const poll = async (after: string) => {
      const r = await get(
        `/taxii2/crossline/collections/${feed}/objects/?added_after=${encodeURIComponent(after)}`,
      );
      expect(r.status).toBe(200);
      const env = (await r.json()) as Envelope;
      return {
        patterns: (env.objects ?? []).map((o) => o.pattern),
        last: r.headers.get("x-taxii-date-added-last") ?? after,
      };
    };
    const start = await poll("2000-01-01T00:00:00Z");
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const ctx = {
      actor: makeActor({
        type: "user",
        id: "t",
        label: "t",
        userId: null,
        unitId: officerUnit,
        agencyId: null,
        roles: ["case_officer"],
      }),
      ip: null,
      requestId: null,
    };
    const first = node.rt.services.indicators.importFile(
      ctx as never,
      { format: "csv", tlp: "AMBER" },
      (async function* () {
        await gate;
        yield "kind,value\ndomain,started-first.example\n";
      })(),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect((await upload(officer, "kind,value\ndomain,started-second.example\n")).body.import.added).toBe(1);
    const seen = await poll(start.last);
    expect(seen.patterns).toEqual(["[domain-name:value = 'started-second.example']"]);
    release();
    expect(await first).toMatchObject({ added: 1 });
    const then = await poll(seen.last);
    expect(then.patterns).toEqual(["[domain-name:value = 'started-first.example']"]);
    expect(Date.parse(then.last)).toBeGreaterThan(Date.parse(seen.last));
  });

  it("POST adds objects and answers a status resource, readable at status/{id}", async () => {
    const envelope = {
      objects: [
        {
          type: "indicator",
          spec_version: "2.1",
          id: "indicator--d81f86b9-975b-4c0b-875e-810c5ad45a4f",
          created: "2026-11-02T00:00:00.000Z",
          modified: "2026-11-02T00:00:00.000Z",
          pattern: "[ipv4-addr:value = '192.0.2.44']",
          pattern_type: "stix",
          valid_from: "2026-11-02T00:00:00Z",
        },
        { type: "indicator", id: "indicator--0d3e1a55-3c3d-4d6a-9a0e-1b2c3d4e5f60" },
      ],
    };
    const r = await fetch(`${base}/taxii2/crossline/collections/${feed}/objects/`, {
      method: "POST",
      headers: { accept: TAXII, "content-type": TAXII, authorization: `Bearer ${token}` },
      body: JSON.stringify(envelope),
    });
    expect(r.status).toBe(202);
    const status = (await r.json()) as {
      id: string;
      status: string;
      success_count: number;
      failure_count: number;
    };
    expect(status).toMatchObject({ status: "complete", success_count: 1, failure_count: 1 });
    const again = await get(`/taxii2/crossline/status/${status.id}/`);
    expect(((await again.json()) as { id: string }).id).toBe(status.id);
    // Not writable: the per-marking collection.
    const ro = await fetch(`${base}/taxii2/crossline/collections/${green}/objects/`, {
      method: "POST",
      headers: { accept: TAXII, "content-type": TAXII, authorization: `Bearer ${token}` },
      body: JSON.stringify(envelope),
    });
    expect(ro.status).toBe(403);
  });

  it("Basic auth with the token as password works; no or a bad token is 401 with a TAXII error", async () => {
    const basic = `Basic ${Buffer.from(`officer:${token}`).toString("base64")}`;
    expect((await get("/taxii2/crossline/collections/", { authorization: basic })).status).toBe(200);
    const anon = await fetch(`${base}/taxii2/`, { headers: { accept: TAXII } });
    expect(anon.status).toBe(401);
    expect(anon.headers.get("www-authenticate")).toContain("Basic");
    expect(await anon.json()).toMatchObject({ http_status: "401", error_code: "UNAUTHENTICATED" });
    const bad = await get("/taxii2/", { authorization: "Bearer clt_nope" });
    expect(bad.status).toBe(401);
    expect(media(bad.headers.get("content-type"))).toBe(TAXII);
  });

  it("bad input: wrong Accept 406, unknown collection 404, tampered next 400, bad limit 400, never a 500", async () => {
    const wrong = await get("/taxii2/crossline/collections/", { accept: "application/json" });
    expect(wrong.status).toBe(406);
    expect(await wrong.json()).toMatchObject({ error_code: "NOT_ACCEPTABLE", http_status: "406" });
    const unknown = await get("/taxii2/crossline/collections/0190a0c0-0000-7000-8000-000000000000/objects/");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error_code: "NOT_FOUND" });
    expect((await get("/taxii2/nope/collections/")).status).toBe(404);
    const first = (await (
      await get(`/taxii2/crossline/collections/${feed}/objects/?limit=2`)
    ).json()) as Envelope;
    const [body, mac] = String(first.next).split(".");
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, "base64url").toString()), i: "ind_z" }),
    ).toString("base64url");
    for (const next of [`${forged}.${mac}`, "garbage", `${body}.${mac}x`]) {
      const r = await get(
        `/taxii2/crossline/collections/${feed}/objects/?limit=2&next=${encodeURIComponent(next)}`,
      );
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ error_code: "BAD_CURSOR" });
    }
    // A cursor of one query is not accepted for another (it is bound to the filters).
    const other = await get(
      `/taxii2/crossline/collections/${feed}/objects/?limit=3&next=${encodeURIComponent(String(first.next))}`,
    );
    expect(other.status).toBe(200);
    const typed = await get(
      `/taxii2/crossline/collections/${feed}/objects/?match[type]=indicator&next=${encodeURIComponent(String(first.next))}`,
    );
    expect(typed.status).toBe(400);
    expect((await get(`/taxii2/crossline/collections/${feed}/objects/?limit=0`)).status).toBe(400);
    expect((await get(`/taxii2/crossline/collections/${feed}/objects/?added_after=yesterday`)).status).toBe(
      400,
    );
    const notJson = await fetch(`${base}/taxii2/crossline/collections/${feed}/objects/`, {
      method: "POST",
      headers: { accept: TAXII, "content-type": TAXII, authorization: `Bearer ${token}` },
      body: "{",
    });
    expect(notJson.status).toBe(400);
    const wrongType = await fetch(`${base}/taxii2/crossline/collections/${feed}/objects/`, {
      method: "POST",
      headers: { accept: TAXII, "content-type": "application/json", authorization: `Bearer ${token}` },
      body: "{}",
    });
    expect(wrongType.status).toBe(415);
  });

  it("only what the token's user may see: another unit's token reads an empty feed", async () => {
    const unit = await node.unit("Other desk");
    await node.user("other", ["case_officer"], unit);
    const other = await node.as("other");
    const t = await other.req<{ secret: string }>("POST", "/api/v1/tokens", { name: "t", expiresInDays: 1 });
    const r = await fetch(`${base}/taxii2/crossline/collections/${feed}/objects/`, {
      headers: { accept: TAXII, authorization: `Bearer ${t.body.secret}` },
    });
    expect(await r.json()).toEqual({ more: false });
  });

  it("a withdrawn indicator stays in the feed as its revoked version, where a client paging on meets it", async () => {
    type Obj = { id: string; pattern: string; revoked?: boolean; modified: string };
    const poll = async (after: string) => {
      const r = await get(
        `/taxii2/crossline/collections/${feed}/objects/?added_after=${encodeURIComponent(after)}`,
      );
      expect(r.status).toBe(200);
      return {
        objects: ((await r.json()) as { objects?: Obj[] }).objects ?? [],
        last: r.headers.get("x-taxii-date-added-last") ?? after,
      };
    };
    let last = "2000-01-01T00:00:00Z";
    let held: Obj[] = [];
    for (let p = await poll(last); p.objects.length; p = await poll(last)) {
      held = [...held, ...p.objects];
      last = p.last;
    }
    const before = held.find((o) => o.pattern === "[domain-name:value = 'c2-3.example']");
    expect(before?.revoked).toBeUndefined();
    const mine = await officer.req<{ items: { id: string; value: string }[] }>(
      "GET",
      "/api/v1/indicators?q=c2-3.example",
    );
    const ind = mine.body.items.find((i) => i.value === "c2-3.example");
    expect((await officer.req("POST", `/api/v1/indicators/${ind?.id}/withdraw`, {})).status).toBe(200);
    const after = await poll(last);
    expect(after.objects).toHaveLength(1);
    const revoked = after.objects[0];
    // The same object, a later version, revoked; the owner still holds its value, so its pattern is unchanged.
    expect(revoked).toMatchObject({ id: before?.id, pattern: before?.pattern, revoked: true });
    expect(Date.parse(revoked.modified)).toBeGreaterThan(Date.parse(String(before?.modified)));
    expect(stixValidator().object(revoked)).toBeNull();
    const versions = (await (
      await get(`/taxii2/crossline/collections/${feed}/objects/${revoked.id}/versions/`)
    ).json()) as { versions: string[] };
    expect(versions.versions).toEqual([revoked.modified]);
    // A STIX export is of the active indicators: the withdrawn one is not in it.
    const bundle = await officer.req<{ objects: { id: string }[] }>("GET", "/api/v1/indicators/export");
    expect(bundle.status).toBe(200);
    expect(bundle.body.objects.map((o) => o.id)).not.toContain(revoked.id);
    expect(bundle.body.objects.some((o) => o.id === held.find((h) => h.id !== revoked.id)?.id)).toBe(true);
  });
});
