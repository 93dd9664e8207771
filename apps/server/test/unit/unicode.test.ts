import { createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { NUL_ISSUE, SURROGATE_ISSUE, unstorableString } from "../../src/lib/unicode.js";

describe("unstorableString: the input guard's walk over parsed input", () => {
  it("finds NUL and lone surrogates in plain objects, arrays and null-prototype objects, with the path", () => {
    expect(unstorableString({ a: [{ b: "x\u0000" }] }, "body")).toEqual({
      field: "body.a.0.b",
      issue: NUL_ISSUE,
    });
    const q = Object.assign(Object.create(null) as Record<string, unknown>, { q: "\ud800" });
    expect(unstorableString(q, "querystring")).toEqual({ field: "querystring.q", issue: SURROGATE_ISSUE });
    expect(unstorableString({ ok: ["😀", "中文"] }, "body")).toBeNull();
  });

  it("names a refused key with its unstorable characters replaced, and finds lone halves anywhere", () => {
    expect(unstorableString({ a: { "k\u0000\udc00": 1 } }, "body")).toEqual({
      field: "body.a.k??",
      issue: NUL_ISSUE,
    });
    expect(unstorableString({ k: 1, "x\ud800": 2 }, "body")).toEqual({
      field: "body.x?",
      issue: SURROGATE_ISSUE,
    });
    // a low half first, a high half last, and each half alone inside an array of strings
    expect(unstorableString(["ok", "\udc00😀"], "body")).toEqual({ field: "body.1", issue: SURROGATE_ISSUE });
    expect(unstorableString(["😀\ud83d"], "body")).toEqual({ field: "body.0", issue: SURROGATE_ISSUE });
    expect(unstorableString([["a", ["b", "\u0000"]]], "body")).toEqual({
      field: "body.0.1.1",
      issue: NUL_ISSUE,
    });
    expect(unstorableString({ "😀": ["\ud83d\ude00"] }, "body")).toBeNull();
  });

  it("does not walk what is not parsed data (a class instance, a Buffer)", () => {
    class Holder {
      text = "\u0000";
    }
    expect(unstorableString(new Holder(), "body")).toBeNull();
    expect(unstorableString(Buffer.from([0, 0xff]), "body")).toBeNull();
  });

  // A streamed upload's body is the IncomingMessage itself: its socket, server and parser form a cyclic graph
  // that a 64-level walk never finished (the event loop stayed blocked on every streamed import over HTTP).
  it("returns at once for a real IncomingMessage (a streamed body)", async () => {
    let took = Number.POSITIVE_INFINITY;
    let found: unknown = "not called";
    const server = createServer((req: IncomingMessage, res) => {
      // while the body is still arriving, as the guard sees it (socket, parser and server all attached)
      const started = performance.now();
      found = unstorableString(req, "body");
      took = performance.now() - started;
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const c = request({ host: "127.0.0.1", port, method: "POST" }, (res) => {
        res.resume();
        res.on("end", resolve);
      });
      c.on("error", reject);
      c.end("kind,value\nip,203.0.113.1\n");
    });
    expect(found).toBeNull();
    expect(took).toBeLessThan(100);
    await new Promise((r) => server.close(r));
  });
});
