import type { SignedNoticeFile } from "@crossline/schemas";
import { DEFAULT_NOTICE_POLICY } from "@crossline/schemas";
import { generate } from "otplib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  listen,
  rawInstants,
  signedInPage,
} from "../support/browser.js";
import { type Agent, createTestNode, DB_KIND, type TestNode } from "../support/node.js";
import {
  addProvider,
  nodeEpoch,
  noticeForm,
  providerStaff,
  sentNotice,
} from "../support/providers-fixtures.js";

/**
 * In Chromium: an officer drafts and sends a notice in the console; the provider's staff member signs in with a
 * one-time code (MFA is required of them), finds it in the portal, confirms receipt, attaches evidence and
 * answers; the officer sees the answer. Then anyone checks a genuine and a forged notice on the public page.
 */
describeBrowser("provider notices in the console, the portal and the verification page", () => {
  const once = DB_KIND === "pglite";
  let node: TestNode;
  let browser: Browser;
  let base = "";
  let officer: Agent;
  let approver: Agent;
  let weibo = "";
  let staffSecret = "";

  beforeAll(async () => {
    if (!once) return;
    await ensureConsoleBuilt();
    node = await createTestNode({ id: "CN-MPS" });
    await node.user("wang.compliance", ["provider_compliance"]);
    await node.user("li.compliance", ["provider_compliance"]);
    officer = await node.as("wang.compliance");
    approver = await node.as("li.compliance");
    // Removal notices go without a second officer here, so the officer sends from the console alone.
    await officer.req("PUT", "/api/v1/notice-policy", {
      ...DEFAULT_NOTICE_POLICY,
      fourEyes: { ...DEFAULT_NOTICE_POLICY.fourEyes, remove_content: false },
    });
    weibo = await addProvider(officer, "Example Weibo");
    staffSecret = (await providerStaff(node, officer, weibo, "zhao.weibo")).secret;
    base = await listen(node);
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await node?.close();
  });

  async function choose(page: Page, testId: string, option: RegExp) {
    await page.getByTestId(testId).click();
    await page.getByRole("option", { name: option }).click();
    await expect.poll(() => page.getByRole("listbox").count()).toBe(0);
  }

  it.runIf(once)(
    "an officer sends a notice and the provider's staff answer it in the portal",
    async () => {
      const page = await signedInPage(browser, {
        baseURL: base,
        username: "wang.compliance",
        to: "/notices/new",
      });
      await page.getByTestId("notice-form").waitFor();
      await choose(page, "notice-form-provider", /Example Weibo/);
      await page.getByTestId("notice-form-law").fill("Cybersecurity Law of the People's Republic of China");
      await page.getByTestId("notice-form-article").fill("Art. 47");
      await page
        .getByTestId("notice-form-locator-value")
        .fill("https://weibo.example.cn/u/1234567/status/987");
      // the window is typed on the officer's clock (Asia/Shanghai), as every other time in the console
      await page.getByTestId("notice-form-locator-from").fill("2026-11-18 08:00");
      await page.getByTestId("notice-form-locator-to").fill("2026-11-20 08:00");
      await page.getByTestId("notice-form-reason").fill("Fraudulent flood-relief donation appeal.");
      await page.getByTestId("notice-form-save").click();
      await page.getByTestId("notice-detail").waitFor();
      const drafted = await officer.req<{
        notice: { locators: { from: string | null; to: string | null }[] };
      }>("GET", `/api/v1/notices/${page.url().split("/").pop()}`);
      expect(drafted.body.notice.locators[0]).toMatchObject({
        from: "2026-11-18T00:00:00.000Z",
        to: "2026-11-20T00:00:00.000Z",
      });
      expect(await page.getByTestId("notice-locators").innerText()).toContain("GMT+8");
      await page.getByTestId("notice-action-send").click();
      await expect.poll(() => page.getByTestId("notice-status").getAttribute("data-status")).toBe("sent");
      const code = (await page.getByTestId("notice-code").innerText()).trim();
      expect(code).toMatch(/^[0-9A-Z*~$=-]{26}$/);
      const noticeUrl = page.url();

      // The provider's staff member: password, then the authenticator's next code (the last one was used at enrolment).
      const ctx = await browser.newContext({ baseURL: base, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
      ctx.setDefaultTimeout(20_000);
      const portal = await ctx.newPage();
      await portal.goto("/");
      await portal.getByTestId("signin-username").fill("zhao.weibo");
      await portal.getByTestId("signin-password").fill("provider-staff-horse-battery");
      await portal.getByTestId("signin-submit").click();
      await portal
        .getByTestId("signin-totp")
        .fill(await generate({ secret: staffSecret, epoch: nodeEpoch(node, 30) }));
      await portal.getByTestId("signin-submit").click();
      await portal.getByTestId("portal-home").waitFor();
      expect(portal.url()).toMatch(/\/portal$/);
      await portal.getByTestId("notice-link").first().click();
      await portal.getByTestId("notice-detail").waitFor();
      await portal.getByTestId("portal-action-receive").click();
      await expect
        .poll(() => portal.getByTestId("notice-status").getAttribute("data-status"))
        .toBe("received");
      await portal.getByTestId("portal-answer-text").fill("已删除该微博并封禁账户。");
      await portal.locator('input[type="file"]').setInputFiles({
        name: "removal-log.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("2026-11-20 10:02 status 987 removed"),
      });
      await portal.getByTestId("portal-evidence-list").waitFor();
      await portal.getByTestId("portal-answer-submit").click();
      await expect.poll(() => portal.getByTestId("notice-status").getAttribute("data-status")).toBe("done");
      await ctx.close();

      await page.goto(noticeUrl);
      await page.getByTestId("notice-answer").waitFor();
      expect(await page.getByTestId("notice-answer").innerText()).toContain("已删除该微博并封禁账户");
      expect(await page.getByTestId("notice-evidence").innerText()).toContain("removal-log.txt");
      await page.context().close();
    },
    300_000,
  );

  it.runIf(once)(
    "the public page shows a genuine notice as genuine and a forged one as forged",
    async () => {
      const n = await sentNotice(officer, approver, noticeForm(weibo, { kind: "preserve_data" }));
      const file = (await officer.req<SignedNoticeFile>("GET", `/api/v1/notices/${n.id}/signed`)).body;
      // no account says where the reader is: the times are on the browser's clock, with its offset
      const ctx = await browser.newContext({
        baseURL: base,
        locale: "en-GB",
        timezoneId: "America/New_York",
      });
      ctx.setDefaultTimeout(20_000);
      const page = await ctx.newPage();
      await page.goto("/verify");
      await page.getByTestId("verify-code").fill(String(n.verificationCode));
      await page.getByTestId("verify-submit").click();
      await expect.poll(() => page.getByTestId("verify-result").getAttribute("data-result")).toBe("valid");
      const shown = await page.getByTestId("verify-result").innerText();
      expect(shown).toContain("wang.compliance");
      expect(shown).toMatch(/Sent: .*GMT-5/);
      expect(await rawInstants(page)).toEqual([]);
      // Forged: the signature replaced by one this node never made.
      const [h, p] = file.signature.split(".");
      const forged = { ...file, signature: `${h}.${p}.${Buffer.alloc(64, 7).toString("base64url")}` };
      await page.getByTestId("verify-code").fill("");
      await page.getByTestId("verify-document").fill(JSON.stringify(forged));
      await page.getByTestId("verify-submit").click();
      await expect.poll(() => page.getByTestId("verify-result").getAttribute("data-result")).toBe("forged");
      await ctx.close();
    },
    120_000,
  );
});
