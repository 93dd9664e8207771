import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  rawInstants,
  signedInPage,
} from "../support/browser.js";
import { DB_KIND } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";

/**
 * The Cases pages in Chromium on two nodes paired over HTTP (signed envelopes, federation workers): an officer
 * opens a priority case and files an evidence item (its custody shows), asks to share the summary under TLP:AMBER,
 * a supervisor approves it from the case page, and the other node's officer sees it on the priority list.
 * Runs once (PGlite): the pages do not depend on the store.
 */
describeBrowser("console Cases pages: a case, its evidence and its summary shared to the other node", () => {
  const once = DB_KIND === "pglite";
  let pair: PairedNodes | undefined;
  const urls: string[] = [];
  let browser: Browser;

  beforeAll(async () => {
    if (!once) return;
    await ensureConsoleBuilt();
    pair = await pairedNodes();
    const { cn, us } = pair;
    urls.push(...pair.urls);
    await cn.user("case.li", ["case_officer"]);
    await cn.user("supervisor.zhang", ["supervisor"]);
    await us.user("duty.miller", ["duty_officer"]);
    browser = await launchChromium();
    // two nodes, pairing and Chromium on a shared machine
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await pair?.close();
  });

  it.runIf(once)(
    "creates a case, files evidence, shares its summary after approval; the other node lists it",
    async () => {
      const officer = await signedInPage(browser, { baseURL: urls[0], username: "case.li", to: "/cases" });
      await officer.getByTestId("case-list").waitFor();
      await officer.getByTestId("case-new").click();
      await officer.getByTestId("case-title").fill("Hospital ransomware (browser)");
      await officer.getByTestId("case-priority").check();
      await officer.getByTestId("case-create").click();
      await officer.getByTestId("case-sharing").waitFor();
      const reference = (await officer.getByTestId("case-reference").innerText()).trim();
      expect(reference).toMatch(/^CN-MPS-C-\d{4}-0001$/);

      await officer.getByTestId("evidence-file").click();
      await officer.locator('input[type="file"]').setInputFiles({
        name: "ransom-note.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("fictitious ransom note"),
      });
      await officer.getByTestId("evidence-collected-by").fill("Li Na");
      await officer.getByTestId("evidence-add").click();
      const item = officer.getByTestId("evidence-item");
      await item.waitFor();
      expect(await item.innerText()).toContain("ransom-note.txt");
      expect(await item.innerText()).toMatch(/Collected\s+Li Na/);

      // the marking picker says what the level means (the shared labels, as every page and export words it)
      await officer
        .getByText("Recipients' organisations and their partners on a need-to-know basis")
        .waitFor();
      // the pills' wrapper lies over the combobox's input: open it from the keyboard, as a user may
      await officer.getByTestId("share-recipients").focus();
      await officer.keyboard.press("ArrowDown");
      await officer.getByRole("option", { name: /US-DOJ/ }).click();
      await officer.keyboard.press("Escape");
      await officer.getByTestId("share-submit").click();
      await expect
        .poll(() => officer.getByTestId("case-share").first().getAttribute("data-state"))
        .toBe("pending");
      const url = officer.url();

      const supervisor = await signedInPage(browser, {
        baseURL: urls[0],
        username: "supervisor.zhang",
        to: new URL(url).pathname,
      });
      // the request to approve, in Chinese: the level by its label
      await supervisor.getByTestId("language-switch").click();
      await expect
        .poll(() => supervisor.getByTestId("case-share").first().innerText())
        .toContain("US-DOJ · TLP:AMBER（有限） · ");
      await supervisor.getByTestId("share-approve").click();
      await expect
        .poll(() => supervisor.getByTestId("case-share").first().getAttribute("data-state"))
        .toBe("approved");
      // where the summary went, each peer by the shared labels
      await expect
        .poll(() => supervisor.getByTestId("case-holder").first().innerText())
        .toMatch(/持有副本\s+US-DOJ · 第 1 版/);
      await officer.reload();
      await expect
        .poll(() => officer.getByTestId("case-holder").first().innerText())
        .toMatch(/Holds a copy\s+US-DOJ · version 1/i);

      const duty = await signedInPage(browser, {
        baseURL: urls[1],
        username: "duty.miller",
        to: "/cases/priority",
      });
      await expect
        .poll(
          async () => {
            await duty.reload();
            await duty.getByTestId("priority-list").waitFor();
            return duty.getByTestId("priority-list").innerText();
          },
          { timeout: 60_000, interval: 1000 },
        )
        .toContain(reference);
      expect(await duty.getByTestId("priority-list").innerText()).toContain("Hospital ransomware (browser)");
      // its last update on the reader's clock, not the API's UTC
      expect(await rawInstants(duty)).toEqual([]);
    },
    300_000,
  );
});
