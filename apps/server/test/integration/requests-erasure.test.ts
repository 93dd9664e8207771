import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog, blobChunks, blobs, requestMessages, requests } from "../../src/db/schema/index.js";
import { call, changeRetention } from "../support/lawful.js";
import { type Agent, describeDb, type TestNode } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";
import { act, type Detail, noFourEyes, routineSubscriberForm } from "../support/requests-fixtures.js";
import { waitFor } from "../support/wait.js";

const CN = "CN-MPS";
const US = "US-DOJ";
type Ref = { id: string; name: string; sha256: string; size: number };

async function upload(a: Agent, name: string, text: string): Promise<Ref> {
  const r = await call<{ attachment: Ref }>(
    a,
    "POST",
    "/api/v1/requests/attachments",
    { name, contentBase64: Buffer.from(text).toString("base64") },
    201,
  );
  return r.attachment;
}

/** The bytes a node holds of a blob: its row and its chunks, read from the tables. */
async function held(node: TestNode, origin: string, id: string) {
  const db = node.rt.services.db;
  const rows = await db
    .select({ id: blobs.id, completedAt: blobs.completedAt })
    .from(blobs)
    .where(and(eq(blobs.origin, origin), eq(blobs.id, id)));
  const chunks = await db
    .select({ idx: blobChunks.idx })
    .from(blobChunks)
    .where(and(eq(blobChunks.origin, origin), eq(blobChunks.blobId, id)));
  return { rows: rows.filter((r) => r.completedAt).length, chunks: chunks.length };
}
const gone = { rows: 0, chunks: 0 };
const kept = { rows: 1, chunks: 1 };

/**
 * Two real nodes (signed envelopes over HTTP, chunked attachments): anonymising a request at the end of its
 * retention erases the bytes of its attachments, whichever side uploaded them (its form's, sent from here; the
 * peer's answer and thread message, received), in the erasure's transaction, named in its audit entry; a file
 * another request still names stays, and the peer's copies are the peer's.
 */
