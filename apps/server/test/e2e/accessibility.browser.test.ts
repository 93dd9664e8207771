import { eq } from "drizzle-orm";
import { generate } from "otplib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { uuidv7 } from "../../src/crypto/ids.js";
import { blobChunks, blobs, inbox, peers } from "../../src/db/schema/index.js";
import {
  type AxeReport,
  asciiColonsInChinese,
  describeBrowser,
  ensureConsoleBuilt,
  horizontalOverflow,
  launchChromium,
  listen,
  printAxeTable,
  rawInstants,
  runAxe,
  signedInPage,
  squeezed,
} from "../support/browser.js";
import {
  completeFromPrefill,
  ZHANG as FUGITIVE,
  fugitiveNamed,
  PNG_1X1,
} from "../support/fugitives-fixtures.js";
import { upload } from "../support/indicators-fixtures.js";
import { DB_KIND } from "../support/node.js";
import { formNaming, ZHANG } from "../support/persons-fixtures.js";
import {
  addProvider,
  nodeEpoch,
  noticeForm,
  providerStaff,
  sentNotice,
} from "../support/providers-fixtures.js";
import {
  act,
  draft,
  emergencyPreservationForm,
  type TwoNodes,
  twoNodes,
} from "../support/requests-fixtures.js";
import { washingtonRound } from "../support/rounds-fixtures.js";

/**
 * Every console page under axe-core (WCAG A/AA and best practices) in English and in Chinese, on a desktop
 * (1400 px) and on a phone (390 px): no critical and no serious violation anywhere, and at phone width nothing
 * sticks out sideways. Prints a table of the violations per page by impact. Runs once (PGlite): the pages do
 * not depend on the store. Every browser context has the system's "reduce motion" setting on, which the console
 * honours (WCAG 2.3.3: Mantine's transitions take 0 ms, checked below); a page is checked once nothing on it moves.
 */

type Width = 1400 | 390;
type Variant = { lang: "en" | "zh-CN"; width: Width };
/**
 * Each page in both languages at both widths: a page is loaded once per language, at the width given here, checked,
 * then the window is resized to the other width and the page checked again (`checkBothWidths`), so the four
 * combinations cost two page loads. English starts on a phone (its longer strings are likelier to stick out),
 * Chinese on a desktop: a page that only breaks when it is loaded narrow, rather than narrowed, shows in English.
 */
const VARIANTS: Variant[] = [
  { lang: "en", width: 390 },
  { lang: "zh-CN", width: 1400 },
];
const OTHER_WIDTH: Record<Width, Width> = { 390: 1400, 1400: 390 };
/** Both widths' viewport height: a phone's. */
const HEIGHT = 844;

/** What every browser context of this file emulates: the system's "reduce motion" setting. */
const REDUCED_MOTION = { reducedMotion: "reduce" } as const;

/** A console page: where it is, what shows it is loaded, and what must be readable on a phone. */
type PageSpec = {
  name: string;
  to: string;
  ready: string;
  visible?: string[];
  open?: (page: Page) => Promise<void>;
};

