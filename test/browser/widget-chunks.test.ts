import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { toChunks } from '../../scripts/fake-mistral.js';
import { defaultWidgetDir, loaderChunks } from '../../server/widget-assets/widget-bundle.js';
import { watchedPage } from '../support/browser.js';
import { assertRefusedAndHostWorks, embedHtml, HOST_COUNTER } from '../support/host-page.js';
import { startWidgetStack, type WidgetStack } from '../support/widget-stack.js';

// The loader and its chunks: what a page pays when nobody opens the chat, when each chunk
// arrives, and that a chunk whose bytes differ from what the loader pins never runs.
const DIST = defaultWidgetDir();
const chunkFile = (dir: string, name: string) => loaderChunks(dir).find((f) => f.startsWith(`${name}.`))!;
const sri = (bytes: Buffer) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

/** Records every <script src> the page inserts, with the attributes it was inserted with. */
async function recordScripts(page: Page): Promise<() => Promise<{ src: string; integrity: string; crossOrigin: string | null }[]>> {
  await page.addInitScript(() => {
    const seen: { src: string; integrity: string; crossOrigin: string | null }[] = [];
    (window as unknown as { __scripts: typeof seen }).__scripts = seen;
    new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) if (n instanceof HTMLScriptElement && n.src) seen.push({ src: n.src, integrity: n.integrity, crossOrigin: n.crossOrigin });
      }
    }).observe(document, { childList: true, subtree: true });
  });
  return () => page.evaluate(() => (window as unknown as { __scripts: { src: string; integrity: string; crossOrigin: string | null }[] }).__scripts);
}

async function ask(page: Page, text: string): Promise<void> {
  const before = await page.locator('parley-widget .message.assistant').count();
  await page.locator('parley-widget textarea').fill(text);
  await page.locator('parley-widget textarea').press('Enter');
  await page.locator('parley-widget .message.assistant').nth(before).waitFor();
  await page.locator('parley-widget .send[aria-label="Send message"]').waitFor();
}

describe('the widget loader and its chunks', () => {
  let stack: WidgetStack;
  let publicId: string;
  before(async () => {
    stack = await startWidgetStack('pglite');
    publicId = (await stack.workspace()).publicId;
  });
  after(() => stack?.close());

  test('a page whose visitor never touches the launcher downloads the loader and the config, nothing else', async () => {
    const url = stack.site.set('/untouched', { html: embedHtml(stack.parley, publicId) });
    const { page, watch, close } = await watchedPage(stack.browser);
    try {
      await page.goto(url);
      await page.locator('parley-widget .launcher').waitFor();
      await page.evaluate(() => window.scrollTo(0, 200));
      await page.waitForTimeout(500);
      assert.deepEqual(
        watch.requests.filter((u) => !u.endsWith('/favicon.ico')),
        [url, `${stack.parley}/widget.js`, `${stack.parley}/api/widget/config?workspace=${publicId}`],
      );
      assert.deepEqual(watch.errors, []);
    } finally {
      await close();
    }
  });

  test('hovering fetches the panel chunk, opening shows it, and KaTeX comes only with the first reply that has math', async () => {
    const url = stack.site.set('/lazy', { html: embedHtml(stack.parley, publicId) });
    const { page, watch, close } = await watchedPage(stack.browser);
    const scripts = await recordScripts(page);
    const chunkRequests = (name: string) => watch.requests.filter((u) => u.startsWith(`${stack.parley}/widget/chunks/${name}.`));
    try {
      await page.goto(url);
      const launcher = page.locator('parley-widget .launcher');
      await launcher.waitFor();
      assert.deepEqual(chunkRequests(''), []);

      const panelRequest = page.waitForRequest((r) => r.url().includes('/widget/chunks/panel.'));
      await launcher.hover();
      await panelRequest;
      assert.equal(await page.locator('parley-widget [role="dialog"]').count(), 0, 'hovering does not open');
      await launcher.click();
      await page.locator('parley-widget [role="dialog"]').waitFor();

      stack.fake.setScript(() => ({ chunks: toChunks('Plain **words**, and no formula at all.'), delayMs: 5 }));
      await ask(page, 'no math, please');
      assert.equal(await page.locator('parley-widget .message.assistant .md strong').last().textContent(), 'words');
      await page.waitForTimeout(200);
      assert.deepEqual(chunkRequests('katex'), [], 'no KaTeX without math');

      stack.fake.setScript();
      await ask(page, 'now with math');
      const reply = page.locator('parley-widget .message.assistant .md').last();
      await reply.locator('.katex-display').waitFor();
      assert.equal(await reply.locator('li .katex').count(), 1);
      assert.equal(await reply.locator('code.tex').count(), 0, 'the TeX placeholders are gone');
      assert.equal(chunkRequests('panel').length, 1);
      assert.equal(chunkRequests('katex').length, 1);

      // Each chunk came from a <script> pinned by the SHA-384 of the bytes built, fetched in CORS mode.
      const inserted = (await scripts()).filter((s) => s.src.includes('/widget/chunks/'));
      assert.deepEqual(
        inserted,
        ['panel', 'katex'].map((name) => {
          const file = chunkFile(DIST, name);
          return { src: `${stack.parley}/widget/chunks/${file}`, integrity: sri(readFileSync(join(DIST, 'chunks', file))), crossOrigin: 'anonymous' };
        }),
      );
      const sheets = await page.evaluate(() => ({
        shadow: document.querySelector('parley-widget')!.shadowRoot!.adoptedStyleSheets.length,
        document: document.adoptedStyleSheets.length,
        scriptsLeft: document.querySelectorAll('script[src*="/widget/chunks/"]').length,
      }));
      // The loader's 3, the panel's 6, KaTeX's rules; KaTeX's fonts on the document.
      assert.deepEqual(sheets, { shadow: 10, document: 1, scriptsLeft: 0 });
      assert.deepEqual(watch.errors, []);
    } finally {
      stack.fake.setScript();
      await close();
    }
  });
});

describe('a chunk altered on the server', () => {
  let stack: WidgetStack;
  let dir: string;
  before(async () => {
    // A copy of the built widget whose panel chunk runs one statement more, under the same name.
    dir = mkdtempSync(join(tmpdir(), 'parley-tampered-'));
    cpSync(DIST, dir, { recursive: true });
    const file = join(dir, 'chunks', chunkFile(dir, 'panel'));
    writeFileSync(file, Buffer.concat([Buffer.from('window.__tampered=true;'), readFileSync(file)]));
    stack = await startWidgetStack('pglite', { widgetDir: dir });
  });
  after(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('is refused by the browser: the widget does not run it, and the host page keeps working', async () => {
    const { publicId } = await stack.workspace();
    const url = stack.site.set('/tampered', { html: embedHtml(stack.parley, publicId, { body: HOST_COUNTER }) });
    const { page, watch, close } = await watchedPage(stack.browser);
    try {
      await page.goto(url);
      const launcher = page.locator('parley-widget .launcher');
      await launcher.waitFor();
      const warning = page.waitForEvent('console', (m) => m.type() === 'warning' && m.text().startsWith('Parley: the chat panel could not be loaded'));
      await launcher.click();
      await warning;
      assert.ok(watch.requests.some((u) => u.includes('/widget/chunks/panel.')), 'the chunk was fetched');
      assert.equal(await page.evaluate(() => (window as unknown as { __tampered?: boolean }).__tampered ?? null), null, 'its code did not run');
      assert.equal(await page.locator('parley-widget [role="dialog"]').count(), 0);
      assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
      await assertRefusedAndHostWorks(page, watch.errors);
    } finally {
      await close();
    }
  });
});
