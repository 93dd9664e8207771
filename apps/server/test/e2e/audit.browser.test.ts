import { eq } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { peers } from "../../src/db/schema/index.js";
import {
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  listen,
  signedInPage,
} from "../support/browser.js";
import { type TwoNodes, twoNodes } from "../support/requests-fixtures.js";

describeBrowser("console in Chromium: the Audit page's checkpoints and verification against a peer", () => {
  let t: TwoNodes;
  let browser: Browser;
  let page: Page;

  /** Delivers what the page caused through the in-process hub, once it has been queued. */
  async function deliverWhenQueued() {
    const until = Date.now() + 20_000;
    while (t.hub.pending() === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await t.hub.flush();
  }

  beforeAll(async () => {
    await ensureConsoleBuilt();
    [t, browser] = await Promise.all([twoNodes(), launchChromium()]);
    const cnKeys = (await t.cn.rt.services.node.publicInfo()).publicKeys.map((k) => ({
      ...k,
      status: k.status === "retiring" ? ("retiring" as const) : ("active" as const),
    }));
    await t.us.rt.services.db.update(peers).set({ publicKeys: cnKeys }).where(eq(peers.id, "CN-MPS"));
    await t.cn.user("audit.cn", ["auditor"]);
    const base = await listen(t.cn);
    page = await signedInPage(browser, { baseURL: base, username: "audit.cn", to: "/audit" });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("signs a checkpoint, shows the peer that holds it, and verifies the log against the peer's copy", async () => {
    const card = page.getByTestId("audit-checkpoint");
    await card.getByText("No checkpoint signed yet.").waitFor();
    await card.getByRole("button", { name: "Sign a checkpoint now" }).click();
    await page.getByTestId("audit-checkpoint-latest").waitFor();
    await deliverWhenQueued(); // US-DOJ keeps it and acknowledges
    await page.reload();
    await expect.poll(() => page.getByTestId("audit-checkpoint-peer").allInnerTexts()).toEqual(["US-DOJ"]);

    const verified = page.getByTestId("audit-verify").click();
    await deliverWhenQueued(); // the question to US-DOJ and its answer
    await verified;
    const result = page.getByTestId("audit-verify-result");
    await result.waitFor();
    expect(await result.getAttribute("data-ok")).toBe("true");
    const anchors = page.getByTestId("audit-anchors");
    expect(await anchors.getAttribute("data-ok")).toBe("true");
    expect(await anchors.innerText()).toContain("US-DOJ: agrees");
    expect(await anchors.innerText()).toContain("Compared with 2 signed checkpoints");
  });
});
