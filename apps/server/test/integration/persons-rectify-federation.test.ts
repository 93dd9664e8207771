import type {
  FugitiveDetail,
  FugitiveListView,
  ReceivedEntryView,
  RepatriationCaseView,
} from "@crossline/schemas";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog } from "../../src/db/schema/index.js";
import { findRequest } from "../../src/modules/requests/requests.repo.js";
import { ZHANG } from "../support/fugitives-fixtures.js";
import { type Agent, describeDb, type TestNode } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";
import { formNaming, type PersonBody } from "../support/persons-fixtures.js";
import { act, draft } from "../support/requests-fixtures.js";

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
 * Issue 11 point 5: a rectification of a person travels to the peers holding a copy of a record naming them.
 * Two real nodes (signed, encrypted envelopes over HTTP, delivery workers, receipts): CN holds a fugitive
 * record published to US in a list, a repatriation case shared with US and a request sent to US, all naming
 * the same person; CN rectifies the person once: the shared copies at US take the correction as their owner's
 * next version (shared objects), the request's copy through its thread (`request.subject_rectified`),
 * audited on both sides.
 */
describeDb("a person's rectification reaches the peers holding records naming them", () => {
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
      await node.user(`rectify.${id.toLowerCase()}`, ["fugitive_asset"]);
      n[id] = {
        node,
        admin: node.bearer(node.rt.controlToken),
        officer: await node.as(`rectify.${id.toLowerCase()}`),
      };
    }
    // Who sends a request at CN (four eyes), in the same unit as the fugitives officer.
    await n[CN].node.user("rectify.drafter", ["case_officer"]);
    await n[CN].node.user("rectify.approver", ["supervisor"]);
  }, 360_000);
  afterAll(() => pair?.close());

  it("corrects the person once: the fugitive entry and the repatriation case at the peer take it", async () => {
    const cn = n[CN].officer;
    const us = n[US].officer;
    const fugitive = (await call<{ fugitive: FugitiveDetail }>(cn, "POST", "/api/v1/fugitives", ZHANG, 201))
      .fugitive;
    const personId = fugitive.personId;
    let list = (
      await call<{ list: FugitiveListView }>(
        cn,
        "POST",
        "/api/v1/fugitive-lists",
        { name: { lang: "en", text: "Rectification test list" }, publishedOn: "2015-04-22" },
        201,
      )
    ).list;
    await call(cn, "POST", `/api/v1/fugitive-lists/${list.id}/entries`, {
      fugitiveId: fugitive.id,
      number: 1,
    });
    list = (
      await call<{ list: FugitiveListView }>(cn, "POST", `/api/v1/fugitive-lists/${list.id}/publish`, {
        recipients: [US],
        marking: { tlp: "AMBER" },
      })
    ).list;
    const entryId = list.entries[0]?.entryId as string;
    // The same person (main name and date of birth) in a repatriation case shared with US.
    const repatriation = (
      await call<{ case: RepatriationCaseView }>(
        cn,
        "POST",
        "/api/v1/repatriation/cases",
        {
          person: {
            names: [{ original: "张伟明", romanised: "Zhang Weiming" }],
            sex: "male",
            dateOfBirth: "1968-03",
            nationality: "CN",
          },
          legalBasis: { instrument: "uncac", article: "Art. 44" },
          requestedAt: new Date().toISOString(),
          peer: US,
          marking: { tlp: "AMBER" },
        },
        201,
      )
    ).case;
    expect(repatriation.personId).toBe(personId);
    // And a request sent to US naming the same person (main name and date of birth): the one record.
    const drafter = await n[CN].node.as("rectify.drafter");
    const approver = await n[CN].node.as("rectify.approver");
    const request = await draft(
      drafter,
      formNaming([
        {
          kind: "person",
          role: "suspect",
          names: [{ original: "张伟明", romanised: "Zhang Weiming" }],
          dateOfBirth: "1968-03",
          nationality: "CN",
        },
      ]),
      US,
    );
    await act(drafter, request.id, { event: "submit_for_approval" });
    expect((await act(approver, request.id, { event: "approve" })).body.request.status).toBe("sent");
    const usDb = n[US].node.rt.services.db;
    const usSubject = async () => (await findRequest(usDb, request.id))?.content.subjects?.[0];
    await waitFor("US holds the request", usSubject);
    const receivedEntry = async () =>
      (await call<{ items: ReceivedEntryView[] }>(us, "GET", "/api/v1/fugitive-lists/received")).items.find(
        (e) => e.entryId === entryId,
      );
    const receivedCase = async () =>
      (await call<{ items: RepatriationCaseView[] }>(us, "GET", "/api/v1/repatriation/cases")).items.find(
        (c) => c.reference === repatriation.reference,
      );
    await waitFor("US holds the entry and the case", async () => (await receivedEntry()) && receivedCase());

    // The rectification: the romanised name and the full date of birth.
    const person = await call<PersonBody>(cn, "GET", `/api/v1/persons/${personId}`);
    const rectified = await call<PersonBody>(cn, "POST", `/api/v1/persons/${personId}/rectify`, {
      version: person.person.version,
      fields: {
        names: [{ original: "张伟明", romanised: "Zhang Weiming" }],
        aliases: person.person.aliases,
        dateOfBirth: "1968-03-14",
        sex: "male",
        nationalities: ["CN"],
        documents: person.person.documents,
      },
      reason: "The person asked: date of birth from the passport",
    });
    expect(rectified.person.dateOfBirth).toBe("1968-03-14");

    const entry = await waitFor("US has the entry's next version", async () => {
      const e = await receivedEntry();
      return e?.version === 2 && e;
    });
    expect(entry.fields).toMatchObject({
      names: [{ original: "张伟明", romanised: "Zhang Weiming" }],
      dateOfBirth: "1968-03-14",
    });
    const copy = await waitFor("US has the case's next version", async () => {
      const c = await receivedCase();
      return c?.version === 2 && c;
    });
    expect(copy.person).toMatchObject({
      names: [{ original: "张伟明", romanised: "Zhang Weiming" }],
      dateOfBirth: "1968-03-14",
      nationality: "CN",
    });
    const subject = await waitFor("US's copy of the request has the corrected subject", async () => {
      const s = await usSubject();
      return s?.dateOfBirth === "1968-03-14" && s;
    });
    expect(subject).toMatchObject({ kind: "person", role: "suspect", names: [{ original: "张伟明" }] });
    // CN's own records took it too, each as a version of its own.
    const own = await call<{ fugitive: FugitiveDetail }>(cn, "GET", `/api/v1/fugitives/${fugitive.id}`);
    expect(own.fugitive).toMatchObject({ version: 2, fields: { dateOfBirth: "1968-03-14" } });

    // Audited on both sides: the rectification and what it changed here, the copies applied there.
    const cnDb = n[CN].node.rt.services.db;
    const [rect] = await cnDb
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, personId), eq(auditLog.action, "person.rectify")));
    expect(rect?.details).toMatchObject({ records: { fugitive: 1, repatriation: 1, request: 1 } });
    const [sentCorrection] = await cnDb
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, request.id), eq(auditLog.action, "request.subject_rectified")));
    expect(sentCorrection?.details).toMatchObject({ ordinal: 0, to: US, before: { dateOfBirth: "1968-03" } });
    const [applied] = await usDb
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, request.id), eq(auditLog.action, "request.remote.subject_rectified")));
    expect(applied?.details).toMatchObject({ from: CN, ordinal: 0 });
    const cnSide = await cnDb
      .select()
      .from(auditLog)
      .where(
        inArray(auditLog.targetId, [
          fugitive.id,
          repatriation.id,
          entryId,
          repatriation.sharedObjectId ?? "",
        ]),
      );
    expect(cnSide.map((e) => e.action)).toEqual(
      expect.arrayContaining(["fugitive.update", "repatriation.rectify", "shared_object.update"]),
    );
    expect(cnSide.filter((e) => e.action === "shared_object.update")).toHaveLength(2);
    const usSide = await usDb
      .select()
      .from(auditLog)
      .where(
        and(
          inArray(auditLog.targetId, [entryId, repatriation.sharedObjectId ?? ""]),
          eq(auditLog.action, "shared_object.received_version"),
        ),
      );
    expect(usSide.map((e) => e.targetId).sort()).toEqual([entryId, repatriation.sharedObjectId].sort());
  }, 180_000);
});
