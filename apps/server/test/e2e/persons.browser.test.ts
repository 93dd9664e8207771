import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeBrowser,
  ensureConsoleBuilt,
  launchChromium,
  listen,
  signedInPage,
} from "../support/browser.js";
import { completeFromPrefill } from "../support/fugitives-fixtures.js";
import { createTestNode, type TestNode } from "../support/node.js";
import { formNaming, ZHANG } from "../support/persons-fixtures.js";

describeBrowser(
  "console in Chromium: a person's page, opened from a request, with its links, access log and export",
  () => {
    let node: TestNode;
    let browser: Browser;
    let page: Page;
    let requestId = "";
    let personId = "";

    beforeAll(async () => {
      await ensureConsoleBuilt();
      [node, browser] = await Promise.all([createTestNode(), launchChromium()]);
      const unit = await node.unit("Cyber unit");
      await node.user("pb.officer", ["case_officer"], unit);
      await node.user("pb.chief", ["supervisor", "auditor"], unit);
      const officer = await node.as("pb.officer");
      const r = await officer.req<{ request: { id: string; subjectPersons: { personId: string }[] } }>(
        "POST",
        "/api/v1/requests",
        { form: formNaming([ZHANG]) },
      );
      requestId = r.body.request.id;
      personId = r.body.request.subjectPersons[0].personId;
      const base = await listen(node);
      page = await signedInPage(browser, {
        baseURL: base,
        username: "pb.chief",
        to: `/requests/${requestId}`,
      });
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      await node?.close();
    });

    it("opens the person from the request, shows the request among the links and who read them, and exports", async () => {
      await page.getByTestId("request-persons").waitFor();
      await page.getByTestId("request-person-link").click();
      await page.getByTestId("person-page").waitFor();
      expect(page.url()).toContain(`/persons/${personId}`);
      expect(await page.getByTestId("person-name").innerText()).toBe("张小明 (Zhang Xiaoming)");
      const link = page.getByTestId("person-record-link");
      expect(await link.getAttribute("href")).toBe(`/requests/${requestId}`);

      // The auditor sees their own reads: the request, then the person.
      await expect
        .poll(async () => (await page.getByTestId("access-row").allInnerTexts()).join("\n"))
        .toMatch(/pb\.chief[\s\S]*Read · Person[\s\S]*pb\.chief[\s\S]*Read · Request/);

      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByTestId("export-json").click(),
      ]);
      expect(download.suggestedFilename()).toBe(`person-${personId}.json`);
      const exported = JSON.parse(
        await new Promise<string>((resolve, reject) => {
          download
            .createReadStream()
            .then((s) => {
              let text = "";
              s.on("data", (c: Buffer) => {
                text += c.toString("utf8");
              });
              s.on("end", () => resolve(text));
              s.on("error", reject);
            })
            .catch(reject);
        }),
      ) as { person: { id: string }; records: { recordId: string }[] };
      expect(exported.person.id).toBe(personId);
      expect(exported.records.map((x) => x.recordId)).toEqual([requestId]);

      await page.reload();
      await expect
        .poll(async () => (await page.getByTestId("access-row").allInnerTexts()).join("\n"))
        .toContain("Exported · Person");

      // Back to the request through the link.
      await page.getByTestId("person-record-link").click();
      await page.getByTestId("request-detail").waitFor();
    });

    it("links a request drafted from the person back to the person's page", async () => {
      const officer = await node.as("pb.officer");
      const pre = await officer.req<{ prefill: { form: Record<string, unknown> } }>(
        "GET",
        `/api/v1/persons/${personId}/request-prefill?type=fugitive_locate`,
      );
      const drafted = await officer.req<{ request: { id: string } }>(
        "POST",
        `/api/v1/persons/${personId}/requests`,
        { form: completeFromPrefill(pre.body.prefill.form) },
      );
      expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
      await page.goto(`/requests/${drafted.body.request.id}`);
      await page.getByTestId("request-detail").waitFor();
      const origin = page.getByTestId("request-origin").getByRole("link");
      expect(await origin.innerText()).toBe("Drafted from a person record: open the record");
      expect(await origin.getAttribute("href")).toBe(`/persons/${personId}`);
      await origin.click();
      await page.getByTestId("person-page").waitFor();
      expect(page.url()).toContain(`/persons/${personId}`);
      await expect
        .poll(async () => (await page.getByTestId("person-request").allTextContents()).join("\n"))
        .toContain("Drafted from this record");
    });
  },
);
