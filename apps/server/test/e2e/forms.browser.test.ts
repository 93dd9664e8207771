import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { inTransaction } from "../../src/db/client.js";
import { describeBrowser, ensureConsoleBuilt, launchChromium, listen } from "../support/browser.js";
import { createTestNode, DB_KIND, TEST_PASSWORD, type TestNode } from "../support/node.js";

/**
 * Forms check what they send on the page and put each problem beside its field, in the interface
 * language: never "body.username: …" or "期望 number <=527040". Sign-in, the deadline policy and the
 * duty roster, each in English and in Chinese (a browser whose language is Chinese opens in Chinese).
 */
describeBrowser("forms say what is wrong beside the field, in both languages", () => {
  const once = DB_KIND === "pglite";
  let node: TestNode;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!once) return;
    await ensureConsoleBuilt();
    node = await createTestNode({ id: "CN-MPS" });
    await node.user("admin.he", ["admin", "supervisor"]);
    // one line in the desk's log (an escalation from the peer), written as the inbox writes it
    const unitId = (await node.user("duty.wu", ["duty_officer"])).unitId;
    await inTransaction(node.rt.services.db, (tx) =>
      node.rt.services.hotline.log(tx, {
        unitId,
        peerId: "US-DOJ",
        direction: "incoming",
        kind: "escalation_received",
        actorLabel: "US-DOJ",
        summary: "escalation (level 2) from US-DOJ",
      }),
    );
    base = await listen(node);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.close();
  });

  async function pageIn(locale: "en-GB" | "zh-CN"): Promise<Page> {
    const ctx = await browser.newContext({ baseURL: base, locale, viewport: { width: 1400, height: 900 } });
    ctx.setDefaultTimeout(20_000);
    // The sign-in page opens in the node's language unless this browser chose one: choose the one under test.
    const lang = locale.startsWith("zh") ? "zh-CN" : "en";
    await ctx.addInitScript(
      `if (!localStorage.getItem("crossline.language")) localStorage.setItem("crossline.language", "${lang}");`,
    );
    return ctx.newPage();
  }

  /** The message Mantine shows under an input (its wrapper's error element). */
  const fieldError = (page: Page, testId: string) =>
    page
      .getByTestId(testId)
      .locator("xpath=ancestor::div[contains(@class,'-root')][1]")
      .locator("[class*='-error']");

  for (const [locale, words] of [
    [
      "en-GB",
      {
        username: "only letters, digits, '.', '-' and '_'",
        notDuration: "Not a duration",
        tooLong: "At most 366d",
        ackAfterAnswer: "the acknowledge deadline must not be later than the answer deadline",
        atMost: "At most 366",
        logLine: "escalation from US-DOJ",
        incoming: "Incoming",
      },
    ],
    [
      "zh-CN",
      {
        username: "只能包含字母、数字、“.”、“-”和“_”",
        notDuration: "不是有效时长",
        tooLong: "最长 366d",
        ackAfterAnswer: "确认期限不得晚于答复期限",
        atMost: "不能大于 366",
        logLine: "收到 US-DOJ 的升级提醒",
        incoming: "来件",
      },
    ],
  ] as const) {
    it.runIf(once)(`sign-in, policy and roster (${locale})`, async () => {
      const page = await pageIn(locale);
      await page.goto("/");
      await page.getByTestId("signin-username").fill("Li Qiang");
      await page.getByTestId("signin-password").fill(TEST_PASSWORD);
      await page.getByTestId("signin-submit").click();
      await expect.poll(() => fieldError(page, "signin-username").innerText()).toBe(words.username);
      expect(await page.getByTestId("signin-error").count()).toBe(0); // nothing was sent
      await page.getByTestId("signin-username").fill("admin.he");
      await page.getByTestId("signin-submit").click();
      await page.getByTestId("nav").waitFor();
      // signed in, the console takes the user's own language: set it to the one under test
      if ((await page.locator("html").getAttribute("lang")) !== (locale === "zh-CN" ? "zh-CN" : "en")) {
        await page.getByTestId("user-menu").click();
        await page.getByTestId("menu-language").click();
      }
      await expect
        .poll(() => page.locator("html").getAttribute("lang"))
        .toBe(locale === "zh-CN" ? "zh-CN" : "en");

      // The policy: each wrong cell says why; nothing goes to the node until all are right.
      await page.goto("/policy");
      await page.getByTestId("policy-page").waitFor();
      await page.getByTestId("policy-subscriber_info-routine-answer").fill("soon");
      await page.getByTestId("policy-preservation-routine-answer").fill("400d");
      await page.getByTestId("policy-interview-urgent-ack").fill("30d");
      await page.getByTestId("policy-save").click();
      await page.getByTestId("policy-bad").waitFor();
      expect(await fieldError(page, "policy-subscriber_info-routine-answer").innerText()).toContain(
        words.notDuration,
      );
      expect(await fieldError(page, "policy-preservation-routine-answer").innerText()).toBe(words.tooLong);
      expect(await fieldError(page, "policy-interview-urgent-ack").innerText()).toBe(words.ackAfterAnswer);
      expect(await page.getByTestId("policy-error").count()).toBe(0);
      const text = await page.getByTestId("policy-page").innerText();
      expect(text).not.toMatch(/527040|body\.|expected|期望/);

      // The roster: a number out of range is said, not silently changed to the limit.
      await page.goto("/hotline");
      await page.getByTestId("hotline-tab-roster").click();
      await page.getByTestId("roster-repeat").fill("999");
      await page.getByTestId("roster-save").click();
      await expect.poll(() => fieldError(page, "roster-repeat").innerText()).toBe(words.atMost);
      expect(await page.getByTestId("roster-repeat").inputValue()).toBe("999");

      // The hotline log: lines in the interface language, direction badges whole (not "来…" / "Incom…").
      await page.getByTestId("hotline-tab-log").click();
      const line = page.getByTestId("hotline-log-entry").first();
      await expect.poll(() => line.innerText()).toContain(words.logLine);
      const cut = await page
        .getByTestId("hotline-log")
        .locator("[class*='Badge-label']")
        .evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
      expect(cut).toEqual([]);
      // (a badge is upper-cased by CSS in English: compare without case)
      expect((await line.innerText()).toLowerCase()).toContain(words.incoming.toLowerCase());
      await page.context().close();
    });
  }
});
