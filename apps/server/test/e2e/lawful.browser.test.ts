import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEFAULT_REQUEST_POLICY } from "../../src/modules/requests/requests.policy.js";
import {
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  listen,
  signedInPage,
} from "../support/browser.js";
import { DB_KIND } from "../support/node.js";
import {
  type Detail,
  draft,
  routineSubscriberForm,
  type TwoNodes,
  twoNodes,
} from "../support/requests-fixtures.js";

/**
 * Flagging, review and release in Chromium: a case officer flags a draft for legal review on its page; sending it
 * is refused (the reason shows); the legal reviewer clears it with a ground and a written reason in the review
 * queue; the officer then sends it. Runs once (PGlite): the pages do not depend on the store.
 */
describeBrowser("console: flagging, legal review and release of a request", () => {
  const once = DB_KIND === "pglite";
  let t: TwoNodes;
  let base: string;
  let browser: Browser;
  let id = "";

  beforeAll(async () => {
    if (!once) return;
    await ensureConsoleBuilt();
    t = await twoNodes();
    await t.cn.user("case.li", ["case_officer"], t.cnUnit);
    await t.cn.user("legal.zhao", ["legal_reviewer"]);
    const admin = await t.cn.as("admin");
    const p = { ...DEFAULT_REQUEST_POLICY, fourEyes: { ...DEFAULT_REQUEST_POLICY.fourEyes } };
    for (const k of Object.keys(p.fourEyes)) p.fourEyes[k as "preservation"] = false;
    expect((await admin.req("PUT", "/api/v1/policy/requests", p)).status).toBe(200);
    id = (await draft(await t.cn.as("case.li"), routineSubscriberForm())).id;
    base = await listen(t.cn);
    browser = await launchChromium();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it.runIf(once)(
    "flags a draft, refuses to send it, clears it as legal reviewer, and sends it",
    async () => {
      const officer = await signedInPage(browser, {
        baseURL: base,
        username: "case.li",
        to: `/requests/${id}`,
      });
      await officer.getByTestId("lawful-panel").waitFor();
      await officer.getByTestId("flag-open").click();
      await officer.getByTestId("flag-political").click();
      await officer.getByTestId("flag-note").fill("The suspect leads an opposition party abroad");
      await officer.getByTestId("flag-submit").click();
      await expect.poll(() => officer.getByTestId("lawful-flag").getAttribute("data-state")).toBe("flagged");

      await officer.getByTestId("action-send").click();
      await officer.getByTestId("action-confirm").click();
      await expect
        .poll(() => officer.getByTestId("api-error").first().textContent())
        .toContain("flagged for legal review");
      await officer.keyboard.press("Escape");

      const reviewer = await signedInPage(browser, { baseURL: base, username: "legal.zhao", to: "/lawful" });
      const item = reviewer.locator(`[data-testid="review-item"][data-record="${id}"]`);
      await item.waitFor();
      await item.getByTestId("decision-ground").click();
      await reviewer.getByRole("option", { name: "Ordinary-law elements predominate" }).click();
      await item
        .getByTestId("decision-text")
        .fill("Business e-mail compromise; the membership plays no part.");
      await item.getByTestId("decision-clear").click();
      await item.waitFor({ state: "detached" });

      await officer.reload();
      await expect.poll(() => officer.getByTestId("lawful-flag").getAttribute("data-state")).toBe("cleared");
      await officer.getByTestId("action-send").click();
      await officer.getByTestId("action-confirm").click();
      await officer.getByTestId("action-confirm").waitFor({ state: "detached" });
      const r = await (await t.cn.as("case.li")).req<Detail>("GET", `/api/v1/requests/${id}`);
      expect(r.body.request.status).toBe("sent");
      await reviewer.context().close();
      await officer.context().close();
    },
    600_000,
  );
});
