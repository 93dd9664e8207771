import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeBrowser,
  ensureConsoleBuilt,
  horizontalOverflow,
  launchChromium,
  runAxe,
  signedInPage,
} from "../support/browser.js";
import { type Agent, DB_KIND } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";
import { addProvider, noticeForm, sentNotice } from "../support/providers-fixtures.js";
import { waitFor } from "../support/wait.js";

type Link = { kind: string; requestId: string; reference: string | null; status: string };
type Notice = { id: string; reference: string; status: string; kind: string; links: Link[] };

/**
 * Across the border in Chromium, on two nodes paired over HTTP: CN-MPS sends a notice to a provider reached
 * through US-DOJ (it leaves as a request); US-DOJ's compliance officer opens the incoming request and turns it
 * into a notice to the provider from the request's page (the form), landing on the notice, which shows the
 * request it was made of. Then the cross-border section of the notice and request pages on both sides under
 * axe-core, in English and Chinese at 390 px: no critical or serious violation, nothing wider than the phone.
 * Runs once (PGlite): the pages do not depend on the store.
 */
describeBrowser("provider notices across the border in the console", () => {
  const once = DB_KIND === "pglite";
  let pair: PairedNodes | undefined;
  let browser: Browser;
  let cnOfficer: Agent;
  let usOfficer: Agent;
  let sent: Notice;
  let requestId = "";
  let usNoticeId = "";

  beforeAll(async () => {
    if (!once) return;
    await ensureConsoleBuilt();
    pair = await pairedNodes();
    const { cn, us } = pair;
    await cn.user("wang.compliance", ["provider_compliance"]);
    await cn.user("li.compliance", ["provider_compliance"]);
    await us.user("r.smith", ["provider_compliance"]);
    cnOfficer = await cn.as("wang.compliance");
    usOfficer = await us.as("r.smith");
    const contacts = [{ name: "Law enforcement desk", email: "lert@examplemail.example" }];
    const via = await addProvider(cnOfficer, "Example Mail", {
      country: "US",
      contacts,
      viaPeerId: "US-DOJ",
    });
    await addProvider(usOfficer, "Example Mail", { country: "US", contacts });
    const form = noticeForm(via, { kind: "preserve_data", urgency: "routine" });
    sent = (await sentNotice(cnOfficer, await cn.as("li.compliance"), form)) as unknown as Notice;
    requestId = sent.links[0]?.requestId ?? "";
    await waitFor(
      "the request on US-DOJ",
      async () => (await usOfficer.req("GET", `/api/v1/requests/${requestId}`)).status === 200,
    );
    browser = await launchChromium();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await pair?.close();
  });

  it.runIf(once)(
    "the peer's officer turns the incoming request into a notice to its provider from the request page",
    async () => {
      const page = await signedInPage(browser, {
        baseURL: pair?.urls[1] ?? "",
        username: "r.smith",
        to: `/requests/${requestId}`,
      });
      await page.getByTestId("notice-from-request-open").click();
      await page.getByTestId("notice-from-request-provider").click();
      await page.getByRole("option", { name: /Example Mail/ }).click();
      await page.getByTestId("notice-from-request-law").fill("Stored Communications Act, 18 U.S.C.");
      await page.getByTestId("notice-from-request-article").fill("§ 2703(f)");
      // Without a law's article the server names the field; the form shows it and keeps what was typed.
      await page.getByTestId("notice-from-request-article").fill("");
      await page.getByTestId("notice-from-request-submit").click();
      await expect
        .poll(() => page.getByTestId("notice-from-request").getByTestId("api-error").innerText())
        .toMatch(/article/i);
      await page.getByTestId("notice-from-request-article").fill("§ 2703(f)");
      await page.getByTestId("notice-from-request-submit").click();
      await page.waitForURL(/\/notices\/[0-9a-f-]{36}$/);
      usNoticeId = page.url().split("/").pop() ?? "";
      const chain = page.getByTestId("notice-chain-link");
      await expect.poll(() => chain.innerText()).toContain(`Made of request ${sent.links[0]?.reference}`);
      expect(await chain.getAttribute("href")).toBe(`/requests/${requestId}`);

      const made = await usOfficer.req<{ notice: Notice }>("GET", `/api/v1/notices/${usNoticeId}`);
      expect(made.body.notice).toMatchObject({ status: "draft", kind: "preserve_data" });
      expect(made.body.notice.links).toEqual([expect.objectContaining({ kind: "request_in", requestId })]);
      // A second notice of the same request is refused, and the page says so.
      await page.goto(`/requests/${requestId}`);
      await page.getByTestId("notice-from-request-open").click();
      await page.getByTestId("notice-from-request-provider").click();
      await page.getByRole("option", { name: /Example Mail/ }).click();
      await page.getByTestId("notice-from-request-law").fill("Stored Communications Act, 18 U.S.C.");
      await page.getByTestId("notice-from-request-article").fill("§ 2703(f)");
      await page.getByTestId("notice-from-request-submit").click();
      await expect
        .poll(() => page.getByTestId("notice-from-request").getByTestId("api-error").innerText())
        .toContain(made.body.notice.reference);
      await page.context().close();
    },
    180_000,
  );

  async function axeAt(page: Page, name: string, ready: string) {
    await page.getByTestId(ready).first().waitFor();
    await expect.poll(() => page.locator(".mantine-Loader-root:visible").count()).toBe(0);
    // Mantine's transitions last 150–200 ms; axe's colour checks need the final colours.
    await page.waitForTimeout(300);
    const report = await runAxe(page);
    const bad = report.violations.filter((v) => v.impact === "critical" || v.impact === "serious");
    expect.soft(bad, name).toEqual([]);
    const { scrollWidth, culprit } = await horizontalOverflow(page);
    expect.soft(scrollWidth, `${name}: ${culprit}`).toBeLessThanOrEqual(390);
  }

  it.runIf(once)(
    "the cross-border sections pass axe-core in English and Chinese at 390 px",
    async () => {
      expect(usNoticeId).not.toBe("");
      const sides = [
        { base: pair?.urls[0] ?? "", user: "wang.compliance", agent: cnOfficer, noticeId: sent.id },
        { base: pair?.urls[1] ?? "", user: "r.smith", agent: usOfficer, noticeId: usNoticeId },
      ];
      for (const lang of ["en", "zh-CN"] as const) {
        for (const s of sides) {
          await s.agent.req("PUT", "/api/v1/me/preferences", { language: lang });
          const page = await signedInPage(browser, {
            baseURL: s.base,
            username: s.user,
            to: `/notices/${s.noticeId}`,
            viewport: { width: 390, height: 844 },
            bypassCSP: true,
          });
          await axeAt(page, `${s.user}: notice (${lang})`, "notice-chain");
          expect(await page.locator("html").getAttribute("lang")).toBe(lang);
          await page.goto(`/requests/${requestId}`);
          if (s.user === "r.smith") {
            // The form open, as the officer fills it.
            await page.getByTestId("notice-from-request-open").click();
            await axeAt(
              page,
              `${s.user}: request with the notice form (${lang})`,
              "notice-from-request-form",
            );
          } else {
            await axeAt(page, `${s.user}: request (${lang})`, "request-detail");
          }
          await page.context().close();
        }
      }
    },
    300_000,
  );
});
