import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  listen,
  signedInPage,
} from "../support/browser.js";
import { fugitiveNamed } from "../support/fugitives-fixtures.js";
import { createTestNode, type TestNode } from "../support/node.js";

describeBrowser("console in Chromium: the assets register with its totals, and a stage recorded", () => {
  let node: TestNode;
  let browser: Browser;
  let page: Page;
  let assetId = "";

  beforeAll(async () => {
    await ensureConsoleBuilt();
    [node, browser] = await Promise.all([createTestNode({ id: "CN-MPS" }), launchChromium()]);
    const unit = await node.unit("Fugitive unit");
    await node.user("ab.officer", ["fugitive_asset"], unit);
    const officer = await node.as("ab.officer");
    const f = await officer.req<{ fugitive: { id: string } }>(
      "POST",
      "/api/v1/fugitives",
      fugitiveNamed("陈晓东"),
    );
    const a = await officer.req<{ asset: { id: string } }>("POST", "/api/v1/assets", {
      kind: "bank_account",
      description: { lang: "en", text: "Account at Example Bank (fictitious)" },
      jurisdiction: "US",
      currency: "USD",
      value: "1250000.50",
      fugitiveIds: [f.body.fugitive.id],
      identifiedOn: "2015-05-01",
      identifiedBy: "Example City Public Security Bureau",
      legalBasis: { instrument: "uncac", article: "Art. 51" },
    });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    assetId = a.body.asset.id;
    page = await signedInPage(browser, {
      baseURL: await listen(node),
      username: "ab.officer",
      to: "/assets",
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await node?.close();
  });

  it("shows the register and totals, opens the asset and records a freezing (a wrong amount first)", async () => {
    await page.getByTestId("assets-table").waitFor();
    expect(await page.getByTestId("asset-totals-row").allInnerTexts()).toEqual([
      expect.stringMatching(/USD\s+Identified\s+1\s+1250000\.50 USD/),
    ]);
    await page.getByTestId("asset-link").first().click();
    await page.getByTestId("asset-page").waitFor();
    expect(page.url()).toContain(`/assets/${assetId}`);

    await page.getByTestId("stage-select").click();
    await page.getByRole("option", { name: "Frozen" }).click();
    await page.getByTestId("stage-date").fill("2015-09-01");
    await page.getByTestId("stage-authority").fill("Example District Court");
    await page.getByTestId("stage-order").fill("FRZ-2015-001");
    // Three decimals in USD: refused, naming the field; nothing recorded.
    await page.getByTestId("stage-amount").fill("1000000.125");
    await page.getByTestId("stage-submit").click();
    await expect.poll(() => page.getByTestId("api-error").innerText()).toMatch(/body\.amount|amount/i);
    expect(await page.getByTestId("asset-stage-row").count()).toBe(1);

    await page.getByTestId("stage-amount").fill("1000000.12");
    await page.getByTestId("stage-submit").click();
    await expect.poll(() => page.getByTestId("asset-stage-row").count()).toBe(2);
    expect(await page.getByTestId("asset-stage").textContent()).toBe("Frozen");
    expect(await page.getByTestId("asset-stage-row").nth(1).innerText()).toMatch(
      /2015-09-01\s+Frozen\s+Example District Court\s+FRZ-2015-001\s+1000000\.12 USD/,
    );
    const r = await (await node.as("ab.officer")).req<{ asset: { version: number; stage: string } }>(
      "GET",
      `/api/v1/assets/${assetId}`,
    );
    expect(r.body.asset).toMatchObject({ version: 2, stage: "frozen" });
  });
});
