import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { rootCertificates } from "node:tls";
import { linkProblemOf } from "@crossline/schemas";
import { Agent, getGlobalDispatcher, setGlobalDispatcher, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCliAsync } from "../support/cli.js";
import { describeDb } from "../support/node.js";
import {
  allRows,
  createProcNode,
  NodeProcess,
  type OutboxItem,
  type ProcNode,
  waitUntil,
} from "../support/proc.js";

/** A node process reached over HTTPS. */
class HttpsNode extends NodeProcess {
  override get url() {
    return `https://127.0.0.1:${this.port}`;
  }
}

/** A certificate authority and certificates for 127.0.0.1, made with the openssl CLI. */
function makeCa(dir: string, name: string) {
  const ca = (f: string) => path.join(dir, `${name}-${f}`);
  const ossl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  ossl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    ca("ca.key"),
    "-out",
    ca("ca.pem"),
    "-days",
    "30",
    "-subj",
    `/CN=${name}`,
  );
  writeFileSync(ca("ext"), "subjectAltName=IP:127.0.0.1\n");
  return {
    pem: ca("ca.pem"),
    leaf(leafName: string) {
      const f = (x: string) => ca(`${leafName}.${x}`);
      ossl("req", ...ec, "-keyout", f("key"), "-out", f("csr"), "-subj", "/CN=127.0.0.1");
      ossl(
        "x509",
        "-req",
        "-in",
        f("csr"),
        "-CA",
        ca("ca.pem"),
        "-CAkey",
        ca("ca.key"),
        "-CAcreateserial",
        "-out",
        f("pem"),
        "-days",
        "20",
        "-extfile",
        ca("ext"),
      );
      return { cert: f("pem"), key: f("key") };
    },
  };
}

interface PeerHealthBody {
  peer: { tlsPin: string | null; health: { outboxDepth: number; lastError: string | null } };
}

/** A certificate's pin made by the openssl CLI alone (public key → DER → SHA-256 → base64), not by the node. */
function opensslPin(certFile: string): string {
  const pub = execFileSync("openssl", ["x509", "-pubkey", "-noout", "-in", certFile]);
  const der = execFileSync("openssl", ["pkey", "-pubin", "-outform", "der"], { input: pub });
  const digest = execFileSync("openssl", ["dgst", "-sha256", "-binary"], { input: der });
  return `sha256/${digest.toString("base64")}`;
}

/**
 * TLS between two real nodes (issue 16 point 1): each serves HTTPS from certificate files signed by a CA the
 * test makes; the federation client trusts that CA through `tlsCaFile`. A certificate from another CA stops
 * delivery with the reason in link health while the messages stay queued; putting the right files back
 * (reloaded without a restart) lets them flow. A key that does not match its certificate stops `serve` with
 * exit code 2.
 */
