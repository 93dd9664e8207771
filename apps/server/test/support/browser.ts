import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import axe from "axe-core";
import { type Browser, chromium, type Frame, type Page } from "playwright-core";
import { describe, expect } from "vitest";
import { describeDb, TEST_PASSWORD, type TestNode } from "./node.js";

/**
 * Debian's Chromium, driven by playwright-core over CDP (no browser download): its headless shell
 * (`chromium-headless-shell`, the same build's browser without a window system) when installed, which ran a
 * browser file with a quarter less CPU than the full browser in headless mode (docs/decisions/0005), else
 * `chromium`.
 */
const CHROMIUMS = ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"];
export const CHROMIUM_PATH = CHROMIUMS.find((p) => existsSync(p)) ?? (CHROMIUMS[0] as string);

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
export const CONSOLE_DIR = path.join(REPO_ROOT, "apps/console");
const CONSOLE_INDEX = path.join(CONSOLE_DIR, "dist/index.html");
export const SCREENSHOT_DIR = path.join(REPO_ROOT, ".crossline-test/screenshots");

/**
 * `describeDb` for browser suites. Without Chromium the suite fails in CI and is
 * skipped (loudly) elsewhere.
 */
export function describeBrowser(name: string, fn: () => void) {
  if (!existsSync(CHROMIUM_PATH)) {
    const msg = `${CHROMIUMS.join(" and ")} are missing: the browser tests need Debian's chromium-headless-shell (or chromium) package (apt-get install chromium-headless-shell)`;
    if (process.env.CI) throw new Error(msg);
    console.warn(`\n!!!!!!!!\n!!! SKIPPING "${name}": ${msg}\n!!!!!!!!\n`);
    return describe.skip(name, fn);
  }
  return describeDb(name, fn);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

/** The newest modification time of the files the console is built from. */
function newestSource(): number {
  let newest = 0;
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(path.join(p, name));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of [
    "apps/console/src",
    "apps/console/index.html",
    "apps/console/vite.config.ts",
    "packages/schemas/src",
  ])
    if (existsSync(path.join(REPO_ROOT, p))) walk(path.join(REPO_ROOT, p));
  return newest;
}

function builtAndFresh(): boolean {
  return existsSync(CONSOLE_INDEX) && statSync(CONSOLE_INDEX).mtimeMs >= newestSource();
}

/**
 * Builds the console (`vite build`) when `apps/console/dist/index.html` is missing or older than
 * its sources (so a local run never tests a stale build).
 * Suites of both tiers may ask at once: a lock directory lets one build while the others wait.
 * Call it before the node starts: the node serves the console only if it found it at start.
 */
export async function ensureConsoleBuilt(timeoutMs = 120_000): Promise<void> {
  if (builtAndFresh()) return;
  const lock = path.join(CONSOLE_DIR, ".build-lock");
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (builtAndFresh() && !existsSync(lock)) return;
    try {
      mkdirSync(lock);
    } catch {
      // another suite is building; a lock older than the timeout is left over from a crash
      try {
        if (Date.now() - statSync(lock).mtimeMs > timeoutMs) rmdirSync(lock);
      } catch {
        // gone meanwhile
      }
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    try {
      if (!builtAndFresh()) {
        execFileSync("npx", ["vite", "build"], { cwd: CONSOLE_DIR, stdio: "pipe", timeout: timeoutMs });
      }
      return;
    } finally {
      rmdirSync(lock);
    }
  }
  throw new Error(`the console was not built within ${timeoutMs} ms`);
}

/** Makes an in-process test node listen on 127.0.0.1 on a free port; returns its base URL. */
export async function listen(node: TestNode): Promise<string> {
  await node.rt.app.listen({ host: "127.0.0.1", port: 0 });
  const addr = node.rt.app.server.address() as AddressInfo;
  return `http://127.0.0.1:${addr.port}`;
}

/**
 * A page of a browser context of its own (English, 1400×900, optionally a time zone), signed in through the
 * console's form as `username`, then at `to`.
 */
export async function signedInPage(
  browser: Browser,
  opts: {
    baseURL: string;
    username: string;
    to: string;
    password?: string;
    timezoneId?: string;
    /** 1400×900 unless given (390×844 is a phone). */
    viewport?: { width: number; height: number };
    /** For `runAxe`, whose injected script the console's CSP would refuse. */
    bypassCSP?: boolean;
    /** The system's "reduce motion" setting the page sees (`prefers-reduced-motion`); the browser's default unless given. */
    reducedMotion?: "reduce" | "no-preference";
  },
): Promise<Page> {
  const ctx = await browser.newContext({
    baseURL: opts.baseURL,
    locale: "en-GB",
    ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
    viewport: opts.viewport ?? { width: 1400, height: 900 },
    bypassCSP: opts.bypassCSP ?? false,
    ...(opts.reducedMotion ? { reducedMotion: opts.reducedMotion } : {}),
  });
  ctx.setDefaultTimeout(20_000);
  const page = await ctx.newPage();
  await page.goto(opts.to);
  await page.getByTestId("signin-username").fill(opts.username);
  await page.getByTestId("signin-password").fill(opts.password ?? TEST_PASSWORD);
  await page.getByTestId("signin-submit").click();
  await page.getByTestId("nav").waitFor();
  await page.goto(opts.to);
  return page;
}

