import { mkdirSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Browser, Frame, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { inTransaction } from "../../src/db/client.js";
import { users } from "../../src/db/schema/index.js";
import {
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  listen,
  SCREENSHOT_DIR,
  signedInPage,
  switchLanguage,
} from "../support/browser.js";
import { type Agent, createTestNode, DB_KIND, type TestNode } from "../support/node.js";
import { act, type Detail, emergencyPreservationForm } from "../support/requests-fixtures.js";

/**
 * The header's notification bell and the shell's one live stream, in Chromium on one node: a supervisor on the
 * Requests page (not the Hotline) sees an emergency approval request arrive without a reload (bell count and a
 * toast), opens it from the panel (it is marked read and the request page opens), and reads it in Chinese; a case
 * officer whose request page is open sees it go back to draft when the supervisor returns it. Every page load
 * opens exactly one stream, however many pages show notifications. Runs once (PGlite).
 */
describeBrowser("console notification bell and live stream", () => {
  const once = DB_KIND === "pglite";
  let node: TestNode;
  let base: string;
  let browser: Browser;
  let officer: Agent;
  let supervisor: Agent;

  beforeAll(async () => {
    if (!once) return;
    await ensureConsoleBuilt();
    node = await createTestNode({ id: "CN-MPS" });
    await node.user("case.li", ["case_officer"]);
    await node.user("supervisor.zhang", ["supervisor"]);
    officer = await node.as("case.li");
    supervisor = await node.as("supervisor.zhang");
    base = await listen(node);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.close();
  });

  /**
   * Signed in and on `to`, with the live stream open: `streams()` counts the event-stream requests since that
   * last page load. The stream answers (headers) only once it has taken its starting point, so a notification
   * written after this returns is one the stream will carry, not one it starts after.
   */
  async function signedIn(username: string, to: string): Promise<{ page: Page; streams: () => number }> {
    const page = await signedInPage(browser, { baseURL: base, username, to });
    let count = 0;
    let open = 0;
    page.on("request", (r) => {
      if (r.url().includes("/notifications/stream")) count++;
    });
    page.on("response", (r) => {
      if (r.url().includes("/notifications/stream")) open++;
    });
    // signedInPage returns at the load event, which can come before the console has mounted and opened its
    // stream: that first page's request may still be seen here (under load it was, and the count read 2). The
    // counts start when the reload commits, so only the reloaded page's streams are counted.
    const committed = (f: Frame) => {
      if (f !== page.mainFrame()) return;
      count = 0;
      open = 0;
      page.off("framenavigated", committed);
    };
    page.on("framenavigated", committed);
    await page.reload();
    await page.getByTestId("notifications-bell").waitFor();
    await expect.poll(() => open, { timeout: 10_000 }).toBeGreaterThan(0);
    return { page, streams: () => count };
  }

  async function draftAndSubmit(): Promise<Detail["request"]> {
    const r = await officer.req<Detail>("POST", "/api/v1/requests", { form: emergencyPreservationForm() });
    expect(r.status).toBe(201);
    const submitted = await act(officer, r.body.request.id, { event: "submit_for_approval" });
    expect(submitted.status).toBe(200);
    return r.body.request;
  }

  it.runIf(once)(
    "shows a new notification on the bell without a reload, opens it from the panel, in both languages",
    async () => {
      const { page, streams } = await signedIn("supervisor.zhang", "/requests");
      await page.getByTestId("page").waitFor();
      expect(await page.getByTestId("notifications-bell-count").count()).toBe(0);
      // an empty panel says so
      await page.getByTestId("notifications-bell").click();
      await page.getByTestId("notifications-panel").waitFor();
      expect(await page.getByTestId("notifications-panel").innerText()).toContain("No notifications yet.");
      expect(await page.getByTestId("notifications-panel-read-all").count()).toBe(0);
      await page.getByTestId("notifications-bell").click();
      await page.getByTestId("notifications-panel").waitFor({ state: "hidden" });

      // A marker that a reload would lose.
      await page.evaluate(() => {
        (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
      });
      const d = await draftAndSubmit();

      // Live: the count appears and the emergency raises a toast (well before the 15 s polling fallback).
      await expect
        .poll(() => page.getByTestId("notifications-bell-count").textContent(), { timeout: 10_000 })
        .toBe("1");
      const toast = page.getByTestId("notification-toast");
      await toast.waitFor();
      expect(await toast.innerText()).toContain(`Approval needed: ${d.reference}`);
      expect(
        await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
      ).toBe(true);
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "notification-toast-en.png") });
      await toast.click();
      await toast.waitFor({ state: "hidden" });

      await page.getByTestId("notifications-bell").click();
      const panel = page.getByTestId("notifications-panel");
      await panel.waitFor();
      const item = panel.getByTestId("notifications-panel-item").first();
      expect(await item.innerText()).toContain(`Approval needed: ${d.reference}`);
      expect((await item.innerText()).toLowerCase()).toContain("emergency");
      expect(await item.getAttribute("data-read")).toBe("false");
      expect(await item.getAttribute("href")).toBe(`/requests/${d.id}`);
      await page.waitForTimeout(300); // the panel fades in
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "notifications-panel-en.png") });

      // Opening it marks it read and goes to the request, still without a reload.
      await item.click();
      await page.getByTestId("request-detail").waitFor();
      expect(new URL(page.url()).pathname).toBe(`/requests/${d.id}`);
      expect(await page.getByTestId("request-reference").innerText()).toBe(d.reference);
      await page.getByTestId("notifications-bell-count").waitFor({ state: "detached" });
      expect(
        await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
      ).toBe(true);

      // In Chinese the panel shows the Chinese title.
      await switchLanguage(page, "zh-CN");
      await page.getByTestId("notifications-bell").click();
      await panel.waitFor();
      const zhItem = panel.getByTestId("notifications-panel-item").first();
      expect(await zhItem.innerText()).toContain(`待审批：${d.reference}`);
      expect(await zhItem.innerText()).toContain("紧急");
      expect(await zhItem.getAttribute("data-read")).toBe("true");
      expect(await page.getByTestId("notifications-bell").getAttribute("aria-label")).toContain("通知");
      await page.waitForTimeout(300); // the panel fades in
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "notifications-panel-zh.png") });
      await page.keyboard.press("Escape");
      await panel.waitFor({ state: "hidden" });

      // The Hotline's card shows the same list, and opens no second stream.
      await page.getByTestId("nav-hotline").click();
      await page.getByTestId("notifications").waitFor();
      await page.getByTestId("notification").first().waitFor();
      expect(await page.getByTestId("notifications").innerText()).toContain(`待审批：${d.reference}`);
      expect(streams()).toBe(1);

      // A reload is a new page load, with again exactly one stream.
      await page.reload();
      await page.getByTestId("notifications").waitFor();
      await expect.poll(streams).toBe(2);

      // Mark all read from the panel.
      const d2 = await draftAndSubmit();
      await expect
        .poll(() => page.getByTestId("notifications-bell-count").textContent(), { timeout: 10_000 })
        .toBe("1");
      await page.getByTestId("notification-toast").waitFor();
      expect(await page.getByTestId("notification-toast").innerText()).toContain(`待审批：${d2.reference}`);
      await page.getByTestId("notification-toast").click();
      await page.getByTestId("notifications-bell").click();
      await page.getByTestId("notifications-panel-read-all").click();
      await page.getByTestId("notifications-bell-count").waitFor({ state: "detached" });
      await page.getByTestId("notifications-unread").waitFor({ state: "detached" });
      expect(streams()).toBe(2);

      // back to English for whoever signs in as this user next
      await switchLanguage(page, "en");
      await page.context().close();
    },
  );

  it.runIf(once)("updates an open request page when a notification about it arrives", async () => {
    const d = await draftAndSubmit();
    const { page, streams } = await signedIn("case.li", `/requests/${d.id}`);
    await page.getByTestId("request-detail").waitFor();
    await page.getByTestId("follow-up").waitFor();
    expect(await page.getByTestId("edit-draft").count()).toBe(0);

    const returned = await act(supervisor, d.id, {
      event: "reject_approval",
      reason: { lang: "en", text: "Name the account's login IP addresses." },
    });
    expect(returned.status).toBe(200);
    // Back in draft on the open page (its own polling is every 30 s: this is the stream).
    await page.getByTestId("edit-draft").waitFor({ timeout: 10_000 });
    await expect
      .poll(() => page.getByTestId("notifications-bell-count").textContent(), { timeout: 10_000 })
      .toBe("1");
    // info, not an emergency: no toast
    expect(await page.getByTestId("notification-toast").count()).toBe(0);
    await page.getByTestId("notifications-bell").click();
    expect(await page.getByTestId("notifications-panel-item").first().innerText()).toContain(
      `Returned to draft: ${d.reference}`,
    );
    expect(streams()).toBe(1);
    await page.context().close();
  });

  it.runIf(once)(
    "renders a stored key for a Chinese reader in Asia/Shanghai: Chinese texts on their clock, never raw UTC",
    async () => {
      const duty = await node.user("duty.wang", ["duty_officer"]);
      await node.rt.services.db
        .update(users)
        .set({ language: "zh-CN", timeZone: "Asia/Shanghai" })
        .where(eq(users.id, duty.id));
      const { page } = await signedIn("duty.wang", "/requests");
      // the console follows the profile's language
      await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("zh-CN");

      const s = node.rt.services;
      await inTransaction(s.db, (tx) =>
        s.notifications.notify(tx, {
          userIds: [duty.id],
          kind: "request_received",
          severity: "emergency",
          key: "request_received_emergency",
          params: {
            reference: "US-DOJ-2026-00000000AB",
            peer: "US-DOJ",
            title: "Emergency disclosure",
            acknowledgeBy: { at: "2026-12-02T01:47:34.797Z", zone: "America/New_York" },
          },
        }),
      );
      const toast = page.getByTestId("notification-toast");
      await toast.waitFor({ timeout: 10_000 });
      const said = await toast.innerText();
      expect(said).toContain("紧急请求（来自 US-DOJ）：US-DOJ-2026-00000000AB");
      // 01:47 UTC is 09:47 in Beijing; the requester's clock (New York) beside it
      expect(said).toContain(
        "请于 2026-12-02 09:47 (UTC+08:00)；America/New_York：2026-12-01 20:47 (UTC-05:00) 前确认。",
      );
      expect(said).not.toContain("2026-12-02T01:47");
      await toast.click();
      await page.getByTestId("notifications-bell").click();
      const item = page.getByTestId("notifications-panel").getByTestId("notifications-panel-item").first();
      expect(await item.innerText()).toContain("请于 2026-12-02 09:47 (UTC+08:00)");
      expect(await item.innerText()).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
      await page.context().close();
    },
  );

  it.runIf(once)(
    "drops the badge of an open page when what its notification asked for is done by a colleague (issue 9 point 18)",
    async () => {
      await node.user("supervisor.wu", ["supervisor"]);
      const colleague = await node.as("supervisor.wu");
      // from a clean slate: nothing unread
      expect((await supervisor.req("POST", "/api/v1/notifications/read", { all: true })).status).toBe(200);
      const { page } = await signedIn("supervisor.zhang", "/requests");
      await page.getByTestId("page").waitFor();
      expect(await page.getByTestId("notifications-bell-count").count()).toBe(0);

      const d = await draftAndSubmit();
      await expect
        .poll(() => page.getByTestId("notifications-bell-count").textContent(), { timeout: 10_000 })
        .toBe("1");
      // The other supervisor returns it: the approval asked of both is done, and this page's badge goes at once
      // (the stream's `unread` event; the list's own polling is every 15 s).
      const returned = await act(colleague, d.id, {
        event: "reject_approval",
        reason: { lang: "en", text: "Name the data to preserve." },
      });
      expect(returned.status).toBe(200);
      await page.getByTestId("notifications-bell-count").waitFor({ state: "detached", timeout: 10_000 });
      await page.getByTestId("notifications-bell").click();
      const item = page.getByTestId("notifications-panel").getByTestId("notifications-panel-item").first();
      expect(await item.innerText()).toContain(`Approval needed: ${d.reference}`);
      expect(await item.getAttribute("data-read")).toBe("true");
      await page.context().close();
    },
  );
});
