import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  attachTextFile,
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  listen,
  SCREENSHOT_DIR,
  signedInPage,
  switchLanguage,
} from "../support/browser.js";
import { createTestNode, DB_KIND, type TestNode } from "../support/node.js";

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
    await node.user("admin.he", ["admin", "auditor"]);
    base = await listen(node);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.close();
  });

  const signedIn = (username: string, to: string) => signedInPage(browser, { baseURL: base, username, to });

  it.runIf(once)("drafts a request, shows it on the board and its page", async () => {
    const page = await signedIn("case.li", "/requests/new");
    await page.getByTestId("new-request-form").waitFor();
    await page.getByTestId("form-save").click();
    await page.getByTestId("form-error").waitFor();
    // the server's details land next to the fields
    expect(await page.getByTestId("new-request-form").innerText()).toContain("Must not be empty");
    // and the summary names them as the form does, not by their JSON path
    const summary = await page.getByTestId("form-error").innerText();
    expect(summary).toContain("Details › Stored data to be preserved:");
    expect(summary).not.toContain("body.form");

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
    // the address is the saved draft's own: a reload reopens it rather than an empty form
    expect(new URL(page.url()).pathname).toMatch(/^\/requests\/[0-9a-f-]{36}\/edit$/);
    await page.reload();
    await page.getByTestId("new-request-form").waitFor();
    expect(await page.getByTestId("form-offence").inputValue()).toBe("Ransomware attack on a hospital");

    await page.goto("/requests");
    await page.getByTestId("tab-outgoing").click();
    const row = page.getByTestId("board-row").first();
    await row.waitFor();
    expect(await row.getAttribute("data-status")).toBe("draft");
    // the board's search finds it by a word of its title, and nothing by a word it lacks
    await page.getByTestId("filter-q").fill("hospital");
    await expect.poll(() => page.getByTestId("board-row").count()).toBe(1);
    await page.getByTestId("filter-q").fill("extradition");
    await expect.poll(() => page.getByTestId("board-row").count()).toBe(0);
    await page.getByTestId("filter-q").fill("");
    await row.getByTestId("board-link").click();
    await page.getByTestId("request-detail").waitFor();
    // a case officer has no hotline page: the way back is the board
    expect(await page.getByTestId("request-back").getAttribute("href")).toBe("/requests");
    await page.getByTestId("timeline-event").first().waitFor();
    expect(await page.getByTestId("timeline").innerText()).toContain("Created");
    expect(await page.getByTestId("request-form").innerText()).toContain("All stored data of the account");
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "request-draft-en.png"), fullPage: true });
  });

  it.runIf(once)("names what is wrong in Chinese when the console is in Chinese", async () => {
    const page = await signedIn("case.li", "/requests/new");
    await switchLanguage(page, "zh-CN");
    await page.getByTestId("new-request-form").waitFor();
    await page.getByTestId("form-save").click();
    await page.getByTestId("form-error").waitFor();
    const form = await page.getByTestId("new-request-form").innerText();
    expect(form).toContain("不能为空");
    const summary = await page.getByTestId("form-error").innerText();
    // fields by their Chinese labels, issues in Chinese, never Zod's raw wording or a JSON path
    expect(summary).toContain("详细信息 › ");
    expect(summary).not.toContain("body.form");
    expect(summary).toContain("必填");
    expect(summary).not.toMatch(/[Mm]ust not be empty|无效输入|数值过小/);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "request-errors-zh.png"), fullPage: true });
    // the preference is saved: back to English for the tests that follow
    await switchLanguage(page, "en");
  });

  it.runIf(once)("adds a duty shift in the roster editor and shows who is on duty", async () => {
    const page = await signedIn("supervisor.zhang", "/hotline");
    await page.getByTestId("on-duty").waitFor();
    await page.getByTestId("hotline-tab-roster").click();
    await page.getByTestId("roster-form").waitFor();
    // Nobody rostered yet: the whole fortnight ahead is one gap.
    await expect.poll(() => page.getByTestId("roster-gap").count()).toBe(1);
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
    // Now the gap starts where the shift ends.
    const shiftEnd = await page
      .getByTestId("roster-row")
      .locator("td")
      .nth(3)
      .locator("p")
      .first()
      .innerText();
    await expect
      .poll(() => page.getByTestId("roster-gap").allInnerTexts())
      .toEqual([expect.stringMatching(new RegExp(`^${shiftEnd.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} – `))]);
    await page.reload();
    await page.getByTestId("on-duty-shift").waitFor();
    expect(await page.getByTestId("on-duty").innerText()).toContain("supervisor.zhang");
  });

  it.runIf(once)(
    "enters an extradition with its own fields and an attachment, then reopens the draft and edits it",
    async () => {
      const page = await signedIn("case.li", "/requests/new");
      await page.getByTestId("form-type").click();
      await page.getByTestId("form-type").fill("Extradition");
      await page.getByRole("option", { name: /^Extradition/ }).click();
      await page.getByTestId("form-authority").fill("MPS Economic Crime Investigation Department");
      await page.getByTestId("form-officer").fill("Li Ming");
      await page.getByTestId("form-phone").fill("+86 10 6620 0000");
      await page.getByTestId("form-offence").fill("Investment fraud through a fake trading platform");
      await page
        .getByTestId("form-facts")
        .fill("Between 2023 and 2025 the platform took deposits from 1,200 victims.");
      await page.getByTestId("form-measures").fill("Surrender the person for trial.");
      // The subject the details point at; a Chinese name needs its romanised form.
      await page.getByTestId("form-subjects-add").click();
      await page.getByTestId("form-subjects.0.names.0").fill("王小明");
      await page.getByTestId("form-subjects.0.names.0.romanised").fill("Wang Xiaoming");
      expect(await page.getByTestId("details-subjectIndex").inputValue()).toContain("王小明");
      await page
        .getByTestId("details-warrant.issuedBy")
        .fill("Beijing Chaoyang District People's Procuratorate");
      await page.getByTestId("details-warrant.date").fill("2026-03-01");
      await page.getByTestId("details-warrant.reference").fill("CY-2026-0117");
      await page.getByTestId("details-charges.0.description").fill("Fraud of a particularly large amount");
      await page.getByTestId("details-charges.0.provisions").fill("PRC Criminal Law Art. 266");
      await attachTextFile(
        page,
        "form-attachments",
        "warrant.txt",
        "Arrest warrant CY-2026-0117 (fictitious)",
      );
      await page.getByTestId("form-save").click();
      await page.getByTestId("draft-saved").waitFor();

      // The request page shows the typed details and the attachment, which downloads intact.
      await page.getByTestId("form-open").click();
      await page.getByTestId("request-detail").waitFor();
      const shown = await page.getByTestId("request-form").innerText();
      expect(shown).toContain("Wang Xiaoming");
      expect(shown).toContain("PRC Criminal Law Art. 266");
      // options by their names, not their codes
      expect(shown).toContain("Budapest Convention");
      expect(shown).not.toContain("budapest_convention");
      const link = page.getByTestId("attachment-link").getByRole("link", { name: "warrant.txt" });
      const res = await page.request.get((await link.getAttribute("href")) ?? "");
      expect(res.status()).toBe(200);
      expect((await res.body()).toString()).toBe("Arrest warrant CY-2026-0117 (fictitious)");

      // Reopened, the draft shows what was saved; an edit is saved as a new version.
      await page.getByTestId("edit-draft").click();
      await page.getByTestId("new-request-form").waitFor();
      expect(await page.getByTestId("details-charges.0.provisions").inputValue()).toBe(
        "PRC Criminal Law Art. 266",
      );
      expect(await page.getByTestId("form-subjects.0.names.0.romanised").inputValue()).toBe("Wang Xiaoming");
      await page.getByTestId("form-attachments-item").waitFor();
      await page.getByTestId("details-charges.0.provisions").fill("PRC Criminal Law Arts. 266 and 287a");
      await page.getByTestId("form-save").click();
      await page.getByTestId("draft-saved").waitFor();
      await page.getByTestId("form-open").click();
      await page.getByTestId("request-detail").waitFor();
      expect(await page.getByTestId("request-form").innerText()).toContain("Arts. 266 and 287a");
      expect(await page.getByTestId("attachment-link").count()).toBe(1);
    },
  );

  it.runIf(once)(
    "lets an administrator edit the deadline policy, naming entries that are wrong",
    async () => {
      const page = await signedIn("admin.he", "/policy");
      await page.getByTestId("policy-page").waitFor();
      expect(await page.getByTestId("policy-row").count()).toBe(18);
      expect(await page.getByTestId("policy-subscriber_info-routine-answer").inputValue()).toBe("20d");

      // Not a duration: refused in the page, before anything is sent.
      await page.getByTestId("policy-subscriber_info-routine-answer").fill("soon");
      await page.getByTestId("policy-save").click();
      await page.getByTestId("policy-bad").waitFor();
      // Acknowledge after answer: refused in the page too (the server's own schema), the cell says why.
      await page.getByTestId("policy-subscriber_info-routine-answer").fill("10d");
      await page.getByTestId("policy-interview-urgent-ack").fill("30d");
      await page.getByTestId("policy-save").click();
      await expect
        .poll(() => page.getByTestId("policy-page").innerText())
        .toContain("the acknowledge deadline must not be later than the answer deadline");

      await page.getByTestId("policy-interview-urgent-ack").fill("4h");
      await page.getByTestId("policy-preservation-fourEyes").click({ force: true });
      await page.getByTestId("policy-contact-name").fill("Duty supervisor, MPS Cybersecurity Bureau");
      await page.getByTestId("policy-contact-phone").fill("+86 10 6620 0001");
      await page.getByTestId("policy-save").click();
      await page.getByTestId("policy-saved").waitFor();

      const res = await page.request.get("/api/v1/policy/requests");
      const { policy } = (await res.json()) as {
        policy: {
          deadlines: Record<string, Record<string, { acknowledgeMinutes: number; answerMinutes: number }>>;
          fourEyes: Record<string, boolean>;
          escalation: { contact: { name: string; phone?: string } | null };
        };
      };
      expect(policy.deadlines.subscriber_info?.routine?.answerMinutes).toBe(10 * 24 * 60);
      expect(policy.deadlines.interview?.urgent?.acknowledgeMinutes).toBe(4 * 60);
      expect(policy.fourEyes.preservation).toBe(false);
      expect(policy.escalation.contact).toEqual({
        name: "Duty supervisor, MPS Cybersecurity Bureau",
        phone: "+861066200001",
      });
      // The change is in the audit log.
      const audit = await page.request.get("/api/v1/audit?action=policy.requests.update");
      expect(((await audit.json()) as { items: unknown[] }).items.length).toBe(1);
      // Restore four eyes for the other tests of this node.
      await page.getByTestId("policy-preservation-fourEyes").click({ force: true });
      await page.getByTestId("policy-save").click();
      await page.getByTestId("policy-saved").waitFor();
    },
  );

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
