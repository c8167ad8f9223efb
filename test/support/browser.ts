import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's Chromium, or CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Headless Chromium driven by playwright-core. A missing browser fails the tests, never skips them. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}; install it with: apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true });
}

/** What a page did that a test may want to assert never happened. */
export interface PageWatch {
  /** securitypolicyviolation events: the directive and the blocked URL. */
  violations: string[];
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** Every URL the page requested, in order. */
  requests: string[];
  /** alert/confirm/prompt dialogs opened. */
  dialogs: string[];
}

/**
 * A fresh page in its own context (own storage) that records CSP violations,
 * console errors, requests and dialogs. The recorder is an init script, which
 * the page's CSP does not govern.
 */
export async function watchedPage(browser: Browser, options: BrowserContextOptions = {}): Promise<{ page: Page; watch: PageWatch; close(): Promise<void> }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const watch: PageWatch = { violations: [], errors: [], requests: [], dialogs: [] };
  await page.exposeFunction('__reportViolation', (text: string) => void watch.violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportViolation(t: string): void }).__reportViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(m.text());
  });
  page.on('pageerror', (e) => void watch.errors.push(String(e)));
  page.on('request', (r) => void watch.requests.push(r.url()));
  page.on('dialog', (d) => {
    watch.dialogs.push(d.message());
    void d.dismiss();
  });
  return { page, watch, close: () => context.close() };
}