describeDb("anonymising a request erases its attachments' bytes", () => {
  let pair: PairedNodes;
  let cnNode: TestNode;
  let usNode: TestNode;
  let officer: Agent;
  let duty: Agent;
  let request: Detail["request"];
  const file = {} as Record<"form" | "shared" | "answer" | "message", Ref>;
  let otherRequestId: string;

  beforeAll(async () => {
    pair = await pairedNodes({ settings: { fedPollMs: 25, fedBackoffBaseMs: 50, fedBackoffMaxMs: 400 } });
    cnNode = pair.cn;
    usNode = pair.us;
    await noFourEyes(await cnNode.as("admin"));
    await cnNode.user("rq.officer", ["case_officer"]);
    await usNode.user("rq.duty", ["duty_officer"]);
    officer = await cnNode.as("rq.officer");
    duty = await usNode.as("rq.duty");

    // CN: a request with two files in its form, one of them also attached to another draft.
    file.form = await upload(
      officer,
      "bank-statement.txt",
      "Account 6222 0000 1111 of Li Qiang (fictitious)",
    );
    file.shared = await upload(officer, "invoice.txt", "Invoice 42 to invoice-example.com (fictitious)");
    request = (
      await call<Detail>(
        officer,
        "POST",
        "/api/v1/requests",
        { peerId: US, form: { ...routineSubscriberForm(), attachments: [file.form, file.shared] } },
        201,
      )
    ).request;
    otherRequestId = (
      await call<Detail>(
        officer,
        "POST",
        "/api/v1/requests",
        { peerId: US, form: { ...routineSubscriberForm(), attachments: [file.shared] } },
        201,
      )
    ).request.id;
    expect((await act(officer, request.id, { event: "send" })).status).toBe(200);
    await waitFor("US holds the request and its files", async () => {
      const r = await duty.req<Detail>("GET", `/api/v1/requests/${request.id}`);
      return (
        r.status === 200 &&
        (await held(usNode, CN, file.form.id)).rows === 1 &&
        (await held(usNode, CN, file.shared.id)).rows === 1
      );
    });

    // US: answers with a file, and writes on the thread with another.
    expect((await act(duty, request.id, { event: "acknowledge" })).status).toBe(200);
    file.answer = await upload(duty, "subscriber-record.txt", "Registrant: Li Qiang, 12 Example Road");
    file.message = await upload(duty, "payment-log.txt", "Card ending 1111, paid 2026-10-01");
    await call(
      duty,
      "POST",
      `/api/v1/requests/${request.id}/messages`,
      { body: { lang: "en", text: "The payment log, as promised." }, attachments: [file.message] },
      201,
    );
    const answered = await act(duty, request.id, {
      event: "answer",
      answer: {
        outcome: "fulfilled",
        summary: { lang: "en", text: "The registrant's record is attached." },
        attachments: [file.answer],
      },
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    await waitFor("CN holds the answer and the peer's files", async () => {
      const r = await officer.req<Detail>("GET", `/api/v1/requests/${request.id}`);
      return (
        r.body.request.status === "answered" &&
        (await held(cnNode, US, file.answer.id)).rows === 1 &&
        (await held(cnNode, US, file.message.id)).rows === 1
      );
    });
    for (const f of [file.form, file.answer, file.message]) {
      expect((await officer.req("GET", `/api/v1/requests/${request.id}/attachments/${f.id}`)).status).toBe(
        200,
      );
    }
    expect((await act(officer, request.id, { event: "close" })).status).toBe(200);
    // Its retention (0 years here) has ended once closed; what CN sent since has left its outbox.
    const admin = await cnNode.as("admin");
    await changeRetention(admin, (p) => ({
      ...p,
      kinds: { ...p.kinds, request: { retentionYears: 0, reviewMonths: 12, action: "anonymise" } },
    }));
    await cnNode.rt.services.lawful.runDailyJob({ force: true });
    await waitFor("US has the close", async () => {
      const r = await duty.req<Detail>("GET", `/api/v1/requests/${request.id}`);
      return r.body.request.status === "closed";
    });
  }, 360_000);
  afterAll(() => pair?.close());

  it("erases the bytes of the form's, the answer's and the thread's files, audited; the request stays, anonymised", async () => {
    await cnNode.user("rq.legal", ["legal_reviewer"]);
    const reviewer = await cnNode.as("rq.legal");
    const r = await reviewer.req("POST", `/api/v1/lawful/records/request/${request.id}/erase`, {
      note: "Retention ended",
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);

    // The bytes are gone, rows and chunks: the file uploaded here (origin CN) and those received from US.
    expect(await held(cnNode, CN, file.form.id)).toEqual(gone);
    expect(await held(cnNode, US, file.answer.id)).toEqual(gone);
    expect(await held(cnNode, US, file.message.id)).toEqual(gone);
    // The file another request still names stays, and is still served from it.
    expect(await held(cnNode, CN, file.shared.id)).toEqual(kept);
    expect(
      (await officer.req("GET", `/api/v1/requests/${otherRequestId}/attachments/${file.shared.id}`)).status,
    ).toBe(200);
    for (const f of [file.form, file.answer, file.message, file.shared]) {
      expect((await officer.req("GET", `/api/v1/requests/${request.id}/attachments/${f.id}`)).status).toBe(
        404,
      );
    }

    // The request is still there, anonymised: statistics kept, texts and file names gone.
    const db = cnNode.rt.services.db;
    const [row] = await db.select().from(requests).where(eq(requests.id, request.id));
    expect(row).toMatchObject({ title: request.reference, status: "closed", outcome: "fulfilled" });
    expect(JSON.stringify([row?.content, row?.answer])).not.toMatch(
      /bank-statement|subscriber-record|Li Qiang/,
    );
    const messages = await db.select().from(requestMessages).where(eq(requestMessages.requestId, request.id));
    expect(messages.map((m) => m.attachments)).toEqual([[]]);

    // The audit entry of the erasure names the files.
    const [audit] = (await db.select().from(auditLog).where(eq(auditLog.targetId, request.id))).filter(
      (a) => a.action === "lawful.anonymise",
    );
    expect(audit?.details).toMatchObject({
      note: "Retention ended",
      files: {
        attachments: [file.form.id, file.answer.id, file.message.id].sort(),
        kept: [],
        namedByAnotherRequest: [file.shared.id],
      },
    });

    // US's copies are its own: its request and files stay until its own retention ends.
    for (const [origin, f] of [
      [CN, file.form],
      [CN, file.shared],
      [US, file.answer],
      [US, file.message],
    ] as const) {
      expect(await held(usNode, origin, f.id)).toEqual(kept);
    }
  });
});