/**
 * Reloads the page and waits until the reloaded document's live notification stream has answered, so what is
 * written afterwards reaches the page through the stream. A stream request of the document before the reload
 * (opened late, after its load event) does not count: the wait starts when the reload commits.
 */
export async function reloadWithLiveStream(page: Page): Promise<void> {
  const answered = new Promise<void>((resolve, reject) => {
    const onNavigated = (f: Frame) => {
      if (f !== page.mainFrame()) return;
      page.off("framenavigated", onNavigated);
      page
        .waitForResponse((r) => r.url().includes("/api/v1/notifications/stream"))
        .then(() => resolve(), reject);
    };
    page.on("framenavigated", onNavigated);
  });
  await page.reload();
  await answered;
}

/**
 * Switches the console to `lang` from the user menu and waits until the preference is saved. The page changes
 * language at once, before its PUT /me/preferences has answered: a page closed right after lost the save now and
 * then, and the user's next sign-in, in a later test, came up in the other language.
 */
export async function switchLanguage(page: Page, lang: "en" | "zh-CN"): Promise<void> {
  const saved = page.waitForResponse(
    (r) => r.url().endsWith("/api/v1/me/preferences") && r.request().method() === "PUT",
  );
  await page.getByTestId("user-menu").click();
  await page.getByTestId("menu-language").click();
  await expect.poll(() => page.locator("html").getAttribute("lang")).toBe(lang);
  expect((await saved).ok()).toBe(true);
}

/** Picks a small text file in an attachment picker (`<testId>-input`) and waits until it is uploaded. */
export async function attachTextFile(page: Page, testId: string, name: string, text: string): Promise<void> {
  await page.getByTestId(`${testId}-input`).setInputFiles({
    name,
    mimeType: "text/plain",
    buffer: Buffer.from(text),
  });
  await page.getByTestId(`${testId}-item`).filter({ hasText: name }).waitFor();
}

export type AxeImpact = "critical" | "serious" | "moderate" | "minor";
export const AXE_IMPACTS: readonly AxeImpact[] = ["critical", "serious", "moderate", "minor"];

export interface AxeReport {
  counts: Record<AxeImpact, number>;
  /** One entry per violated rule: its id, impact, how many elements, some of their selectors and reasons. */
  violations: { id: string; impact: AxeImpact; nodes: number; targets: string[]; summaries: string[] }[];
}

/**
 * Runs axe-core (WCAG 2.0–2.2 A/AA and best practices) on the page as it is now and counts the violations by impact.
 * axe's source is injected as a script (the console's CSP allows no inline scripts, hence `bypassCSP` on the page's
 * context), once per document.
 */
export async function runAxe(page: Page): Promise<AxeReport> {
  const hasAxe = await page.evaluate<boolean>(`"axe" in window`);
  if (!hasAxe) await page.addScriptTag({ content: axe.source });
  // A script in the page's own terms (this package has no DOM types): the rule, its impact, a few elements and
  // their distinct reasons, which is what a failure message needs to find them.
  const violations = await page.evaluate<AxeReport["violations"]>(`
    axe.run(document, { resultTypes: ["violations"] }).then((r) =>
      r.violations.map((v) => ({
        id: v.id,
        impact: v.impact || "minor",
        nodes: v.nodes.length,
        targets: v.nodes.slice(0, 6).map((n) => String(n.target[0] || "")),
        summaries: [...new Set(v.nodes.map((n) => (n.failureSummary || "").split("\\n").slice(1, 2).join(" ")))].slice(0, 6),
      })),
    )`);
  const counts: Record<AxeImpact, number> = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const v of violations) counts[v.impact] += v.nodes;
  return { counts, violations };
}

/**
 * How wide the page's content is at the current viewport (`document.scrollWidth`), and the element that sticks
 * out furthest past the viewport, to name it in a failure.
 */
export async function horizontalOverflow(
  page: Page,
): Promise<{ scrollWidth: number; culprit: string | null }> {
  return page.evaluate<{ scrollWidth: number; culprit: string | null }>(`(() => {
    let culprit = null;
    let widest = window.innerWidth;
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.right > widest + 0.5 && r.width > 0) {
        widest = r.right;
        const tid = el.getAttribute("data-testid");
        culprit = el.tagName.toLowerCase() + (tid ? "[data-testid=" + tid + "]" : "") + " " +
          String(el.className).split(" ").slice(0, 2).join(".") + " → " + Math.round(r.right) + "px";
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, culprit };
  })()`);
}

