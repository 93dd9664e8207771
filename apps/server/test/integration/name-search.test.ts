import type { FugitiveDetail, FugitiveMatch, PersonSummary } from "@crossline/schemas";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessLog, fugitiveNameKeys, personNameKeys } from "../../src/db/schema/index.js";
import { keysOf } from "../../src/lib/name-keys.js";
import { fugitiveNamed } from "../support/fugitives-fixtures.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";

type Created = { fugitive: FugitiveDetail; duplicates: FugitiveMatch[] };
type Found = { items: FugitiveMatch[] };
type Err = { error: { code: string; details: { field?: string; issue: string }[] } };

describe("name keys (pure)", () => {
  const whole = (s: string) =>
    keysOf(s)
      .filter((k) => k.key.startsWith("c:") || k.key.startsWith("h:"))
      .map((k) => k.key);

  it("every form of Zhang Wei shares the whole-name key; Wade–Giles shares its sound", () => {
    for (const form of [
      "Zhang Wei",
      "Wei Zhang",
      "ZHANG Wei",
      "张伟",
      "zhangwei",
      "Zhāng Wěi",
      "zhang1 wei3",
    ]) {
      expect(whole(form), form).toContain("c:zhangwei");
    }
    const sound = (s: string) => keysOf(s).filter((k) => k.key.startsWith("p:"));
    expect(sound("Chang Wei").map((k) => k.key)).toContain("p:jangwei");
    expect(sound("Mao Tse-tung").map((k) => k.key)).toContain(sound("毛泽东")[0]?.key);
    // A compound surname stays one part: Ouyang Xiu, not Ou Yangxiu.
    expect(whole("欧阳修")).toContain("c:ouyangxiu");
    expect(whole("Xiu Ouyang")).toContain("c:ouyangxiu");
  });
});

