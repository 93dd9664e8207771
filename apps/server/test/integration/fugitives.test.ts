import type { FugitiveDetail, FugitiveMatch } from "@crossline/schemas";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { accessLog, auditLog, lawfulRecords } from "../../src/db/schema/index.js";
import { fugitiveNamed, UNCAC, ZHANG } from "../support/fugitives-fixtures.js";
import { queuedBehind } from "../support/lock-queue.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";

type One = { fugitive: FugitiveDetail };
type Created = One & { duplicates: FugitiveMatch[] };
type Err = { error: { code: string; details: { field?: string; issue: string }[] } };

describeDb("fugitives: records, pinyin, person link, versions, access log, need to know", () => {
  let node: TestNode;
  let officer: Agent;
  let outsider: Agent;
  let caseOfficer: Agent;

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    const unitA = await node.unit("Fugitive unit");
    const unitB = await node.unit("Economic crime unit");
    await node.user("f.officer", ["fugitive_asset"], unitA);
    await node.user("f.case", ["case_officer"], unitA);
    await node.user("f.outsider", ["fugitive_asset"], unitB);
    officer = await node.as("f.officer");
    caseOfficer = await node.as("f.case");
    outsider = await node.as("f.outsider");
  }, 360_000);
  afterAll(() => node?.close());

  async function create(body: object = ZHANG, a: Agent = officer) {
    const r = await a.req<One>("POST", "/api/v1/fugitives", body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.fugitive;
  }

  it("records a fugitive with computed pinyin, a person record, a legal basis and an audit entry", async () => {
    const f = await create();
    expect(f.reference).toMatch(/^CN-MPS-F-\d{4}-\d{4}$/);
    expect(f.name).toEqual({ original: "张伟明", romanised: "Zhang Weiming" });
    // A romanised form the officer gave is kept as given.
    expect(f.fields.aliases[0]).toEqual({ original: "Wei-Ming Chang", romanised: "Wei-Ming Chang" });
    expect(f.fields).toMatchObject({
      sex: "male",
      dateOfBirth: "1968-03",
      charges: [{ law: "Criminal Law of the PRC", article: "Art. 382" }],
      warrants: [{ number: "W-2015-001" }],
      notices: [{ kind: "red", reference: "A-0001/1-2015" }],
      whereabouts: [{ country: "US", place: "California" }],
    });
    expect(f).toMatchObject({ status: "at_large", version: 1 });
    expect(f.timeline.map((t) => t.kind)).toEqual(["version"]);

    // The person record: found through the persons API, linked to the fugitive.
    const p = await officer.req<{
      person: { names: { original: string }[]; links: { recordType: string; recordId: string }[] };
    }>("GET", `/api/v1/persons/${f.personId}`);
    expect(p.status).toBe(200);
    expect(p.body.person.names[0]?.original).toBe("张伟明");
    expect(p.body.person.links).toContainEqual(
      expect.objectContaining({ recordType: "fugitive", recordId: f.id }),
    );

    const db = node.rt.services.db;
    const basis = await db.select().from(lawfulRecords).where(eq(lawfulRecords.recordId, f.id));
    expect(basis).toHaveLength(1);
    expect(basis[0]).toMatchObject({ kind: "fugitive_entry" });
    const audits = await db.select().from(auditLog).where(eq(auditLog.targetId, f.id));
    expect(audits.map((a) => a.action)).toEqual(["fugitive.create"]);
  });

  it("the pinyin helper gives surname-first pinyin; the romanised form stays editable", async () => {
    const r = await officer.req<{ romanised: string }>(
      "GET",
      `/api/v1/fugitives/romanise?text=${encodeURIComponent("欧阳小峰")}`,
    );
    expect(r.body.romanised).toBe("Ouyang Xiaofeng");
    const f = await create(fugitiveNamed("单立新"));
    expect(f.name.romanised).toBe("Shan Lixin");
    const edited = await officer.req<One>("PATCH", `/api/v1/fugitives/${f.id}`, {
      version: 1,
      fields: { names: [{ original: "单立新", romanised: "Shan Li-hsin" }] },
      reason: "spelling of the passport",
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.fugitive.name.romanised).toBe("Shan Li-hsin");
  });

  it("versions every change, refuses a stale version, and keeps each version", async () => {
    const f = await create(fugitiveNamed("李海涛", { dateOfBirth: "1970" }));
    const v2 = await officer.req<One>("PATCH", `/api/v1/fugitives/${f.id}`, {
      version: 1,
      status: "located",
    });
    expect(v2.body.fugitive).toMatchObject({ version: 2, status: "located" });
    const stale = await officer.req<Err>("PATCH", `/api/v1/fugitives/${f.id}`, {
      version: 1,
      status: "detained",
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details[0]?.field).toBe("body.version");
    const h = await officer.req<{ items: { version: number; status: string }[] }>(
      "GET",
      `/api/v1/fugitives/${f.id}/history`,
    );
    expect(h.body.items.map((v) => [v.version, v.status])).toEqual([
      [1, "at_large"],
      [2, "located"],
    ]);
    // `returned` comes only with a recorded return.
    const ret = await officer.req<Err>("PATCH", `/api/v1/fugitives/${f.id}`, {
      version: 2,
      status: "returned",
    });
    expect(ret.status).toBe(400);
    const audits = await node.rt.services.db.select().from(auditLog).where(eq(auditLog.targetId, f.id));
    expect(audits.map((a) => a.action)).toEqual(["fugitive.create", "fugitive.update"]);
  });

  it("logs every view of a record and every list page in the access log", async () => {
    const f = await create(fugitiveNamed("王建国"));
    const db = node.rt.services.db;
    const count = async (action: string) => {
      // The log is written behind the read (access-log.writer.ts): wait for this process's rows.
      await node.rt.services.accessLog.flush();
      return (
        await db
          .select()
          .from(accessLog)
          .where(and(eq(accessLog.recordId, f.id), eq(accessLog.action, action)))
      ).length;
    };
    await officer.req("GET", `/api/v1/fugitives/${f.id}`);
    await officer.req("GET", `/api/v1/fugitives/${f.id}`);
    expect(await count("read")).toBe(2);
    const page = await officer.req<{ items: { id: string }[] }>("GET", "/api/v1/fugitives?q=wangjianguo");
    expect(page.body.items.map((i) => i.id)).toEqual([f.id]);
    expect(await count("list")).toBe(1);
    const [row] = await db.select().from(accessLog).where(eq(accessLog.recordId, f.id)).limit(1);
    expect(row).toMatchObject({ recordType: "fugitive", personId: f.personId });
  });

  it("finds a record by any name form: characters, pinyin with or without spaces, alias", async () => {
    const f = await create(fugitiveNamed("赵志强", { aliases: [{ original: "Johnny Chiu" }] }));
    for (const q of ["赵志强", "Zhao Zhiqiang", "zhaozhiqiang", "ZHAO zhiqiang", "johnny chiu"]) {
      const r = await officer.req<{ items: { id: string }[] }>(
        "GET",
        `/api/v1/fugitives?q=${encodeURIComponent(q)}`,
      );
      expect(
        r.body.items.map((i) => i.id),
        q,
      ).toContain(f.id);
    }
  });

  it("another unit's officer gets 404 on every route of a record and does not list it", async () => {
    const f = await create(fugitiveNamed("孙丽", { dateOfBirth: "1975-06-01" }));
    const urls: [string, string, unknown?][] = [
      ["GET", `/api/v1/fugitives/${f.id}`],
      ["GET", `/api/v1/fugitives/${f.id}/history`],
      ["PATCH", `/api/v1/fugitives/${f.id}`, { version: 1, status: "located" }],
      [
        "POST",
        `/api/v1/fugitives/${f.id}/return`,
        { method: "repatriation", date: "2017-01-01", place: "Beijing" },
      ],
    ];
    for (const [m, u, b] of urls) expect((await outsider.req(m, u, b)).status, `${m} ${u}`).toBe(404);
    const list = await outsider.req<{ items: { id: string }[] }>("GET", "/api/v1/fugitives");
    expect(list.body.items.map((i) => i.id)).not.toContain(f.id);
    // Without the permission: 403 first.
    expect((await caseOfficer.req("POST", "/api/v1/fugitives", fugitiveNamed("周一"))).status).toBe(403);
  });

  it("refuses impossible dates, unknown links and unromanised non-Latin names, naming the field, saving nothing", async () => {
    const db = node.rt.services.db;
    const before = (await db.select().from(auditLog)).length;
    const bad: [object, string][] = [
      [
        {
          ...fugitiveNamed("钱进", { dateOfBirth: "1990" }),
          warrants: [{ authority: "X", date: "1985-01-01", number: "1" }],
        },
        "body.warrants.0.date",
      ],
      [fugitiveNamed("钱进", { dateOfBirth: "1990-05", flightDate: "1989" }), "body.flightDate"],
      [fugitiveNamed("Иван Петров"), "body.names.0.romanised"],
      [fugitiveNamed("钱进", { caseIds: ["0190a0a0-0000-7000-8000-000000000000"] }), "body.caseIds.0"],
      [fugitiveNamed("钱进", { requestIds: ["0190a0a0-0000-7000-8000-000000000000"] }), "body.requestIds.0"],
      [fugitiveNamed("钱进", { dateOfBirth: "1990-02-30" }), "body.dateOfBirth"],
      [
        { names: [{ original: "钱进" }], legalBasis: { instrument: "bilateral_agreement" } },
        "body.legalBasis.reference",
      ],
    ];
    for (const [body, field] of bad) {
      const r = await officer.req<Err>("POST", "/api/v1/fugitives", body);
      expect(r.status, field).toBe(400);
      expect(
        r.body.error.details.map((d) => d.field),
        field,
      ).toContain(field);
    }
    expect((await db.select().from(auditLog)).length).toBe(before);
    const list = await officer.req<{ items: unknown[] }>("GET", "/api/v1/fugitives?q=qianjin");
    expect(list.body.items).toEqual([]);
  });

  it("links cases of the unit, and says so in the record", async () => {
    const c = await caseOfficer.req<{ case: { id: string } }>("POST", "/api/v1/cases", {
      title: { lang: "en", text: "Embezzlement at a fictitious bureau" },
      category: "other",
      priority: false,
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    const f = await create(fugitiveNamed("吴刚", { caseIds: [c.body.case.id], legalBasis: UNCAC }));
    expect(f.fields.caseIds).toEqual([c.body.case.id]);
  });

  it("two records of the same person created at once: the later one warns of the earlier", async () => {
    const body = fugitiveNamed("欧阳明远", { dateOfBirth: "1971-04-09" });
    // On PostgreSQL both creations wait for the creations' lock (fugitives.repo.ts nextSeq) before either
    // commits: the duplicate check of the second must run after the first's commit to see it.
    const made = await queuedBehind(
      node.rt.services.db,
      sql`select pg_advisory_xact_lock(hashtext('crossline.fugitives.seq'))`,
      [
        () => officer.req<Created>("POST", "/api/v1/fugitives", body),
        () => officer.req<Created>("POST", "/api/v1/fugitives", body),
      ],
      { together: true },
    );
    expect(made.map((r) => r.status)).toEqual([201, 201]);
    const ids = made.map((r) => r.body.fugitive.id);
    expect(new Set(ids).size).toBe(2);
    const warned = made.filter((r) => r.body.duplicates.length > 0);
    expect(warned).toHaveLength(1);
    const other = ids.find((id) => id !== warned[0]?.body.fugitive.id);
    expect(warned[0]?.body.duplicates.map((d) => d.id)).toEqual([other]);
  });

  it("renaming a record warns of the unit's records it is then likely the same as, as a creation does", async () => {
    const first = await officer.req<Created>(
      "POST",
      "/api/v1/fugitives",
      fugitiveNamed("司马光耀", { dateOfBirth: "1965-05-05" }),
    );
    const other = await create(fugitiveNamed("诸葛文", { dateOfBirth: "1965-05-05" }));
    const renamed = await officer.req<Created>("PATCH", `/api/v1/fugitives/${other.id}`, {
      version: 1,
      fields: { names: [{ original: "司马光耀" }] },
      reason: "the name in the warrant",
    });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.fugitive).toMatchObject({ version: 2, name: { romanised: "Sima Guangyao" } });
    // The creation's shape; the record itself is not its own duplicate.
    expect(renamed.body.duplicates.map((d) => d.id)).toEqual([first.body.fugitive.id]);
    expect(renamed.body.duplicates[0]).toMatchObject({ reference: first.body.fugitive.reference });
    // What a creation of that name gives now names both.
    const check = await officer.req<{ items: { id: string }[] }>("POST", "/api/v1/fugitives/duplicates", {
      names: [{ original: "司马光耀" }],
      dateOfBirth: "1965-05-05",
    });
    expect(check.body.items.map((d) => d.id).sort()).toEqual([first.body.fugitive.id, other.id].sort());
    // A change that leaves the names and the date of birth gives none.
    const located = await officer.req<Created>("PATCH", `/api/v1/fugitives/${other.id}`, {
      version: 2,
      status: "located",
    });
    expect(located.status).toBe(200);
    expect(located.body.duplicates).toEqual([]);
  });

  it("a rename and a creation of the same person at once: the later one warns of the other", async () => {
    const body = fugitiveNamed("上官建华", { dateOfBirth: "1969-07-17" });
    const other = await create(fugitiveNamed("欧阳清", { dateOfBirth: "1969-07-17" }));
    // On PostgreSQL the creation holds the creations' lock and waits for the audit chain's head (held here);
    // the rename waits for the creations' lock before its look-up, so it sees the creation once committed.
    // With a look-up outside that lock both looked up before either committed, and neither warned.
    const [made, renamed] = await queuedBehind(
      node.rt.services.db,
      sql`select 1 from audit_head where id = 1 for update`,
      [
        () => officer.req<Created>("POST", "/api/v1/fugitives", body),
        () =>
          officer.req<Created>("PATCH", `/api/v1/fugitives/${other.id}`, {
            version: 1,
            fields: { names: body.names },
          }),
      ],
    );
    expect([made?.status, renamed?.status]).toEqual([201, 200]);
    const warnings = [
      ...(made?.body.duplicates ?? []).map((d) => [made?.body.fugitive.id, d.id]),
      ...(renamed?.body.duplicates ?? []).map((d) => [other.id, d.id]),
    ];
    expect(warnings).toHaveLength(1);
    expect(new Set(warnings[0])).toEqual(new Set([made?.body.fugitive.id, other.id]));
  });
});
