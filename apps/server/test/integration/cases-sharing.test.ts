import { type CaseDetail, type CaseStatusReport, type PriorityItem, zonedToday } from "@crossline/schemas";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { queuedBehind } from "../support/lock-queue.js";
import type { Agent } from "../support/node.js";
import { describeDb } from "../support/node.js";
import { seen, type ThreeNodes, threeNodes } from "../support/shared-objects-fixtures.js";

const CN = "CN-MPS";
const US = "US-DOJ";
const NX = "NX-NPA";

type One = { case: CaseDetail };
type Err = { error: { code: string; details: { field?: string; issue: string }[] } };

/** Calls the API and fails loudly (with the body) unless the status is the one expected. */
async function call<T = One>(a: Agent, method: string, url: string, body?: unknown, want = 200): Promise<T> {
  const r = await a.req<T>(method, url, body);
  if (r.status !== want) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const priorityCase = (title: string) => ({
  title: { lang: "en", text: title },
  category: "ransomware",
  priority: true,
  summary: { lang: "en", text: "Ransomware against hospitals; payments to a wallet cluster." },
  asks: { lang: "zh-CN", text: "请协助查明服务器租用人。" },
});

describeDb("sharing case summaries between three nodes (in-process hub)", () => {
  let t: ThreeNodes;
  let supervisor: Agent;
  let supervisor2: Agent;
  let admin: Agent;
  const priority = async (a: Agent, peer?: string) =>
    (await call<{ items: PriorityItem[] }>(a, "GET", `/api/v1/cases/priority${peer ? `?peer=${peer}` : ""}`))
      .items;
  /** Deliveries of one object's messages, as `type from>to vN` (from the hub's record). */
  const deliveries = (id: string) =>
    t.hub.delivered
      .filter((d) => (d.payload as { id?: string }).id === id)
      .map(
        (d) =>
          `${d.type.replace("shared.object.", "")} ${d.from}>${d.to} v${(d.payload as { version: number }).version}`,
      );

  beforeAll(async () => {
    t = await threeNodes();
    await t.nodes[CN].user("sup.cn", ["supervisor"]);
    await t.nodes[CN].user("sup2.cn", ["supervisor"]);
    supervisor = await t.nodes[CN].as("sup.cn");
    supervisor2 = await t.nodes[CN].as("sup2.cn");
    await t.nodes[CN].user("adm.cn", ["admin"]);
    admin = await t.nodes[CN].as("adm.cn");
  }, 360_000);
  afterAll(() => t?.close());

  let caseId: string;
  let objectId: string;

  it("a share waits for a supervisor; the officer cannot approve, nor can a supervisor their own", async () => {
    const c = (await call(t.officers[CN], "POST", "/api/v1/cases", priorityCase("Hospital ransomware"), 201))
      .case;
    caseId = c.id;
    const asked = await call(t.officers[CN], "POST", `/api/v1/cases/${c.id}/shares`, {
      recipients: [US, NX],
      marking: { tlp: "AMBER", handling: ["no_judicial_use_without_consent"] },
    });
    const share = asked.case.shares[0];
    expect(share).toMatchObject({ state: "pending", recipients: [US, NX] });
    expect(asked.case.sharedObjectId).toBeNull();
    await t.hub.flush();
    expect(await priority(t.officers[US])).toEqual([]);
    // The officer holds no approval permission; a supervisor who asked may not approve their own.
    const self = await t.officers[CN].req("POST", `/api/v1/cases/${c.id}/shares/${share?.id}/decision`, {
      approve: true,
    });
    expect(self.status).toBe(403);
    const own = await call(supervisor, "POST", `/api/v1/cases/${c.id}/shares`, {
      recipients: [NX],
      marking: { tlp: "GREEN" },
    });
    const ownShare = own.case.shares[1];
    const fourEyes = await supervisor.req<Err>(
      "POST",
      `/api/v1/cases/${c.id}/shares/${ownShare?.id}/decision`,
      {
        approve: true,
      },
    );
    expect(fourEyes.status).toBe(403);
    expect(fourEyes.body.error.details[0]?.issue).toMatch(/four eyes/);
    const refused = await call(supervisor2, "POST", `/api/v1/cases/${c.id}/shares/${ownShare?.id}/decision`, {
      approve: false,
      reason: "GREEN is too wide for this case",
    });
    expect(refused.case.shares[1]).toMatchObject({ state: "rejected", decidedBy: "sup2.cn" });
  });

  it("approved, the summary reaches both peers read-only under the owner's id, marking and version", async () => {
    const pending = (await call(supervisor, "GET", `/api/v1/cases/${caseId}`)).case.shares[0];
    const approved = await call(
      supervisor,
      "POST",
      `/api/v1/cases/${caseId}/shares/${pending?.id}/decision`,
      {
        approve: true,
      },
    );
    expect(approved.case.shares[0]).toMatchObject({ state: "approved", decidedBy: "sup.cn" });
    objectId = approved.case.sharedObjectId as string;
    expect(objectId).toMatch(/^so_/);
    const again = await supervisor.req("POST", `/api/v1/cases/${caseId}/shares/${pending?.id}/decision`, {
      approve: true,
    });
    expect(again.status).toBe(409);
    await t.hub.flush();
    for (const peer of [US, NX] as const) {
      const copy = await seen(t.officers[peer], objectId);
      expect(copy).toMatchObject({
        type: "case.summary",
        ownerNode: CN,
        direction: "received",
        version: 1,
        marking: { tlp: "AMBER", handling: ["no_judicial_use_without_consent"] },
        content: { reference: expect.stringMatching(/^CN-MPS-C-/), status: "open", category: "ransomware" },
      });
      const patch = await t.officers[peer].req("PATCH", `/api/v1/shared-objects/${objectId}`, {
        version: 1,
        content: { ...copy?.content, status: "closed" },
      });
      expect(patch.status).toBe(409);
      const list = await priority(t.officers[peer]);
      expect(list).toEqual([
        expect.objectContaining({
          direction: "received",
          peerId: CN,
          status: "open",
          asks: { lang: "zh-CN", text: "请协助查明服务器租用人。" },
          caseId: null,
        }),
      ]);
    }
    const mine = await priority(t.officers[CN]);
    expect(mine.map((i) => [i.direction, i.peerId, i.caseId]).sort()).toEqual([
      ["own", NX, caseId],
      ["own", US, caseId],
    ]);
  });

  it("an update of the case reaches every holder exactly once and in order; the withdrawal too", async () => {
    let c = (await call(t.officers[CN], "GET", `/api/v1/cases/${caseId}`)).case;
    c = (
      await call(t.officers[CN], "PATCH", `/api/v1/cases/${caseId}`, {
        version: c.version,
        status: "suspended",
      })
    ).case;
    // A note changes the file but not the summary: no new version leaves.
    c = (
      await call(t.officers[CN], "POST", `/api/v1/cases/${caseId}/notes`, { text: { lang: "en", text: "x" } })
    ).case;
    c = (
      await call(t.officers[CN], "PATCH", `/api/v1/cases/${caseId}`, {
        version: c.version,
        status: "open",
        asks: { lang: "en", text: "Please preserve the server logs." },
      })
    ).case;
    await t.hub.flush();
    await t.hub.flush();
    for (const peer of [US, NX] as const) {
      expect(await seen(t.officers[peer], objectId)).toMatchObject({
        version: 3,
        content: { status: "open", asks: { text: "Please preserve the server logs." } },
      });
    }
    await call(t.officers[CN], "POST", `/api/v1/cases/${caseId}/summary/withdraw`, {});
    await t.hub.flush();
    for (const peer of [US, NX] as const) {
      expect(await seen(t.officers[peer], objectId)).toMatchObject({ state: "withdrawn", content: null });
      expect(await priority(t.officers[peer])).toEqual([]);
    }
    const log = deliveries(objectId);
    for (const peer of [US, NX]) {
      expect(log.filter((l) => l.includes(`>${peer} `))).toEqual([
        `put ${CN}>${peer} v1`,
        `put ${CN}>${peer} v2`,
        `put ${CN}>${peer} v3`,
        `withdraw ${CN}>${peer} v4`,
      ]);
    }
    expect(await priority(t.officers[CN])).toEqual([]);
  });

  it("TLP:RED goes only to the named peer: another is refused at the request, naming it", async () => {
    const c = (await call(t.officers[CN], "POST", "/api/v1/cases", priorityCase("Wallet cluster"), 201)).case;
    const r = await t.officers[CN].req<Err>("POST", `/api/v1/cases/${c.id}/shares`, {
      recipients: [US, NX],
      marking: { tlp: "RED", releasableTo: [US] },
    });
    expect(r.status).toBe(409);
    expect(r.body.error.details.map((d) => d.field)).toEqual(["body.recipients.1"]);
    expect((await call(t.officers[CN], "GET", `/api/v1/cases/${c.id}`)).case.shares).toEqual([]);
  });

  it("without the approval policy a share leaves at once; each side's list and the status report", async () => {
    // The policy is an administrator's; officers may not change it.
    expect((await t.officers[CN].req("PUT", "/api/v1/cases/policy", { shareApproval: false })).status).toBe(
      403,
    );
    await call(admin, "PUT", "/api/v1/cases/policy", { shareApproval: false });
    const c = (await call(t.officers[CN], "POST", "/api/v1/cases", priorityCase("Phishing kit vendor"), 201))
      .case;
    const shared = await call(t.officers[CN], "POST", `/api/v1/cases/${c.id}/shares`, {
      recipients: [US],
      marking: { tlp: "AMBER+STRICT" },
    });
    expect(shared.case.shares[0]?.state).toBe("approved");
    // US shares one of its own back (its default policy asks for approval: a US supervisor approves).
    await t.nodes[US].user("sup.us", ["supervisor"]);
    const usSup = await t.nodes[US].as("sup.us");
    const usCase = (
      await call(
        t.officers[US],
        "POST",
        "/api/v1/cases",
        {
          title: { lang: "en", text: "Online firearms marketplace" },
          category: "online_firearms",
          priority: true,
        },
        201,
      )
    ).case;
    const ask = await call(t.officers[US], "POST", `/api/v1/cases/${usCase.id}/shares`, {
      recipients: [CN],
      marking: { tlp: "GREEN" },
    });
    await call(usSup, "POST", `/api/v1/cases/${usCase.id}/shares/${ask.case.shares[0]?.id}/decision`, {
      approve: true,
    });
    await t.hub.flush();
    const cnList = await priority(t.officers[CN], US);
    expect(cnList.map((i) => [i.direction, i.reference]).sort()).toEqual([
      ["own", c.reference],
      ["received", usCase.reference],
    ]);
    // AMBER+STRICT: US may not pass it on to NX.
    const onward = await t.officers[US].req(
      "POST",
      `/api/v1/shared-objects/${shared.case.sharedObjectId}/share`,
      {
        recipients: [NX],
      },
    );
    expect(onward.status).toBe(409);

    const day = new Date(Date.parse(c.createdAt)).toISOString().slice(0, 10);
    const q = `peer=${US}&from=${day}&to=${day}`;
    const report = (
      await call<{ report: CaseStatusReport }>(t.officers[CN], "GET", `/api/v1/cases/status-report?${q}`)
    ).report;
    expect(report.totals).toMatchObject({ own: 1, received: 1, open: 2 });
    expect(report.timeZone).toBe("Asia/Shanghai");

    // The period's days are days on the node's calendar, as the dialogue round's progress report counts them.
    // US's clock runs 6 hours behind: its summary was updated in the evening of a UTC day, which in Beijing
    // (US's zone here) is already the next day.
    const usReport = async (d: string) =>
      (
        await call<{ report: CaseStatusReport }>(
          t.officers[US],
          "GET",
          `/api/v1/cases/status-report?peer=${CN}&from=${d}&to=${d}`,
        )
      ).report;
    const usOwn = (r: CaseStatusReport) => r.items.find((i) => i.caseId === usCase.id);
    const updated = (await usReport(day)).items.find((i) => i.caseId === usCase.id)?.lastUpdate as string;
    const utcDay = updated.slice(0, 10);
    const beijingDay = zonedToday("Asia/Shanghai", new Date(updated));
    expect(beijingDay).not.toBe(utcDay);
    expect(usOwn(await usReport(beijingDay))?.updatedInPeriod).toBe(true);
    const onUtcDay = await usReport(utcDay);
    expect(usOwn(onUtcDay)?.updatedInPeriod).toBe(false);
    expect(onUtcDay.totals.updatedInPeriod).toBe(onUtcDay.items.filter((i) => i.updatedInPeriod).length);

    const raw = (url: string) =>
      t.nodes[CN].rt.app.inject({ method: "GET", url, headers: { cookie: t.officers[CN].cookie as string } });
    const csv = await raw(`/api/v1/cases/status-report.csv?${q}&lang=zh-CN`);
    expect(csv.statusCode).toBe(200);
    const [header, ...lines] = csv.body
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(header).toBe("方,案件编号,案件名称,案件类别,状态,结果,请对方协助事项,最近更新,本期有更新");
    expect(lines).toHaveLength(2);
    expect(csv.body).toContain("勒索软件");
    expect(csv.body).toContain("网上枪支贩卖");
    expect(csv.body).toContain(c.reference);
    // each case's last update on the reader's clock with its offset, never the API's raw UTC
    expect(csv.body).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    for (const line of lines) expect(line).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} \(UTC[+-]\d{2}:\d{2}\)/);
    for (const lang of ["en", "zh-CN"]) {
      const pdf = await raw(`/api/v1/cases/status-report.pdf?${q}&lang=${lang}`);
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers["content-type"]).toBe("application/pdf");
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
    }
    const bad = await t.officers[CN].req<Err>(
      "GET",
      `/api/v1/cases/status-report?peer=${US}&from=${day}&to=2000-01-01`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.field)).toEqual(["querystring.to"]);
  });

  /** A priority case shared with US at once (the approval policy is off since the test above). */
  async function sharedCase(title: string) {
    const c = (await call(t.officers[CN], "POST", "/api/v1/cases", priorityCase(title), 201)).case;
    const shared = await call(t.officers[CN], "POST", `/api/v1/cases/${c.id}/shares`, {
      recipients: [US],
      marking: { tlp: "GREEN" },
    });
    expect(shared.case.sharedObjectId).toMatch(/^so_/);
    return shared.case;
  }
  /** Holds the summary object's row (as the shared-objects API's withdrawal takes it) while `calls` queue. */
  const holdingObject = <T>(id: string, calls: (() => Promise<T>)[]) =>
    queuedBehind(
      t.nodes[CN].rt.services.db,
      sql`select 1 from shared_objects where id = ${id} for update`,
      calls,
    );
  const withdrawObject = (id: string) =>
    t.officers[CN].req<One & Err>("POST", `/api/v1/shared-objects/${id}/withdraw`, {});

  it("a case changed while its summary is withdrawn through the shared-objects API: the change is saved", async () => {
    const c = await sharedCase("Loan app extortion");
    const so = c.sharedObjectId as string;
    // On PostgreSQL the withdrawal takes the object first; the change, having read the summary active before
    // the object's lock (old code), then had its next version refused: 409 "the object is withdrawn".
    const [withdrawn, changed] = await holdingObject(so, [
      () => withdrawObject(so),
      () =>
        t.officers[CN].req<One & Err>("PATCH", `/api/v1/cases/${c.id}`, {
          version: c.version,
          asks: { lang: "en", text: "Please identify the app's developer account." },
        }),
    ]);
    expect(withdrawn?.status).toBe(200);
    expect(changed?.status, JSON.stringify(changed?.body)).toBe(200);
    expect(changed?.body.case.asks?.text).toBe("Please identify the app's developer account.");
    await t.hub.flush();
    expect(await seen(t.officers[US], so)).toMatchObject({ state: "withdrawn", content: null });
  });

  it("a share while the summary is withdrawn through the shared-objects API: a new summary goes out", async () => {
    const c = await sharedCase("Crypto investment fraud");
    const so = c.sharedObjectId as string;
    // On PostgreSQL the withdrawal takes the object first; the share, having read it active and held by US
    // before the object's lock (old code), added NX to the withdrawn object: 409 "the object is withdrawn".
    const [withdrawn, shared] = await holdingObject(so, [
      () => withdrawObject(so),
      () =>
        t.officers[CN].req<One & Err>("POST", `/api/v1/cases/${c.id}/shares`, {
          recipients: [NX],
          marking: { tlp: "GREEN" },
        }),
    ]);
    expect(withdrawn?.status).toBe(200);
    expect(shared?.status, JSON.stringify(shared?.body)).toBe(200);
    const next = shared?.body.case.sharedObjectId as string;
    expect(next).toMatch(/^so_/);
    expect(next).not.toBe(so);
    await t.hub.flush();
    expect(await seen(t.officers[NX], next)).toMatchObject({ state: "active", version: 1 });
  });
});
