import { createHash } from "node:crypto";
import type { RoundDocument, RoundView } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { z } from "zod";
import { type Agent, describeDb } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";
import { washingtonRound } from "../support/rounds-fixtures.js";
import { waitFor } from "../support/wait.js";

type Doc = z.infer<typeof RoundDocument>;
interface Added {
  round: RoundView;
  outcome: "applied" | "pending";
  document: Doc;
}

/**
 * Round documents between two nodes paired over HTTP (signed envelopes, federation workers): a document added
 * on either side is stored with its SHA-256 and its bytes travel with the change that adds it, so both sides
 * download the same bytes. Bad input keeps nothing.
 */
describeDb("round documents travel with the change that adds them", () => {
  let pair: PairedNodes;
  let host: Agent;
  let guest: Agent;
  let roundId = "";

  beforeAll(async () => {
    pair = await pairedNodes();
    await pair.us.user("liaison.smith", ["liaison"]);
    await pair.cn.user("liaison.li", ["liaison"]);
    [host, guest] = await Promise.all([pair.us.as("liaison.smith"), pair.cn.as("liaison.li")]);
    // Pairing completes on the inviter once the acceptance's envelope arrives: until then no round.
    roundId = await waitFor(
      "the US side to hold CN-MPS as an active peer",
      async () => {
        const r = await host.req<{ round: RoundView }>("POST", "/api/v1/rounds", {
          guestNode: "CN-MPS",
          fields: washingtonRound(),
        });
        return r.status === 201 ? r.body.round.doc.id : null;
      },
      60_000,
    );
    await waitFor(
      "the round to reach the guest",
      async () => (await guest.req("GET", `/api/v1/rounds/${roundId}`)).status === 200,
      60_000,
    );
  }, 300_000);
  afterAll(async () => {
    await pair?.close();
  });

  const round = async (a: Agent) =>
    (await a.req<{ round: RoundView }>("GET", `/api/v1/rounds/${roundId}`)).body.round;
  const download = async (a: Agent, documentId: string) => {
    const res = await a.rt.app.inject({
      method: "GET",
      url: `/api/v1/rounds/${roundId}/documents/${documentId}`,
      headers: a.cookie ? { cookie: a.cookie } : {},
    });
    return { status: res.statusCode, bytes: res.rawPayload, sha256: res.headers["x-content-sha256"] };
  };
  const upload = (a: Agent, name: string, bytes: Buffer) =>
    a.req<Added>("POST", `/api/v1/rounds/${roundId}/documents`, {
      name,
      contentBase64: bytes.toString("base64"),
    });
  const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

  it("the host's document is applied at once and the guest downloads the same bytes", async () => {
    const bytes = Buffer.from("Agenda of the round (fictitious)\n议程（虚构）\n", "utf8");
    const r = await upload(host, "agenda.txt", bytes);
    expect(r.status).toBe(201);
    expect(r.body.outcome).toBe("applied");
    expect(r.body.document).toMatchObject({ name: "agenda.txt", sha256: sha(bytes), size: bytes.length });
    expect(r.body.round.doc.fields.documents.map((d) => d.id)).toContain(r.body.document.id);

    const got = await waitFor(
      "the document's bytes at the guest",
      async () => {
        const d = await download(guest, r.body.document.id);
        return d.status === 200 ? d : null;
      },
      60_000,
    );
    expect(got.bytes.equals(bytes)).toBe(true);
    expect(got.sha256).toBe(sha(bytes));
    expect((await round(guest)).doc.fields.documents).toEqual((await round(host)).doc.fields.documents);
  });

  it("the guest's document is proposed, applied by the host, and both hold it", async () => {
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a, 0x00, 0xff, 0x10]);
    const r = await upload(guest, "briefing.pdf", bytes);
    expect(r.status).toBe(201);
    expect(r.body.outcome).toBe("pending");
    const id = r.body.document.id;
    await waitFor(
      "the host to apply the guest's document and the guest to hold that version",
      async () => {
        const [h, g] = await Promise.all([round(host), round(guest)]);
        return (
          h.doc.fields.documents.some((d) => d.id === id) &&
          g.doc.version === h.doc.version &&
          g.pending.length === 0
        );
      },
      60_000,
    );
    const atHost = await download(host, id);
    expect(atHost.status).toBe(200);
    expect(atHost.bytes.equals(bytes)).toBe(true);
    expect((await round(host)).doc.history.at(-1)).toMatchObject({ op: "document.add" });
  });

  it("refuses bad input with its field and keeps nothing", async () => {
    const before = await round(host);
    const bad = await host.req<{ error: { code: string; details: { field: string }[] } }>(
      "POST",
      `/api/v1/rounds/${roundId}/documents`,
      { name: "x.txt", contentBase64: "not base64!" },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe("body.contentBase64");
    const noName = await upload(host, "", Buffer.from("x"));
    expect(noName.status).toBe(400);
    // A document reference without its bytes cannot be added through the generic change.
    const forged = await host.req<{ error: { details: { field: string }[] } }>(
      "POST",
      `/api/v1/rounds/${roundId}/changes`,
      {
        base: before.doc.version,
        op: { op: "document.add", document: { id: "d1", sha256: "0".repeat(64), size: 1, name: "x" } },
      },
    );
    expect(forged.status).toBe(400);
    expect(forged.body.error.details[0].field).toBe("body.op.op");
    expect((await round(host)).doc.version).toBe(before.doc.version);
    expect((await download(host, "0190a0c0-0000-7000-8000-000000000009")).status).toBe(404);
    const unknownRound = await host.req(
      "POST",
      "/api/v1/rounds/rnd_0190a0c0-0000-7000-8000-000000000000/documents",
      {
        name: "x.txt",
        contentBase64: Buffer.from("x").toString("base64"),
      },
    );
    expect(unknownRound.status).toBe(404);
  });
});
