import type { RequestDetail, RetentionDueList } from "@crossline/schemas";
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog, personLinks, personNameKeys, persons, personVersions } from "../../src/db/schema/index.js";
import { completeFromPrefill } from "../support/fugitives-fixtures.js";
import { changeRetention } from "../support/lawful.js";
import { queuedBehind } from "../support/lock-queue.js";
import { type Agent, DB_KIND, describeDb } from "../support/node.js";
import { formNaming, type PersonBody } from "../support/persons-fixtures.js";
import { type ApiError, act, noFourEyes, type TwoNodes, twoNodes } from "../support/requests-fixtures.js";

const DAY = 86_400_000;
const YEAR = 365 * DAY;
type Draft = { request: RequestDetail };
/** A draft, or the error body (calls fired together answer either). */
type Answer = Draft & ApiError;
const ERASED_ISSUE = "the person's record is erased: it cannot be linked or changed";

/**
 * A person record's own retention (issue 11 point 2): a person is kept while a record names them. Erasing the
 * last record naming them (at the end of its retention) drops its links, and the person's retention starts
 * then; at its end (the node's policy for `person`) the person is due on the retention dashboard and erased —
 * deleted by default, or anonymised. A record that stops naming someone (a draft edited) starts it too.
 */
describeDb("persons: retention of the person record itself", () => {
  let t: TwoNodes;
  let officer: Agent;
  let reviewer: Agent;
  let auditor: Agent;
  let admin: Agent;

  async function signIn() {
    officer = await t.cn.as("pret.officer");
    reviewer = await t.cn.as("pret.reviewer");
    auditor = await t.cn.as("pret.auditor");
    admin = await t.cn.as("admin");
  }

  beforeAll(async () => {
    t = await twoNodes();
    await t.cn.user("pret.officer", ["case_officer"], t.cnUnit);
    await t.cn.user("pret.reviewer", ["legal_reviewer"]);
    await t.cn.user("pret.auditor", ["auditor"]);
    await signIn();
    await noFourEyes(admin);
  }, 360_000);
  afterAll(() => t?.close());

  const db = () => t.cn.rt.services.db;
  const dueIds = async () => {
    const due = await reviewer.req<RetentionDueList>("GET", "/api/v1/lawful/retention?due=deletion");
    expect(due.status, JSON.stringify(due.body)).toBe(200);
    return due.body.items.filter((i) => i.kind === "person");
  };
  async function draftNaming(subjects: Record<string, unknown>[]) {
    const r = await officer.req<Draft>("POST", "/api/v1/requests", {
      peerId: "US-DOJ",
      form: formNaming(subjects as never),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.request;
  }

  it("keeps a person while a record names them, then deletes them a year after the last one is erased", async () => {
    const named = await draftNaming([
      {
        kind: "person",
        role: "suspect",
        names: [{ original: "赵晓东", romanised: "Zhao Xiaodong" }],
        dateOfBirth: "1979-09-14",
        nationality: "CN",
      },
    ]);
    const personId = named.subjectPersons[0]?.personId ?? "";
    expect(personId).not.toBe("");
    // A second record naming the same person (same name and date of birth), erased later than the first.
    const second = await draftNaming([
      {
        kind: "person",
        role: "suspect",
        names: [{ original: "赵晓东", romanised: "Zhao Xiaodong" }],
        dateOfBirth: "1979-09-14",
      },
    ]);
    expect(second.subjectPersons[0]?.personId).toBe(personId);
    // A rectification leaves an earlier version behind.
    const p = (await officer.req<PersonBody>("GET", `/api/v1/persons/${personId}`)).body.person;
    const fixed = await officer.req("POST", `/api/v1/persons/${personId}/rectify`, {
      version: p.version,
      fields: { aliases: [{ original: "Dong Zhao" }] },
      reason: "The alias the liaison reported.",
    });
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(200);

    for (const r of [named, second]) {
      const sent = await act(officer, r.id, { event: "send" });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      const w = await act(officer, r.id, { event: "withdraw", reason: { lang: "en", text: "Settled" } });
      expect(w.status).toBe(200);
    }
    await t.hub.flush();
    const lawful = t.cn.rt.services.lawful;
    expect(await lawful.runDailyJob({ force: true })).toMatchObject({ ran: true });
    // Named by two open (not erased) records: never due, and erasing it is refused.
    expect((await dueIds()).some((i) => i.recordId === personId)).toBe(false);
    const early = await reviewer.req("POST", `/api/v1/lawful/records/person/${personId}/erase`, {});
    expect(early.status).toBe(409);

    t.clock.advance(5 * YEAR + 2 * DAY);
    await signIn();
    expect(await lawful.runDailyJob()).toMatchObject({ ran: true });
    const first = await reviewer.req("POST", `/api/v1/lawful/records/request/${named.id}/erase`, {});
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    // The erased request names no one any more; the other still names the person, who stays.
    const links = await db().select().from(personLinks).where(eq(personLinks.personId, personId));
    expect(links.map((l) => l.recordId)).toEqual([second.id]);
    const [kept] = await db().select().from(persons).where(eq(persons.id, personId));
    expect(kept?.unlinkedAt).toBeNull();

    t.clock.advance(30 * DAY);
    await signIn();
    const last = await reviewer.req("POST", `/api/v1/lawful/records/request/${second.id}/erase`, {});
    expect(last.status).toBe(200);
    const erasedAt = t.clock.t;
    const [unlinked] = await db().select().from(persons).where(eq(persons.id, personId));
    expect(unlinked?.unlinkedAt?.getTime()).toBe(erasedAt);
    const audits = await db().select().from(auditLog).where(eq(auditLog.targetId, second.id));
    expect(audits.find((a) => a.action === "lawful.anonymise")?.details).toMatchObject({
      persons: [personId],
    });
    // The person page still answers (to the auditor), with no record linked; not due for a year.
    const page = await auditor.req<PersonBody>("GET", `/api/v1/persons/${personId}`);
    expect(page.status).toBe(200);
    expect(page.body.person.links).toEqual([]);
    expect((await dueIds()).some((i) => i.recordId === personId)).toBe(false);
    expect((await reviewer.req("POST", `/api/v1/lawful/records/person/${personId}/erase`, {})).status).toBe(
      409,
    );

    t.clock.advance(YEAR + DAY);
    await signIn();
    const due = (await dueIds()).find((i) => i.recordId === personId);
    expect(due).toMatchObject({
      kind: "person",
      due: "deletion",
      action: "delete",
      title: "赵晓东 · Zhao Xiaodong",
    });
    // Only the lawful officers run the dashboard and erase.
    expect((await officer.req("POST", `/api/v1/lawful/records/person/${personId}/erase`, {})).status).toBe(
      403,
    );
    const erased = await reviewer.req("POST", `/api/v1/lawful/records/person/${personId}/erase`, {
      note: "Retention ended",
    });
    expect(erased.status, JSON.stringify(erased.body)).toBe(200);

    expect((await auditor.req("GET", `/api/v1/persons/${personId}`)).status).toBe(404);
    expect(await db().select().from(persons).where(eq(persons.id, personId))).toEqual([]);
    expect(await db().select().from(personVersions).where(eq(personVersions.personId, personId))).toEqual([]);
    expect(await db().select().from(personNameKeys).where(eq(personNameKeys.personId, personId))).toEqual([]);
    const [entry] = await db()
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, "lawful.delete"))
      .then((rows) => rows.filter((r) => r.targetId === personId));
    expect(entry).toMatchObject({
      targetType: "person",
      details: { deleted: true, note: "Retention ended" },
    });
    expect((await dueIds()).some((i) => i.recordId === personId)).toBe(false);
    // The name search no longer finds them.
    const search = await auditor.req<{ items: { id: string }[] }>("GET", "/api/v1/persons?q=Xiaodong");
    expect(search.body.items.some((i) => i.id === personId)).toBe(false);
  });

  it("starts when a draft stops naming someone; with the policy's anonymise, the row stays without names", async () => {
    await changeRetention(admin, (p) => ({
      ...p,
      kinds: { ...p.kinds, person: { retentionYears: 0, reviewMonths: 12, action: "anonymise" } },
    }));

    const r = await draftNaming([
      {
        kind: "person",
        role: "witness",
        names: [{ original: "钱晓梅", romanised: "Qian Xiaomei" }],
        dateOfBirth: "1990-02-03",
        nationality: "SG",
      },
    ]);
    const gone = r.subjectPersons[0]?.personId ?? "";
    const before = await reviewer.req<RetentionDueList>("GET", "/api/v1/lawful/retention?due=deletion");
    expect(before.body.items.some((i) => i.recordId === gone)).toBe(false);
    // The draft now names someone else: the first person is named by no record from now.
    const edited = await officer.req<Draft>("PUT", `/api/v1/requests/${r.id}`, {
      form: formNaming([
        {
          kind: "person",
          role: "witness",
          names: [{ original: "Example Witness" }],
          dateOfBirth: "1985-01-01",
        },
      ] as never),
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    const still = edited.body.request.subjectPersons[0]?.personId ?? "";
    expect(still).not.toBe(gone);

    const due = await dueIds();
    expect(due.find((i) => i.recordId === gone)).toMatchObject({ action: "anonymise" });
    expect(due.some((i) => i.recordId === still)).toBe(false);
    expect((await reviewer.req("POST", `/api/v1/lawful/records/person/${gone}/erase`, {})).status).toBe(200);

    const [row] = await db().select().from(persons).where(eq(persons.id, gone));
    expect(row).toMatchObject({
      names: [{ original: "[erased]" }],
      aliases: [],
      dateOfBirth: null,
      documents: [],
      nationalities: ["SG"],
      matchKey: null,
    });
    expect(row?.erasedAt).not.toBeNull();
    expect(
      JSON.stringify(await db().select().from(personVersions).where(eq(personVersions.personId, gone))),
    ).toBe("[]");
    // Erased once: no longer due, and a second erasure is refused.
    expect((await dueIds()).some((i) => i.recordId === gone)).toBe(false);
    expect((await reviewer.req("POST", `/api/v1/lawful/records/person/${gone}/erase`, {})).status).toBe(409);
    // The same name and date of birth named again is a new person (the old key is gone).
    const again = await draftNaming([
      {
        kind: "person",
        role: "witness",
        names: [{ original: "钱晓梅", romanised: "Qian Xiaomei" }],
        dateOfBirth: "1990-02-03",
      },
    ]);
    const fresh = again.subjectPersons[0]?.personId ?? "";
    expect(fresh).not.toBe(gone);
    const rows = await db()
      .select()
      .from(persons)
      .where(inArray(persons.id, [fresh]));
    expect(rows[0]?.unlinkedAt).toBeNull();
  });

  /** A person named by a draft that then names someone else: due for erasure at once (retention of 0 years). */
  async function dueAtOnce(action: "delete" | "anonymise", subject: Record<string, unknown>) {
    await changeRetention(admin, (p) => ({
      ...p,
      kinds: { ...p.kinds, person: { retentionYears: 0, reviewMonths: 12, action } },
    }));
    const r = await draftNaming([subject]);
    const personId = r.subjectPersons[0]?.personId ?? "";
    const edited = await officer.req<Draft>("PUT", `/api/v1/requests/${r.id}`, {
      form: formNaming([
        { kind: "person", role: "witness", names: [{ original: `Other ${action}` }] },
      ] as never),
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect((await dueIds()).some((i) => i.recordId === personId)).toBe(true);
    return personId;
  }
  const lockPerson = (id: string) => sql`select id from persons where id = ${id} for update`;

  it("a record naming the person while the erasure waits: the erasure is refused, the person stays linked", async () => {
    const subject = {
      kind: "person",
      role: "suspect",
      names: [{ original: "孙立伟", romanised: "Sun Liwei" }],
      dateOfBirth: "1983-06-21",
    };
    const personId = await dueAtOnce("delete", subject);
    // On PostgreSQL the draft reaches the person first and the erasure waits behind it, having looked before.
    const [named, erased] = await queuedBehind(db(), lockPerson(personId), [
      () =>
        officer.req<Answer>("POST", "/api/v1/requests", {
          peerId: "US-DOJ",
          form: formNaming([subject] as never),
        }),
      () => reviewer.req<Answer>("POST", `/api/v1/lawful/records/person/${personId}/erase`, {}),
    ]);
    expect(named.status, JSON.stringify(named.body)).toBe(201);
    const rows = await db().select().from(persons).where(eq(persons.id, personId));
    const links = await db().select().from(personLinks).where(eq(personLinks.personId, personId));
    if (DB_KIND === "pglite" && erased.status === 200) {
      // Transactions one after the other, the erasure first: the draft then found no one and recorded anew.
      expect(rows).toEqual([]);
      expect(named.body.request.subjectPersons[0]?.personId).not.toBe(personId);
      return;
    }
    expect(erased.status, JSON.stringify(erased.body)).toBe(409);
    expect(erased.body.error.details[0]?.issue).toBe("the record is not due for erasure");
    expect(named.body.request.subjectPersons[0]?.personId).toBe(personId);
    expect(rows[0]?.unlinkedAt).toBeNull();
    expect(links.map((l) => l.recordId)).toEqual([named.body.request.id]);
    expect((await dueIds()).some((i) => i.recordId === personId)).toBe(false);
  });

  it("a link or a rectification waiting behind the erasure is refused: an erased person stays erased", async () => {
    const personId = await dueAtOnce("anonymise", {
      kind: "person",
      role: "suspect",
      names: [{ original: "周海燕", romanised: "Zhou Haiyan" }],
      dateOfBirth: "1975-12-01",
    });
    const prefill = await officer.req<{ prefill: { form: Record<string, unknown> } }>(
      "GET",
      `/api/v1/persons/${personId}/request-prefill?type=fugitive_locate`,
    );
    expect(prefill.status).toBe(200);
    const form = completeFromPrefill(prefill.body.prefill.form);
    const p = (await officer.req<PersonBody>("GET", `/api/v1/persons/${personId}`)).body.person;
    // On PostgreSQL the erasure holds the person first; the draft from the person and the rectification wait.
    const [erased, drafted, fixed] = await queuedBehind(db(), lockPerson(personId), [
      () => reviewer.req<ApiError>("POST", `/api/v1/lawful/records/person/${personId}/erase`, {}),
      () => officer.req<ApiError>("POST", `/api/v1/persons/${personId}/requests`, { peerId: "US-DOJ", form }),
      () =>
        officer.req<ApiError>("POST", `/api/v1/persons/${personId}/rectify`, {
          version: p.version,
          fields: { aliases: [{ original: "Helen Zhou" }] },
          reason: "The alias the liaison reported.",
        }),
    ]);
    const [row] = await db().select().from(persons).where(eq(persons.id, personId));
    const links = await db().select().from(personLinks).where(eq(personLinks.personId, personId));
    if (DB_KIND === "pglite" && erased.status !== 200) {
      // Transactions one after the other, the draft before the erasure: the person is named again and stays.
      expect(erased.status).toBe(409);
      expect(drafted.status).toBe(201);
      expect(links).toHaveLength(1);
      return;
    }
    expect(erased.status, JSON.stringify(erased.body)).toBe(200);
    expect(row).toMatchObject({
      names: [{ original: "[erased]" }],
      aliases: [],
      unlinkedAt: expect.any(Date),
    });
    expect(row?.erasedAt).not.toBeNull();
    expect(links).toEqual([]);
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(409);
    expect(drafted.body.error.details[0]).toMatchObject({
      field: "body.form.subjects.0",
      issue: ERASED_ISSUE,
    });
    if (DB_KIND === "postgres" || fixed.status !== 200) {
      expect(fixed.status, JSON.stringify(fixed.body)).toBe(409);
      expect(fixed.body.error.details[0]?.issue).toBe(ERASED_ISSUE);
    }
    // The person stays erased: no version, no name keys came back.
    expect(await db().select().from(personVersions).where(eq(personVersions.personId, personId))).toEqual([]);
    expect(await db().select().from(personNameKeys).where(eq(personNameKeys.personId, personId))).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ key: expect.stringContaining("zhou") })]),
    );
  });

  it("a person due after the first 500 on the list is erased like any other", async () => {
    await changeRetention(admin, (p) => ({
      ...p,
      kinds: { ...p.kinds, person: { retentionYears: 0, reviewMonths: 12, action: "delete" } },
    }));
    // 500 persons no record names, unlinked before the one erased below: it comes after all of them on the
    // due list (by unlinked_at), past the 500 the list returns, and is due all the same.
    const now = Date.now();
    const filler = Array.from({ length: 500 }, (_, i) => ({
      id: crypto.randomUUID(),
      ownerUnitId: t.cnUnit,
      names: [{ original: `Filler Person ${i}` }],
      search: `filler person ${i}`,
      createdAt: new Date(now - 30 * DAY),
      updatedAt: new Date(now - 30 * DAY),
      unlinkedAt: new Date(now - 20 * DAY + i),
    }));
    const lastId = crypto.randomUUID();
    await db()
      .insert(persons)
      .values([
        ...filler,
        {
          id: lastId,
          ownerUnitId: t.cnUnit,
          names: [{ original: "Last Due" }],
          search: "last due",
          createdAt: new Date(now - 30 * DAY),
          updatedAt: new Date(now - 30 * DAY),
          unlinkedAt: new Date(now - DAY),
        },
      ]);
    try {
      const erased = await reviewer.req("POST", `/api/v1/lawful/records/person/${lastId}/erase`, {});
      expect(erased.status, JSON.stringify(erased.body)).toBe(200);
      expect(await db().select().from(persons).where(eq(persons.id, lastId))).toEqual([]);
      // One not due (named again since: unlinked_at cleared) is still refused.
      const named = filler[0].id;
      await db().update(persons).set({ unlinkedAt: null }).where(eq(persons.id, named));
      const refused = await reviewer.req<ApiError>(
        "POST",
        `/api/v1/lawful/records/person/${named}/erase`,
        {},
      );
      expect(refused.status).toBe(409);
      expect(refused.body.error.details[0]?.issue).toBe("the record is not due for erasure");
    } finally {
      await db()
        .delete(persons)
        .where(
          inArray(
            persons.id,
            filler.map((f) => f.id),
          ),
        );
    }
  });
});
