import net from "node:net";
import { linkProblemOf, REJECT_REASONS } from "@crossline/schemas";
import { afterAll, describe, expect, it } from "vitest";
import { ENVELOPE_REJECT_CODES } from "../../src/crypto/envelope.js";
import { errText, fetchFailure } from "../../src/modules/federation/federation.context.js";

/** What the delivery worker records when a POST to the peer fails: the same two functions, on a real fetch. */
async function failureText(url: string, init: RequestInit = {}): Promise<string> {
  try {
    await fetch(url, init);
  } catch (e) {
    return errText(fetchFailure(e));
  }
  throw new Error(`${url} answered`);
}

async function listening(onSocket: (s: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;

describe("a failed connection to a peer, as link health reads it", () => {
  const servers: net.Server[] = [];
  const held: net.Socket[] = [];
  afterAll(async () => {
    for (const s of held) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it("nothing listening: refused, with the system's code", async () => {
    const s = await listening(() => {});
    const port = portOf(s);
    await new Promise((r) => s.close(r));
    const text = await failureText(`http://127.0.0.1:${port}/federation/v1/envelopes`);
    expect(text).toMatch(/^fetch failed: ECONNREFUSED: /);
    expect(linkProblemOf(text)).toEqual({ kind: "refused", code: "ECONNREFUSED", reason: null });
  });

  it("a connection closed without an answer: cut off", async () => {
    const s = await listening((sock) => sock.destroy());
    servers.push(s);
    const text = await failureText(`http://127.0.0.1:${portOf(s)}/federation/v1/envelopes`);
    expect(linkProblemOf(text).kind).toBe("cutOff");
  });

  it("a peer that takes the connection and never answers: no answer in time", async () => {
    const s = await listening((sock) => held.push(sock));
    servers.push(s);
    const text = await failureText(`http://127.0.0.1:${portOf(s)}/federation/v1/envelopes`, {
      signal: AbortSignal.timeout(100),
    });
    expect(linkProblemOf(text)).toEqual({ kind: "timeout", code: null, reason: null });
  });

  it("an address that does not resolve: not found", async () => {
    const text = await failureText("http://crossline-peer.invalid/federation/v1/envelopes");
    expect(linkProblemOf(text).kind).toBe("notFound");
  });

  it("every code an envelope check refuses with has its label (REJECT_REASONS)", () => {
    expect(REJECT_REASONS).toEqual(expect.arrayContaining([...ENVELOPE_REJECT_CODES]));
  });
});
