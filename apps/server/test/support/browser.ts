import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { describe } from "vitest";
import { describeDb, TEST_PASSWORD, type TestNode } from "./node.js";

/** Debian's Chromium; playwright-core drives it over CDP, no browser download. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

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
    const msg = `${CHROMIUM_PATH} is missing: the browser tests need Debian's chromium package (apt-get install chromium)`;
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
  opts: { baseURL: string; username: string; to: string; password?: string; timezoneId?: string },
): Promise<Page> {
  const ctx = await browser.newContext({
    baseURL: opts.baseURL,
    locale: "en-GB",
    ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
    viewport: { width: 1400, height: 900 },
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

/** Picks a small text file in an attachment picker (`<testId>-input`) and waits until it is uploaded. */
export async function attachTextFile(page: Page, testId: string, name: string, text: string): Promise<void> {
  await page.getByTestId(`${testId}-input`).setInputFiles({
    name,
    mimeType: "text/plain",
    buffer: Buffer.from(text),
  });
  await page.getByTestId(`${testId}-item`).filter({ hasText: name }).waitFor();
}
