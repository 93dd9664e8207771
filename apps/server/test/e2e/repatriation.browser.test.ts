import { type RepatriationCaseView, toZonedIso } from "@crossline/schemas";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  listen,
  signedInPage,
} from "../support/browser.js";
import { type Agent, createTestNode, type TestNode } from "../support/node.js";
import { CHEN, personNamed, UNCAC } from "../support/repatriation-fixtures.js";

const DAY = 86_400_000;
const PROFILE_ZONE = "Asia/Shanghai";

describeBrowser(
  "console in Chromium: the repatriation board with its countdowns, a step recorded, a case opened from a person, the monthly figures",
  () => {
    let node: TestNode;
    let browser: Browser;
    let page: Page;
    let officer: Agent;
    let pending: RepatriationCaseView;
    let late: RepatriationCaseView;

    beforeAll(async () => {
      await ensureConsoleBuilt();
      [node, browser] = await Promise.all([createTestNode({ id: "US-DOJ" }), launchChromium()]);
      const unit = await node.unit("Removal unit");
      await node.user("rb.officer", ["fugitive_asset"], unit);
      officer = await node.as("rb.officer");
      // The officer's clock is Beijing's, the browser's New York's: times are typed on the profile's clock.
      const zone = await officer.req("PUT", "/api/v1/me/preferences", {
        language: "en",
        timeZone: PROFILE_ZONE,
      });
      if (zone.status !== 200) throw new Error(JSON.stringify(zone.body));
      const open = async (person: object, daysAgo: number) => {
        const r = await officer.req<{ case: RepatriationCaseView }>("POST", "/api/v1/repatriation/cases", {
          person,
          legalBasis: UNCAC,
          requestedAt: new Date(Date.now() - daysAgo * DAY).toISOString(),
        });
        if (r.status !== 201) throw new Error(JSON.stringify(r.body));
        return r.body.case;
      };
      pending = await open(CHEN, 2);
      late = await open(personNamed("邓伟", "Deng Wei"), 31);
      const base = await listen(node);
      page = await signedInPage(browser, {
        baseURL: base,
        username: "rb.officer",
        to: "/repatriation",
        timezoneId: "America/New_York",
      });
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      await node?.close();
    });

    it("shows the countdowns and the overdue flag, and records the verification answer from the case page", async () => {
      const rows = page.getByTestId("board-verifications").getByTestId("board-row");
      await rows.nth(1).waitFor({ timeout: 60_000 });
      expect(await rows.count()).toBe(2);
      // The late one first (soonest due), flagged overdue; the other counting down.
      expect(await rows.first().getAttribute("data-state")).toBe("overdue");
      expect(await rows.first().getByTestId("overdue-flag").count()).toBe(1);
      expect(await rows.first().innerText()).toContain(late.reference);
      const countdown = rows.nth(1).getByTestId("board-countdown");
      expect(await countdown.innerText()).toMatch(/28 d left/i);
      expect(Number(await countdown.getAttribute("data-minutes"))).toBeGreaterThan(27 * 24 * 60);

      await rows.nth(1).getByTestId("case-link").click();
      await page.getByTestId("step-form").waitFor();
      await page.getByTestId("step-at").fill("2026-01-01T10:00");
      // Not verified and no grounds: the server names the field; nothing is saved.
      await page.getByTestId("step-outcome").click();
      await page.getByRole("option", { name: "Not a national" }).click();
      await page.getByTestId("step-submit").click();
      await page.getByTestId("api-error").waitFor();
      expect(await page.getByTestId("api-error").innerText()).toMatch(/grounds/i);

      // Verified a minute ago, typed on the officer's clock (Beijing), whatever the browser's zone.
      const at = new Date(Math.floor((Date.now() - 60_000) / 60_000) * 60_000);
      await page.getByTestId("step-at").fill(toZonedIso(at, PROFILE_ZONE).slice(0, 16).replace("T", " "));
      await page.getByTestId("step-outcome").click();
      await page.getByRole("option", { name: "Verified" }).click();
      await page.getByTestId("step-submit").click();
      await page.getByTestId("case-step").nth(1).waitFor({ timeout: 60_000 });
      expect(await page.getByTestId("case-status").innerText()).toMatch(/^awaiting travel document$/i);
      // The next form is the travel document's.
      await page.getByTestId("step-number").waitFor();

      const r = await officer.req<{ case: RepatriationCaseView }>(
        "GET",
        `/api/v1/repatriation/cases/${pending.id}`,
      );
      expect(r.body.case).toMatchObject({ status: "awaiting_document", version: 2 });
      expect(r.body.case.steps[1]).toMatchObject({ kind: "verification_answered", outcome: "verified" });
      expect(new Date(r.body.case.steps[1].at).getTime()).toBe(at.getTime());
      // The step is shown on the officer's clock too, with its offset: Beijing's hour, not New York's.
      const shown = await page.getByTestId("case-step").nth(1).innerText();
      expect(shown).toContain(`${toZonedIso(at, PROFILE_ZONE).slice(11, 16)}:00 GMT+8`);
    });

    it("opens a case from a person record, then shows the monthly figures with a CSV in the reader's language", async () => {
      // From the person record of the case above: the form comes filled with the person's names and dates.
      await page.goto(`/persons/${pending.personId}`);
      await page.getByTestId("person-repatriation").click();
      await page.getByTestId("repatriation-new").waitFor();
      expect(await page.getByTestId("new-from-person").innerText()).toContain("陈小明");
      expect(await page.getByTestId("new-original").inputValue()).toBe("陈小明");
      expect(await page.getByTestId("new-romanised").inputValue()).toBe("Chen Xiaoming");
      expect(await page.getByTestId("new-dateOfBirth").inputValue()).toBe("1990-04-12");
      expect(await page.getByTestId("new-nationality").inputValue()).toBe("CN");
      // A peer that is not one: the server names the field, nothing is saved.
      await page.getByTestId("new-peer").fill("XX-NONE");
      await page.getByTestId("new-submit").click();
      await page.getByTestId("api-error").waitFor();
      expect(await page.getByTestId("api-error").innerText()).toMatch(/peer/i);
      await page.getByTestId("new-peer").fill("");
      await page.getByTestId("new-whereabouts").fill("Example County Detention Center (fictitious)");
      await page.getByTestId("new-submit").click();
      await page.getByTestId("repatriation-case").waitFor({ timeout: 60_000 });
      expect(await page.getByTestId("case-status").innerText()).toMatch(/^awaiting identity verification$/i);
      const id = decodeURIComponent(new URL(page.url()).pathname.split("/").pop() ?? "");
      const made = await officer.req<{ case: RepatriationCaseView }>(
        "GET",
        `/api/v1/repatriation/cases/${id}`,
      );
      expect(made.status).toBe(200);
      // The same person record, found again by name and date of birth.
      expect(made.body.case.personId).toBe(pending.personId);
      expect(made.body.case.person.whereabouts).toBe("Example County Detention Center (fictitious)");

      // The monthly figures: this month counts the verification answered above.
      await page.goto("/repatriation");
      await page.getByTestId("figures-link").click();
      await page.getByTestId("figures-table").waitFor({ timeout: 60_000 });
      const headers = await page.getByTestId("figures-table").locator("th").allInnerTexts();
      expect(headers).toEqual([
        "Month",
        "Verified",
        "Not a national",
        "Cannot verify",
        "Average days to verify",
        "Travel documents issued",
        "Issued in time",
        "Average days to document",
        "Arrived",
      ]);
      expect(await page.getByTestId("figures-month").count()).toBe(12);
      const total = await page.getByTestId("figures-total").locator("td").allInnerTexts();
      expect(total[0]).toBe("Total");
      expect(Number(total[1])).toBeGreaterThanOrEqual(1);
      const href = (await page.getByTestId("figures-csv").getAttribute("href")) ?? "";
      expect(href).toContain("lang=en");
      const csv = await page.request.get(href);
      expect(csv.status()).toBe(200);
      const lines = (await csv.text())
        .replace(/^\uFEFF/, "")
        .trim()
        .split("\r\n");
      expect(lines[0]).toBe(headers.join(","));
      expect(lines.at(-1)?.split(",")[1]).toBe(total[1]);
    });
  },
);
