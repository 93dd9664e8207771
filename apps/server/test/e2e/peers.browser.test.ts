import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type FederationWorker,
  startFederationWorker,
} from "../../src/modules/federation/federation.worker.js";
import {
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  SCREENSHOT_DIR,
  signedInPage,
} from "../support/browser.js";
import { createTestNode, DB_KIND, type TestNode } from "../support/node.js";
import { freePort } from "../support/pg-cluster.js";

/**
 * The Peers page in Chromium, with two in-process nodes: an administrator of each pairs them from the console
 * (invite on one, accept on the other), both see the same fingerprint, the hotline test runs from the page and
 * link health shows. Runs once (PGlite): the page does not depend on the store.
 */
describeBrowser("console Peers page: pairing, fingerprint, hotline test, health", () => {
  const once = DB_KIND === "pglite";
  let a: TestNode;
  let b: TestNode;
  let browser: Browser;
  const workers: FederationWorker[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    if (!once) return;
    await ensureConsoleBuilt();
    const nodes: TestNode[] = [];
    for (const id of ["CN-MPS", "US-DOJ"]) {
      const port = await freePort();
      const n = await createTestNode({
        id,
        settings: { publicUrl: `http://127.0.0.1:${port}`, fedPollMs: 50 },
      });
      await n.rt.app.listen({ host: "127.0.0.1", port });
      workers.push(
        startFederationWorker(n.rt.services.federationService, n.rt.config, {
          info() {},
          warn() {},
          error() {},
        }),
      );
      nodes.push(n);
      urls.push(`http://127.0.0.1:${port}`);
    }
    [a, b] = nodes;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await a?.close();
    await b?.close();
  });

  const signedIn = (base: string) =>
    signedInPage(browser, {
      baseURL: base,
      username: "admin",
      password: "correct-horse-battery-staple",
      to: "/peers",
    });

  it.runIf(once)("pairs two nodes from the console and runs the hotline test", async () => {
    const pa = await signedIn(urls[0]);
    await pa.getByTestId("peers-empty").waitFor();
    await pa.getByTestId("peers-invite").click();
    await pa.getByTestId("peers-invite-create").click();
    const invitation = (await pa.getByTestId("peers-invitation").innerText()).trim();
    expect(invitation).toMatch(/^CLINV1\./);

    const pb = await signedIn(urls[1]);
    await pb.getByTestId("peers-accept").click();
    await pb.getByTestId("peers-accept-text").fill(invitation);
    await pb.getByTestId("peers-accept-submit").click();
    const fingerprint = (await pb.getByTestId("peers-accepted-fingerprint").innerText()).trim();
    expect(fingerprint).toMatch(/^[A-Z2-7]{5}(-[A-Z2-7]{5}){3}$/);

    // the inviting side shows the same fingerprint, and the peer active
    await pa.reload();
    const row = pa.getByTestId("peer-US-DOJ");
    await row.waitFor();
    expect(await row.innerText()).toContain(fingerprint);
    expect((await row.innerText()).toLowerCase()).toContain("active");
    await pa.getByTestId("peer-US-DOJ-ping").click();
    await expect.poll(async () => row.innerText(), { timeout: 20_000 }).toMatch(/Hotline test: \d+ ms/);

    // and the accepting side
    await pb.keyboard.press("Escape");
    await pb.reload();
    const rowB = pb.getByTestId("peer-CN-MPS");
    await rowB.waitFor();
    expect((await rowB.innerText()).toLowerCase()).toContain("active");
    expect(await rowB.innerText()).toContain(fingerprint);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await pa.screenshot({ path: path.join(SCREENSHOT_DIR, "peers-en.png"), fullPage: true });
    await pb.screenshot({ path: path.join(SCREENSHOT_DIR, "peers-zh.png"), fullPage: true });
  });
});
