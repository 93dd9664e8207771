import type { RoundView } from "@crossline/schemas";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  runAxe,
  signedInPage,
  switchLanguage,
} from "../support/browser.js";
import { DB_KIND } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";
import { washingtonRound } from "../support/rounds-fixtures.js";
import { waitFor } from "../support/wait.js";

/**
 * The dialogue-round pages in Chromium on two nodes paired over HTTP (signed envelopes, federation workers): the
 * US side hosts a round; the Chinese liaison officer starts a list of outcomes and proposes an item in both
 * languages from the guest's page; the US officer sees it, agrees in a comment and signs; the Chinese officer
 * signs; both pages show the list final, and both verify the two signatures. Runs once (PGlite): the pages do not
 * depend on the store.
 */
describeBrowser(
  "console dialogue rounds: an outcome proposed on one side, signed on both, final on both",
  () => {
    const once = DB_KIND === "pglite";
    let pair: PairedNodes | undefined;
    const urls: string[] = [];
    let browser: Browser;
    let roundId = "";

    beforeAll(async () => {
      if (!once) return;
      await ensureConsoleBuilt();
      pair = await pairedNodes();
      const { cn, us } = pair;
      urls.push(...pair.urls);
      await cn.user("liaison.li", ["liaison"]);
      await us.user("liaison.smith", ["liaison"]);
      // Pairing completes on the inviter once the acceptance's envelope arrives: wait until the US side may host.
      const host = await us.as("liaison.smith");
      roundId = await waitFor(
        "the US side to hold CN-MPS as an active peer",
        async () => {
          const r = await host.req<{ round: RoundView }>("POST", "/api/v1/rounds", {
            guestNode: "CN-MPS",
            fields: washingtonRound(),
          });
          return r.status === 201 ? r.body.round.doc.id : null;
        },
        60_000,
      );
      browser = await launchChromium();
      // two nodes, pairing and Chromium on a shared machine
    }, 600_000);
    afterAll(async () => {
      await browser?.close();
      await pair?.close();
    });

    /** Waits (the page looks again every few seconds) until the first outcome list shows `attr` = `value`. */
    const listAttr = (page: Page, testId: string, attr: string) =>
      page.getByTestId("outcome-list").first().getByTestId(testId).getAttribute(attr);
    const slow = { timeout: 60_000, interval: 500 };

    it.runIf(once)(
      "the guest proposes an item in both languages; both sign; the list is final and verifies on both",
      async () => {
        const cn = await signedInPage(browser, { baseURL: urls[0], username: "liaison.li", to: "/rounds" });
        // the host's round reaches the guest by federation
        await expect
          .poll(async () => {
            await cn.reload();
            await cn.getByTestId("rounds-table").waitFor();
            return cn.getByTestId("round-row").count();
          }, slow)
          .toBe(1);
        await cn.getByTestId("round-link").click();
        await cn.getByTestId("round-page").waitFor();
        expect(await cn.getByTestId("round-role").textContent()).toBe("This node is the guest");
        expect(await cn.getByTestId("round-delegations").innerText()).toContain("王明");

        // The guest starts a list: a proposal, applied by the host, back with the host's next version.
        await cn.getByTestId("outcome-new-list").click();
        await cn.getByTestId("round-pending").waitFor();
        await cn.getByTestId("outcome-list").waitFor({ timeout: 60_000 });
        await cn.getByTestId("outcome-add-item").click();
        await cn.getByTestId("item-en").fill("Both sides will test the hotline every quarter (demo).");
        await cn.getByTestId("item-zh").fill("双方每季度测试一次热线（演示）。");
        await cn.getByTestId("item-save").click();
        await expect.poll(() => cn.getByTestId("outcome-item").count(), slow).toBe(1);
        expect(await cn.getByTestId("item-zh-text").innerText()).toBe("双方每季度测试一次热线（演示）。");

        // The host reads it, agrees in a comment and signs (applied at once on the host).
        const us = await signedInPage(browser, {
          baseURL: urls[1],
          username: "liaison.smith",
          to: `/rounds/${roundId}`,
        });
        await us.getByTestId("outcome-item").waitFor();
        expect(await us.getByTestId("item-en-text").innerText()).toBe(
          "Both sides will test the hotline every quarter (demo).",
        );
        await us.getByTestId("item-comment").fill("Agreed.");
        await us.getByTestId("item-comment-send").click();
        await us.getByTestId("item-comments").waitFor();
        await us.getByTestId("outcome-sign").click();
        await expect.poll(() => listAttr(us, "signoff-US-DOJ", "data-signed")).toBe("yes");
        expect(await us.getByTestId("outcome-list").getAttribute("data-state")).toBe("draft");

        // The guest sees the host's signature and the comment, and signs too.
        await expect.poll(() => listAttr(cn, "signoff-US-DOJ", "data-signed"), slow).toBe("yes");
        expect(await cn.getByTestId("item-comments").innerText()).toContain("Agreed.");
        await cn.getByTestId("outcome-sign").click();

        // Final on both, with both signatures shown, and both signatures verify on both nodes.
        for (const page of [cn, us]) {
          await expect
            .poll(() => page.getByTestId("outcome-list").getAttribute("data-state"), slow)
            .toBe("final");
          expect(await listAttr(page, "signoff-CN-MPS", "data-signed")).toBe("yes");
          expect(await page.getByTestId("outcome-state").textContent()).toBe("Final (signed by both sides)");
          expect(await page.getByTestId("outcome-sign").count()).toBe(0);
          expect(await page.getByTestId("outcome-add-item").count()).toBe(0);
          await page.getByTestId("outcome-verify").click();
          await expect.poll(() => page.getByTestId("verify-result").getAttribute("data-valid")).toBe("true");
        }
        await cn.context().close();
        await us.context().close();
      },
      300_000,
    );

    it.runIf(once)(
      "the host creates a round in the console, sets its agenda and adds a document; the guest sees both and adds one",
      async () => {
        const us = await signedInPage(browser, {
          baseURL: urls[1],
          username: "liaison.smith",
          to: "/rounds",
          bypassCSP: true,
        });
        await us.getByTestId("round-new").click();
        await us.getByTestId("round-form-guest").click();
        await us.getByRole("option", { name: /CN-MPS/ }).click();
        await us.getByTestId("round-form-number").fill("9");
        await us.getByTestId("round-form-name-en").fill("Ninth round (demo)");
        await us.getByTestId("round-form-name-zh").fill("第九轮（演示）");
        await us.getByTestId("round-form-starts").fill("2027-03-01T09:00");
        await us.getByTestId("round-form-ends").fill("2027-03-02T17:00");
        await us.getByTestId("round-form-city-en").fill("Washington");
        await us.getByTestId("round-form-city-zh").fill("华盛顿");
        const axeForm = await runAxe(us);
        expect(axeForm.violations.filter((v) => v.impact === "critical" || v.impact === "serious")).toEqual(
          [],
        );
        await us.getByTestId("round-form-save").click();
        await us.getByTestId("round-page").waitFor();
        const newId = decodeURIComponent(new URL(us.url()).pathname.split("/").pop() ?? "");
        expect(newId).toMatch(/^rnd_/);

        // The agenda, edited on the host: applied at once.
        await us.getByTestId("round-edit").click();
        await us.getByTestId("round-edit-agenda-add").click();
        await us.getByTestId("round-edit-agenda-0-en").fill("Review of the hotline tests (demo)");
        await us.getByTestId("round-edit-agenda-0-zh").fill("热线测试回顾（演示）");
        const axeEdit = await runAxe(us);
        expect(axeEdit.violations.filter((v) => v.impact === "critical" || v.impact === "serious")).toEqual(
          [],
        );
        await us.getByTestId("round-edit-save").click();
        await expect.poll(() => us.getByTestId("round-agenda").innerText()).toContain("热线测试回顾（演示）");

        // A document, uploaded on the host; its bytes travel to the guest with the change.
        const agenda = "Annotated agenda (demo)\n附注议程（演示）\n";
        await us
          .getByTestId("round-documents")
          .locator("input[type=file]")
          .setInputFiles({ name: "agenda.txt", mimeType: "text/plain", buffer: Buffer.from(agenda) });
        await us.getByTestId("round-document-upload").click();
        await expect.poll(() => us.getByTestId("round-document").count()).toBe(1);

        const cn = await signedInPage(browser, {
          baseURL: urls[0],
          username: "liaison.li",
          to: `/rounds/${newId}`,
        });
        await expect
          .poll(async () => {
            await cn.reload();
            await cn.getByTestId("round-page").or(cn.getByRole("alert")).first().waitFor();
            return cn.getByTestId("round-document").count();
          }, slow)
          .toBe(1);
        expect(await cn.getByTestId("round-agenda").innerText()).toContain(
          "Review of the hotline tests (demo)",
        );
        const [download] = await Promise.all([
          cn.waitForEvent("download"),
          cn.getByTestId("round-document").getByRole("link").click(),
        ]);
        expect(download.suggestedFilename()).toBe("agenda.txt");
        const stream = await download.createReadStream();
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        expect(Buffer.concat(chunks).toString("utf8")).toBe(agenda);

        // The guest's document is a proposal; the host applies it and both pages list two.
        await cn
          .getByTestId("round-documents")
          .locator("input[type=file]")
          .setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("Notes (demo)") });
        await cn.getByTestId("round-document-upload").click();
        for (const page of [cn, us]) {
          await expect.poll(() => page.getByTestId("round-document").count(), slow).toBe(2);
        }
        // The history reads in each reader's language, from the entries' keys and parameters.
        await us.reload();
        const usHistory = await us.getByTestId("round-history").innerText();
        expect(usHistory).toContain("round 9 created");
        expect(usHistory).toContain("document added: notes.txt");
        await switchLanguage(cn, "zh-CN");
        await cn.reload();
        const cnHistory = await cn.getByTestId("round-history").innerText();
        expect(cnHistory).toContain("创建第 9 轮");
        expect(cnHistory).toContain("添加文件：agenda.txt");
        expect(cnHistory).not.toContain("document added");
        await cn.context().close();
        await us.context().close();
      },
      300_000,
    );
  },
);
