import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type Permission, ROLE_PERMISSIONS } from "@crossline/schemas";
import { generate } from "otplib";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cliActor } from "../../src/modules/node/node.service.js";
import {
  CONSOLE_DIR,
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  listen,
  SCREENSHOT_DIR,
} from "../support/browser.js";
import { createTestNode, DB_KIND, type TestNode } from "../support/node.js";

/**
 * The console in a real browser against an in-process node that requires MFA: an
 * officer's first day (one-time password, new password, authenticator), the shell
 * in English and in Chinese, the language kept per user, and a second sign-in with
 * a TOTP code that lands in Chinese.
 */

type Messages = {
  nav: Record<string, string>;
  signIn: Record<string, string>;
  forced: Record<string, string>;
  time: Record<string, string>;
  language: Record<string, string>;
  errors: Record<string, string>;
};
const readMessages = (lang: string): Messages =>
  JSON.parse(readFileSync(path.join(CONSOLE_DIR, "src/i18n", `${lang}.json`), "utf8"));
const en = readMessages("en");
const zh = readMessages("zh-CN");

/** The nav item of each console module and what makes it visible (apps/console/src/modules/registry.ts). */
const NAV_MODULES: Record<string, readonly Permission[]> = {
  dashboard: [],
  hotline: ["hotline:duty", "hotline:roster"],
  requests: ["requests:read"],
  notices: ["notices:read"],
  providers: ["providers:read"],
  cases: ["cases:read"],
  persons: ["persons:read"],
  fugitives: ["fugitives:read"],
  sharedLists: ["fugitives:read"],
  assets: ["fugitives:read"],
  peers: ["peers:read"],
  dialogue: ["rounds:read"],
  reports: ["reports:read"],
  indicators: ["sharing:read"],
  repatriation: ["fugitives:read"],
  users: ["users:manage", "users:read_unit"],
  policy: ["policy:manage"],
  audit: ["audit:read"],
  tokens: [],
  security: [],
  lawful: ["lawful:review", "lawful:retention"],
};
const ROLE = "supervisor" as const;
const granted = new Set(ROLE_PERMISSIONS[ROLE]);
const EXPECTED_NAV = Object.entries(NAV_MODULES)
  .filter(([, perms]) => perms.length === 0 || perms.some((p) => granted.has(p)))
  .map(([id]) => id);

const USERNAME = "wei.zhang";
const NEW_PASSWORD = "a-long-new-passphrase-for-day-one";
const cli = { actor: cliActor("test"), ip: null, requestId: null };

/** HH:mm of an instant in a zone, as the console's clocks show it (24 h). */
function hhmm(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(at);
}

