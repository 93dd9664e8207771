import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeBrowser, ensureConsoleBuilt, launchChromium, signedInPage } from "../support/browser.js";
import { fugitiveNamed } from "../support/fugitives-fixtures.js";
import { DB_KIND } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";

/**
 * Shared lists of fugitives in Chromium on two nodes paired over HTTP (signed envelopes, federation workers):
 * CN-MPS's officer makes a list in the console, puts two fictitious people on it and publishes it to US-DOJ;
 * US-DOJ's officer finds it among the received lists, opens an entry (read-only, the owner's version) and
 * reports a sighting; the report shows in CN-MPS's timeline of that person; CN-MPS records the return and the
 * entry is closed on both consoles, each list's progress counting it. Runs once (PGlite), like the other
 * two-node browser tests: the pages do not depend on the store.
 */
describeBrowser(
  "console shared lists: publish, report a sighting from the peer, return closes both sides",
  () => {
    const once = DB_KIND === "pglite";
    let pair: PairedNodes | undefined;
    let browser: Browser;
    let cnPage: Page;
    let usPage: Page;
    const people: { id: string; reference: string }[] = [];

    beforeAll(async () => {
      if (!once) return;
      await ensureConsoleBuilt();
      pair = await pairedNodes();
      const { cn, us } = pair;
      // Both in their node's first unit, which is where received shared objects land (the intake unit).
      await cn.user("lists.cn", ["fugitive_asset"]);
      await us.user("lists.us", ["fugitive_asset"]);
      const officer = await cn.as("lists.cn");
      for (const [name, romanised] of [
        ["周立新", "Zhou Lixin"],
        ["吴海燕", "Wu Haiyan"],
      ]) {
        const r = await officer.req<{ fugitive: { id: string; reference: string } }>(
          "POST",
          "/api/v1/fugitives",
          fugitiveNamed(name, {
            names: [{ original: name, romanised }],
            flightDate: "2014-09",
            nationalities: ["CN"],
            whereabouts: [{ country: "US", place: "New York" }],
          }),
        );
        if (r.status !== 201) throw new Error(`fugitive: ${JSON.stringify(r.body)}`);
        people.push(r.body.fugitive);
      }
      browser = await launchChromium();
      [cnPage, usPage] = await Promise.all([
        signedInPage(browser, { baseURL: pair.urls[0], username: "lists.cn", to: "/fugitive-lists" }),
        signedInPage(browser, { baseURL: pair.urls[1], username: "lists.us", to: "/fugitive-lists" }),
      ]);
      // two nodes, pairing and Chromium on a shared machine
    }, 600_000);
    afterAll(async () => {
      await browser?.close();
      await pair?.close();
    });

    /** Reloads until `probe` holds (what arrives by federation shows on the next load). */
    async function reloadUntil(page: Page, ready: string, probe: () => Promise<boolean>, ms = 60_000) {
      const until = Date.now() + ms;
      for (;;) {
        await page.reload();
        await page.getByTestId(ready).first().waitFor();
        if (await probe()) return;
        if (Date.now() > until) throw new Error(`timed out waiting on ${ready}`);
        await page.waitForTimeout(250);
      }
    }

    it.runIf(once)(
      "publishes a list from CN, reports a sighting from US, records the return on CN: closed on both sides",
      async () => {
        const [zhou, wu] = people as [{ id: string; reference: string }, { id: string; reference: string }];
        const cn = cnPage;
        const us = usPage;

        // CN-MPS: a new list, two entries, published to US-DOJ under TLP:AMBER.
        await cn.getByTestId("own-lists-empty").waitFor();
        await cn.getByTestId("list-new-name").fill("Wanted list of 2015 (browser test)");
        await cn.getByTestId("list-new-submit").click();
        await cn.getByTestId("own-list-page").waitFor();
        for (const [person, number] of [
          [zhou, 1],
          [wu, 2],
        ] as const) {
          await cn.getByTestId("list-add-fugitive").click();
          await cn.getByRole("option", { name: new RegExp(person.reference) }).click();
          await cn.getByTestId("list-add-number").fill(String(number));
          await cn.getByTestId("list-add-submit").click();
          await expect.poll(() => cn.getByTestId("own-list-entry").count()).toBe(number);
        }
        expect(await cn.getByTestId("own-list-entries").innerText()).toContain("Zhou Lixin");
        await cn.getByTestId("list-publish-peers").focus();
        await cn.keyboard.press("ArrowDown");
        await cn.getByRole("option", { name: /US-DOJ/ }).click();
        await cn.keyboard.press("Escape");
        await cn.getByTestId("list-publish-submit").click();
        await cn.getByTestId("list-publish-done").waitFor();
        expect(await cn.getByTestId("own-list-recipients").innerText()).toContain("US-DOJ");
        expect(await cn.getByTestId("own-list-progress").getAttribute("data-total")).toBe("2");

        // US-DOJ: the list arrives among the received ones, none returned yet.
        await reloadUntil(
          us,
          "shared-lists",
          async () => (await us.getByTestId("received-list-row").count()) === 1,
        );
        const row = us.getByTestId("received-list-row");
        expect(await row.innerText()).toContain("CN-MPS");
        expect(await row.getByTestId("received-list-progress").getAttribute("data-total")).toBe("2");
        expect(await row.getByTestId("received-list-progress").getAttribute("data-returned")).toBe("0");
        await row.getByTestId("received-list-link").click();
        await us.getByTestId("received-list-page").waitFor();
        expect(await us.getByTestId("received-entry").count()).toBe(2);
        await us.getByTestId("received-entry-link").filter({ hasText: "Zhou Lixin" }).click();

        // The entry, read-only with the owner's version; a sighting reported with what shows it.
        await us.getByTestId("received-entry-page").waitFor();
        expect(await us.getByTestId("received-entry-fields").innerText()).toContain("周立新");
        expect(await us.getByTestId("received-entry-version").innerText()).toContain("1");
        expect(await us.getByTestId("received-entry-fields").locator("input, textarea").count()).toBe(0);
        await us.getByTestId("report-date").fill("2016-02-10");
        await us.getByTestId("report-place").fill("Flushing, New York");
        await us
          .getByTestId("report-text")
          .fill(
            "Seen entering a residential building; photographs by surveillance team 3 (case file NY-0042).",
          );
        // With an evidence file, uploaded before the report is sent.
        const lease = Buffer.from("%PDF-1.4\n% fictitious lease of 12 Example Street\n%%EOF\n");
        await us
          .getByTestId("report-form")
          .locator('input[type="file"]')
          .setInputFiles({ name: "lease.pdf", mimeType: "application/pdf", buffer: lease });
        await us.getByTestId("report-submit").click();
        await us.getByTestId("report-sent").waitFor();
        await expect
          .poll(() => us.getByTestId("received-entry-report").first().innerText())
          .toContain("Flushing, New York");
        // The sender opens the file it sent: the same bytes, from its own node.
        const sentFile = us.getByTestId("sent-evidence-link");
        expect(await sentFile.innerText()).toBe("lease.pdf");
        const got = await us.request.get((await sentFile.getAttribute("href")) as string);
        expect(got.status()).toBe(200);
        expect(Buffer.from(await got.body()).equals(lease)).toBe(true);

        // CN-MPS: the sighting is in the timeline of that person; the officer records the return there.
        await cn.goto(`/fugitives/${zhou.id}`);
        await reloadUntil(cn, "fugitive-page", async () =>
          (await cn.getByTestId("fugitive-timeline").innerText()).includes("surveillance team 3"),
        );
        const timeline = await cn.getByTestId("fugitive-timeline").innerText();
        expect(timeline).toContain("Sighting");
        expect(timeline).toContain("US-DOJ");
        await cn.getByTestId("fugitive-return-date").fill("2016-06-15");
        await cn.getByTestId("fugitive-return-place").fill("Beijing Capital International Airport");
        await cn.getByTestId("fugitive-return-submit").click();
        await expect
          .poll(() => cn.getByTestId("fugitive-fields").innerText())
          .toContain("Beijing Capital International Airport");

        // Closed on the owner's side: the entry is returned and the list's progress counts it.
        await cn.goto("/fugitive-lists");
        await cn.getByTestId("own-list-link").click();
        await cn.getByTestId("own-list-page").waitFor();
        await expect
          .poll(() => cn.getByTestId("own-list-entry").first().getAttribute("data-status"))
          .toBe("returned");
        await expect.poll(() => cn.getByTestId("own-list-progress").getAttribute("data-returned")).toBe("1");
        expect(await cn.getByTestId("own-list-progress").innerText()).toContain("Extradition 1");

        // And on the peer's: the owner's next version carries the return; no more reports on it.
        await reloadUntil(
          us,
          "received-entry-page",
          async () =>
            (await us.getByTestId("received-entry-page").getAttribute("data-status")) === "returned",
        );
        expect(await us.getByTestId("received-entry-fields").innerText()).toContain(
          "Beijing Capital International Airport",
        );
        expect(await us.getByTestId("received-entry-version").innerText()).toContain("2");
        expect(await us.getByTestId("report-form").count()).toBe(0);
        await us.goto("/fugitive-lists");
        await us.getByTestId("received-list-row").waitFor();
        const progress = us.getByTestId("received-list-progress");
        expect(await progress.getAttribute("data-returned")).toBe("1");
        expect(await progress.innerText()).toContain("Extradition 1");
      },
      600_000,
    );
  },
);
