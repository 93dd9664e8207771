import type { FugitiveDetail, FugitiveListView, ReceivedEntryView } from "@crossline/schemas";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { accessLog } from "../../src/db/schema/index.js";
import { fugitiveNamed, JPEG_HEAD, PNG_1X1 } from "../support/fugitives-fixtures.js";
import { type Agent, describeDb, type TestNode } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";

const CN = "CN-MPS";
const US = "US-DOJ";
type Name = typeof CN | typeof US;

interface Live {
  node: TestNode;
  admin: Agent;
  officer: Agent;
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000) {
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
 * Two real nodes (signed envelopes over HTTP, chunked attachments, delivery workers): the photos of a fugitive
 * travel with the list entry's version as federation attachments, the one already there at publication and
 * one added later; the peer shows them to its unit, checked against their SHA-256, each view in its access log.
 */
describeDb("fugitive photos travel with the shared list entry to the peer", () => {
  const n = {} as Record<Name, Live>;
  let pair: PairedNodes;

  beforeAll(async () => {
    pair = await pairedNodes({
      timeZones: ["Asia/Shanghai", "America/New_York"],
      settings: { fedPollMs: 25, fedBackoffBaseMs: 50, fedBackoffMaxMs: 400 },
    });
    for (const [id, node] of [
      [CN, pair.cn],
      [US, pair.us],
    ] as const) {
      // In the node's first unit, which is also where received shared objects land (the intake unit).
      await node.user(`photos.${id.toLowerCase()}`, ["fugitive_asset"]);
      n[id] = {
        node,
        admin: node.bearer(node.rt.controlToken),
        officer: await node.as(`photos.${id.toLowerCase()}`),
      };
    }
  }, 360_000);
  afterAll(() => pair?.close());

  const copyOf = async (entryId: string) =>
    (
      await call<{ items: ReceivedEntryView[] }>(n[US].officer, "GET", "/api/v1/fugitive-lists/received")
    ).items.find((e) => e.entryId === entryId);

  it("the peer sees the photo of a published entry, and one added later, over HTTP", async () => {
    const cn = n[CN].officer;
    const f = (
      await call<{ fugitive: FugitiveDetail }>(
        cn,
        "POST",
        "/api/v1/fugitives",
        fugitiveNamed("韩光明", { flightDate: "2014-06" }),
        201,
      )
    ).fugitive;
    const first = (
      await call<{ fugitive: FugitiveDetail }>(
        cn,
        "POST",
        `/api/v1/fugitives/${f.id}/photos`,
        { name: "han.png", contentBase64: PNG_1X1, alt: "Han Guangming" },
        201,
      )
    ).fugitive.photos[0] as FugitiveDetail["photos"][number];
    let list = (
      await call<{ list: FugitiveListView }>(
        cn,
        "POST",
        "/api/v1/fugitive-lists",
        { name: { lang: "en", text: "Photo list" } },
        201,
      )
    ).list;
    await call(cn, "POST", `/api/v1/fugitive-lists/${list.id}/entries`, { fugitiveId: f.id, number: 1 });
    list = (
      await call<{ list: FugitiveListView }>(cn, "POST", `/api/v1/fugitive-lists/${list.id}/publish`, {
        recipients: [US],
        marking: { tlp: "AMBER" },
      })
    ).list;
    const entryId = list.entries[0]?.entryId as string;

    const copy = await waitFor("US holds the entry with its photo", async () => {
      const c = await copyOf(entryId);
      return c?.photos.length === 1 && c;
    });
    expect(copy.photos[0]).toMatchObject({
      id: first.id,
      contentType: "image/png",
      sha256: first.sha256,
      alt: "Han Guangming",
    });
    // The version applies once its attachments are complete, so the bytes are there with it.
    const url = `/api/v1/fugitive-lists/received/${entryId}/photos/${first.id}`;
    const got = await n[US].officer.req("GET", url);
    expect(got.status).toBe(200);
    expect(got.headers["content-type"]).toBe("image/png");
    expect(got.headers["x-content-sha256"]).toBe(first.sha256);

    // A photo added after publication goes with the entry's next version.
    const second = (
      await call<{ fugitive: FugitiveDetail }>(
        cn,
        "POST",
        `/api/v1/fugitives/${f.id}/photos`,
        { name: "han-2016.jpg", contentBase64: JPEG_HEAD },
        201,
      )
    ).fugitive.photos[1] as FugitiveDetail["photos"][number];
    await waitFor("US holds the second photo", async () => (await copyOf(entryId))?.photos.length === 2);
    const got2 = await n[US].officer.req(
      "GET",
      `/api/v1/fugitive-lists/received/${entryId}/photos/${second.id}`,
    );
    expect(got2.status).toBe(200);
    expect(got2.headers["x-content-sha256"]).toBe(second.sha256);

    // Each view is in the peer's access log, as a read of the shared entry (written behind the read: flushed).
    await n[US].node.rt.services.accessLog.flush();
    const views = await n[US].node.rt.services.db
      .select()
      .from(accessLog)
      .where(and(eq(accessLog.recordId, entryId), eq(accessLog.action, "download")));
    expect(views).toHaveLength(2);
    expect(views[0]?.recordType).toBe("shared_object");

    // Another unit at the peer is told there is no such entry.
    const other = await n[US].node.unit("Other unit");
    await n[US].node.user("photos.other", ["fugitive_asset"], other);
    const stranger = await n[US].node.as("photos.other");
    expect((await stranger.req("GET", url)).status).toBe(404);
  }, 240_000);
});
