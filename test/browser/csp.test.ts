import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { watchedPage } from '../support/browser.js';
import { databaseKinds } from '../support/databases.js';
import { embedHtml, strictCsp } from '../support/host-page.js';
import { startWidgetStack, type WidgetStack } from '../support/widget-stack.js';

// A careful customer's page: a CSP without 'unsafe-inline' that names only itself and Parley.
for (const kind of databaseKinds) {
  describe(`the widget under a strict Content-Security-Policy, on ${kind}`, () => {
    let stack: WidgetStack;
    before(async () => {
      stack = await startWidgetStack(kind);
    });
    after(() => stack?.close());

    test('shows the chat and KaTeX math laid out and in its fonts, with no CSP violation, and talks to no third origin', async () => {
      const { publicId } = await stack.workspace();
      const csp = strictCsp(stack.parley);
      assert.doesNotMatch(csp, /unsafe/);
      const url = stack.site.set('/strict', { html: embedHtml(stack.parley, publicId), csp });
      const { page, watch, close } = await watchedPage(stack.browser, { viewport: { width: 1280, height: 900 } });
      try {
        await page.goto(url);
        await page.locator('parley-widget .launcher').click();
        await page.locator('parley-widget textarea').fill('Show me some math');
        await page.keyboard.press('Enter');
        const reply = page.locator('parley-widget .message.assistant .md').last();
        await reply.locator('.katex-display').waitFor();
        await page.locator('parley-widget .send[aria-label="Send message"]').waitFor();
        await page.evaluate(() => document.fonts.ready);

        const layout = await reply.evaluate((md) => {
          const inline = md.querySelector('li .katex')!.getBoundingClientRect();
          const display = md.querySelector('.katex-display .katex-html')!.getBoundingClientRect();
          const struts = [...md.querySelectorAll<HTMLElement>('.katex-strut')].map((s) => s.getBoundingClientRect().height);
          const line = parseFloat(getComputedStyle(md).lineHeight);
          const superscript = md.querySelector('li .msupsub')!.getBoundingClientRect();
          const base = md.querySelector('li .mord.mathnormal')!.getBoundingClientRect();
          return {
            inline: inline.width > 20 && inline.height > 10,
            displayTall: display.height > 1.5 * line,
            strutsSized: struts.length > 0 && struts.every((h) => h > 0),
            superscriptRaised: superscript.top < base.top,
            mainFont: getComputedStyle(md.querySelector('.katex')!).fontFamily.startsWith('KaTeX_Main'),
            loaded: document.fonts.check('16px KaTeX_Main') && document.fonts.check('16px KaTeX_Math'),
            faces: [...document.fonts].filter((f) => f.status === 'loaded').map((f) => f.family),
          };
        });
        assert.deepEqual({ ...layout, faces: undefined }, {
          inline: true,
          displayTall: true,
          strutsSized: true,
          superscriptRaised: true,
          mainFont: true,
          loaded: true,
          faces: undefined,
        });
        assert.ok(layout.faces.includes('KaTeX_Main') && layout.faces.includes('KaTeX_Math'), layout.faces.join());
        const fonts = `${stack.parley}/widget/fonts/`;
        assert.ok(watch.requests.some((u) => u.startsWith(fonts) && /^KaTeX_Main-Regular\.[0-9a-f]{16}\.woff2$/.test(u.slice(fonts.length))), 'fonts come from Parley, named by content');

        await page.waitForTimeout(100);
        assert.deepEqual(watch.violations, [], 'no securitypolicyviolation event');
        assert.deepEqual(watch.errors.filter((e) => /Content.Security.Policy|Refused/i.test(e)), [], 'no CSP console error');
        assert.deepEqual(watch.errors, []);

        const origins = new Set(watch.requests.map((u) => new URL(u).origin));
        assert.deepEqual([...origins].sort(), [stack.parley, stack.site.origin].sort(), 'no request to any third origin');
      } finally {
        await close();
      }
    });
  });
}
