import { OUTSIDE_ROLES, ROLES } from "@crossline/schemas";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  listen,
  signedInPage,
  switchLanguage,
} from "../support/browser.js";
import { DB_KIND } from "../support/node.js";
import { addProvider } from "../support/providers-fixtures.js";
import {
  act,
  draft,
  emergencyPreservationForm,
  type TwoNodes,
  twoNodes,
} from "../support/requests-fixtures.js";

/**
 * Screens an officer can trust, in Chromium on a CN-MPS node whose default language is Chinese: the sign-in page
 * opens in the node's language without logging an error; board rows tell requests apart; the roster editor offers
 * only people who can be rostered; the dashboard shows each role what needs them and the menu has no placeholder.
 * Runs once (PGlite): the pages do not depend on the store.
 */
describeBrowser("screens: start-up language, board rows, roster choices, dashboard", () => {
  const once = DB_KIND === "pglite";
  let t: TwoNodes;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!once) return;
    await ensureConsoleBuilt();
    t = await twoNodes({ cnSettings: { language: "zh-CN" } });
    const { cn } = t;
    await cn.user("case.li", ["case_officer"], t.cnUnit);
    await cn.user("duty.wu", ["duty_officer"], t.cnUnit);
    await cn.user("chief.zhao", ["supervisor"], t.cnUnit);
    await cn.user("roster.admin", ["admin"], t.cnUnit);
    const officer = await cn.as("case.li");
    // Two preservation requests: the same type, told apart by their offences.
    for (const offence of ["Ransomware attack on a hospital", "Extortion of a school board"]) {
      const form = emergencyPreservationForm();
      form.offence = { ...form.offence, description: { lang: "en", text: offence } };
      const d = await draft(officer, form);
      await act(officer, d.id, { event: "submit_for_approval" });
    }
    base = await listen(cn);
    browser = await launchChromium();
    // node set-up and (when stale) the console build, on a shared machine
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const as = (username: string, to: string, viewport?: { width: number; height: number }) =>
    signedInPage(browser, { baseURL: base, username, to, ...(viewport ? { viewport } : {}) });

  it.runIf(once)("opens the sign-in page in the node's language and logs no error", async () => {
    const ctx = await browser.newContext({ baseURL: base, locale: "en-GB" });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("response", (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });
    await page.goto("/");
    await page.getByTestId("signin-form").waitFor();
    // an English browser, a Chinese node, nobody chose yet: Chinese
    await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("zh-CN");
    expect(await page.getByTestId("signin-submit").innerText()).toMatch(/[\u4e00-\u9fff]/);
    // a choice made in this browser wins over the node's language, also after a reload
    await page.getByTestId("language-switch").click();
    await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("en");
    await page.reload();
    await page.getByTestId("signin-form").waitFor();
    await page.waitForTimeout(500);
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    // the session probe ("is anyone signed in?") is an answer, not a failed request
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it.runIf(once)("shows on the board what tells two requests of one type apart", async () => {
    const page = await as("case.li", "/requests");
    await page.getByTestId("tab-outgoing").click();
    await expect.poll(() => page.getByTestId("board-row").count()).toBe(2);
    const titles = await page.getByTestId("board-title").allInnerTexts();
    expect(titles.sort()).toEqual(["Extortion of a school board", "Ransomware attack on a hospital"]);
    await page.context().close();
  });

  it.runIf(once)("offers only duty officers and supervisors of the unit in the roster editor", async () => {
    const rosterOptions = async (page: Page) => {
      await page.getByTestId("hotline-tab-roster").click();
      await page.getByTestId("roster-form").waitFor();
      await page.getByTestId("roster-user").click();
      await page.getByRole("option").first().waitFor();
      return (await page.getByRole("option").allInnerTexts()).map((s) => s.trim()).sort();
    };
    // the administrator keeps the roster but is not on it: nobody preselected, no case officer offered
    const admin = await as("roster.admin", "/hotline");
    expect(await admin.getByTestId("roster-user").inputValue()).toBe("");
    expect(await rosterOptions(admin)).toEqual(["chief.zhao (chief.zhao)", "duty.wu (duty.wu)"]);
    await admin.context().close();
    // a supervisor is preselected
    const chief = await as("chief.zhao", "/hotline");
    await chief.getByTestId("hotline-tab-roster").click();
    // The field shows the bare name until the unit's people have loaded, then the picked entry's label.
    await expect.poll(() => chief.getByTestId("roster-user").inputValue()).toBe("chief.zhao (chief.zhao)");
    await chief.context().close();
  });

  it.runIf(once)(
    "shows each role on the dashboard what needs them, and no placeholder in the menu",
    async () => {
      const chief = await as("chief.zhao", "/");
      await expect.poll(() => chief.getByTestId("dashboard-approvals").getAttribute("data-count")).toBe("2");
      expect(await chief.getByTestId("dashboard-approvals").getByTestId("dashboard-request").count()).toBe(2);
      expect(await chief.getByTestId("dashboard-approvals").innerText()).toContain(
        "Ransomware attack on a hospital",
      );
      await chief.getByTestId("dashboard-alerts").waitFor();
      await chief.getByTestId("dashboard-overdue").waitFor();
      await expect.poll(() => chief.getByTestId("dashboard-links").getAttribute("data-count")).not.toBe("");
      expect(await chief.getByText("Not available yet").count()).toBe(0);
      // Every entry of the menu has its page now: dialogue rounds and fugitives too.
      await chief.getByTestId("nav-dialogue").waitFor();
      await chief.getByTestId("nav-fugitives").click();
      await chief.getByTestId("fugitives-search").waitFor();
      expect(await chief.getByTestId("not-found").count()).toBe(0);
      // the node's agency in the reader's language
      await chief.goto("/");
      await chief.getByText("Test agency", { exact: true }).waitFor();
      await switchLanguage(chief, "zh-CN");
      await chief.getByText("测试机构", { exact: true }).waitFor();
      await switchLanguage(chief, "en");
      await chief.context().close();

      // a case officer approves nothing and sees no peers: neither card
      const officer = await as("case.li", "/");
      await officer.getByTestId("dashboard-alerts").waitFor();
      await officer.getByTestId("dashboard-due-soon").waitFor();
      expect(await officer.getByTestId("dashboard-approvals").count()).toBe(0);
      expect(await officer.getByTestId("dashboard-links").count()).toBe(0);
      await officer.context().close();
    },
  );

  it.runIf(once)(
    "offers officers' roles only in the user form, and keeps a provider staff account's one role",
    async () => {
      const admin = await t.cn.as("roster.admin");
      const providerId = await addProvider(admin, "Screens Cloud");
      const staff = await admin.req("POST", `/api/v1/providers/${providerId}/users`, {
        username: "cloud.staff",
        displayName: "Cloud staff",
        email: "staff@cloud.example.cn",
        timeZone: "Asia/Shanghai",
      });
      expect(staff.status).toBe(201);
      const page = await as("roster.admin", "/users");
      await page.getByTestId("users-create").click();
      await page.getByTestId("user-form-roles").click();
      await page.getByRole("option").first().waitFor();
      const offered = (await page.getByRole("option").allInnerTexts()).map((s) => s.trim());
      expect(offered).toHaveLength(ROLES.length - OUTSIDE_ROLES.length);
      expect(offered).not.toContain("Provider staff");
      await page.keyboard.press("Escape");
      await page.keyboard.press("Escape");
      const row = page.locator('[data-testid="user-row"][data-username="cloud.staff"]');
      await row.getByTestId("user-actions").click();
      await page.getByTestId("user-edit").click();
      expect(await page.getByTestId("user-form-roles").isDisabled()).toBe(true);
      await page.getByText("A provider's staff account keeps its one role.", { exact: false }).waitFor();
      await page.context().close();
    },
  );

  it.runIf(once)("shows and reads a draft's times on the officer's clock, not the browser's", async () => {
    const officer = await t.cn.as("case.li");
    const pref = await officer.req("PUT", "/api/v1/me/preferences", {
      language: "en",
      timeZone: "Asia/Shanghai",
    });
    expect(pref.status).toBe(200);
    const form = emergencyPreservationForm();
    form.details = {
      ...form.details,
      period: { from: "2026-11-18T00:00:00.000Z", to: "2026-11-20T00:00:00.000Z" },
    };
    const d = await draft(officer, form);
    // The browser runs on New York time (UTC-5); the officer's clock is Beijing's (UTC+8).
    const page = await signedInPage(browser, {
      baseURL: base,
      username: "case.li",
      to: `/requests/${d.id}/edit`,
      timezoneId: "America/New_York",
    });
    const from = page.getByTestId("details-period.from");
    await expect.poll(() => from.inputValue()).toBe("2026-11-18 08:00");
    expect(await page.getByTestId("details-period.to").inputValue()).toBe("2026-11-20 08:00");
    await from.fill("2026-11-19 08:00");
    await page.getByTestId("form-save").click();
    await page.getByTestId("draft-saved").waitFor();
    const saved = await officer.req<{ request: { form: { details: { period: { from: string } } } } }>(
      "GET",
      `/api/v1/requests/${d.id}`,
    );
    expect(saved.body.request.form.details.period.from).toBe("2026-11-19T00:00:00.000Z");
    await page.context().close();
  });

  it.runIf(once)("says on the request form what it needs before anything is refused", async () => {
    const page = await as("case.li", "/requests/new");
    await page.getByTestId("new-request-form").waitFor();
    // the contact rule is there from the start, not only after the server refuses
    await page.getByText("Give at least one way to reach the officer").waitFor();
    // an optional period marks none of its fields required
    const period = page.getByTestId("details-period");
    expect(await period.locator("legend").innerText()).toContain("optional");
    expect(await period.locator("input[required], input[aria-required=true]").count()).toBe(0);
    // "submit" is not disabled without a word: it saves first, and a refused save is named by the fields
    expect(await page.getByTestId("form-submit").isEnabled()).toBe(true);
    await page.getByTestId("form-submit").click();
    await page.getByTestId("form-error").waitFor();
    expect(await page.getByTestId("new-request-form").innerText()).toContain("Must not be empty");
    await page.context().close();

    // the approve dialog says that approving sends
    const chief = await as("chief.zhao", "/requests");
    await chief.getByTestId("queue-approve").first().click();
    expect(await chief.getByTestId("approve-sends").innerText()).toContain("sends the request");
    await chief.context().close();
  });
});
