import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { watchedPage } from '../support/browser.js';
import { embedHtml } from '../support/host-page.js';
import { startWidgetStack, type WidgetStack } from '../support/widget-stack.js';

// How the widget sits in a customer's page. The chat itself: chat.test.ts.
describe('the widget embedded in a page on another origin', () => {
  let stack: WidgetStack;
  let publicId: string;
  before(async () => {
    stack = await startWidgetStack('pglite');
    publicId = (await stack.workspace()).publicId;
  });
  after(() => stack?.close());

  test('mounts once, in one shadow root, and defines no global but window.Parley, even with the tag twice', async () => {
    const url = stack.site.set('/twice', { html: embedHtml(stack.parley, publicId, { copies: 2 }) });
    const { page, watch, close } = await watchedPage(stack.browser);
    try {
      await page.addInitScript(() => {
        (window as unknown as { __globals: string[] }).__globals = Object.getOwnPropertyNames(window);
      });
      await page.goto(url);
      await page.locator('parley-widget .launcher').waitFor();
      await page.waitForTimeout(200);
      const found = await page.evaluate(() => {
        const before = (window as unknown as { __globals: string[] }).__globals;
        const host = document.querySelector('parley-widget')!;
        return {
          scripts: document.querySelectorAll('script[src$="/widget.js"]').length,
          hosts: document.querySelectorAll('parley-widget').length,
          hostParent: host.parentElement === document.body,
          shadowRoot: host.shadowRoot !== null && host.shadowRoot.mode === 'open',
          launchers: host.shadowRoot!.querySelectorAll('.launcher').length,
          added: Object.getOwnPropertyNames(window).filter((n) => !before.includes(n) && !n.startsWith('__')),
          api: Object.keys(window.Parley!).sort(),
          frozen: Object.isFrozen(window.Parley),
          // No markup styles anywhere: a strict CSP would block them.
          styleElements: document.querySelectorAll('style').length + host.shadowRoot!.querySelectorAll('style').length,
          styleAttributes: document.querySelectorAll('[style]').length,
          documentSheets: document.adoptedStyleSheets.length,
          shadowSheets: host.shadowRoot!.adoptedStyleSheets.length,
        };
      });
      assert.deepEqual(found, {
        scripts: 2,
        hosts: 1,
        hostParent: true,
        shadowRoot: true,
        launchers: 1,
        added: ['Parley'],
        api: ['close', 'destroy', 'on', 'open'],
        frozen: true,
        styleElements: 0,
        styleAttributes: 0,
        // The loader's own (host, launcher, theme); the panel's and KaTeX's come with their chunks.
        documentSheets: 0,
        shadowSheets: 3,
      });
      assert.equal(watch.requests.filter((u) => u.includes('/api/widget/config')).length, 1, 'one copy talks to the server');
      assert.deepEqual(watch.requests.filter((u) => u.includes('/widget/chunks/')), [], 'no chunk before the launcher is touched');
      assert.deepEqual(watch.errors, []);
    } finally {
      await close();
    }
  });

  test('stays through single-page navigation: pushState, an emptied body, a replaced body', async () => {
    const url = stack.site.set('/spa', { html: embedHtml(stack.parley, publicId) });
    const { page, watch, close } = await watchedPage(stack.browser);
    try {
      await page.goto(url);
      await page.locator('parley-widget .launcher').click();
      await page.locator('parley-widget textarea').fill('a draft survives');
      await page.evaluate(() => {
        history.pushState({}, '', '/spa/next');
        document.body.innerHTML = '<main><h1>Another view</h1></main>';
      });
      await page.waitForFunction(() => document.querySelector('parley-widget')?.parentElement === document.body);
      await page.evaluate(() => {
        history.pushState({}, '', '/spa/third');
        document.documentElement.replaceChild(document.createElement('body'), document.body);
      });
      await page.waitForFunction(() => document.querySelector('parley-widget')?.parentElement === document.body);
      assert.equal(new URL(page.url()).pathname, '/spa/third');
      assert.equal(await page.locator('parley-widget').count(), 1);
      assert.equal(await page.locator('parley-widget textarea').inputValue(), 'a draft survives');
      assert.equal(await page.locator('parley-widget [role="dialog"]').count(), 1);
      await page.evaluate(() => history.back());
      await page.waitForURL(/\/spa\/next$/);
      assert.equal(await page.locator('parley-widget [role="dialog"]').count(), 1);
      assert.deepEqual(watch.errors, []);
    } finally {
      await close();
    }
  });

  test('keyboard: Tab reaches the launcher, Enter opens the dialog with focus inside, Escape closes it and focus returns', async () => {
    const url = stack.site.set('/keys', { html: embedHtml(stack.parley, publicId) });
    const { page, close } = await watchedPage(stack.browser);
    const focused = () =>
      page.evaluate(() => {
        const root = document.querySelector('parley-widget')!.shadowRoot!;
        const el = root.activeElement;
        return document.activeElement?.localName === 'parley-widget' && el ? `${el.localName}.${el.className}` : String(document.activeElement?.localName);
      });
    try {
      await page.goto(url);
      const launcher = page.locator('parley-widget .launcher');
      await launcher.waitFor();
      assert.equal(await launcher.getAttribute('aria-label'), 'Open chat');
      assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
      await page.keyboard.press('Tab');
      assert.equal(await focused(), 'button.launcher');

      await page.keyboard.press('Enter');
      const dialog = page.locator('parley-widget [role="dialog"]');
      await dialog.waitFor();
      assert.equal(await focused(), 'textarea.input');
      assert.equal(await launcher.getAttribute('aria-expanded'), 'true');
      assert.equal(await launcher.getAttribute('aria-label'), 'Close chat');
      const labelledBy = await dialog.getAttribute('aria-labelledby');
      assert.equal(await page.locator(`parley-widget #${labelledBy}`).textContent(), 'Chat with us');
      assert.equal(await page.locator('parley-widget textarea').getAttribute('aria-label'), 'Message');
      for (const name of ['Close chat', 'Send message']) assert.equal(await page.locator(`parley-widget [aria-label="${name}"]`).count() > 0, true, name);

      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      assert.equal(await focused(), 'button.launcher');
      assert.equal(await launcher.getAttribute('aria-expanded'), 'false');

      // The close button in the header does the same.
      await page.keyboard.press('Enter');
      await dialog.waitFor();
      await page.locator('parley-widget .header [aria-label="Close chat"]').click();
      await dialog.waitFor({ state: 'detached' });
      assert.equal(await focused(), 'button.launcher');
    } finally {
      await close();
    }
  });

  test('window.Parley opens, closes, reports open and close, and destroy removes every trace', async () => {
    const url = stack.site.set('/api', { html: embedHtml(stack.parley, publicId) });
    const { page, close } = await watchedPage(stack.browser);
    try {
      await page.goto(url);
      await page.locator('parley-widget .launcher').waitFor();
      const events = await page.evaluate(async () => {
        const seen: string[] = [];
        window.Parley!.on('open', () => seen.push('open'));
        const off = window.Parley!.on('close', () => seen.push('close'));
        window.Parley!.on('open', () => {
          throw new Error('a broken listener of the host page');
        });
        window.Parley!.open();
        // The first open fetches the panel chunk. (No named functions in here: tsx would wrap them.)
        const root = document.querySelector('parley-widget')!.shadowRoot!;
        for (let i = 0; i < 100 && !root.querySelector('[role="dialog"]'); i++) await new Promise((r) => setTimeout(r, 50));
        const open = root.querySelector('[role="dialog"]') !== null;
        window.Parley!.close();
        off();
        window.Parley!.open();
        window.Parley!.close();
        let threw = '';
        try {
          window.Parley!.on('nope' as 'open', () => undefined);
        } catch (err) {
          threw = (err as Error).message;
        }
        return { seen, open, threw };
      });
      assert.deepEqual(events, { seen: ['open', 'close', 'open'], open: true, threw: 'Parley.on: unknown event "nope" (open, close, message)' });

      await page.evaluate(() => window.Parley!.destroy());
      const after = await page.evaluate(() => ({
        hosts: document.querySelectorAll('parley-widget').length,
        parley: 'Parley' in window,
        sheets: document.adoptedStyleSheets.length,
      }));
      assert.deepEqual(after, { hosts: 0, parley: false, sheets: 0 });
    } finally {
      await close();
    }
  });

  test('speaks the visitor’s language: German and French, English otherwise', async () => {
    const url = stack.site.set('/lang', { html: embedHtml(stack.parley, publicId) });
    for (const [locale, label, placeholder] of [
      ['de-DE', 'Chat öffnen', 'Nachricht schreiben…'],
      ['fr-CA', 'Ouvrir le chat', 'Écrivez un message…'],
      ['es-ES', 'Open chat', 'Write a message…'],
    ]) {
      const { page, close } = await watchedPage(stack.browser, { locale });
      try {
        await page.goto(url);
        const launcher = page.locator('parley-widget .launcher');
        assert.equal(await launcher.getAttribute('aria-label'), label, locale);
        await launcher.click();
        assert.equal(await page.locator('parley-widget textarea').getAttribute('placeholder'), placeholder, locale);
      } finally {
        await close();
      }
    }
  });

  test('takes colour, side and light/dark from the workspace; auto follows the system setting', async () => {
    const green = await stack.workspace({ theme: { color: '#16a34a', position: 'left', mode: 'dark' } });
    const auto = await stack.workspace({ theme: { color: '#facc15', mode: 'auto' } });
    const look = async (id: string, colorScheme: 'light' | 'dark') => {
      const url = stack.site.set(`/theme-${id}`, { html: embedHtml(stack.parley, id) });
      const { page, close } = await watchedPage(stack.browser, { colorScheme, viewport: { width: 1200, height: 800 }, reducedMotion: 'reduce' });
      try {
        await page.goto(url);
        await page.locator('parley-widget .launcher').click();
        await page.locator('parley-widget .panel').waitFor();
        // No named functions inside evaluate(): tsx would wrap them in a helper the page lacks.
        return await page.evaluate(() => {
          const root = document.querySelector('parley-widget')!.shadowRoot!;
          return {
            side: root.querySelector('.launcher')!.getBoundingClientRect().left < 600 ? 'left' : 'right',
            accent: getComputedStyle(root.querySelector('.launcher')!).backgroundColor,
            onAccent: getComputedStyle(root.querySelector('.header')!).color,
            panel: getComputedStyle(root.querySelector('.panel')!).backgroundColor,
          };
        });
      } finally {
        await close();
      }
    };
    assert.deepEqual(await look(green.publicId, 'light'), { side: 'left', accent: 'rgb(22, 163, 74)', onAccent: 'rgb(255, 255, 255)', panel: 'rgb(23, 24, 28)' });
    assert.deepEqual(await look(auto.publicId, 'light'), { side: 'right', accent: 'rgb(250, 204, 21)', onAccent: 'rgb(17, 24, 39)', panel: 'rgb(255, 255, 255)' });
    assert.equal((await look(auto.publicId, 'dark')).panel, 'rgb(23, 24, 28)');
  });

  test('under 480 px wide the open panel fills the screen, and the message box font is at least 16 px', async () => {
    const url = stack.site.set('/phone', { html: embedHtml(stack.parley, publicId) });
    const { page, close } = await watchedPage(stack.browser, { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, reducedMotion: 'reduce' });
    try {
      await page.goto(url);
      await page.locator('parley-widget .launcher').click();
      const box = await page.locator('parley-widget .panel').boundingBox();
      assert.deepEqual(box, { x: 0, y: 0, width: 375, height: 667 });
      const fontSize = await page.locator('parley-widget textarea').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
      assert.ok(fontSize >= 16, `font-size ${fontSize}`);
      assert.equal(await page.locator('parley-widget .launcher').isVisible(), false, 'the panel covers the launcher; its header closes it');
    } finally {
      await close();
    }
  });

  test('a workspace without a model says so instead of showing the message box', async () => {
    const { publicId: noModel } = await stack.workspace({ model: false });
    const url = stack.site.set('/no-model', { html: embedHtml(stack.parley, noModel) });
    const { page, close } = await watchedPage(stack.browser);
    try {
      await page.goto(url);
      await page.locator('parley-widget .launcher').click();
      await page.locator('parley-widget .unavailable').waitFor();
      assert.match(await page.locator('parley-widget .unavailable').textContent() ?? '', /no AI model configured/);
      assert.equal(await page.locator('parley-widget textarea').count(), 0);
    } finally {
      await close();
    }
  });
});
