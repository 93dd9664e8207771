import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  listen,
  SCREENSHOT_DIR,
} from "../support/browser.js";
import { createTestNode, DB_KIND, TEST_PASSWORD, type TestNode } from "../support/node.js";

/**
 * The Hotline, Requests and Reports pages in Chromium on one node: a case officer drafts a preservation request
 * (server validation errors show next to the fields first), it appears on the outgoing board with a link to its
 * page and timeline; a supervisor adds a duty shift in the roster editor and is then on duty; the reports page
 * draws the timeliness report and offers CSV and PDF. Runs once (PGlite): the pages do not depend on the store.
 */
describeBrowser("console Hotline, Requests and Reports pages", () => {
  const once = DB_KIND === "pglite";
  let node: TestNode;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!once) return;
    await ensureConsoleBuilt();
    node = await createTestNode({ id: "CN-MPS" });
    await node.user("case.li", ["case_officer"]);
    await node.user("supervisor.zhang", ["supervisor"]);
    base = await listen(node);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.close();
  });

  async function signedIn(username: string, to: string): Promise<Page> {
    const ctx = await browser.newContext({
      baseURL: base,
      locale: "en-GB",
      viewport: { width: 1400, height: 900 },
    });
    ctx.setDefaultTimeout(20_000);
    const page = await ctx.newPage();
    await page.goto(to);
    await page.getByTestId("signin-username").fill(username);
    await page.getByTestId("signin-password").fill(TEST_PASSWORD);
    await page.getByTestId("signin-submit").click();
    await page.getByTestId("nav").waitFor();
    await page.goto(to);
    return page;
  }

  it.runIf(once)("drafts a request, shows it on the board and its page", async () => {
    const page = await signedIn("case.li", "/requests/new");
    await page.getByTestId("new-request-form").waitFor();
    await page.getByTestId("form-save").click();
    await page.getByTestId("form-error").waitFor();
    // the server's details land next to the fields
    expect(await page.getByTestId("new-request-form").innerText()).toContain("Must not be empty");

    await page.getByTestId("form-authority").fill("MPS Cybercrime Bureau");
    await page.getByTestId("form-officer").fill("Li Ming");
    await page.getByTestId("form-phone").fill("+86 10 6620 0000");
    await page.getByTestId("form-offence").fill("Ransomware attack on a hospital");
    await page.getByTestId("form-facts").fill("On 1 November the hospital's systems were encrypted.");
    await page.getByTestId("form-measures").fill("Preserve the account's data.");
    await page.getByTestId("details-dataToPreserve").fill("All stored data of the account x@example.com");
    await page.getByTestId("details-linkToOffence").fill("Used to negotiate the ransom");
    await page.getByTestId("details-custodian.name").fill("Example Mail Inc.");
    await page.getByTestId("details-whyPreservationNeeded").fill("The data may be deleted");
    await page.getByTestId("form-save").click();
    await page.getByTestId("draft-saved").waitFor();

    await page.goto("/requests");
    await page.getByTestId("tab-outgoing").click();
    const row = page.getByTestId("board-row").first();
    await row.waitFor();
    expect(await row.getAttribute("data-status")).toBe("draft");
    await row.getByTestId("board-link").click();
    await page.getByTestId("request-detail").waitFor();
    await page.getByTestId("timeline-event").first().waitFor();
    expect(await page.getByTestId("timeline").innerText()).toContain("Created");
    expect(await page.getByTestId("request-form").innerText()).toContain("All stored data of the account");
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "request-draft-en.png"), fullPage: true });
  });

  it.runIf(once)("adds a duty shift in the roster editor and shows who is on duty", async () => {
    const page = await signedIn("supervisor.zhang", "/hotline");
    await page.getByTestId("on-duty").waitFor();
    await page.getByTestId("hotline-tab-roster").click();
    await page.getByTestId("roster-form").waitFor();
    // a shift from now (rounded down to the minute, in the user's zone) for eight hours
    const now = await page.evaluate(() => {
      const d = new Date(Date.now() - 60_000);
      const parts = new Intl.DateTimeFormat("en-CA", {
        timeZone: "Asia/Shanghai",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }).formatToParts(d);
      const get = (k: string) => parts.find((p) => p.type === k)?.value ?? "00";
      return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}`;
    });
    await page.getByTestId("roster-start").fill(now);
    await page.getByTestId("roster-save").click();
    await expect.poll(() => page.getByTestId("roster-row").count()).toBe(1);
    await page.reload();
    await page.getByTestId("on-duty-shift").waitFor();
    expect(await page.getByTestId("on-duty").innerText()).toContain("supervisor.zhang");
  });

  it.runIf(once)("draws the timeliness report with CSV and PDF downloads", async () => {
    const page = await signedIn("supervisor.zhang", "/reports");
    await page.getByTestId("report-totals").waitFor();
    const csv = await page.getByTestId("report-csv").getAttribute("href");
    const pdf = await page.getByTestId("report-pdf").getAttribute("href");
    expect(csv).toContain("/api/v1/reports/timeliness.csv");
    expect(csv).toContain("lang=en");
    for (const href of [csv, pdf]) {
      const res = await page.request.get(href ?? "");
      expect(res.status()).toBe(200);
    }
  });
});