describeBrowser("every console page is accessible and fits a phone", () => {
  const once = DB_KIND === "pglite";
  let t: TwoNodes;
  let base: string;
  let browser: Browser;
  let requestId = "";
  let noticeId = "";
  let staffSecret = "";
  /** The provider user's signed-in browser state (one sign-in: a TOTP code is good once). */
  let staffState: Awaited<ReturnType<BrowserContext["storageState"]>> | null = null;
  let caseId = "";
  let personId = "";
  let fromPersonId = "";
  let roundId = "";
  let fugitiveId = "";
  let openFugitiveId = "";
  let assetId = "";
  let repatriationId = "";
  let listId = "";
  /** A peer's list held by CN-MPS's intake unit and one of its entries, for the received shared-list pages. */
  let received = { ownerNode: "", listId: "", entryId: "" };
  const rows: { page: string; variant: string; counts: AxeReport["counts"]; width: number }[] = [];

  beforeAll(async () => {
    if (!once) return;
    await ensureConsoleBuilt();
    t = await twoNodes();
    const { cn } = t;
    await cn.user("case.li", ["case_officer"], t.cnUnit);
    for (const [username, lang] of [
      ["chief.en", "en"],
      ["chief.zh", "zh-CN"],
    ] as const) {
      // one account per language (a second create of the same name is refused): every role a page needs
      await cn.user(
        username,
        ["supervisor", "admin", "auditor", "provider_compliance", "legal_reviewer"],
        t.cnUnit,
      );
      const agent = await cn.as(username);
      const res = await agent.req("PUT", "/api/v1/me/preferences", { language: lang });
      if (res.status !== 200) throw new Error(`preferences: ${JSON.stringify(res.body)}`);
    }
    const officer = await cn.as("case.li");
    const d = await draft(officer, emergencyPreservationForm());
    await act(officer, d.id, { event: "submit_for_approval" });
    await act(await cn.as("chief.en"), d.id, { event: "approve" });
    await t.hub.flush();
    requestId = d.id;
    // one more waiting for approval, so the approvals queue and the dashboard have something
    const d2 = await draft(officer, emergencyPreservationForm());
    await act(officer, d2.id, { event: "submit_for_approval" });
    // Provider notices: a provider, its staff member (MFA enrolled) and a sent notice.
    const chiefEn = await cn.as("chief.en");
    const provider = await addProvider(chiefEn, "Example Weibo");
    staffSecret = (await providerStaff(cn, chiefEn, provider, "zhao.weibo")).secret;
    noticeId = (await sentNotice(chiefEn, await cn.as("chief.zh"), noticeForm(provider))).id;
    // a priority case with evidence and a pending share, for the case pages
    const made = await officer.req<{ case: { id: string } }>("POST", "/api/v1/cases", {
      title: { lang: "zh-CN", text: "勒索软件攻击医院案" },
      category: "ransomware",
      priority: true,
      summary: { lang: "en", text: "Hospitals' systems encrypted." },
    });
    caseId = made.body.case.id;
    await officer.req("POST", `/api/v1/cases/${caseId}/evidence`, {
      name: "note.txt",
      contentBase64: Buffer.from("fictitious").toString("base64"),
      collectedBy: "Li Na",
      collectedAt: "2026-11-01T08:00:00+08:00",
    });
    // one share approved (the summary's holders show) and one still pending (the approval buttons show)
    for (const approve of [true, false]) {
      const shared = await officer.req<{ case: { shares: { id: string }[] } }>(
        "POST",
        `/api/v1/cases/${caseId}/shares`,
        { recipients: ["US-DOJ"], marking: { tlp: "AMBER" } },
      );
      if (!approve) break;
      const decided = await (await cn.as("chief.en")).req(
        "POST",
        `/api/v1/cases/${caseId}/shares/${shared.body.case.shares[0].id}/decision`,
        { approve: true },
      );
      if (decided.status !== 200) throw new Error(`share decision: ${JSON.stringify(decided.body)}`);
    }
    // a request naming a person (the persons pages), one drafted from that record (the request page's link)
    const d3 = await draft(officer, formNaming([ZHANG]));
    personId = (d3 as unknown as { subjectPersons: { personId: string }[] }).subjectPersons[0].personId;
    const pre = await officer.req<{ prefill: { form: Record<string, unknown> } }>(
      "GET",
      `/api/v1/persons/${personId}/request-prefill?type=fugitive_locate`,
    );
    const fromPerson = await officer.req<{ request: { id: string } }>(
      "POST",
      `/api/v1/persons/${personId}/requests`,
      {
        form: completeFromPrefill(pre.body.prefill.form),
      },
    );
    if (fromPerson.status !== 201)
      throw new Error(`request from a person: ${JSON.stringify(fromPerson.body)}`);
    fromPersonId = fromPerson.body.request.id;
    // a fugitive on a list, returned, for the fugitives pages
    const chief = await cn.as("chief.en");
    const fug = await chief.req<{ fugitive: { id: string } }>("POST", "/api/v1/fugitives", FUGITIVE);
    fugitiveId = fug.body.fugitive.id;
    const fl = await chief.req<{ list: { id: string } }>("POST", "/api/v1/fugitive-lists", {
      name: { lang: "en", text: "List of 2015" },
    });
    listId = fl.body.list.id;
    await chief.req("POST", `/api/v1/fugitive-lists/${listId}/entries`, { fugitiveId, number: 1 });
    const ret = await chief.req("POST", `/api/v1/fugitives/${fugitiveId}/return`, {
      method: "extradition",
      date: "2016-05-01",
      place: "Beijing",
    });
    if (ret.status !== 200) throw new Error(`return: ${JSON.stringify(ret.body)}`);
    // a fugitive still at large with a photo, for the photo and the request started from the record
    const open = await chief.req<{ fugitive: { id: string } }>("POST", "/api/v1/fugitives", {
      ...FUGITIVE,
      names: [{ original: "钱学军" }],
      aliases: [],
    });
    openFugitiveId = open.body.fugitive.id;
    const photo = await chief.req("POST", `/api/v1/fugitives/${openFugitiveId}/photos`, {
      name: "qian.png",
      contentBase64: PNG_1X1,
    });
    if (photo.status !== 201) throw new Error(`photo: ${JSON.stringify(photo.body)}`);
    // an asset of that fugitive with a stage, for the assets pages
    const asset = await chief.req<{ asset: { id: string } }>("POST", "/api/v1/assets", {
      kind: "bank_account",
      description: { lang: "en", text: "Savings account at Example Bank (fictitious)" },
      jurisdiction: "US",
      currency: "USD",
      value: "1250000.50",
      fugitiveIds: [fugitiveId],
      identifiedOn: "2015-05-01",
      identifiedBy: "Example City Public Security Bureau",
      legalBasis: { instrument: "uncac", article: "Art. 51" },
    });
    if (asset.status !== 201) throw new Error(`asset: ${JSON.stringify(asset.body)}`);
    assetId = asset.body.asset.id;
    await chief.req("POST", `/api/v1/assets/${assetId}/stages`, {
      version: 1,
      stage: "frozen",
      date: "2015-09-01",
      authority: "Example District Court",
      orderReference: "FRZ-1",
      amount: "1000000",
    });
    // a repatriation case waiting for its verification answer, for the repatriation pages
    const rep = await chief.req<{ case: { id: string } }>("POST", "/api/v1/repatriation/cases", {
      person: { names: [{ original: "陈小明", romanised: "Chen Xiaoming" }], nationality: "CN" },
      legalBasis: { instrument: "uncac" },
      requestedAt: new Date(t.clock.now().getTime() - 86_400_000).toISOString(),
    });
    if (rep.status !== 201) throw new Error(`repatriation: ${JSON.stringify(rep.body)}`);
    repatriationId = rep.body.case.id;
    // and one flagged for legal review, so the review queue has an item
    const d4 = await draft(officer, emergencyPreservationForm());
    await officer.req("POST", "/api/v1/lawful/flags", {
      kind: "request",
      recordId: d4.id,
      characters: ["political"],
      note: "To be reviewed",
    });
    // a dialogue round hosted here, with a list of outcomes and an action item, for the rounds pages
    roundId = (
      await chiefEn.req<{ round: { doc: { id: string } } }>("POST", "/api/v1/rounds", {
        guestNode: "US-DOJ",
        fields: washingtonRound(),
      })
    ).body.round.doc.id;
    for (const op of [
      { op: "outcome.list.create", listId: "L1" },
      {
        op: "outcome.item.put",
        listId: "L1",
        itemId: "i1",
        en: "Test the hotline (demo).",
        zh: "测试热线（演示）。",
      },
      { op: "outcome.item.comment", listId: "L1", itemId: "i1", text: "Agreed." },
      {
        op: "action.put",
        itemId: "a1",
        fields: {
          text: { en: "Quarterly hotline test (demo)", zh: "每季度热线测试（演示）" },
          ownerNode: "US-DOJ",
          agency: "DOJ",
          officer: "John Roe",
          dueAt: "2016-03-01T09:00:00-05:00",
          status: "planned",
        },
      },
    ]) {
      const v = (
        await chiefEn.req<{ round: { doc: { version: number } } }>("GET", `/api/v1/rounds/${roundId}`)
      ).body.round.doc.version;
      const r = await chiefEn.req("POST", `/api/v1/rounds/${roundId}/changes`, { base: v, op });
      if (r.status !== 200) throw new Error(`round change: ${JSON.stringify(r.body)}`);
    }
    // indicators, one of them inside a network held before (a hit), for the indicators page's tabs
    await upload(
      chiefEn,
      "kind,value,description\nip,203.0.113.0/24,Bulletproof range\ndomain,phish.example,\n",
    );
    await upload(chiefEn, "kind,value\nip,203.0.113.9\n");
    // a message from US-DOJ held here (a far sequence number: nothing applies it) and a delivery error
    const heldId = uuidv7();
    await cn.rt.services.db.insert(inbox).values({
      peerId: "US-DOJ",
      msgId: heldId,
      seq: 9000,
      type: "request.event",
      header: {
        msgId: heldId,
        sender: "US-DOJ",
        recipient: "CN-MPS",
        seq: 9000,
        created: t.clock.now().toISOString(),
        type: "request.event",
        schemaVersion: 1,
      },
      payload: {},
      jws: "eyJhbGciOiJFZERTQSJ9.e30.c2ln",
      envelopeSha256: "0".repeat(64),
      status: "held",
      receivedAt: t.clock.now(),
      attempts: 2,
      lastError: "the request is not known here yet",
    });
    await cn.rt.services.db
      .update(peers)
      .set({ lastError: "fetch failed: ECONNREFUSED", lastErrorAt: t.clock.now() })
      .where(eq(peers.id, "US-DOJ"));
    // a list US-DOJ publishes to CN-MPS: it lands in CN's intake unit, whose officers see the received pages
    await t.us.user("lists.us", ["fugitive_asset"]);
    const usOfficer = await t.us.as("lists.us");
    const usFugitive = await usOfficer.req<{ fugitive: { id: string } }>(
      "POST",
      "/api/v1/fugitives",
      fugitiveNamed("Richard Roe", {
        flightDate: "2014-03",
        whereabouts: [{ country: "CN", place: "Shanghai" }],
      }),
    );
    // a photo on it, for the received entry's photos (the bytes are copied below: the hub carries no blobs)
    await usOfficer.req("POST", `/api/v1/fugitives/${usFugitive.body.fugitive.id}/photos`, {
      name: "roe.png",
      contentBase64: PNG_1X1,
      alt: "Richard Roe (fictitious)",
    });
    const usList = await usOfficer.req<{ list: { id: string } }>("POST", "/api/v1/fugitive-lists", {
      name: { lang: "en", text: "Priority fugitives (demo)" },
    });
    await usOfficer.req("POST", `/api/v1/fugitive-lists/${usList.body.list.id}/entries`, {
      fugitiveId: usFugitive.body.fugitive.id,
      number: 1,
    });
    const pub = await usOfficer.req("POST", `/api/v1/fugitive-lists/${usList.body.list.id}/publish`, {
      recipients: ["CN-MPS"],
      marking: { tlp: "AMBER" },
    });
    if (pub.status !== 200) throw new Error(`publish: ${JSON.stringify(pub.body)}`);
    await t.hub.flush();
    // What the HTTP transport does for attachments: the photo's blob (origin US-DOJ) lands at CN-MPS.
    await t.cn.rt.services.db.insert(blobs).values(await t.us.rt.services.db.select().from(blobs));
    await t.cn.rt.services.db.insert(blobChunks).values(await t.us.rt.services.db.select().from(blobChunks));
    for (const [username, lang] of [
      ["intake.en", "en"],
      ["intake.zh", "zh-CN"],
    ] as const) {
      await cn.user(username, ["fugitive_asset"]);
      await (await cn.as(username)).req("PUT", "/api/v1/me/preferences", { language: lang });
    }
    const held = await (await cn.as("intake.en")).req<{
      items: { ownerNode: string; listId: string; entryId: string }[];
    }>("GET", "/api/v1/fugitive-lists/received");
    const entry = held.body.items[0];
    if (!entry) throw new Error(`received: ${JSON.stringify(held.body)}`);
    received = { ownerNode: entry.ownerNode, listId: entry.listId, entryId: entry.entryId };
    base = await listen(cn);
    browser = await launchChromium();
    // node set-up and (when stale) the console build, on a shared machine
  }, 300_000);
  afterAll(async () => {
    if (rows.length > 0) printAxeTable(rows);
    await browser?.close();
    await t?.close();
  });

  const PAGES = (): PageSpec[] => [
    { name: "dashboard", to: "/", ready: "dashboard-welcome" },
    { name: "hotline", to: "/hotline", ready: "on-duty" },
    {
      name: "hotline roster",
      to: "/hotline",
      ready: "on-duty",
      open: async (page) => {
        await page.getByTestId("hotline-tab-roster").click();
        await page.getByTestId("roster-form").waitFor();
      },
    },
    { name: "requests board", to: "/requests", ready: "board-row", visible: ["board-link"] },
    { name: "request form", to: "/requests/new", ready: "new-request-form", visible: ["form-save"] },
    {
      name: "request page",
      to: `/requests/${requestId}`,
      ready: "request-detail",
      visible: ["request-form", "timeline"],
    },
    { name: "providers", to: "/providers", ready: "providers-table" },
    { name: "notices board", to: "/notices", ready: "notice-row", visible: ["notice-link"] },
    { name: "notice form", to: "/notices/new", ready: "notice-form", visible: ["notice-form-save"] },
    { name: "notice page", to: `/notices/${noticeId}`, ready: "notice-detail", visible: ["notice-code"] },
    { name: "notice figures", to: "/notices/figures", ready: "notice-figures" },
    { name: "persons", to: "/persons", ready: "persons-table" },
    {
      name: "person page",
      to: `/persons/${personId}`,
      ready: "person-page",
      visible: [
        "person-links",
        "export-json",
        "person-requests",
        "person-request-timeline",
        "person-request-start",
      ],
    },
    {
      name: "request drafted from a person",
      to: `/requests/${fromPersonId}`,
      ready: "request-detail",
      visible: ["request-origin"],
    },
    {
      name: "request started from a person",
      to: `/persons/${personId}/request/repatriation_identity_check`,
      ready: "request-prefilled-from",
      visible: ["form-save"],
    },
    {
      name: "fugitives",
      to: "/fugitives",
      ready: "fugitives-table",
      visible: ["fugitive-list-summary", "fugitive-chart", "fugitive-new"],
    },
    {
      name: "fugitive page",
      to: `/fugitives/${fugitiveId}`,
      ready: "fugitive-page",
      visible: ["fugitive-fields", "fugitive-timeline"],
    },
    {
      name: "fugitive page with a photo",
      to: `/fugitives/${openFugitiveId}`,
      ready: "fugitive-photo",
      visible: ["fugitive-photo-upload", "fugitive-request-start"],
    },
    {
      name: "request started from a fugitive",
      to: `/fugitives/${openFugitiveId}/request/extradition`,
      ready: "request-prefilled-from",
      visible: ["form-save"],
    },
    { name: "assets", to: "/assets", ready: "assets-table", visible: ["asset-totals"] },
    {
      name: "asset page",
      to: `/assets/${assetId}`,
      ready: "asset-page",
      visible: ["asset-stages", "stage-submit"],
    },
    { name: "repatriation board", to: "/repatriation", ready: "board-verifications", visible: ["case-link"] },
    {
      name: "repatriation case",
      to: `/repatriation/${repatriationId}`,
      ready: "step-form",
      visible: ["case-steps", "step-submit"],
    },
    {
      name: "repatriation new case",
      to: "/repatriation/new",
      ready: "repatriation-new",
      visible: ["new-submit"],
    },
    {
      name: "repatriation figures",
      to: "/repatriation/figures",
      ready: "figures-table",
      visible: ["figures-table"],
    },
    { name: "peers", to: "/peers", ready: "peers-table" },
    {
      name: "peer page",
      to: "/peers/US-DOJ",
      ready: "held-row",
      visible: ["peer-last-error", "held-table", "peer-tls-pin-input"],
    },
    { name: "cases", to: "/cases", ready: "case-list", visible: ["case-new"] },
    {
      name: "case page",
      to: `/cases/${caseId}`,
      ready: "case-holder",
      visible: ["evidence-item", "case-holder", "share-approve"],
    },
    { name: "priority cases", to: "/cases/priority", ready: "priority-list" },
    { name: "reports", to: "/reports", ready: "report-totals" },
    { name: "dialogue rounds", to: "/rounds", ready: "round-row", visible: ["round-link"] },
    {
      name: "round page",
      to: `/rounds/${roundId}`,
      ready: "outcome-item",
      visible: ["outcome-sign", "item-en-text", "item-zh-text", "action-new"],
    },
    { name: "round action items", to: "/rounds/actions", ready: "board-action" },
    {
      name: "progress report before a round",
      to: "/rounds/progress",
      ready: "progress-run",
      open: async (page) => {
        await page.getByTestId("progress-peer").click();
        await page.getByRole("option", { name: "US-DOJ" }).click();
        await page.getByTestId("progress-from").fill("2016-01-01");
        await page.getByTestId("progress-to").fill("2026-12-31");
        await page.getByTestId("progress-run").click();
        await page.getByTestId("progress-figure").first().waitFor();
      },
    },
    { name: "indicators", to: "/indicators", ready: "indicators-table", visible: ["indicators-search"] },
    {
      name: "indicators import",
      to: "/indicators",
      ready: "indicators-table",
      open: async (page) => {
        await page.getByTestId("indicators-tab-import").click();
        await page.getByTestId("import-file").waitFor();
      },
    },
    {
      name: "indicator hits",
      to: "/indicators",
      ready: "indicators-table",
      open: async (page) => {
        await page.getByTestId("indicators-tab-hits").click();
        await page.getByTestId("hits-table").waitFor();
      },
    },
    { name: "users", to: "/users", ready: "users-table" },
    { name: "policy", to: "/policy", ready: "policy-page" },
    { name: "audit", to: "/audit", ready: "audit-table" },
    { name: "tokens", to: "/tokens", ready: "tokens-create" },
    { name: "account", to: "/security", ready: "security-mfa" },
    { name: "legal review", to: "/lawful", ready: "review-item", visible: ["retention-dashboard"] },
    { name: "not found", to: "/no-such-page", ready: "not-found" },
  ];

  /**
   * Goes to `to` inside the console the way its own links do (History API, then the `popstate` its router
   * listens to) instead of loading the document again: the bundle and axe-core are parsed once per browser
   * context, not once per page (about a third of this file's time went to that). The way leads through the
   * not-found page, which unmounts the page before, so the next page mounts afresh and no element of the page
   * before can pass for its `ready` element (several pages share a path or a test id). The pointer goes to the
   * page's top left corner first: a new page under a pointer left where the last click was shows that element's
   * hover colours, which is not the state this check is about.
   */
  async function visit(page: Page, to: string) {
    watchErrors(page);
    await page.mouse.move(0, 0);
    const go = (path: string) =>
      page.evaluate(`(() => {
        window.history.pushState(null, "", ${JSON.stringify(path)});
        window.dispatchEvent(new PopStateEvent("popstate"));
        window.scrollTo(0, 0);
      })()`);
    await go("/no-such-page");
    await page.getByTestId("not-found").waitFor();
    await go(to);
  }

  /**
   * What the page's scripts logged as errors since the last check (React's warnings about markup, e.g. a
   * `<div>` inside a `<p>`, among them), except a refused request, which the page shows and handles itself.
   */
  const logged = new WeakMap<Page, string[]>();
  function watchErrors(page: Page) {
    if (logged.has(page)) return;
    const errors: string[] = [];
    logged.set(page, errors);
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource"))
        errors.push(m.text().slice(0, 2500));
    });
    page.on("pageerror", (e) => errors.push(e.message.slice(0, 300)));
  }

  /** Waits until the page shows `ready`, no loader spins any more and nothing moves. */
  async function settle(page: Page, ready: string) {
    watchErrors(page);
    await page.getByTestId(ready).first().waitFor();
    await expect.poll(() => page.locator(".mantine-Loader-root:visible").count()).toBe(0);
    await motionless(page);
  }

  /**
   * Waits until no CSS transition or animation that ends is running (a spinner's endless one does not count):
   * axe's colour checks need the final colours. With reduced motion Mantine's own transitions take 0 ms; what
   * is left are CSS ones, e.g. a hovered button's colour (100–150 ms). `getAnimations()` computes pending style
   * changes first, so a transition a change has just started counts.
   */
  async function motionless(page: Page) {
    await page.waitForFunction(`document.getAnimations().every((a) =>
      a.playState !== "running" || !a.effect || a.effect.getComputedTiming().endTime === Infinity)`);
  }

  /** A browser context nobody is signed in to, in the variant's locale and width (axe allowed, motion reduced). */
  const signedOutContext = (v: Variant) =>
    browser.newContext({
      baseURL: base,
      locale: v.lang === "en" ? "en-GB" : "zh-CN",
      viewport: { width: v.width, height: HEIGHT },
      bypassCSP: true,
      ...REDUCED_MOTION,
    });

  /**
   * Checks the page at the variant's width, resizes the window to the other width and checks it again, and
   * resizes it back (the next page is reached from this one).
   */
  async function checkBothWidths(page: Page, name: string, v: Variant, visible: readonly string[] = []) {
    await check(page, name, v, visible);
    const other: Variant = { ...v, width: OTHER_WIDTH[v.width] };
    await page.setViewportSize({ width: other.width, height: HEIGHT });
    // the layout follows the width on the next frames (media queries, Mantine's breakpoint hooks)
    await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
    await check(page, name, other, visible);
    await page.setViewportSize({ width: v.width, height: HEIGHT });
    await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
  }

  async function check(page: Page, name: string, v: Variant, visible: readonly string[] = []) {
    // what the test clicked since the page settled (a tab, the language switch) may still be changing colour
    await motionless(page);
    const report = await runAxe(page);
    const { scrollWidth, culprit } = await horizontalOverflow(page);
    rows.push({ page: name, variant: `${v.lang} ${v.width}`, counts: report.counts, width: scrollWidth });
    const errors = logged.get(page) ?? [];
    expect.soft(errors.splice(0), `${name} (${v.lang}, ${v.width} px): errors logged`).toEqual([]);
    const bad = report.violations.filter((x) => x.impact === "critical" || x.impact === "serious");
    expect.soft(bad, `${name} (${v.lang}, ${v.width} px)`).toEqual([]);
    // every time on the page is on the reader's clock, never raw UTC
    expect.soft(await rawInstants(page), `${name} (${v.lang}): times shown raw`).toEqual([]);
    if (v.lang === "zh-CN")
      expect.soft(await asciiColonsInChinese(page), `${name}: "：" in Chinese`).toEqual([]);
    if (v.width === 390) {
      expect.soft(scrollWidth, `${name} at 390 px: ${culprit}`).toBeLessThanOrEqual(390);
      expect.soft(await squeezed(page), `${name} (${v.lang}) at 390 px: squeezed`).toEqual([]);
      for (const id of visible) {
        const box = await page.getByTestId(id).first().boundingBox();
        expect.soft(box, `${name}: ${id} on screen`).not.toBeNull();
        expect.soft(box?.x ?? -1, `${name}: ${id} starts on screen`).toBeGreaterThanOrEqual(0);
        expect((box?.x ?? 0) + (box?.width ?? 0), `${name}: ${id} ends on screen`).toBeLessThanOrEqual(391);
      }
    }
  }

  it.runIf(once)("the console honours the system's reduce-motion setting (WCAG 2.3.3)", async () => {
    const page = await signedInPage(browser, {
      baseURL: base,
      username: "chief.en",
      to: "/users",
      ...REDUCED_MOTION,
    });
    await settle(page, "users-table");
    const dropdown = page.locator(".mantine-Menu-dropdown");
    /** Opens the first user's menu: its dropdown's transition duration and running animations once it shows. */
    const openMenu = async () => {
      await page.getByTestId("user-actions").first().click();
      await dropdown.waitFor();
      const seen = await dropdown.evaluate((el) => {
        const view = el.ownerDocument.defaultView as unknown as {
          getComputedStyle(e: unknown): { transitionDuration: string };
        };
        return {
          duration: view.getComputedStyle(el).transitionDuration,
          animations: (el as unknown as { getAnimations(): unknown[] }).getAnimations().length,
        };
      });
      await page.keyboard.press("Escape");
      await dropdown.waitFor({ state: "detached" });
      return seen;
    };
    expect(await openMenu()).toEqual({ duration: "0s", animations: 0 });
    // The same menu without the setting fades in (Mantine's 150 ms): what is checked above is the setting's doing.
    await page.emulateMedia({ reducedMotion: "no-preference" });
    expect((await openMenu()).duration).not.toBe("0s");
    await page.context().close();
  });

  for (const v of VARIANTS) {
    it.runIf(once)(
      `the sign-in page (${v.lang}, ${v.width} px, then ${OTHER_WIDTH[v.width]} px)`,
      async () => {
        const ctx = await signedOutContext(v);
        const page = await ctx.newPage();
        await page.goto("/");
        await settle(page, "signin-form");
        // the sign-in page opens in the node's language (English here); Chinese is one click away
        if (v.lang !== "en") await page.getByTestId("language-switch").click();
        await expect.poll(() => page.locator("html").getAttribute("lang")).toBe(v.lang);
        await checkBothWidths(page, "sign-in", v, ["signin-submit"]);
        await ctx.close();
      },
    );

    it.runIf(once)(
      `the public verification page (${v.lang}, ${v.width} px, then ${OTHER_WIDTH[v.width]} px)`,
      async () => {
        const ctx = await signedOutContext(v);
        const page = await ctx.newPage();
        await page.goto("/verify");
        await settle(page, "verify-form");
        // A public page opens in the browser's language (no account says otherwise); switch if it is not ours.
        if ((await page.locator("html").getAttribute("lang")) !== v.lang)
          await page.getByTestId("language-switch").click();
        await expect.poll(() => page.locator("html").getAttribute("lang")).toBe(v.lang);
        await checkBothWidths(page, "verify", v, ["verify-submit"]);
        await ctx.close();
      },
    );

    it.runIf(once)(
      `the provider portal (${v.lang}, ${v.width} px, then ${OTHER_WIDTH[v.width]} px)`,
      async () => {
        const opts = {
          baseURL: base,
          viewport: { width: v.width, height: HEIGHT },
          bypassCSP: true,
          ...REDUCED_MOTION,
        };
        if (!staffState) {
          const first = await browser.newContext(opts);
          const p = await first.newPage();
          await p.goto("/");
          await p.getByTestId("signin-username").fill("zhao.weibo");
          await p.getByTestId("signin-password").fill("provider-staff-horse-battery");
          await p.getByTestId("signin-submit").click();
          const next = nodeEpoch(t.cn, 30);
          await p.getByTestId("signin-totp").fill(await generate({ secret: staffSecret, epoch: next }));
          await p.getByTestId("signin-submit").click();
          await p.getByTestId("portal-home").waitFor();
          staffState = await first.storageState();
          await first.close();
        }
        const ctx = await browser.newContext({ ...opts, storageState: staffState });
        const page = await ctx.newPage();
        for (const spec of [
          { name: "portal", to: "/portal", ready: "notice-row", visible: ["notice-link"] },
          {
            name: "portal notice",
            to: `/portal/notices/${noticeId}`,
            ready: "notice-detail",
            visible: ["portal-answer-submit"],
          },
        ]) {
          await page.goto(spec.to);
          await settle(page, spec.ready);
          if ((await page.locator("html").getAttribute("lang")) !== v.lang) {
            await page.getByTestId("language-switch").click();
            await expect.poll(() => page.locator("html").getAttribute("lang")).toBe(v.lang);
          }
          await checkBothWidths(page, spec.name, v, spec.visible);
        }
        await ctx.close();
      },
      300_000,
    );

    it.runIf(once)(
      `the shared-list pages, ours and a peer's (${v.lang}, ${v.width} px, then ${OTHER_WIDTH[v.width]} px)`,
      async () => {
        const r = received;
        // Ours as the unit that keeps the list; a peer's as an officer of the intake unit, which holds it.
        for (const [who, specs] of [
          [
            "chief",
            [
              {
                name: "shared lists",
                to: "/fugitive-lists",
                ready: "own-lists",
                visible: ["own-list-progress", "list-new-submit"],
              },
              {
                name: "shared list (own)",
                to: `/fugitive-lists/${listId}`,
                ready: "own-list-entries",
                visible: ["own-list-progress", "list-add-submit", "list-publish-submit"],
              },
            ],
          ],
          [
            "intake",
            [
              {
                name: "shared lists (received)",
                to: "/fugitive-lists",
                ready: "received-lists",
                visible: ["received-list-progress"],
              },
              {
                name: "received list",
                to: `/fugitive-lists/received/${r.ownerNode}/${r.listId}`,
                ready: "received-entries",
                visible: ["received-list-progress", "received-entry-link"],
              },
              {
                name: "received entry",
                to: `/fugitive-lists/entries/${r.entryId}`,
                ready: "received-entry-fields",
                visible: ["received-entry-photo", "report-text", "report-evidence", "report-submit"],
              },
            ],
          ],
        ] as const) {
          const page = await signedInPage(browser, {
            baseURL: base,
            username: `${who}.${v.lang === "en" ? "en" : "zh"}`,
            to: "/",
            viewport: { width: v.width, height: HEIGHT },
            bypassCSP: true,
            ...REDUCED_MOTION,
          });
          for (const spec of specs) {
            await visit(page, spec.to);
            await settle(page, spec.ready);
            expect(await page.locator("html").getAttribute("lang")).toBe(v.lang);
            await checkBothWidths(page, spec.name, v, spec.visible);
          }
          await page.context().close();
        }
      },
      300_000,
    );

    it.runIf(once)(
      `every signed-in page (${v.lang}, ${v.width} px, then ${OTHER_WIDTH[v.width]} px)`,
      async () => {
        const page = await signedInPage(browser, {
          baseURL: base,
          username: v.lang === "en" ? "chief.en" : "chief.zh",
          to: "/",
          viewport: { width: v.width, height: HEIGHT },
          bypassCSP: true,
          ...REDUCED_MOTION,
        });
        for (const spec of PAGES()) {
          await visit(page, spec.to);
          await settle(page, spec.ready);
          expect(await page.locator("html").getAttribute("lang")).toBe(v.lang);
          await spec.open?.(page);
          await checkBothWidths(page, spec.name, v, spec.visible);
        }
        await page.context().close();
      },
      900_000,
    );
  }
});
