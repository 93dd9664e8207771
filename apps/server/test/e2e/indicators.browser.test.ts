import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeBrowser, ensureConsoleBuilt, launchChromium, signedInPage } from "../support/browser.js";
import { DB_KIND } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";

/** A fictitious "sample": the EICAR test string, which scanners treat as malware and which does nothing. */
const EICAR = Buffer.from("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");

/**
 * The Cases and Indicators pages in Chromium on two nodes paired over HTTP (signed envelopes, federation workers):
 * an officer opens a case and files an evidence item and a malware sample (downloaded through the confirmation
 * dialog with a reason), imports a CSV file of indicators (one bad row reported with
 * its line), shares what it added with the other node, whose officer sees the indicators there; the owner
 * withdraws one and it disappears from the other console, the rest staying. Runs on both tiers: the import is
 * streamed to the store and the withdrawal travels as a tombstone.
 */
describeBrowser("console Indicators page: import, share to the other node, withdraw one", () => {
  // Once (PGlite), like the other two-node browser tests: the pages do not depend on the store.
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
    await us.user("duty.miller", ["duty_officer"]);
    browser = await launchChromium();
    // two nodes, pairing and Chromium on a shared machine
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await pair?.close();
  });

  /** The values listed on a page, after a reload (what arrived by federation shows on the next load). */
  async function listed(page: Page): Promise<string[]> {
    await page.reload();
    await page.getByTestId("indicators-tab-list").waitFor();
    await page
      .locator('[data-testid="indicators-table"], [data-testid="indicators-empty"]')
      .first()
      .waitFor();
    return page
      .getByTestId("indicator-row")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-value") ?? ""));
  }

  it.runIf(once)(
    "a case with evidence; imports a file, shares it; the other node lists it; a withdrawn one leaves it",
    async () => {
      const officer = await signedInPage(browser, { baseURL: urls[0], username: "case.li", to: "/cases" });
      await officer.getByTestId("case-list").waitFor();
      await officer.getByTestId("case-new").click();
      await officer.getByTestId("case-title").fill("Phishing of bank customers (browser)");
      await officer.getByTestId("case-create").click();
      await officer.getByTestId("case-reference").waitFor();
      expect(await officer.getByTestId("case-reference").innerText()).toMatch(/^CN-MPS-C-\d{4}-\d{4}$/);
      await officer.getByTestId("evidence-file").click();
      await officer.locator('input[type="file"]').setInputFiles({
        name: "phishing-mail.eml",
        mimeType: "message/rfc822",
        buffer: Buffer.from("From: refunds@login-bank.example\r\nSubject: fictitious\r\n\r\nPay here."),
      });
      await officer.getByTestId("evidence-collected-by").fill("Li Na");
      await officer.getByTestId("evidence-add").click();
      await officer.getByTestId("evidence-item").waitFor();
      expect(await officer.getByTestId("evidence-item").innerText()).toContain("phishing-mail.eml");
      // a malware sample: filed as such, it leaves only through the confirmation dialog with a reason
      await officer.getByTestId("evidence-file").click();
      await officer.locator('input[type="file"]').setInputFiles({
        name: "dropper.bin",
        mimeType: "application/octet-stream",
        buffer: EICAR,
      });
      await officer.getByTestId("evidence-malware").check();
      await officer.getByTestId("evidence-add").click();
      const sample = officer.getByTestId("evidence-item").filter({ hasText: "dropper.bin" });
      await sample.getByTestId("evidence-malware-badge").waitFor();
      await sample.getByTestId("sample-download").click();
      expect(await officer.getByTestId("sample-confirm").isDisabled()).toBe(true);
      await officer.getByTestId("sample-reason").fill("Static analysis on the isolated lab machine");
      const [download] = await Promise.all([
        officer.waitForEvent("download"),
        officer.getByTestId("sample-confirm").click(),
      ]);
      expect(download.suggestedFilename()).toBe("dropper.bin");
      // the custody list is read again after the download: allow for a loaded machine
      await expect.poll(() => sample.innerText(), { timeout: 30_000 }).toContain("Downloaded");

      await officer.goto("/indicators");
      await officer.getByTestId("indicators-tab-import").click();
      await officer.getByTestId("import-file").click();
      await officer.locator('input[type="file"]').setInputFiles({
        name: "feed.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(
          [
            "kind,value,description",
            "ip,203.0.113.66,C2 server (fictitious)",
            "domain,Login-Bank.example,Phishing site",
            "email,refunds@login-bank.example,Phishing sender",
            "ip,300.1.1.1,typo",
          ].join("\n"),
        ),
      });
      await officer.getByTestId("import-run").click();
      await officer.getByTestId("import-report").waitFor();
      expect(await officer.getByTestId("import-counts").innerText()).toMatch(/added 3\b/);
      expect(await officer.getByTestId("import-problem").innerText()).toContain("line 5");

      // the pills' wrapper lies over the combobox's input: open it from the keyboard, as a user may
      await officer.getByTestId("indicators-share-recipients").focus();
      await officer.keyboard.press("ArrowDown");
      await officer.getByRole("option", { name: /US-DOJ/ }).click();
      await officer.keyboard.press("Escape");
      await officer.getByTestId("indicators-share").click();
      expect(await officer.getByTestId("indicators-shared").innerText()).toMatch(/3 indicators/);

      const duty = await signedInPage(browser, {
        baseURL: urls[1],
        username: "duty.miller",
        to: "/indicators",
      });
      await expect
        .poll(async () => (await listed(duty)).sort(), { timeout: 60_000, interval: 1000 })
        .toEqual(["203.0.113.66", "login-bank.example", "refunds@login-bank.example"]);

      await officer.getByTestId("indicators-tab-list").click();
      await officer.locator('[data-testid="indicator-row"][data-value="203.0.113.66"]').waitFor();
      await officer
        .locator('[data-testid="indicator-row"][data-value="203.0.113.66"]')
        .getByTestId("indicator-withdraw")
        .click();
      await expect.poll(() => officer.getByTestId("indicator-row").count()).toBe(2);

      await expect
        .poll(async () => (await listed(duty)).sort(), { timeout: 60_000, interval: 1000 })
        .toEqual(["login-bank.example", "refunds@login-bank.example"]);
    },
    300_000,
  );
});
