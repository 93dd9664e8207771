import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  attachTextFile,
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  reloadWithLiveStream,
  SCREENSHOT_DIR,
  signedInPage,
  switchLanguage,
} from "../support/browser.js";
import { DB_KIND } from "../support/node.js";
import { createProcNode, type ProcNode, pairProcs, waitUntil } from "../support/proc.js";

/**
 * The emergency preservation story of `integration/requests-story.test.ts`, told through both consoles in
 * Chromium against two real `crossline serve` processes that talk HTTP: a CN-MPS case officer drafts and submits,
 * a CN-MPS supervisor approves (it is sent), the rostered US-DOJ duty officer is alerted live, acknowledges,
 * records the second check and answers; the case officer sees the answer and the whole timeline; each node's
 * auditor finds every step in the Audit page and verifies the chain. One browser context per user.
 * Runs once (PGlite): the pages do not depend on the store.
 */
describeBrowser("the emergency preservation story through both consoles", () => {
  const once = DB_KIND === "pglite";
  let cn: ProcNode;
  let us: ProcNode;
  let browser: Browser;

  /** What the steps hand on to each other. */
  const story = { id: "", reference: "" };
  const CALLBACK = {
    name: "Wang Fang",
    organisation: "MPS Cybersecurity Bureau 24/7 desk",
    phone: "+86 10 6620 0000",
  };
  const ANSWER = "The provider confirmed preservation of the account's data for 90 days.";

  beforeAll(async () => {
    if (!once) return;
    await ensureConsoleBuilt();
    [cn, us] = await Promise.all([
      createProcNode(
        "CN-MPS",
        {},
        {
          timeZone: "Asia/Shanghai",
          users: [
            { username: "wang.fang", displayName: "Wang Fang", roles: ["case_officer"] },
            { username: "li.qiang", displayName: "Li Qiang", roles: ["supervisor"] },
            { username: "audit.cn", roles: ["auditor"] },
          ],
        },
      ),
      createProcNode(
        "US-DOJ",
        {},
        {
          timeZone: "America/New_York",
          users: [
            { username: "j.miller", displayName: "John Miller", roles: ["duty_officer"] },
            { username: "r.chen", displayName: "Rachel Chen", roles: ["supervisor"] },
            { username: "audit.us", roles: ["auditor"] },
          ],
        },
      ),
    ]);
    await Promise.all([cn.proc.start(), us.proc.start()]);
    await pairProcs(cn.proc, us.proc);
    // Emergency requests are refused unless the peer is active on both sides.
    for (const [node, other] of [
      [cn, "US-DOJ"],
      [us, "CN-MPS"],
    ] as const) {
      await waitUntil(
        async () => {
          const r = await node.proc.api<{ items: { id: string; state: string }[] }>("GET", "/api/v1/peers");
          return r.body.items.some((p) => p.id === other && p.state === "active");
        },
        30_000,
        `${node.id} to hold ${other} as an active peer`,
      );
    }
    // The US-DOJ duty officer is on the roster now (an eight-hour shift from a minute ago, New York time).
    const shift = await us.proc.api("POST", "/api/v1/hotline/roster", {
      unitId: us.unitId,
      userId: us.userIds["j.miller"],
      role: "primary",
      start: localMinute("America/New_York", -60_000),
      end: localMinute("America/New_York", 8 * 3600_000),
      timeZone: "America/New_York",
    });
    if (shift.status !== 201) throw new Error(`roster: ${shift.status} ${JSON.stringify(shift.body)}`);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([cn?.proc.stop(), us?.proc.stop()]);
    await cn?.cleanup();
    await us?.cleanup();
  });

  /** `YYYY-MM-DDTHH:mm` on the wall clock of a zone, `offsetMs` from now. */
  function localMinute(timeZone: string, offsetMs = 0): string {
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(new Date(Date.now() + offsetMs));
    const get = (k: string) => parts.find((p) => p.type === k)?.value ?? "00";
    return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}`;
  }

  const pages = new Map<string, Page>();

  /** A page of its own browser context, signed in as `username` on `node`, at `to`. */
  async function signedIn(node: ProcNode, username: string, to: string): Promise<Page> {
    const page = await signedInPage(browser, {
      baseURL: node.proc.url,
      username,
      to,
      // The US officer's laptop is on London time (travelling): the console goes by the profile's zone.
      timezoneId: node.id === "CN-MPS" ? "Asia/Shanghai" : "Europe/London",
    });
    pages.set(`${node.id}/${username}`, page);
    return page;
  }

  /** A Mantine Select: open it and click the option. */
  async function choose(page: Page, testId: string, option: RegExp) {
    await page.getByTestId(testId).click();
    await page.getByRole("option", { name: option }).click();
    await expect.poll(() => page.getByRole("listbox").count()).toBe(0);
  }

  /** What a locator says, as written (badges are upper-cased by CSS, which `innerText` would apply). */
  async function said(l: Locator): Promise<string> {
    return ((await l.textContent()) ?? "").trim();
  }

  function statusOf(page: Page): Promise<string> {
    return said(page.getByTestId("request-detail").getByTestId("status-badge").first());
  }

  /** Confirms the open action dialog (its root is a zero-size wrapper: wait on the button) and waits for it to go. */
  async function confirmAction(page: Page, text?: string) {
    const confirm = page.getByTestId("action-confirm");
    await confirm.waitFor();
    if (text !== undefined) await page.getByTestId("action-text").fill(text);
    await confirm.click();
    await confirm.waitFor({ state: "detached" });
  }

  async function openAction(page: Page, event: string, text?: string) {
    await page.getByTestId(`action-${event}`).click();
    await confirmAction(page, text);
  }

  it.runIf(once)("1. the CN-MPS case officer drafts an emergency preservation and submits it", async () => {
    const page = await signedIn(cn, "wang.fang", "/requests");
    // The recipients are the active peers (a case officer may list those, not the links' details).
    const recipients = page.waitForResponse(
      (r) => new URL(r.url()).pathname === "/api/v1/requests/recipients",
      { timeout: 10_000 },
    );
    await page.goto("/requests/new");
    await page.getByTestId("new-request-form").waitFor();
    expect((await recipients).status()).toBe(200);
    await choose(page, "form-type", /^Expedited preservation of stored data/);
    await choose(page, "form-urgency", /^Emergency$/);
    // the only active peer is picked already
    await expect.poll(() => page.getByTestId("form-peer").inputValue()).toMatch(/^US-DOJ · /);
    await page
      .getByTestId("form-urgency-reason")
      .fill("The account holds chat logs of a planned attack; the provider purges after 7 days.");
    await page.getByTestId("form-authority").fill("Ministry of Public Security, Cybersecurity Bureau");
    await page.getByTestId("form-officer").fill("Wang Fang");
    await page.getByTestId("form-phone").fill("+86 10 6620 0000");
    await page
      .getByTestId("form-offence")
      .fill("Online incitement and planning of an attack on a public venue");
    await page
      .getByTestId("form-facts")
      .fill("The suspect plans the attack through an instant-messaging account hosted abroad.");
    await page
      .getByTestId("form-measures")
      .fill("Preserve all stored content and traffic data of the account.");
    await page
      .getByTestId("details-dataToPreserve")
      .fill("Messages, contacts and login IP addresses of night.owl@example.com since 2026-10-01");
    await page
      .getByTestId("details-linkToOffence")
      .fill("The account was used to coordinate the planned attack");
    await page.getByTestId("details-custodian.name").fill("Example Mail Inc.");
    await page
      .getByTestId("details-whyPreservationNeeded")
      .fill("The provider deletes inactive data after 7 days");
    await page.getByTestId("details-mutualAssistanceToFollow").check();
    await page.getByTestId("form-save").click();
    await page.getByTestId("draft-saved").waitFor();
    story.reference = /CN-MPS-\d{4}-\S+/.exec(await page.getByTestId("draft-saved").innerText())?.[0] ?? "";
    expect(story.reference).toMatch(/^CN-MPS-/);

    await page.getByTestId("form-submit").click();
    await page.getByTestId("request-detail").waitFor();
    story.id = decodeURIComponent(new URL(page.url()).pathname.split("/").pop() ?? "");
    expect(await page.getByTestId("request-reference").innerText()).toBe(story.reference);
    await expect.poll(() => statusOf(page)).toBe("Awaiting approval");
    expect(await said(page.getByTestId("request-detail").getByTestId("urgency-badge"))).toBe("Emergency");
    expect(await said(page.getByTestId("request-type"))).toBe("Expedited preservation of stored data");
    const form = await page.getByTestId("request-form").innerText();
    expect(form).toContain("planned attack");
    expect(form).toContain("Example Mail Inc.");
    // The drafter may not approve: the only ways on are to wait or withdraw.
    expect(await page.getByTestId("action-approve").count()).toBe(0);
  });

  it.runIf(once)("2. a CN-MPS supervisor approves it from the queue and it is sent", async () => {
    // The US-DOJ duty officer already has the hotline open: the alert must arrive without a reload.
    const duty = await signedIn(us, "j.miller", "/hotline");
    await reloadWithLiveStream(duty);
    await duty.getByTestId("notifications").waitFor();
    await duty.getByTestId("on-duty-shift").waitFor();
    expect(await duty.getByTestId("on-duty").innerText()).toContain("John Miller");
    expect(await duty.getByTestId("notification").count()).toBe(0);
    await duty.evaluate(() => {
      (globalThis as unknown as { storyMarker: string }).storyMarker = "no reload";
    });

    const page = await signedIn(cn, "li.qiang", "/requests");
    const queue = page.getByTestId("approval-queue");
    const row = queue.locator(`[data-testid="board-row"][data-reference="${story.reference}"]`);
    await row.waitFor();
    expect(await row.getAttribute("data-status")).toBe("pending_approval");
    expect(await said(row.getByTestId("urgency-badge"))).toBe("Emergency");
    await row.getByTestId("queue-approve").click();
    await confirmAction(page, "Approved: verified with the case file.");
    await row.waitFor({ state: "detached" });

    await page.goto(`/requests/${story.id}`);
    await page.getByTestId("request-detail").waitFor();
    await expect.poll(() => statusOf(page)).toMatch(/^(Sent|Delivered)$/);
    const timeline = page.getByTestId("timeline-event");
    await expect
      .poll(() => timeline.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-event"))))
      .toEqual(expect.arrayContaining(["create", "submit_for_approval", "approve"]));
    expect(await page.locator('[data-testid="timeline-event"][data-event="approve"]').innerText()).toContain(
      "li.qiang",
    );
    // nothing is preserved yet: no extension to ask for, and the page says when there will be
    await page.getByTestId("extension-later").waitFor();
    expect(await page.getByTestId("extension-request").count()).toBe(0);
  });

  it.runIf(once)(
    "3. the US-DOJ duty officer is alerted live, acknowledges, checks back and answers",
    async () => {
      const duty = pages.get("US-DOJ/j.miller") as Page;
      // The alert arrives over the live stream: same page, no reload.
      const note = duty.getByTestId("notification").filter({ hasText: story.reference });
      await note.waitFor({ timeout: 30_000 });
      const text = await said(note);
      expect(text).toContain(`EMERGENCY request from CN-MPS: ${story.reference}`);
      expect(text).toContain("Emergency");
      expect(await said(duty.getByTestId("notifications-unread"))).toBe("1");
      expect(await duty.evaluate(() => (globalThis as unknown as { storyMarker?: string }).storyMarker)).toBe(
        "no reload",
      );

      // On the hotline board (incoming), delivered and due soon (acknowledge within the hour).
      const row = duty.locator(`[data-testid="board-row"][data-reference="${story.reference}"]`);
      await row.waitFor();
      await expect.poll(() => row.getAttribute("data-status")).toBe("delivered");
      expect(await said(row.getByTestId("urgency-badge"))).toBe("Emergency");
      // its countdown runs, and the deadline reads on both sides' clocks (the officer's New York, then Beijing)
      expect(await row.getByTestId("countdown").innerText()).toMatch(/^in \d{2}:\d{2}:\d{2}$/);
      expect(await row.getByTestId("due-local").innerText()).toMatch(/^Acknowledge by: .* GMT-5$/);
      expect(await row.getByTestId("due-other").innerText()).toMatch(/^Beijing · .* GMT\+8$/);
      await row.getByTestId("board-link").click();
      await duty.getByTestId("request-detail").waitFor();
      expect(await duty.getByTestId("request-reference").innerText()).toBe(story.reference);
      expect(await statusOf(duty)).toBe("Delivered");
      expect(await duty.getByTestId("request-form").innerText()).toContain("Example Mail Inc.");

      await openAction(duty, "acknowledge", "Received by the DOJ 24/7 desk.");
      await expect.poll(() => statusOf(duty)).toBe("Acknowledged");
      // No answer before the second check of an emergency.
      expect(await duty.getByTestId("action-answer").count()).toBe(0);

      // The second check: a call-back to a named contact of the requesting side, from our own liaison list.
      const checkedAt = localMinute("America/New_York", -5 * 60_000);
      const check = duty.getByTestId("second-check-form");
      await check.waitFor();
      await choose(duty, "second-check-method", /^Phone call-back$/);
      await duty.getByTestId("second-check-contact").fill(CALLBACK.name);
      await check.getByLabel("Organisation").fill(CALLBACK.organisation);
      await duty.getByTestId("second-check-phone").fill(CALLBACK.phone);
      await check.getByLabel("When").fill(checkedAt);
      await choose(duty, "second-check-result", /^Confirmed$/);
      await check.getByLabel("Notes").fill("Called the MPS 24/7 desk number from our liaison list.");
      await duty.getByTestId("second-check-save").click();
      const recorded = duty.getByTestId("second-check");
      await recorded.waitFor();
      expect(await recorded.innerText()).toMatch(/Phone call-back.*Wang Fang.*Confirmed/);
      const detail = await duty.request.get(`/api/v1/requests/${story.id}`);
      const sc = (await detail.json()).request.secondCheck as {
        method: string;
        at: string;
        result: string;
        namedContact: { name: string; organisation: string; phone: string };
      };
      expect(sc).toMatchObject({
        method: "phone_callback",
        result: "confirmed",
        // the phone number is stored normalised (E.164)
        namedContact: { ...CALLBACK, phone: "+861066200000" },
      });
      // "When" is entered on the duty officer's (New York) wall clock and stored as that instant.
      expect(localInZone(sc.at, "America/New_York")).toBe(checkedAt);

      await duty.getByTestId("action-answer").click();
      await duty.getByTestId("answer-outcome").waitFor();
      expect(await duty.getByTestId("answer-outcome").inputValue()).toBe("Fulfilled");
      await confirmAction(duty, ANSWER);
      await expect.poll(() => statusOf(duty)).toBe("Answered");
      expect(await duty.getByTestId("answer").innerText()).toContain(ANSWER);
      expect(await duty.getByTestId("second-check-form").count()).toBe(0);

      // The desk's hotline log holds what came in and what the officer did, newest first.
      await duty.goto("/hotline");
      await duty.getByTestId("hotline-tab-log").click();
      const entries = duty.getByTestId("hotline-log-entry").filter({ hasText: story.reference });
      await expect
        .poll(() => entries.evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")).reverse()))
        .toEqual(["request_received", "alerted", "acknowledge", "second_check", "answer"]);
      expect(await entries.first().innerText()).toMatch(/Answered[\s\S]*j\.miller/);

      // In Chinese every line reads Chinese, from the shared labels; no badge is cut short.
      await switchLanguage(duty, "zh-CN");
      await expect.poll(() => entries.first().innerText()).toContain(`${story.reference}：j.miller 已答复`);
      const zhLines = await entries.allInnerTexts();
      expect(zhLines.join("\n")).toContain("通过电话回拨与 Wang Fang 进行二次核实，结果：已确认");
      expect(zhLines.join("\n")).toContain("紧急请求");
      for (const line of zhLines)
        expect(line).not.toMatch(/\(was |second check|phone_callback|received from| min\b/);
      const cut = await duty
        .getByTestId("hotline-log")
        .locator(".mantine-Badge-label")
        .evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
      expect(cut).toEqual([]);
      await switchLanguage(duty, "en");
    },
  );

  function localInZone(iso: string, timeZone: string): string {
    const ms = Date.parse(iso);
    return localMinute(timeZone, ms - Date.now());
  }

  it.runIf(once)(
    "4. back on CN-MPS the case officer sees the answer and every event with who did it",
    async () => {
      const page = pages.get("CN-MPS/wang.fang") as Page;
      // The request page refreshes on its own every 30 s; a reload is what an officer would do.
      await expect
        .poll(
          async () => {
            await page.reload();
            await page.getByTestId("request-detail").waitFor();
            return statusOf(page);
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe("Answered");
      expect(await page.getByTestId("answer").innerText()).toContain(ANSWER);
      expect(await said(page.getByTestId("request-detail"))).toContain("Fulfilled");
      expect(await page.getByTestId("second-check").innerText()).toMatch(/Wang Fang.*Confirmed/);
      expect(await page.getByTestId("deadline-ack-met").innerText()).toBe("Met in time");
      // the preservation is confirmed: it has an expiry, and an extension can be asked now
      await page.getByTestId("preservation-expiry").waitFor();
      await page.getByTestId("extension-request").waitFor();
      expect(await page.getByTestId("extension-later").count()).toBe(0);

      const rows = page.getByTestId("timeline-event");
      const events = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-event")));
      expect(events).toEqual([
        "create",
        "submit_for_approval",
        "approve",
        "mark_delivered",
        "acknowledge",
        "second_check",
        "answer",
      ]);
      const who: string[] = [];
      for (let i = 0; i < events.length; i++)
        who.push((await rows.nth(i).locator("td").last().innerText()).replace(/\s+/g, " "));
      expect(who[0]).toMatch(/^wang\.fang CN-MPS/);
      expect(who[1]).toMatch(/^wang\.fang CN-MPS/);
      expect(who[2]).toMatch(/^li\.qiang CN-MPS/);
      expect(who[3]).toMatch(/US-DOJ/);
      for (const i of [4, 5, 6]) expect(who[i]).toMatch(/^j\.miller.*US-DOJ/);
      // notes travel with their events
      expect(await rows.nth(2).innerText()).toContain("Approved: verified with the case file.");
      expect(await rows.nth(4).innerText()).toContain("Received by the DOJ 24/7 desk.");
      // the second check and the answer say what they were
      expect(await rows.nth(5).getByTestId("timeline-detail").allInnerTexts()).toEqual([
        `Phone call-back with ${CALLBACK.name}: Confirmed`,
      ]);
      expect(await rows.nth(6).getByTestId("timeline-detail").allInnerTexts()).toEqual(["Fulfilled", ANSWER]);

      // The thread: CN writes with a file; the US desk reads it (a read receipt goes back) and replies.
      await page.getByTestId("message-text").fill("Thank you. The MLA request for the content follows.");
      await attachTextFile(page, "message-attachments", "mla-draft.txt", "Draft MLA request (fictitious)");
      await page.getByTestId("message-send").click();
      await expect.poll(() => page.getByTestId("message").count()).toBe(1);

      const duty = pages.get("US-DOJ/j.miller") as Page;
      await duty.goto(`/requests/${story.id}`);
      const incoming = duty
        .getByTestId("message")
        .filter({ hasText: "The MLA request for the content follows" });
      await expect
        .poll(
          async () => {
            await duty.reload();
            await duty.getByTestId("thread").waitFor();
            return incoming.count();
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe(1);
      const file = incoming.getByRole("link", { name: "mla-draft.txt" });
      await file.waitFor();
      const res = await duty.request.get((await file.getAttribute("href")) ?? "");
      expect((await res.body()).toString()).toBe("Draft MLA request (fictitious)");
      await duty.getByTestId("message-text").fill("Noted; we keep the data preserved meanwhile.");
      await duty.getByTestId("message-send").click();

      await expect
        .poll(
          async () => {
            await page.reload();
            await page.getByTestId("thread").waitFor();
            return page.getByTestId("message").count();
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe(2);
      await expect
        .poll(() => page.getByTestId("message-read").allInnerTexts(), { timeout: 30_000 })
        .toEqual([expect.stringContaining("Read by j.miller")]);

      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({
        path: path.join(SCREENSHOT_DIR, "request-story-answered.png"),
        fullPage: true,
      });
    },
  );

  /**
   * Filters the Audit page by one action and waits for a row that names the actor and target. The row
   * shows the action in the reader's language with its code beneath, and the target as its kind with the
   * id (shortened, the full one as the title).
   */
  async function expectAudited(page: Page, action: string, actor: RegExp, target: string) {
    await page.getByTestId("audit-filter-action").fill(action);
    await page.getByTestId("audit-filter-apply").click();
    const rows = page.getByTestId("audit-row");
    const [type, id] = target.split(/:(.*)/s);
    await expect
      .poll(
        async () => {
          const found = await rows.evaluateAll((els) =>
            els.map((el) => ({
              text: (el as unknown as { innerText: string }).innerText,
              html: el.innerHTML,
            })),
          );
          if (found.length === 0 || !found.every((r) => r.text.includes(action))) return false;
          return found.some(
            (r) =>
              actor.test(r.text) &&
              r.html.includes(`data-target-type="${type}"`) &&
              (r.html.includes(`title="${id}"`) || r.text.includes(id)),
          );
        },
        { message: `${action} by ${actor} on ${target}` },
      )
      .toBe(true);
  }

  async function expectChainIntact(page: Page) {
    await page.getByTestId("audit-verify").click();
    const result = page.getByTestId("audit-verify-result");
    await result.waitFor();
    expect(await result.getAttribute("data-ok")).toBe("true");
    expect(await result.innerText()).toContain("The audit log is intact");
  }

  it.runIf(once)("5. both nodes' audit logs show every step and their chains verify", async () => {
    const request = `request:${story.id}`;
    const cnAudit = await signedIn(cn, "audit.cn", "/audit");
    await cnAudit.getByTestId("audit-table").waitFor();
    for (const [action, actor, target] of [
      ["request.create", /wang\.fang/, request],
      ["request.submit_for_approval", /wang\.fang/, request],
      ["request.approve", /li\.qiang/, request],
      ["federation.outbox.delivered", /system/, "peer:US-DOJ"],
      ["federation.inbox.received", /peer:US-DOJ/, "peer:US-DOJ"],
      ["request.remote.mark_delivered", /peer:US-DOJ/, request],
      ["request.remote.acknowledge", /peer:US-DOJ/, request],
      ["request.remote.second_check", /peer:US-DOJ/, request],
      ["request.remote.answer", /peer:US-DOJ/, request],
    ] as const)
      await expectAudited(cnAudit, action, actor, target);
    await expectChainIntact(cnAudit);

    const usAudit = await signedIn(us, "audit.us", "/audit");
    await usAudit.getByTestId("audit-table").waitFor();
    for (const [action, actor, target] of [
      ["federation.inbox.received", /peer:CN-MPS/, "peer:CN-MPS"],
      ["request.received", /peer:CN-MPS/, request],
      ["request.acknowledge", /j\.miller/, request],
      ["request.second_check", /j\.miller/, request],
      ["request.answer", /j\.miller/, request],
      ["federation.outbox.delivered", /system/, "peer:CN-MPS"],
    ] as const)
      await expectAudited(usAudit, action, actor, target);
    await expectChainIntact(usAudit);
  });
});
