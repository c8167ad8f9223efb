import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { publishWidget } from '../../scripts/publish-widget.js';
import { defaultWidgetDir } from '../../server/widget-assets/widget-bundle.js';
import { watchedPage } from '../support/browser.js';
import { databaseKinds } from '../support/databases.js';
import { assertRefusedAndHostWorks, embedHtml, HOST_COUNTER, strictCsp } from '../support/host-page.js';
import { startWidgetStack, type WidgetStack } from '../support/widget-stack.js';

// The pinned embed: <script src=/widget/v<version>.js integrity=… crossorigin=anonymous>,
// served from RELEASE_DIR. The server here has no build of its own (as after an upgrade
// to a version whose chunks are all new): everything the page runs comes from the release.
const VERSION = '1.2.3-rc.1';
const tempDir = (label: string) => mkdtempSync(join(tmpdir(), `parley-${label}-`));

/** A release directory with the current build published as VERSION; its loader's integrity. */
function publishCurrentBuild(): { releaseDir: string; integrity: string } {
  const releaseDir = tempDir('pinned-release');
  const { entry } = publishWidget({ buildDir: defaultWidgetDir(), releaseDir, version: VERSION });
  return { releaseDir, integrity: entry.integrity };
}

for (const kind of databaseKinds) {
  describe(`the pinned embed on ${kind}`, () => {
    let stack: WidgetStack;
    let published: { releaseDir: string; integrity: string };
    const emptyBuild = tempDir('no-build');
    before(async () => {
      published = publishCurrentBuild();
      stack = await startWidgetStack(kind, { widgetDir: emptyBuild, releaseDir: published.releaseDir });
    });
    after(async () => {
      await stack?.close();
      rmSync(published.releaseDir, { recursive: true, force: true });
      rmSync(emptyBuild, { recursive: true, force: true });
    });

    test('mounts and chats under a strict CSP, its chunks and fonts served from the release directory', async () => {
      const { publicId } = await stack.workspace();
      const html = embedHtml(stack.parley, publicId, { pinned: { version: VERSION, integrity: published.integrity } });
      const url = stack.site.set(`/pinned-${kind}`, { html, csp: strictCsp(stack.parley) });
      const { page, watch, close } = await watchedPage(stack.browser);
      try {
        await page.goto(url);
        await page.locator('parley-widget .launcher').click();
        const input = page.locator('parley-widget textarea');
        await input.fill('What is an integral?');
        await input.press('Enter');
        const md = page.locator('parley-widget .message.assistant .md').last();
        await md.locator('.katex-display').waitFor();
        assert.equal(await md.locator('strong').textContent(), 'Markdown');
        await page.locator('parley-widget .send[aria-label="Send message"]').waitFor();

        const fromParley = watch.requests.filter((u) => u.startsWith(stack.parley)).map((u) => new URL(u).pathname);
        assert.equal(fromParley[0], `/widget/v${VERSION}.js`);
        assert.ok(!fromParley.includes('/widget.js'), 'the rolling loader is never asked for');
        assert.equal(fromParley.filter((p) => /^\/widget\/chunks\/(panel|katex)\.[0-9a-f]{16}\.js$/.test(p)).length, 2);
        assert.deepEqual(watch.violations, []);
        assert.deepEqual(watch.errors, []);
      } finally {
        await close();
      }
    });
  });
}

describe('a pinned loader altered on the server', () => {
  let stack: WidgetStack;
  let published: { releaseDir: string; integrity: string };
  before(async () => {
    // The published loader with one byte changed, under the same URL; the customer's tag keeps the original hash.
    published = publishCurrentBuild();
    const file = join(published.releaseDir, 'widget', `v${VERSION}.js`);
    const tampered = tempDir('pinned-tampered');
    cpSync(published.releaseDir, tampered, { recursive: true });
    const bytes = readFileSync(file);
    const at = bytes.indexOf('Parley');
    bytes[at] = 'p'.charCodeAt(0);
    writeFileSync(join(tampered, 'widget', `v${VERSION}.js`), bytes);
    rmSync(published.releaseDir, { recursive: true, force: true });
    published.releaseDir = tampered;
    stack = await startWidgetStack('pglite', { releaseDir: tampered });
  });
  after(async () => {
    await stack?.close();
    rmSync(published.releaseDir, { recursive: true, force: true });
  });

  test('is refused by Chromium: the widget does not run, and the host page keeps working', async () => {
    const { publicId } = await stack.workspace();
    const html = embedHtml(stack.parley, publicId, { pinned: { version: VERSION, integrity: published.integrity }, body: HOST_COUNTER });
    const url = stack.site.set('/pinned-tampered', { html });
    const { page, watch, close } = await watchedPage(stack.browser);
    try {
      await page.goto(url);
      await page.waitForLoadState('load');
      await page.waitForTimeout(300);
      assert.ok(watch.requests.includes(`${stack.parley}/widget/v${VERSION}.js`), 'the loader was fetched');
      assert.equal(await page.evaluate(() => typeof window.Parley), 'undefined', 'its code did not run');
      assert.equal(await page.locator('parley-widget').count(), 0);
      assert.ok(!watch.requests.some((u) => u.includes('/api/widget/')), 'no config request');
      await assertRefusedAndHostWorks(page, watch.errors);
    } finally {
      await close();
    }
  });
});
