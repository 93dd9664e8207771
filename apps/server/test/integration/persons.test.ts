import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEFAULT_REQUEST_POLICY } from "../../src/modules/requests/requests.policy.js";
import { queuedBehind } from "../support/lock-queue.js";
import { type Agent, DB_KIND, describeDb } from "../support/node.js";
import { ACME, DOE, formNaming, type PersonBody, ZHANG } from "../support/persons-fixtures.js";
import { type ApiError, act, draft, type TwoNodes, twoNodes } from "../support/requests-fixtures.js";

type Page = {
  items: { id: string; name: { original: string }; restricted: boolean }[];
  nextCursor: string | null;
};
type Detail = {
  request: { id: string; subjectPersons: { ordinal: number; personId: string; restricted: boolean }[] };
};

describeDb("persons: one record per person, linked from the requests that name them", () => {
  let t: TwoNodes;
  let officer: Agent;
  let supervisor: Agent;
  let otherUnitOfficer: Agent;
  let zhangId: string;
  let firstRequest: string;

  beforeAll(async () => {
    t = await twoNodes();
    await t.cn.user("p.officer", ["case_officer"], t.cnUnit);
    await t.cn.user("p.supervisor", ["supervisor"], t.cnUnit);
    const other = await t.cn.unit("Economic Crime");
    await t.cn.user("p.other", ["case_officer"], other);
    officer = await t.cn.as("p.officer");
    supervisor = await t.cn.as("p.supervisor");
    otherUnitOfficer = await t.cn.as("p.other");
    const noFourEyes = { ...DEFAULT_REQUEST_POLICY, fourEyes: { ...DEFAULT_REQUEST_POLICY.fourEyes } };
    for (const k of Object.keys(noFourEyes.fourEyes)) noFourEyes.fourEyes[k as "preservation"] = false;
    for (const node of [t.cn, t.us]) {
      expect((await (await node.as("admin")).req("PUT", "/api/v1/policy/requests", noFourEyes)).status).toBe(
        200,
      );
    }
  }, 120_000);
  afterAll(() => t?.close());

  it("a draft's person subjects become person records, linked at their positions; organisations do not", async () => {
    const r = await draft(officer, formNaming([ZHANG, ACME, DOE]));
    firstRequest = r.id;
    const d = await officer.req<Detail>("GET", `/api/v1/requests/${r.id}`);
    const links = d.body.request.subjectPersons;
    expect(links.map((l) => l.ordinal)).toEqual([0, 2]);
    zhangId = links[0].personId;
    const p = await officer.req<PersonBody>("GET", `/api/v1/persons/${zhangId}`);
    expect(p.status).toBe(200);
    expect(p.body.person).toMatchObject({
      names: ZHANG.names,
      dateOfBirth: "1988-04-12",
      nationalities: ["CN"],
      version: 1,
      restriction: null,
      links: [{ recordType: "request", recordId: r.id, ordinal: 0, role: "suspect" }],
    });
  });

  it("a later subject with the same main name and date of birth is the same person, and adds its name forms", async () => {
    const again = {
      ...ZHANG,
      role: "victim" as const,
      names: [{ original: "张小明", romanised: "ZHANG  Xiaoming" }, { original: "Xiaoming Zhang" }],
      nationality: "HK",
    };
    const r = await draft(officer, formNaming([again]));
    const d = await officer.req<Detail>("GET", `/api/v1/requests/${r.id}`);
    expect(d.body.request.subjectPersons[0].personId).toBe(zhangId);
    const p = await officer.req<PersonBody>("GET", `/api/v1/persons/${zhangId}`);
    // "ZHANG  Xiaoming" is the same form (spacing and ASCII case); "Xiaoming Zhang" is new.
    expect(p.body.person.names.map((n) => n.original)).toEqual(["张小明", "Xiaoming Zhang"]);
    expect(p.body.person.nationalities).toEqual(["CN", "HK"]);
    expect(p.body.person.version).toBe(2);
    expect(p.body.person.links.map((l) => [l.recordId, l.role])).toEqual([
      [firstRequest, "suspect"],
      [r.id, "victim"],
    ]);
  });

  it("a name alone never merges two people: a subject without a date of birth gets a record of its own", async () => {
    const a = await draft(officer, formNaming([DOE]));
    const da = await officer.req<Detail>("GET", `/api/v1/requests/${a.id}`);
    const first = await officer.req<Detail>("GET", `/api/v1/requests/${firstRequest}`);
    expect(da.body.request.subjectPersons[0].personId).not.toBe(
      first.body.request.subjectPersons[1].personId,
    );
  });

  it("editing a draft relinks: a subject removed drops its link", async () => {
    const r = await draft(officer, formNaming([ZHANG, DOE]));
    const edited = await officer.req<Detail>("PUT", `/api/v1/requests/${r.id}`, {
      peerId: "US-DOJ",
      form: formNaming([ZHANG]),
      version: 1,
    });
    expect(edited.status).toBe(200);
    expect(edited.body.request.subjectPersons.map((l) => l.ordinal)).toEqual([0]);
  });

  it("lists and searches the unit's persons by any name form; another unit sees none of them", async () => {
    const all = await officer.req<Page>("GET", "/api/v1/persons?limit=2");
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.nextCursor).not.toBeNull();
    const next = await officer.req<Page>("GET", `/api/v1/persons?limit=50&cursor=${all.body.nextCursor}`);
    expect(next.body.items.map((i) => i.id)).not.toContain(all.body.items[0].id);
    for (const q of ["xiaoming", "张小明", "ZHANG"]) {
      const s = await officer.req<Page>("GET", `/api/v1/persons?q=${encodeURIComponent(q)}`);
      expect(
        s.body.items.map((i) => i.id),
        q,
      ).toEqual([zhangId]);
    }
    const none = await officer.req<Page>("GET", "/api/v1/persons?q=%25");
    expect(none.body.items).toEqual([]);
    const other = await otherUnitOfficer.req<Page>("GET", "/api/v1/persons");
    expect(other.body.items).toEqual([]);
    const hidden = await otherUnitOfficer.req<ApiError>("GET", `/api/v1/persons/${zhangId}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe("NOT_FOUND");
    const bad = await officer.req<ApiError>("GET", "/api/v1/persons?cursor=nope");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe("querystring.cursor");
  });

  it("rectification writes a new version, keeps the old one, audits, and refuses a stale version", async () => {
    const fields = {
      names: [{ original: "张晓明", romanised: "Zhang Xiaoming" }],
      aliases: [{ original: "Ming" }],
      dateOfBirth: "1988-04-21",
      sex: "male",
      nationalities: ["CN"],
      documents: [{ kind: "passport", number: "E00000001", issuingCountry: "CN", expiresOn: "2030-01-31" }],
    };
    const before = await officer.req<PersonBody>("GET", `/api/v1/persons/${zhangId}`);
    const r = await officer.req<PersonBody>("POST", `/api/v1/persons/${zhangId}/rectify`, {
      version: before.body.person.version,
      fields,
      reason: "The person's lawyer sent a certified copy of the passport.",
    });
    expect(r.status).toBe(200);
    expect(r.body.person).toMatchObject({ ...fields, version: before.body.person.version + 1 });
    const stale = await officer.req<ApiError>("POST", `/api/v1/persons/${zhangId}/rectify`, {
      version: before.body.person.version,
      fields,
      reason: "again",
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details[0].field).toBe("body.version");
    const invalid = await officer.req<ApiError>("POST", `/api/v1/persons/${zhangId}/rectify`, {
      version: r.body.person.version,
      fields: { ...fields, dateOfBirth: "1988-02-30", sex: "robot" },
      reason: "x",
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.map((d) => d.field).sort()).toEqual([
      "body.fields.dateOfBirth",
      "body.fields.sex",
    ]);
    const hist = await officer.req<{
      items: { version: number; fields: { names: unknown[] }; reason: string | null }[];
    }>("GET", `/api/v1/persons/${zhangId}/history`);
    expect(hist.body.items.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(hist.body.items[0].fields.names).toEqual(ZHANG.names);
    expect(hist.body.items[2].reason).toMatch(/certified copy/);
    const audit = await (await t.cn.as("admin")).req<{
      items: { action: string; targetId: string; details: { changed: string[] } }[];
    }>("GET", "/api/v1/audit?action=person.rectify");
    expect(audit.status).toBe(403);
    await t.cn.user("p.auditor", ["auditor"], t.cnUnit);
    const auditor = await t.cn.as("p.auditor");
    const entries = await auditor.req<{
      items: { action: string; targetId: string; details: { changed: string[] } }[];
    }>("GET", "/api/v1/audit?action=person.rectify");
    expect(entries.body.items[0]).toMatchObject({ targetId: zhangId });
    expect(entries.body.items[0].details.changed.sort()).toEqual(
      ["aliases", "dateOfBirth", "documents", "names", "nationalities", "sex"].sort(),
    );
  });

  it("restriction (supervisor): no new links and no sending while set; reads still work; cleared, all resumes", async () => {
    const rectified = {
      ...ZHANG,
      names: [{ original: "张晓明", romanised: "Zhang Xiaoming" }],
      dateOfBirth: "1988-04-21",
    };
    const pending = await draft(officer, formNaming([rectified]));
    const linked = await officer.req<Detail>("GET", `/api/v1/requests/${pending.id}`);
    expect(linked.body.request.subjectPersons[0].personId).toBe(zhangId);
    const refused = await officer.req<ApiError>("POST", `/api/v1/persons/${zhangId}/restriction`, {
      restricted: true,
      reason: "The person disputes the date of birth.",
    });
    expect(refused.status).toBe(403);
    const noReason = await supervisor.req<ApiError>("POST", `/api/v1/persons/${zhangId}/restriction`, {
      restricted: true,
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details[0].field).toBe("body.reason");
    const set = await supervisor.req<PersonBody>("POST", `/api/v1/persons/${zhangId}/restriction`, {
      restricted: true,
      reason: "The person disputes the date of birth.",
    });
    expect(set.status).toBe(200);
    expect(set.body.person.restriction).toMatchObject({ reason: "The person disputes the date of birth." });

    // A new record naming the person: refused, nothing saved.
    const before = await officer.req<Page>("GET", "/api/v1/requests?limit=200");
    const newDraft = await officer.req<ApiError>("POST", "/api/v1/requests", {
      peerId: "US-DOJ",
      form: formNaming([DOE, rectified]),
    });
    expect(newDraft.status).toBe(409);
    expect(newDraft.body.error.code).toBe("PERSON_RESTRICTED");
    expect(newDraft.body.error.details[0].field).toBe("body.form.subjects.1");
    const after = await officer.req<Page>("GET", "/api/v1/requests?limit=200");
    expect(after.body.items.length).toBe(before.body.items.length);

    // Sending a request that names them: refused.
    const send = await act(officer, pending.id, { event: "send" });
    expect(send.status).toBe(409);
    expect(send.body.error.code).toBe("PERSON_RESTRICTED");
    const zh = await officer.req<ApiError>(
      "POST",
      `/api/v1/requests/${pending.id}/actions`,
      { event: "send" },
      {
        "accept-language": "zh-CN",
      },
    );
    expect(zh.body.error).toMatchObject({ code: "PERSON_RESTRICTED" });

    // Reads still work.
    expect((await officer.req("GET", `/api/v1/persons/${zhangId}`)).status).toBe(200);
    expect((await officer.req("GET", `/api/v1/requests/${pending.id}`)).status).toBe(200);

    const cleared = await supervisor.req<PersonBody>("POST", `/api/v1/persons/${zhangId}/restriction`, {
      restricted: false,
    });
    expect(cleared.body.person.restriction).toBeNull();
    const sent = await act(officer, pending.id, { event: "send" });
    expect(sent.status).toBe(200);
  });

  it("a request received from a peer links its subjects on the receiving node too", async () => {
    const us = await (async () => {
      await t.us.user("us.officer", ["case_officer"]);
      return t.us.as("us.officer");
    })();
    const r = await draft(us, formNaming([DOE]), "CN-MPS");
    expect((await act(us, r.id, { event: "send" })).status).toBe(200);
    await t.hub.flush();
    await t.cn.user("cn.duty", ["duty_officer"]);
    const duty = await t.cn.as("cn.duty");
    const d = await duty.req<Detail>("GET", `/api/v1/requests/${r.id}`);
    expect(d.status).toBe(200);
    expect(d.body.request.subjectPersons).toHaveLength(1);
    const p = await duty.req<PersonBody>(
      "GET",
      `/api/v1/persons/${d.body.request.subjectPersons[0].personId}`,
    );
    expect(p.body.person.names).toEqual(DOE.names);
  });

  it("two drafts naming the same two persons in opposite orders, at once, both succeed (no deadlock)", async () => {
    const li = {
      ...ZHANG,
      names: [{ original: "李建国", romanised: "Li Jianguo" }],
      dateOfBirth: "1979-02-03",
    };
    const wu = {
      ...ZHANG,
      names: [{ original: "吴海燕", romanised: "Wu Haiyan" }],
      dateOfBirth: "1983-11-21",
    };
    const first = await draft(officer, formNaming([li, wu]));
    const d = await officer.req<Detail>("GET", `/api/v1/requests/${first.id}`);
    const [liId, wuId] = d.body.request.subjectPersons.map((l) => l.personId);
    // On PostgreSQL, with Li's row held elsewhere: the first draft waits for Li; the second (Wu, then Li)
    // takes Wu and waits for Li too. Let go, each then wanted what the other held (old code: 503 NODE_BUSY
    // for one of them, PostgreSQL's deadlock). Both now lock the two in id order before anything else.
    const made = await queuedBehind(
      t.cn.rt.services.db,
      sql`select 1 from persons where id = ${liId} for update`,
      [
        () =>
          officer.req<Detail>("POST", "/api/v1/requests", { peerId: "US-DOJ", form: formNaming([li, wu]) }),
        () =>
          officer.req<Detail>("POST", "/api/v1/requests", { peerId: "US-DOJ", form: formNaming([wu, li]) }),
      ],
    );
    expect(made.map((r) => r.status)).toEqual([201, 201]);
    expect(made.map((r) => r.body.request.subjectPersons.map((l) => l.personId))).toEqual([
      [liId, wuId],
      [wuId, liId],
    ]);
  });

  it("a draft edit and a rectification of the person it names, at once, both succeed (no deadlock)", async () => {
    const ma = {
      ...ZHANG,
      names: [{ original: "马德华", romanised: "Ma Dehua" }],
      dateOfBirth: "1975-07-30",
    };
    const r = await draft(officer, formNaming([ma]));
    const d = await officer.req<Detail>("GET", `/api/v1/requests/${r.id}`);
    const maId = d.body.request.subjectPersons[0].personId;
    const p = (await officer.req<PersonBody>("GET", `/api/v1/persons/${maId}`)).body.person;
    // On PostgreSQL, with the draft's row held elsewhere: the edit waits for the draft; the rectification takes
    // Ma and waits for the draft too (old code: the person first, then each request naming them). Let go, the
    // edit took the draft and wanted Ma (the persons it names) while the rectification held Ma and wanted the
    // draft: PostgreSQL's deadlock, 503 NODE_BUSY for one of them. The rectification now locks the records
    // naming the person before the person, as an edit does.
    const [edited, fixed] = await queuedBehind(
      t.cn.rt.services.db,
      sql`select 1 from requests where id = ${r.id} for update`,
      [
        () =>
          officer.req<Detail>("PUT", `/api/v1/requests/${r.id}`, {
            peerId: "US-DOJ",
            form: formNaming([ma]),
          }),
        () =>
          officer.req<PersonBody>("POST", `/api/v1/persons/${maId}/rectify`, {
            version: p.version,
            reason: "name misspelt",
            fields: { names: [{ original: "马德华", romanised: "Ma De-hua" }] },
          }),
      ],
      { mustWait: true },
    );
    expect([edited.status, fixed.status], JSON.stringify([edited.body, fixed.body])).toEqual([200, 200]);
    expect(fixed.body.person.version).toBe(p.version + 1);
    if (DB_KIND === "postgres") {
      // The edit went first (it queued first), then the rectification reached the edited draft's subject entry.
      const after = await officer.req<{
        request: { version: number; form: { subjects: PersonBody["person"][] } };
      }>("GET", `/api/v1/requests/${r.id}`);
      expect(after.body.request.version).toBe(3);
      expect(after.body.request.form.subjects[0].names).toEqual([
        { original: "马德华", romanised: "Ma De-hua" },
      ]);
    }
  });
});
