import type { CorrelationSearchResult, HitView } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { inTransaction } from "../../src/db/client.js";
import { correlationHits } from "../../src/db/schema/correlation.js";
import { upload } from "../support/indicators-fixtures.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";

/**
 * The correlation index's matching, each way its indexes serve it: an address held inside a network held
 * before (the GiST over networks), a network around addresses held before (the btree range), subdomains by
 * the reversed host, and search characters that are LIKE wildcards taken literally.
 */
describeDb("correlation: network and host matching through the index", () => {
  let node: TestNode;
  let officer: Agent;
  let unitId: string;
  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    const u = await node.user("officer", ["case_officer"]);
    unitId = u.unitId;
    officer = await node.as("officer");
  }, 120_000);
  afterAll(() => node?.close());

  const hitsOf = async () =>
    (await officer.req<{ items: HitView[] }>("GET", "/api/v1/correlation/hits?limit=100")).body.items;
  const search = async (q: string) =>
    (
      await officer.req<CorrelationSearchResult>(
        "GET",
        `/api/v1/correlation/search?q=${encodeURIComponent(q)}`,
      )
    ).body;

  it("an address imported inside a network a request holds is a network hit; one outside is not", async () => {
    await inTransaction(node.rt.services.db, (tx) =>
      node.rt.services.correlation.index(tx, "request", [
        {
          recordId: "req_net",
          ownerUnit: unitId,
          identifiers: [
            { kind: "ip", value: "192.0.2.0/25" },
            { kind: "ip", value: "2001:db8:aa::/48" },
          ],
        },
      ]),
    );
    const imp = await upload(
      officer,
      "kind,value\nip,192.0.2.77\nip,192.0.2.200\nip,2001:db8:aa::5\nip,2001:db8:bb::5\n",
    );
    expect(imp.body.import.added).toBe(4);
    const hits = await hitsOf();
    expect(hits.map((h) => [h.value, h.match, h.other.recordType]).sort()).toEqual([
      ["192.0.2.77", "network", "request"],
      ["2001:db8:aa::5", "network", "request"],
    ]);
  });

  it("a network imported around addresses held before is a hit for each address inside it only", async () => {
    await upload(officer, "kind,value\nip,198.51.100.9\nip,198.51.100.10\nip,198.51.101.1\n");
    await inTransaction(node.rt.services.db, (tx) =>
      node.rt.services.correlation.index(tx, "case", [
        { recordId: "case_1", ownerUnit: unitId, identifiers: [{ kind: "ip", value: "198.51.100.0/24" }] },
      ]),
    );
    const hits = (await hitsOf()).filter((h) => h.mine.recordType === "case");
    expect(hits.map((h) => [h.value, h.match]).sort()).toEqual([
      ["198.51.100.0/24", "network"],
      ["198.51.100.0/24", "network"],
    ]);
    const s = await search("198.51.100.0/24");
    expect(s.mine.map((m) => m.value).sort()).toEqual(["198.51.100.0/24", "198.51.100.10", "198.51.100.9"]);
  });

  it("the same identifier indexed by two transactions at once is still a hit (the second waits for the first)", async () => {
    // Each transaction's match reads only what was committed before it: without the index's lock, two records
    // indexed side by side on PostgreSQL would never see each other, and the hit would be lost for good.
    const { db, correlation } = node.rt.services;
    const value = "203.0.113.45";
    let signal!: () => void;
    const firstIndexed = new Promise<void>((resolve) => {
      signal = resolve;
    });
    const first = inTransaction(db, async (tx) => {
      await correlation.index(tx, "case", [
        { recordId: "case_race", ownerUnit: unitId, identifiers: [{ kind: "ip", value }] },
      ]);
      signal();
      // still open while the second transaction indexes the same address
      await new Promise((r) => setTimeout(r, 300));
    });
    await firstIndexed;
    const second = inTransaction(db, (tx) =>
      correlation.index(tx, "request", [
        { recordId: "req_race", ownerUnit: unitId, identifiers: [{ kind: "ip", value }] },
      ]),
    );
    await Promise.all([first, second]);
    const hits = await db.select().from(correlationHits).where(eq(correlationHits.value, value));
    expect(hits.map((h) => [h.aType, h.bType, h.match])).toEqual([["request", "case", "exact"]]);
  });

  it("a domain search finds its subdomains' URLs and e-mail addresses, and not a look-alike domain", async () => {
    await upload(
      officer,
      [
        "kind,value",
        "url,https://login.shop-example.test/a",
        "email,ops@mail.shop-example.test",
        "domain,shop-example.test",
        "domain,notshop-example.test",
        "domain,shopxexample.test",
      ].join("\n"),
    );
    const s = await search("shop-example.test");
    expect(s.mine.map((m) => m.value).sort()).toEqual([
      "https://login.shop-example.test/a",
      "ops@mail.shop-example.test",
      "shop-example.test",
    ]);
    // "_" and "%" are LIKE wildcards: taken literally, "shop_example.test" matches nothing held.
    expect((await search("shop_example.test")).mine).toEqual([]);
  });

  it("an e-mail address or URL finds itself and the domains it lies on, not every other one on its domain", async () => {
    await upload(
      officer,
      [
        "kind,value",
        "domain,webmail-example.test",
        "email,alice@webmail-example.test",
        "email,bob@webmail-example.test",
        "url,https://www.webmail-example.test/login",
        "url,https://www.webmail-example.test/other",
      ].join("\n"),
    );
    const values = async (q: string) => (await search(q)).mine.map((m) => m.value).sort();
    expect(await values("Alice@webmail-example.test")).toEqual([
      "alice@webmail-example.test",
      "webmail-example.test",
    ]);
    expect(await values("https://www.webmail-example.test/login")).toEqual([
      "https://www.webmail-example.test/login",
      "webmail-example.test",
    ]);
    // the domain still finds everything on it
    expect(await values("webmail-example.test")).toEqual([
      "alice@webmail-example.test",
      "bob@webmail-example.test",
      "https://www.webmail-example.test/login",
      "https://www.webmail-example.test/other",
      "webmail-example.test",
    ]);
  });
});
