import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { withTenant } from '../../server/db/tenant.js';
import { watchedPage } from '../support/browser.js';
import { databaseKinds } from '../support/databases.js';
import { embedHtml, strictCsp } from '../support/host-page.js';
import { startWidgetStack, type WidgetStack } from '../support/widget-stack.js';

const GREETING = 'Hi! How can we help?';

/** The name of whatever has focus inside the widget's shadow root. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.querySelector('parley-widget')!.shadowRoot!.activeElement as HTMLElement | null;
    return el ? (el.getAttribute('aria-label') ?? el.textContent ?? el.localName) : null;
  });

/** How many rows of the workspace's chat are left. */
const rows = (stack: WidgetStack, id: string) =>
  withTenant(stack.server.db, id, async (q) => ({
    conversations: (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations')).rows[0]!.n,
    messages: (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM messages')).rows[0]!.n,
  }));

for (const kind of databaseKinds) {
  describe(`deleting a chat from the widget on ${kind}`, () => {
    let stack: WidgetStack;
    before(async () => {
      stack = await startWidgetStack(kind);
    });
    after(() => stack?.close());

    test('"Delete this chat" by keyboard asks first, then deletes for good: the greeting is all that is left, also after a reload', async () => {
      const { id, publicId } = await stack.workspace();
      const url = stack.site.set(`/delete-${kind}`, { html: embedHtml(stack.parley, publicId), csp: strictCsp(stack.parley) });
      const { page, watch, close } = await watchedPage(stack.browser);
      try {
        await page.goto(url);
        await page.locator('parley-widget .launcher').click();
        const input = page.locator('parley-widget textarea');
        await input.fill('please forget this');
        await input.press('Enter');
        await page.locator('parley-widget .message.assistant').nth(1).waitFor();
        await page.locator('parley-widget .send[aria-label="Send message"]').waitFor();
        assert.match((await page.locator('parley-widget .message.assistant .md').last().textContent()) ?? '', /please forget this/);
        assert.deepEqual(await rows(stack, id), { conversations: 1, messages: 2 });

        // Keyboard only: focus the header's button, Enter; the confirmation takes focus on Cancel.
        const remove = page.locator('parley-widget .header button[aria-label="Delete this chat"]');
        await remove.focus();
        assert.equal(await remove.getAttribute('aria-expanded'), 'false');
        await page.keyboard.press('Enter');
        const confirm = page.locator('parley-widget #parley-delete-confirm');
        await confirm.waitFor();
        assert.equal(await remove.getAttribute('aria-expanded'), 'true');
        assert.match((await confirm.textContent()) ?? '', /Delete this chat and all its messages\? This cannot be undone\./);
        assert.equal(await focused(page), 'Cancel');

        // Escape backs out (the panel stays open), and nothing is deleted.
        await page.keyboard.press('Escape');
        await confirm.waitFor({ state: 'detached' });
        assert.equal(await focused(page), 'Delete this chat');
        assert.equal(await page.locator('parley-widget #parley-panel').count(), 1);
        assert.deepEqual(await rows(stack, id), { conversations: 1, messages: 2 });

        await page.keyboard.press('Enter');
        await confirm.waitFor();
        assert.equal(await focused(page), 'Cancel');
        await page.keyboard.press('Tab');
        assert.equal(await focused(page), 'Confirm delete');
        await page.keyboard.press('Enter');

        await page.locator('parley-widget .message.user').waitFor({ state: 'detached' });
        await confirm.waitFor({ state: 'detached' });
        assert.deepEqual(await page.locator('parley-widget .message').allTextContents(), [`Assistant: ${GREETING}`]);
        assert.equal(await remove.count(), 0, 'nothing left to delete');
        assert.equal(await focused(page), 'Message', 'focus goes on in the composer');
        assert.deepEqual(await rows(stack, id), { conversations: 0, messages: 0 });
        const audit = await withTenant(stack.server.db, id, (q) => q.query('SELECT actor_label, action, after FROM audit_events'));
        assert.deepEqual(audit.rows, [{ actor_label: 'visitor', action: 'conversation.deleted_by_visitor', after: { messages: 2 } }]);

        await page.reload();
        await page.locator('parley-widget #parley-panel').waitFor();
        await page.locator('parley-widget .message').first().waitFor();
        await page.waitForFunction(() => !document.querySelector('parley-widget')!.shadowRoot!.querySelector('.history-state'));
        assert.deepEqual(await page.locator('parley-widget .message').allTextContents(), [`Assistant: ${GREETING}`], 'the history is empty');

        // The next message opens a new conversation.
        await input.fill('a fresh start');
        await input.press('Enter');
        await page.locator('parley-widget .message.assistant').nth(1).waitFor();
        await page.locator('parley-widget .send[aria-label="Send message"]').waitFor();
        assert.deepEqual(await rows(stack, id), { conversations: 1, messages: 2 });
        assert.deepEqual(watch.violations, []);
        assert.deepEqual(watch.errors, []);
      } finally {
        await close();
      }
    });
  });
}