describeBrowser("console in Chromium: sign-in, forced steps, MFA, two languages", () => {
  let node: TestNode;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let userId: string;
  let oneTimePassword: string;
  let secret: string;
  /** The TOTP time step used to enrol: the server refuses it (and any earlier one) afterwards. */
  let enrolStep: number;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await ensureConsoleBuilt();
    [node, browser] = await Promise.all([
      createTestNode({ settings: { mfaRequired: true } }),
      launchChromium(),
    ]);
    base = await listen(node);
    const unit = (await node.rt.services.org.listUnits(cli))[0];
    const created = await node.rt.services.users.create(cli, {
      username: USERNAME,
      displayName: "Zhang Wei",
      unitId: unit.id,
      roles: [ROLE],
      language: "en",
    });
    userId = created.user.id;
    oneTimePassword = created.oneTimePassword as string;
    expect(oneTimePassword).toBeTruthy();

    context = await browser.newContext({
      baseURL: base,
      locale: "en-GB",
      timezoneId: "Asia/Shanghai",
      viewport: { width: 1366, height: 820 },
    });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    page.on("pageerror", (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on("console", (msg) => {
      // refused API calls (401 before sign-in, MFA_REQUIRED) are logged by the browser as failed loads
      if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource"))
        pageErrors.push(`console: ${msg.text()}`);
    });
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await node?.close();
  });

  const visible = (testId: string): Locator => page.getByTestId(testId).filter({ visible: true });

  async function expectShell(m: Messages, lang: "en" | "zh-CN") {
    await expect.poll(() => page.getAttribute("html", "lang")).toBe(lang);
    const nav = page.getByTestId("nav");
    await nav.waitFor();
    const ids = (await nav
      .locator('[data-testid^="nav-"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-testid")))) as string[];
    expect(ids.map((id) => id.slice("nav-".length))).toEqual(EXPECTED_NAV);
    for (const id of EXPECTED_NAV) {
      await expect.poll(() => page.getByTestId(`nav-${id}`).innerText()).toBe(m.nav[id]);
    }
    // (the section titles are upper-cased by CSS: compare the text itself)
    const navText = await nav.textContent();
    expect(navText).toContain(m.nav.operations);
    expect(navText).toContain(m.nav.administration);
    expect(await page.getByTestId("node-name").innerText()).toBe("Test node");

    // The header's clocks: the user's zone (the node's by default) and the other side's.
    const now = new Date();
    const you = visible("clock-user");
    const peer = visible("clock-peer");
    expect(await you.getAttribute("data-zone")).toBe("Asia/Shanghai");
    expect(await peer.getAttribute("data-zone")).toBe("America/New_York");
    const youText = await you.innerText();
    const peerText = await peer.innerText();
    expect(youText).toContain(m.time.yourZone.replace("{{zone}}", m.time.zoneShanghai));
    expect(peerText).toContain(m.time.zoneNewYork);
    const minuteAgo = new Date(now.getTime() - 60_000);
    const inTime = (text: string, zone: string) =>
      [hhmm(now, zone), hhmm(minuteAgo, zone), hhmm(new Date(now.getTime() + 60_000), zone)].some((t) =>
        text.includes(t),
      );
    expect(inTime(youText, "Asia/Shanghai"), youText).toBe(true);
    expect(inTime(peerText, "America/New_York"), peerText).toBe(true);

    // The switch names the other language, in that language.
    expect(await page.getByTestId("language-switch").innerText()).toBe(
      lang === "en" ? m.language.zh : m.language.en,
    );
  }

  it("signs in with the one-time password and must choose a new password", async () => {
    await page.goto("/");
    await expect.poll(() => page.locator("h1").innerText()).toBe(en.signIn.title);
    await page.getByTestId("signin-username").fill(USERNAME);
    await page.getByTestId("signin-password").fill(oneTimePassword);
    await page.getByTestId("signin-submit").click();

    await page.getByTestId("forced-password").waitFor();
    expect(await page.locator("h1").innerText()).toBe(en.forced.passwordTitle);
    await page.getByTestId("password-current").fill(oneTimePassword);
    await page.getByTestId("password-new").fill(NEW_PASSWORD);
    await page.getByTestId("password-repeat").fill(NEW_PASSWORD);
    await page.getByTestId("password-submit").click();
    await page.getByTestId("forced-mfa").waitFor();
  });

  it("enrols an authenticator (QR code and secret) before anything else", async () => {
    expect(await page.locator("h1").innerText()).toBe(en.forced.mfaTitle);
    await page.getByTestId("mfa-start").click();
    const qr = page.getByTestId("mfa-qr");
    await qr.waitFor({ state: "visible" });
    expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/=]+$/);
    // decoded and drawn: the content security policy lets data: images through
    await expect
      .poll(() => qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(100);
    secret = (await page.getByTestId("mfa-secret").getAttribute("data-secret")) ?? "";
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `console-mfa-enrol-${DB_KIND}.png`) });

    enrolStep = Math.floor(Date.now() / 30_000);
    await page.getByTestId("mfa-code").fill(await generate({ secret, epoch: enrolStep * 30 }));
    await page.getByTestId("mfa-confirm").click();
    await page.getByTestId("nav").waitFor();
  });

  it("shows the shell in English: navigation for the role, node name, both clocks", async () => {
    await expectShell(en, "en");
    expect(await page.title()).toBe(`${en.nav.dashboard} · Crossline`);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `console-shell-en-${DB_KIND}.png`) });
  });

  it("switches to Chinese and saves the choice for the user", async () => {
    const saved = page.waitForResponse(
      (r) => r.url().endsWith("/api/v1/me/preferences") && r.request().method() === "PUT",
    );
    await page.getByTestId("language-switch").click();
    expect((await saved).status()).toBe(200);
    await expectShell(zh, "zh-CN");
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `console-shell-zh-CN-${DB_KIND}.png`) });
    expect((await node.rt.services.users.get(cli, userId)).language).toBe("zh-CN");
  });

  it("keeps Chinese after a reload, from the user's saved preference", async () => {
    // Forget what this browser remembered: the language must come from the session.
    await page.evaluate("window.localStorage.clear()");
    await page.reload();
    await expectShell(zh, "zh-CN");
  });

  it("signs out, and signs in again with a TOTP code, landing in Chinese", async () => {
    await page.getByTestId("user-menu").click();
    await page.getByTestId("menu-sign-out").click();
    await page.getByTestId("signin-username").waitFor();
    expect(await page.locator("h1").innerText()).toBe(zh.signIn.title);

    // A fresh browser state (English): the Chinese below comes from the account, not the browser.
    await page.evaluate("window.localStorage.clear()");
    await page.reload();
    await expect.poll(() => page.locator("h1").innerText()).toBe(en.signIn.title);
    await page.getByTestId("signin-username").fill(USERNAME);
    await page.getByTestId("signin-password").fill(NEW_PASSWORD);
    await page.getByTestId("signin-submit").click();
    await page.getByTestId("signin-totp").waitFor();
    expect(await page.getByTestId("signin-mfa-prompt").innerText()).toBe(en.errors.MFA_REQUIRED);
    expect(await page.locator("h1").innerText()).toBe(en.signIn.totpTitle);

    // The enrolment's step is spent; the next one is within the server's one-step drift allowance.
    const step = Math.max(enrolStep + 1, Math.floor(Date.now() / 30_000));
    await page.getByTestId("signin-totp").fill(await generate({ secret, epoch: step * 30 }));
    await page.getByTestId("signin-submit").click();
    await page.getByTestId("nav").waitFor();
    await expectShell(zh, "zh-CN");
  });

  it("saves a switch of language even when the tab is closed right after it", async () => {
    const tab = await context.newPage();
    tab.on("pageerror", (err) => pageErrors.push(`pageerror (second tab): ${err.message}`));
    await tab.goto("/");
    await tab.getByTestId("nav").waitFor();
    expect(await tab.locator("html").getAttribute("lang")).toBe("zh-CN");
    // No wait for the page to change language nor for the answer: the tab is gone at once.
    await tab.getByTestId("language-switch").click();
    await tab.close();
    await expect.poll(async () => (await node.rt.services.users.get(cli, userId)).language).toBe("en");
  });

  it("recorded the enrolment and both sign-ins in the audit trail", async () => {
    const { items } = await node.rt.services.audit.list(cli, { limit: 100 });
    const mine = items.filter((e) => e.targetId === userId).reverse();
    const confirms = mine.filter((e) => e.action === "auth.mfa_confirm");
    expect(confirms.map((e) => [e.outcome, e.actorId])).toEqual([["success", userId]]);
    const signIns = mine.filter((e) => e.action === "auth.sign_in");
    expect(signIns.map((e) => [e.outcome, e.details.mfa ?? e.details.reason])).toEqual([
      ["success", false],
      ["failure", "mfa_code_missing"],
      ["success", true],
    ]);
    expect(signIns.filter((e) => e.outcome === "success").every((e) => e.actorId === userId)).toBe(true);
  });

  it("raised no script errors in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});