/**
 * Page-side (a function's source, for page.evaluate): the text nodes whose text passes `keep` and that a person
 * sees, outside code and preformatted blocks (where an identifier or a technical detail is shown as it is), each
 * with its element.
 */
const VISIBLE_TEXT = `(keep) => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!keep(n.nodeValue || "")) continue;
    const el = n.parentElement;
    if (!el || el.closest("code, pre, script, style, [aria-hidden=true]")) continue;
    if (el.checkVisibility({ visibilityProperty: true })) out.push([n, el]);
  }
  return out;
}`;

/**
 * Instants shown to people as machine text: an ISO 8601 date-time ("2026-11-20T02:00…"), a clock time
 * labelled UTC ("02:00 UTC"), or the browser's own rendering (`toLocaleString`: "04/12/2026, 13:19:05",
 * "12/4/2026, 1:19:05 PM", "2026/12/4 13:19:05": the browser's zone and locale, no offset), in the page's
 * visible text (VISIBLE_TEXT). People read times on their own clock, with the offset (`formatDateTime`): what
 * this finds is a time someone has to convert in their head, or read on the wrong clock. Each with its context.
 */
export async function rawInstants(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`((visible) => {
    const raw = /\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}|\\b\\d{1,2}:\\d{2}(:\\d{2})? ?UTC\\b|\\b\\d{1,2}\\/\\d{1,2}\\/\\d{4},? \\d{1,2}:\\d{2}|\\b\\d{4}\\/\\d{1,2}\\/\\d{1,2} \\d{1,2}:\\d{2}/;
    return visible((text) => raw.test(text)).map(([n, el]) => {
      const tid = el.closest("[data-testid]")?.getAttribute("data-testid");
      return (tid ? "[" + tid + "] " : "") + (n.nodeValue || "").trim().slice(0, 120);
    });
  })(${VISIBLE_TEXT})`);
}

/**
 * Places where Chinese text is joined to what follows by an ASCII colon and a space ("发件箱: 3") instead of the
 * full-width colon Chinese typography uses ("发件箱：3", `common.colon`), in the page's visible text
 * (VISIBLE_TEXT). Read on the elements holding a colon, since a label and its colon are often separate text nodes.
 */
export async function asciiColonsInChinese(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`((visible) => {
    const found = new Set();
    for (const [, el] of visible((text) => text.includes(":"))) {
      const text = el.textContent || "";
      const m = /[\\u3400-\\u9fff）」]: /.exec(text);
      if (m) found.add(text.slice(Math.max(0, m.index - 20), m.index + 20).trim());
    }
    return [...found];
  })(${VISIBLE_TEXT})`);
}

/**
 * What a narrow screen squeezes past use, each named by its test id and text: a table cell whose text (four
 * characters or more) got narrower than 40 px, so that it breaks after every character or two, and a form field
 * (text box, select, file picker) narrower than 80 px. A wide table goes in a container that scrolls sideways
 * (`Table.ScrollContainer`, or a table with a minimum width in a scrolling card); a field in a row needs a
 * minimum width, since an empty one shrinks to nothing.
 */
export async function squeezed(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const out = [];
    const named = (el, what, w, text) => {
      const tid = el.closest("[data-testid]")?.getAttribute("data-testid");
      out.push(what + (tid ? " [" + tid + "]" : "") + " " + Math.round(w) + " px: " + text.slice(0, 40));
    };
    for (const el of document.querySelectorAll("td, th")) {
      const text = (el.textContent || "").trim();
      const w = el.getBoundingClientRect().width;
      if ([...text].length >= 4 && w > 0 && w < 40 && el.checkVisibility()) named(el, "cell", w, text);
    }
    for (const el of document.querySelectorAll(".mantine-Input-input")) {
      const w = el.getBoundingClientRect().width;
      const label = el.closest(".mantine-InputWrapper-root")?.querySelector("label")?.textContent || "";
      if (w > 0 && w < 80 && el.checkVisibility()) named(el, "field", w, label.trim());
    }
    return out;
  })()`);
}

/** Prints the axe-core violations per page and variant by impact, with the page's width (a Markdown table). */
export function printAxeTable(
  rows: { page: string; variant: string; counts: AxeReport["counts"]; width: number }[],
) {
  const head = `| page | variant | ${AXE_IMPACTS.join(" | ")} | scrollWidth |`;
  const lines = rows.map(
    (r) => `| ${r.page} | ${r.variant} | ${AXE_IMPACTS.map((i) => r.counts[i]).join(" | ")} | ${r.width} |`,
  );
  console.log(
    [
      "axe-core violations (elements) by impact:",
      head,
      `|${"---|".repeat(AXE_IMPACTS.length + 3)}`,
      ...lines,
    ].join("\n"),
  );
}
