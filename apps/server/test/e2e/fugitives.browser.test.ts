import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  listen,
  signedInPage,
} from "../support/browser.js";
import { fugitiveNamed, PNG_1X1 } from "../support/fugitives-fixtures.js";
import { createTestNode, type TestNode } from "../support/node.js";

describeBrowser(
  "console in Chromium: a duplicate warning, a return, photos and a request started from a fugitive's record",
  () => {
    let node: TestNode;
    let browser: Browser;
    let page: Page;
    let existingId = "";
    let otherId = "";

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
      // Another one, for the photos and the request started from the record.
      const o = await officer.req<{ fugitive: { id: string } }>(
        "POST",
        "/api/v1/fugitives",
        fugitiveNamed("钱学军", { dateOfBirth: "1966-02", flightDate: "2015-03", nationalities: ["CN"] }),
      );
      otherId = o.body.fugitive.id;
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

    it("shows the record's photo with its alt text; a file that is not an image is refused, naming the field", async () => {
      await page.goto(`/fugitives/${otherId}`);
      await page.getByTestId("fugitive-photos").waitFor();
      const input = page.getByTestId("fugitive-photos").locator('input[type="file"]');
      await input.setInputFiles({
        name: "notes.png",
        mimeType: "image/png",
        buffer: Buffer.from("not a photo"),
      });
      await page.getByTestId("fugitive-photo-upload").click();
      await expect
        .poll(async () => page.getByTestId("fugitive-photo-error").innerText())
        .toMatch(/Photo \(JPEG, PNG or WebP/);
      expect(await page.getByTestId("fugitive-photo").count()).toBe(0);

      await input.setInputFiles({
        name: "qian.png",
        mimeType: "image/png",
        buffer: Buffer.from(PNG_1X1, "base64"),
      });
      await page.getByTestId("fugitive-photo-alt").fill("Qian Xuejun, 2015");
      await page.getByTestId("fugitive-photo-upload").click();
      const img = page.getByTestId("fugitive-photo");
      await img.waitFor();
      expect(await img.getAttribute("alt")).toBe("Qian Xuejun, 2015");
      // The browser drew it: the bytes came back from the node as an image.
      await expect
        .poll(async () => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth))
        .toBe(1);
    });

    it("starts a request from the record: the form is prefilled, and the request and the record link", async () => {
      await page.goto(`/fugitives/${otherId}`);
      await page.getByTestId("fugitive-request-start").click();
      await page.getByTestId("request-prefilled-from").waitFor();
      expect(await page.getByTestId("form-subjects.0.names.0").inputValue()).toBe("钱学军");
      expect(await page.getByTestId("form-subjects.0.names.0.romanised").inputValue()).toBe("Qian Xuejun");
      await page.getByTestId("form-authority").fill("MPS Fugitive Repatriation and Asset Recovery Office");
      await page.getByTestId("form-officer").fill("Li Ming");
      await page.getByTestId("form-phone").fill("+86 10 6620 0000");
      await page.getByTestId("form-offence").fill("Embezzlement of public funds (fictitious)");
      await page.getByTestId("form-facts").fill("The suspect fled in March 2015 (fictitious).");
      await page.getByTestId("form-measures").fill("Tell us where the person lives.");
      await page.getByTestId("form-save").click();
      await page.getByTestId("draft-saved").waitFor();
      await page.getByTestId("form-open").click();
      await page.getByTestId("request-detail").waitFor();
      const origin = page.getByTestId("request-origin").getByRole("link");
      expect(await origin.getAttribute("href")).toBe(`/fugitives/${otherId}`);
      await origin.click();
      await page.getByTestId("fugitive-page").waitFor();
      await expect
        .poll(async () => page.getByTestId("fugitive-requests").innerText())
        .toContain("Locate a fugitive");
      expect(await page.getByTestId("fugitive-timeline").innerText()).toMatch(/Request · .+ · /);
    });
  },
);