describeDb("name search: any name form, ranked, date-of-birth narrowing, duplicate warning", () => {
  let node: TestNode;
  let officer: Agent;
  let other: Agent;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    const unitA = await node.unit("Fugitive unit");
    const unitB = await node.unit("Another unit");
    await node.user("ns.officer", ["fugitive_asset"], unitA);
    await node.user("ns.other", ["fugitive_asset"], unitB);
    officer = await node.as("ns.officer");
    other = await node.as("ns.other");
    const make = async (a: Agent, key: string, body: object) => {
      const r = await a.req<Created>("POST", "/api/v1/fugitives", body);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids[key] = r.body.fugitive.id;
      return r.body;
    };
    // Fictitious people: two men called 张伟 born twelve years apart, one 张伟明, one with an alias, others.
    await make(officer, "zw1970", fugitiveNamed("张伟", { dateOfBirth: "1970-05-01" }));
    await make(officer, "zw1982", fugitiveNamed("张伟", { dateOfBirth: "1982" }));
    await make(officer, "zwm", fugitiveNamed("张伟明", { dateOfBirth: "1968-03" }));
    await make(
      officer,
      "alias",
      fugitiveNamed("李强", { aliases: [{ original: "Zhang Dawei", romanised: "Zhang Dawei" }] }),
    );
    await make(officer, "wang", fugitiveNamed("王伟", { dateOfBirth: "1975" }));
    await make(officer, "ouyang", fugitiveNamed("欧阳修"));
    await make(other, "otherUnit", fugitiveNamed("张伟", { dateOfBirth: "1970-05-01" }));
  }, 360_000);
  afterAll(() => node?.close());

  const search = async (name: string, extra = "", a: Agent = officer) => {
    const r = await a.req<Found>("GET", `/api/v1/fugitives/search?name=${encodeURIComponent(name)}${extra}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.items;
  };

  it("Zhang Wei / Wei Zhang / ZHANG Wei / 张伟 / zhangwei / tones find both 张伟, ranked above 张伟明", async () => {
    for (const form of [
      "Zhang Wei",
      "Wei Zhang",
      "ZHANG Wei",
      "张伟",
      "zhangwei",
      "Zhāng Wěi",
      "zhang1 wei3",
    ]) {
      const items = await search(form);
      const top = items.slice(0, 2).map((i) => i.id);
      expect(new Set(top), form).toEqual(new Set([ids.zw1970, ids.zw1982]));
      expect(items[0]?.score, form).toBeGreaterThanOrEqual(100);
      const zwm = items.findIndex((i) => i.id === ids.zwm);
      if (zwm >= 0) expect(items[zwm]?.score ?? 0).toBeLessThan(items[1]?.score ?? 0);
      // Another unit's 张伟 is never found (need to know).
      expect(
        items.map((i) => i.id),
        form,
      ).not.toContain(ids.otherUnit);
    }
  });

  it("a Wade–Giles spelling, an alias and a compound surname in either order", async () => {
    const chang = await search("Chang Wei");
    expect(new Set(chang.slice(0, 2).map((i) => i.id))).toEqual(new Set([ids.zw1970, ids.zw1982]));
    expect((await search("Dawei Zhang"))[0]?.id).toBe(ids.alias);
    expect((await search("Xiu Ouyang"))[0]?.id).toBe(ids.ouyang);
    expect((await search("zhang weiming"))[0]?.id).toBe(ids.zwm);
    expect((await search("Weiming Zhang"))[0]?.id).toBe(ids.zwm);
  });

  it("a date of birth narrows: another date is left out, a partial date matches, a record without one stays", async () => {
    const y1970 = await search("Zhang Wei", "&dateOfBirth=1970");
    expect(y1970[0]?.id).toBe(ids.zw1970);
    expect(y1970.map((i) => i.id)).not.toContain(ids.zw1982);
    expect(y1970.map((i) => i.id)).not.toContain(ids.zwm);
    // The alias's record has no date of birth: it stays, below.
    expect(y1970.map((i) => i.id)).toContain(ids.alias);
    const day = await search("张伟", "&dateOfBirth=1982-07-04");
    expect(day[0]?.id).toBe(ids.zw1982);
    expect(day.map((i) => i.id)).not.toContain(ids.zw1970);
  });

  it("each result of a search is in the access log", async () => {
    const db = node.rt.services.db;
    await node.rt.services.accessLog.flush();
    const before = await db
      .select()
      .from(accessLog)
      .where(and(eq(accessLog.recordId, ids.wang as string), eq(accessLog.action, "list")));
    await search("Wang Wei");
    // The log is written behind the read (access-log.writer.ts): wait for this process's rows.
    await node.rt.services.accessLog.flush();
    const after = await db
      .select()
      .from(accessLog)
      .where(and(eq(accessLog.recordId, ids.wang as string), eq(accessLog.action, "list")));
    expect(after.length).toBe(before.length + 1);
  });

  it("creating a likely duplicate warns with the matching records (pre-check and create response)", async () => {
    const check = await officer.req<Found>("POST", "/api/v1/fugitives/duplicates", {
      names: [{ original: "Wei ZHANG" }],
      dateOfBirth: "1970-05",
    });
    expect(check.status).toBe(200);
    expect(check.body.items.map((i) => i.id)).toEqual([ids.zw1970]);

    const created = await officer.req<Created>(
      "POST",
      "/api/v1/fugitives",
      fugitiveNamed("Wei ZHANG", { dateOfBirth: "1970-05-01" }),
    );
    expect(created.status).toBe(201);
    expect(created.body.duplicates.map((d) => d.id)).toEqual([ids.zw1970]);
    expect(created.body.duplicates[0]?.score).toBeGreaterThanOrEqual(100);
    // The new record is found from now on, by its characters too.
    expect((await search("张伟", "&dateOfBirth=1970-05-01")).map((i) => i.id)).toContain(
      created.body.fugitive.id,
    );

    // A distinct name warns of nothing; another unit is told only of its own records.
    const none = await officer.req<Found>("POST", "/api/v1/fugitives/duplicates", {
      names: [{ original: "赵敏" }],
    });
    expect(none.body.items).toEqual([]);
    const theirs = await other.req<Found>("POST", "/api/v1/fugitives/duplicates", {
      names: [{ original: "Zhang Wei" }],
    });
    expect(theirs.body.items.map((i) => i.id)).toEqual([ids.otherUnit]);
  });

  it("persons: the same search over person records, only those the unit sees", async () => {
    const r = await officer.req<{ items: (PersonSummary & { score: number })[] }>(
      "GET",
      `/api/v1/persons/search?name=${encodeURIComponent("Wei Zhang")}&dateOfBirth=1982`,
    );
    expect(r.status).toBe(200);
    expect(r.body.items[0]?.name.original).toBe("张伟");
    expect(r.body.items[0]?.dateOfBirth).toBe("1982");
    expect(r.body.items.every((p) => p.dateOfBirth === null || p.dateOfBirth.startsWith("1982"))).toBe(true);
    const theirs = await other.req<{ items: PersonSummary[] }>(
      "GET",
      `/api/v1/persons/search?name=${encodeURIComponent("zhangwei")}`,
    );
    expect(theirs.body.items.map((p) => p.dateOfBirth)).toEqual(["1970-05-01"]);
  });

  it("records made before the keys existed are indexed at start", async () => {
    const db = node.rt.services.db;
    await db.delete(fugitiveNameKeys).where(eq(fugitiveNameKeys.fugitiveId, ids.ouyang as string));
    expect(await search("Ouyang Xiu")).toEqual([]);
    const personKeys = await db.select().from(personNameKeys);
    const person = personKeys[0]?.personId as string;
    await db.delete(personNameKeys).where(eq(personNameKeys.personId, person));
    expect(await node.rt.services.fugitives.indexNames()).toBe(1);
    expect(await node.rt.services.persons.indexNames()).toBe(1);
    expect((await search("Ouyang Xiu"))[0]?.id).toBe(ids.ouyang);
    expect(await node.rt.services.fugitives.indexNames()).toBe(0);
  });

  it("bad input names the field", async () => {
    const empty = await officer.req<Err>("GET", "/api/v1/fugitives/search?name=");
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.map((d) => d.field)).toContain("querystring.name");
    const date = await officer.req<Err>("GET", "/api/v1/persons/search?name=x&dateOfBirth=1970-13");
    expect(date.status).toBe(400);
    expect(date.body.error.details.map((d) => d.field)).toContain("querystring.dateOfBirth");
    const cyrillic = await officer.req<Err>("POST", "/api/v1/fugitives/duplicates", {
      names: [{ original: "Иван Петров" }],
    });
    expect(cyrillic.status).toBe(400);
    expect(cyrillic.body.error.details.map((d) => d.field)).toContain("body.names.0.romanised");
  });
});
