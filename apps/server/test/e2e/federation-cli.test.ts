import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EXIT } from "../../src/cli/exit.js";
import { describeDb } from "../support/node.js";
import { createProcNode, type ProcNode } from "../support/proc.js";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/crossline.mjs");
const run = promisify(execFile);

/** `crossline peer …` and `crossline key …` against two running node processes, every command with --json. */
describeDb("federation from the command line", () => {
  let a: ProcNode;
  let b: ProcNode;

  beforeAll(async () => {
    [a, b] = await Promise.all([createProcNode("CN-MPS"), createProcNode("US-DOJ")]);
    await Promise.all([a.proc.start(), b.proc.start()]);
  });
  afterAll(async () => {
    await a?.cleanup();
    await b?.cleanup();
  });

  async function cli<T>(node: ProcNode, ...args: string[]): Promise<T> {
    const { stdout } = await run(
      process.execPath,
      [BIN, "--data-dir", node.proc.dataDir, ...args, "--json"],
      {
        env: { ...process.env, DATABASE_URL: "", CROSSLINE_LOG_LEVEL: "silent" },
        timeout: 60_000,
      },
    );
    return JSON.parse(stdout) as T;
  }

  it("invites, accepts, lists with link health, pings, suspends, resumes, rotates keys and revokes", async () => {
    const inv = await cli<{ invitation: string; nodeFingerprint: string }>(a, "peer", "invite");
    expect(inv.invitation).toMatch(/^CLINV1\./);
    const acc = await cli<{ peer: { id: string; state: string }; fingerprint: string }>(
      b,
      "peer",
      "accept",
      inv.invitation,
    );
    expect(acc.peer).toMatchObject({ id: "CN-MPS", state: "active" });

    const ping = await cli<{ sent: number; answered: number; rttMs: { median: number } }>(
      a,
      "peer",
      "ping",
      "US-DOJ",
      "--count",
      "3",
    );
    expect(ping).toMatchObject({ sent: 3, answered: 3 });
    expect(ping.rttMs.median).toBeGreaterThanOrEqual(0);

    const list = await cli<{
      items: { id: string; state: string; fingerprint: string; health: Record<string, unknown> }[];
    }>(a, "peer", "list");
    expect(list.items).toHaveLength(1);
    // the hotline test told CN-MPS which release US-DOJ runs (the server package's version)
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(list.items[0]).toMatchObject({
      id: "US-DOJ",
      state: "active",
      fingerprint: acc.fingerprint,
      release: version,
    });
    expect(list.items[0].health).toMatchObject({ outboxDepth: 0, sent: 3, rejected: 0, linkDown: false });
    for (const k of [
      "delivered",
      "received",
      "lastSuccessAt",
      "lastError",
      "rttMs",
      "pingRttMs",
      "oldestUndeliveredAt",
    ]) {
      expect(list.items[0].health).toHaveProperty(k);
    }

    expect((await cli<{ peer: { state: string } }>(a, "peer", "suspend", "US-DOJ")).peer.state).toBe(
      "suspended",
    );
    expect((await cli<{ peer: { state: string } }>(a, "peer", "resume", "US-DOJ")).peer.state).toBe("active");

    const rot = await cli<{ added: string[] }>(a, "key", "rotate");
    expect(rot.added).toHaveLength(2);
    // the new keys reach the peer, after which the old ones can be retired
    for (let i = 0; ; i++) {
      const keys = (await b.proc.api<{ peer: { keys: { kid: string }[] } }>("GET", "/api/v1/peers/CN-MPS"))
        .body.peer.keys;
      if (rot.added.every((k) => keys.some((x) => x.kid === k))) break;
      if (i > 100) throw new Error("keys not announced");
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await cli<{ retired: string[] }>(a, "key", "retire")).retired).toHaveLength(2);
    const again = await cli<{ answered: number }>(a, "peer", "ping", "US-DOJ");
    expect(again.answered).toBe(1);

    // US-DOJ down: the hotline test goes unanswered, and the listing for people says why in words, with the
    // technical text under it
    await b.proc.stop();
    const unanswered = await cli(a, "peer", "ping", "US-DOJ", "--timeout", "1").catch(
      (e: { code?: number; stdout?: string }) => ({ exit: e.code, out: JSON.parse(e.stdout ?? "{}") }),
    );
    expect(unanswered).toMatchObject({ exit: EXIT.CHECK_FAILED, out: { sent: 1, answered: 0 } });
    let listing = "";
    for (let i = 0; !listing.includes("last error:") && i < 150; i++) {
      if (i) await new Promise((r) => setTimeout(r, 200));
      listing = (
        await run(process.execPath, [BIN, "--data-dir", a.proc.dataDir, "peer", "list"], {
          env: { ...process.env, DATABASE_URL: "", CROSSLINE_LOG_LEVEL: "silent" },
          timeout: 60_000,
        })
      ).stdout;
    }
    expect(listing).toContain(`(Crossline ${version})`);
    expect(listing).toMatch(
      /last error: Connection refused: nothing answers at the peer's address \(ECONNREFUSED\)\n +fetch failed: ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:\d+\n/,
    );
    await b.proc.start();

    expect((await cli<{ peer: { state: string } }>(b, "peer", "revoke", "CN-MPS")).peer.state).toBe(
      "revoked",
    );
  });
});