describeDb("federation over HTTPS with the node's own certificate authority", () => {
  let a: ProcNode;
  let b: ProcNode;
  let pa: HttpsNode;
  let pb: HttpsNode;
  let work: string;
  let good: { cert: string; key: string };
  let wrong: { cert: string; key: string };
  let bFiles: { cert: string; key: string };
  let caPem: string;
  let aLeaf: { cert: string; key: string };
  const previous = getGlobalDispatcher();

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), "crossline-tls-"));
    const ca = makeCa(work, "agencies");
    caPem = ca.pem;
    const other = makeCa(work, "other");
    aLeaf = ca.leaf("a");
    good = ca.leaf("b");
    wrong = other.leaf("b-wrong");
    bFiles = { cert: path.join(work, "b-live.pem"), key: path.join(work, "b-live.key") };
    copyFileSync(good.cert, bFiles.cert);
    copyFileSync(good.key, bFiles.key);
    // The test's own client trusts the agencies' CA too.
    setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, readFileSync(ca.pem, "utf8")] } }));
    // Nothing here waits for a timeout: a long one keeps a loaded machine's first, slow requests (pairing) from
    // failing (two CI-like runs at load 28 failed pairing after the 5 s of FAST_FEDERATION).
    const slow = { fedRequestTimeoutMs: 30_000 };
    [a, b] = await Promise.all([createProcNode("CN-MPS", slow), createProcNode("US-DOJ", slow)]);
    const tls = (n: ProcNode, files: { cert: string; key: string }) => {
      const f = path.join(n.proc.dataDir, "crossline.json");
      const c = JSON.parse(readFileSync(f, "utf8"));
      writeFileSync(
        f,
        JSON.stringify({
          ...c,
          publicUrl: `https://127.0.0.1:${n.proc.port}`,
          tlsCertFile: files.cert,
          tlsKeyFile: files.key,
          tlsCaFile: ca.pem,
        }),
      );
      return new HttpsNode(n.id, n.proc.dataDir, n.proc.port);
    };
    pa = tls(a, aLeaf);
    pb = tls(b, bFiles);
    // Info level: the per-envelope lines that let an operator follow one message across both nodes.
    pa.logLevel = "info";
    pb.logLevel = "info";
    await Promise.all([pa.start(180_000), pb.start(180_000)]);
    // Pairing with a pin (issue 16): A's invitation carries the pin of the certificate it serves; B accepts with it,
    // so B's first request to A (the pairing itself) already requires that key.
    const inv = await pa.api<{ invitation: string; tlsPin: string | null }>(
      "POST",
      "/api/v1/peers/invitations",
    );
    expect(inv.status).toBe(201);
    invitedPin = inv.body.tlsPin;
    const acc = await pb.api("POST", "/api/v1/peers/accept", {
      invitation: inv.body.invitation,
      tlsPin: inv.body.tlsPin,
    });
    expect(acc.status).toBe(201);
  }, 400_000);
  let invitedPin: string | null = null;
  afterAll(async () => {
    setGlobalDispatcher(previous);
    await pa?.kill9();
    await pb?.kill9();
    await a?.cleanup();
    await b?.cleanup();
    if (!process.env.CROSSLINE_KEEP_TEST_DIRS) rmSync(work, { recursive: true, force: true });
  });

  const ping = async (n: number) => {
    const r = await pa.api("POST", "/api/v1/peers/US-DOJ/ping", { count: n });
    expect(r.status).toBe(201);
  };
  const health = async () => (await pa.api<PeerHealthBody>("GET", "/api/v1/peers/US-DOJ")).body.peer.health;
  const allDelivered = async () =>
    (await allRows<OutboxItem>(pa, "US-DOJ", "outbox")).every((m) => m.status === "delivered");

  it("delivers over HTTPS, sends HSTS and reports the certificate's expiry", async () => {
    await ping(5);
    await waitUntil(allDelivered, 60_000, "delivery over HTTPS");
    const res = await fetch(`${pa.url}/healthz`);
    expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    const metrics = await (await fetch(`${pa.url}/metrics`)).text();
    const expiry = Number(/crossline_tls_certificate_expiry_timestamp_seconds (\d+)/.exec(metrics)?.[1]);
    expect(expiry * 1000).toBeGreaterThan(Date.now() + 19 * 86_400_000);
  }, 120_000);

  // Shares this file's two nodes (starting processes is the slow part); not about TLS itself.
  it("one message id can be followed across both nodes' logs (sender, receiver with its request id)", async () => {
    await ping(1);
    await waitUntil(allDelivered, 60_000, "delivery of the ping");
    const sent = (await allRows<OutboxItem>(pa, "US-DOJ", "outbox")).at(-1) as OutboxItem;
    const withId = (lines: Record<string, unknown>[]) => lines.filter((l) => l.msgId === sent.msgId);
    const atSender = await waitUntil(
      async () => withId(pa.logLines()).find((l) => l.status === "delivered"),
      30_000,
      "the sender's log line",
    );
    expect(atSender).toMatchObject({ msg: "federation envelope sent", peer: "US-DOJ", seq: sent.seq });
    // The receiver's line reaches its log file through a pipe, possibly after the sender has heard the receipt.
    const atReceiver = await waitUntil(
      async () => {
        const l = withId(pb.logLines());
        return l.length > 0 && l;
      },
      30_000,
      "the receiver's log line",
    );
    expect(atReceiver).toEqual([
      expect.objectContaining({
        msg: "federation envelope received",
        peer: "CN-MPS",
        seq: sent.seq,
        type: sent.type,
        status: "accepted",
        reqId: expect.stringMatching(/^req_/),
      }),
    ]);
    // The receiver's request id leads to the rest of that request's lines (its completion, its timing). The
    // completion is logged once the answer has gone, so it may reach the file after the sender holds the receipt
    // (read at once, it was missing once in CI).
    const reqId = atReceiver[0].reqId;
    const completed = await waitUntil(
      async () => pb.logLines().find((l) => l.reqId === reqId && l.msg === "request completed"),
      30_000,
      "the receiver's completion line",
    );
    expect(completed).toMatchObject({ reqId, msg: "request completed" });
  }, 120_000);

  it("a certificate of another CA stops delivery with the reason, messages stay queued; the right one lets them flow", async () => {
    copyFileSync(wrong.cert, bFiles.cert);
    copyFileSync(wrong.key, bFiles.key);
    // Reloaded without a restart: a new connection that trusts only the agencies' CA now fails to reach B. A's
    // pooled keep-alive connection, made with the old certificate, is closed by B on reload (without that, A
    // kept delivering over it for the minute of Fastify's keep-alive: the CI failure of 2026-12-02).
    const fresh = () => new Agent({ connect: { ca: [...rootCertificates, readFileSync(caPem, "utf8")] } });
    await waitUntil(
      async () =>
        undiciFetch(`${pb.url}/healthz`, { dispatcher: fresh() }).then(
          () => false,
          () => true,
        ),
      30_000,
      "B's new certificate",
    );
    await ping(5);
    const h = await waitUntil(
      async () => {
        const x = await health();
        return x.lastError?.includes("certificate") && x.outboxDepth === 5 && x;
      },
      60_000,
      "the certificate failure in link health",
    );
    expect(h.lastError).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify the first certificate/);
    // what the console, the notification and the e-mail say of it, in either language
    expect(linkProblemOf(h.lastError ?? "").kind).toBe("certificate");
    expect(
      (await allRows<OutboxItem>(pa, "US-DOJ", "outbox")).filter((m) => m.status === "pending"),
    ).toHaveLength(5);

    copyFileSync(good.cert, bFiles.cert);
    copyFileSync(good.key, bFiles.key);
    await waitUntil(allDelivered, 90_000, "delivery once the right certificate is back");
    expect((await health()).outboxDepth).toBe(0);
  }, 240_000);

  it("pins the peer's certificate at pairing: a matching pin delivers, a wrong one stops delivery with the reason while the messages stay queued", async () => {
    // The pin A announced is its certificate's public key as openssl computes it, and B keeps it.
    expect(invitedPin).toBe(opensslPin(aLeaf.cert));
    const atB = await pb.api<PeerHealthBody>("GET", "/api/v1/peers/CN-MPS");
    expect(atB.body.peer.tlsPin).toBe(invitedPin);
    // B → A under the pin: delivered.
    const pong = await pb.api("POST", "/api/v1/peers/CN-MPS/ping", { count: 2 });
    expect(pong.status).toBe(201);
    await waitUntil(
      async () => (await allRows<OutboxItem>(pb, "CN-MPS", "outbox")).every((m) => m.status === "delivered"),
      60_000,
      "pinned delivery from B to A",
    );

    // A pins B's certificate (64 hex digits as `openssl dgst` prints them are accepted too): still delivered.
    const hex = Buffer.from(opensslPin(good.cert).slice("sha256/".length), "base64").toString("hex");
    const right = await pa.api<PeerHealthBody>("PUT", "/api/v1/peers/US-DOJ/tls-pin", {
      tlsPin: hex.match(/../g)?.join(":"),
    });
    expect(right.status).toBe(200);
    expect(right.body.peer.tlsPin).toBe(opensslPin(good.cert));
    await ping(2);
    await waitUntil(allDelivered, 60_000, "pinned delivery from A to B");

    // A wrong pin (the key of a certificate the same CA signed: valid chain, other key) stops delivery with
    // the reason in link health; the messages stay queued.
    const wrongPin = opensslPin(aLeaf.cert);
    expect((await pa.api("PUT", "/api/v1/peers/US-DOJ/tls-pin", { tlsPin: wrongPin })).status).toBe(200);
    await ping(3);
    const h = await waitUntil(
      async () => {
        const x = await health();
        return x.lastError?.includes("TLS_PIN_MISMATCH") && x.outboxDepth === 3 && x;
      },
      60_000,
      "the pin mismatch in link health",
    );
    expect(h.lastError).toContain(`not the pin ${wrongPin} agreed at pairing`);
    expect(h.lastError).toContain(opensslPin(good.cert));
    expect(linkProblemOf(h.lastError ?? "")).toMatchObject({ kind: "pinMismatch", code: "TLS_PIN_MISMATCH" });
    expect(
      (await allRows<OutboxItem>(pa, "US-DOJ", "outbox")).filter((m) => m.status === "pending"),
    ).toHaveLength(3);
    // A bad pin is refused with its field.
    const bad = await pa.api<{ error: { code: string; details: { field: string }[] } }>(
      "PUT",
      "/api/v1/peers/US-DOJ/tls-pin",
      { tlsPin: "sha256/short" },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe("body.tlsPin");

    // The right pin again: the queued messages go at once.
    expect(
      (await pa.api("PUT", "/api/v1/peers/US-DOJ/tls-pin", { tlsPin: opensslPin(good.cert) })).status,
    ).toBe(200);
    await waitUntil(allDelivered, 60_000, "delivery once the pin is right");
    expect((await health()).outboxDepth).toBe(0);
  }, 240_000);

  it("refuses to start with a key that does not match the certificate (exit code 2)", async () => {
    const r = await runCliAsync(["serve"], {
      CROSSLINE_DATA_DIR: a.proc.dataDir,
      CROSSLINE_PORT: "0",
      CROSSLINE_TLS_KEY_FILE: wrong.key,
      DATABASE_URL: "",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("CROSSLINE_TLS_KEY_FILE (tlsKeyFile): the private key of the certificate in");
    expect(r.stderr).toContain("this key does not match it");
  }, 120_000);
});
