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

describeBrowser(
  "console in Chromium: a new fugitive record warns of a likely duplicate; a return is recorded from the record page",
  () => {
    let node: TestNode;
    let browser: Browser;
    let page: Page;
    let existingId = "";

    beforeAll(async () => {
      await ensureConsoleBuilt();
      [node, browser] = await Promise.all([createTestNode({ id: "CN-MPS" }), launchChromium()]);
      const unit = await node.unit("Fugitive unit");
      await node.user("fb.officer", ["fugitive_asset"], unit);
      const officer = await node.as("fb.officer");
      // A fictitious person already recorded in characters, with a date of birth.
      const r = await officer.req<{ fugitive: { id: string } }>(
        "POST",
        "/api/v1/fugitives",
        fugitiveNamed("张伟", { dateOfBirth: "1970-05-01", flightDate: "2014-06" }),
      );
      existingId = r.body.fugitive.id;
      const base = await listen(node);
      page = await signedInPage(browser, { baseURL: base, username: "fb.officer", to: "/fugitives" });
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      await node?.close();
    });

    it("typing the name in another form shows the existing record before anything is saved", async () => {
      await page.getByTestId("fugitive-new").waitFor();
      await page.getByTestId("fugitive-new-name").fill("Wei ZHANG");
      await page.getByTestId("fugitive-new-dob").fill("1970");
      await page.getByTestId("fugitive-new-check").click();
      const warning = page.getByTestId("fugitive-duplicates");
      await warning.waitFor();
      expect(await warning.getByRole("link").getAttribute("href")).toBe(`/fugitives/${existingId}`);
      expect(await warning.innerText()).toContain("张伟");

      // The officer opens the existing record instead, and records the return there.
      await warning.getByRole("link").click();
      await page.getByTestId("fugitive-page").waitFor();
      await page.getByTestId("fugitive-return-date").fill("2013-01-01");
      await page.getByTestId("fugitive-return-place").fill("Beijing Capital Airport");
      await page.getByTestId("fugitive-return-submit").click();
      // A return before the flight is refused, naming the field; nothing changes.
      await expect.poll(async () => page.getByTestId("api-error").innerText()).toMatch(/date/i);
      expect(await page.getByTestId("fugitive-fields").innerText()).not.toContain("Beijing Capital Airport");
      await page.getByTestId("fugitive-return-date").fill("2016-09-01");
      await page.getByTestId("fugitive-return-submit").click();
      await expect
        .poll(async () => page.getByTestId("fugitive-fields").innerText())
        .toContain("Beijing Capital Airport");
      expect(await page.getByTestId("fugitive-return-form").count()).toBe(0);
    });
  },
);
