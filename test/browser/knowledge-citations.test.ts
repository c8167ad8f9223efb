// Issue #13, point 7: the widget shows a grounded reply's sources as links under it, on a
// host page with a strict CSP: http(s) links in a new tab with rel="noopener noreferrer",
// pasted text as a plain label, reachable by keyboard, and the same after a reload (history).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { watchedPage } from '../support/browser.js';
import { databaseKinds } from '../support/databases.js';
import { embedHtml, strictCsp } from '../support/host-page.js';
import { HELP, helpCentre, OPENING_HOURS, passageNumber, systemOf } from '../support/knowledge-chat.js';
import { ARTICLES } from '../support/knowledge-help-centre.js';
import { startWidgetStack, type WidgetStack } from '../support/widget-stack.js';

for (const kind of databaseKinds) {
  describe(`citations in the widget on ${kind}`, () => {
    let stack: WidgetStack;
    before(async () => {
      stack = await startWidgetStack(kind);
    });
    after(() => stack?.close());

    test('a grounded reply lists its sources as safe links and labels under the answer, live and from the history', async () => {
      const { id, publicId } = await stack.workspace();
      await helpCentre(stack.server.db, stack.fake.url, id);
      // Cites the refunds page and the pasted opening hours (whichever numbers they got).
      stack.fake.setScript((r) => {
        const refunds = passageNumber(systemOf(r), ARTICLES[0]!.content);
        const hours = passageNumber(systemOf(r), OPENING_HOURS);
        return { chunks: ['Refunds take up to 14 days ', `[${refunds}], and we answer from nine [${hours}].`] };
      });
      const url = stack.site.set(`/citations-${kind}`, { html: embedHtml(stack.parley, publicId), csp: strictCsp(stack.parley) });
      const { page, watch, close } = await watchedPage(stack.browser);
      try {
        await page.goto(url);
        await page.locator('parley-widget .launcher').click();
        const input = page.locator('parley-widget textarea');
        await input.fill('How long do refunds take, and when is support open?');
        await input.press('Enter');
        const sources = page.locator('parley-widget .message.assistant .sources').last();
        await sources.waitFor();
        await page.locator('parley-widget .send[aria-label="Send message"]').waitFor();

        const shown = async () =>
          sources.evaluate((el) => ({
            label: el.querySelector('ul')!.getAttribute('aria-label'),
            links: [...el.querySelectorAll('a')].map((a) => ({ text: a.textContent, href: a.getAttribute('href'), target: a.target, rel: a.rel })),
            labels: [...el.querySelectorAll('.source-text')].map((s) => s.textContent),
            items: el.querySelectorAll('li').length,
          }));
        const expected = {
          label: 'Sources',
          links: [{ text: 'Billing', href: `${HELP}#0`, target: '_blank', rel: 'noopener noreferrer' }],
          labels: ['Opening hours'],
          items: 2,
        };
        assert.deepEqual(await shown(), expected);

        // Keyboard: back from the composer, Tab order reaches the link under the answer.
        await input.focus();
        await page.keyboard.press('Shift+Tab');
        const focused = await page.evaluate(() => {
          const active = document.querySelector('parley-widget')!.shadowRoot!.activeElement;
          return active ? { tag: active.localName, href: active.getAttribute('href') } : null;
        });
        assert.deepEqual(focused, { tag: 'a', href: `${HELP}#0` });

        // The history shows the same sources after a reload (the panel comes back open).
        await page.reload();
        await sources.waitFor();
        assert.deepEqual(await shown(), expected);

        await page.waitForTimeout(100);
        assert.deepEqual(watch.violations, [], 'no securitypolicyviolation event');
        assert.deepEqual(watch.errors, []);
      } finally {
        await close();
      }
    });
  });
}
