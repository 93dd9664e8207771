import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Database, rowsOf, runMigrations } from "../../src/db/client.js";
import { matchKeyOf, searchTextOf } from "../../src/modules/persons/persons.match.js";
import { databaseBefore, dropDatabaseBefore } from "../support/migrations.js";
import { describeDb } from "../support/node.js";

const UNIT_A = "0190a0c0-0000-7000-8000-00000000000a";
const UNIT_B = "0190a0c0-0000-7000-8000-00000000000b";
const AGENCY = "0190a0c0-0000-7000-8000-0000000000ac";
const REQ = (n: number) => `0190a0c0-0000-7000-8000-00000000010${n}`;

const zhang1 = {
  kind: "person",
  role: "suspect",
  names: [{ original: "张小明", romanised: "Zhang Xiaoming" }, { original: "Zhang Xiao Ming" }],
  dateOfBirth: "1988-04-12",
  nationality: "CN",
  notes: { lang: "zh-CN", text: "发票域名的注册人。" },
};
const acme = { kind: "organisation", role: "other", names: [{ original: "Example Shell Company Ltd" }] };
const doe = { kind: "person", role: "witness", names: [{ original: "Jane Example" }] };
const zhang2 = {
  kind: "person",
  role: "victim",
  names: [{ original: "张小明", romanised: "Zhang Xiaoming" }, { original: "Ming Zhang" }],
  dateOfBirth: "1988-04-12",
  nationality: "HK",
};
const li = {
  kind: "person",
  role: "other",
  names: [{ original: "李四", romanised: "Li Si" }],
  dateOfBirth: "1979",
};
const passport = { kind: "passport", number: "E00000002", issuingCountry: "CN" };

describeDb("persons migration: every request subject moves to a person record without loss", () => {
  let dir: string;
  let database: Database;

  beforeAll(async () => {
    ({ database, dir } = await databaseBefore("_persons"));
    const db = database.db;
    await db.execute(sql`insert into agencies (id, name) values (${AGENCY}, 'Agency')`);
    await db.execute(
      sql`insert into units (id, agency_id, name) values (${UNIT_A}, ${AGENCY}, 'A'), (${UNIT_B}, ${AGENCY}, 'B')`,
    );
    const request = async (
      n: number,
      unit: string,
      at: string,
      type: string,
      content: Record<string, unknown>,
    ) => {
      const json = JSON.stringify(content);
      await db.execute(sql`
        insert into requests (id, reference, direction, owner_unit_id, type, urgency, status, title, input, content,
                              created_by_label, created_at, updated_at)
        values (${REQ(n)}, ${`TEST-2026-${n}`}, 'outgoing', ${unit}, ${type}, 'routine', 'draft', ${`request ${n}`},
                ${json}::jsonb, ${json}::jsonb, 'officer', ${at}::timestamptz, ${at}::timestamptz)`);
    };
    await request(1, UNIT_A, "2026-01-05T08:00:00Z", "subscriber_info", { subjects: [zhang1, acme, doe] });
    await request(2, UNIT_B, "2026-02-05T08:00:00Z", "subscriber_info", { subjects: [zhang2] });
    await request(3, UNIT_A, "2026-03-05T08:00:00Z", "repatriation_identity_check", {
      subjects: [li],
      details: { subjectIndex: 0, documents: [passport] },
    });
    await request(4, UNIT_A, "2026-04-05T08:00:00Z", "subscriber_info", { subjects: [] });
    await runMigrations(database);
  }, 120_000);

  afterAll(() => dropDatabaseBefore(database, dir));

  type PersonRow = {
    id: string;
    owner_unit_id: string;
    names: unknown[];
    aliases: unknown[];
    date_of_birth: string | null;
    nationalities: string[];
    documents: unknown[];
    match_key: string | null;
    search: string;
    version: number;
    created_at: Date | string;
  };
  type LinkRow = {
    person_id: string;
    record_id: string;
    ordinal: number;
    role: string;
    notes: unknown;
    record_unit_id: string;
  };
  const rows = async <T>(q: ReturnType<typeof sql>) => rowsOf<T>(await database.db.execute(q));

  it("makes one record per person: same main name and date of birth merge, a name alone does not, organisations stay", async () => {
    const people = await rows<PersonRow>(sql`select * from persons order by created_at, id`);
    expect(people).toHaveLength(3);
    const [zhang, doePerson, liPerson] = [
      people.find((p) => p.date_of_birth === "1988-04-12"),
      people.find((p) => p.date_of_birth === null),
      people.find((p) => p.date_of_birth === "1979"),
    ];
    // Every name form of both subjects, the first subject's first; every nationality.
    expect(zhang).toMatchObject({
      owner_unit_id: UNIT_A,
      names: [...zhang1.names, zhang2.names[1]],
      aliases: [],
      nationalities: ["CN", "HK"],
      documents: [],
      version: 1,
    });
    expect(doePerson).toMatchObject({
      owner_unit_id: UNIT_A,
      names: doe.names,
      nationalities: [],
      match_key: null,
    });
    expect(liPerson).toMatchObject({ names: li.names, documents: [passport] });
    // The key and the search text are the ones the application computes, so later subjects find these.
    for (const p of people) {
      expect(p.match_key).toBe(matchKeyOf({ names: p.names as never, dateOfBirth: p.date_of_birth }));
    }
    expect(zhang?.search).toBe(searchTextOf({ names: [...zhang1.names, ...zhang2.names] }));
    for (const p of people) {
      expect(p.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it("links every person subject at its position, with its role and notes, in its request's unit", async () => {
    const people = await rows<PersonRow>(sql`select * from persons`);
    const idOf = (dob: string | null) => people.find((p) => p.date_of_birth === dob)?.id;
    const links = await rows<LinkRow>(sql`select * from person_links order by record_id, ordinal`);
    expect(links.map((l) => [l.record_id, l.ordinal, l.person_id, l.role, l.record_unit_id])).toEqual([
      [REQ(1), 0, idOf("1988-04-12"), "suspect", UNIT_A],
      [REQ(1), 2, idOf(null), "witness", UNIT_A],
      [REQ(2), 0, idOf("1988-04-12"), "victim", UNIT_B],
      [REQ(3), 0, idOf("1979"), "other", UNIT_A],
    ]);
    expect(links[0].notes).toEqual(zhang1.notes);
    expect(links[2].notes).toBeNull();
  });

  it("keeps version 1 of each record, and leaves the requests as they were", async () => {
    const versions = await rows<{
      person_id: string;
      version: number;
      fields: Record<string, unknown>;
      changed_by: string;
    }>(sql`select * from person_versions`);
    expect(versions).toHaveLength(3);
    expect(versions.every((v) => v.version === 1 && v.changed_by === "migration")).toBe(true);
    const zhang = versions.find((v) => v.fields.dateOfBirth === "1988-04-12");
    expect(zhang?.fields).toEqual({
      names: [...zhang1.names, zhang2.names[1]],
      aliases: [],
      dateOfBirth: "1988-04-12",
      nationalities: ["CN", "HK"],
      documents: [],
    });
    const req1 = await rows<{ content: { subjects: unknown[] } }>(
      sql`select content from requests where id = ${REQ(1)}`,
    );
    expect(req1[0].content.subjects).toEqual([zhang1, acme, doe]);
  });
});
