import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withTenant } from '../../server/db/tenant.js';
import { setWorkspaceBudget } from '../../server/usage/usage.service.js';
import { newAdmin, newWorkspace } from '../support/admin.js';
import { assertCleanPage, signInInPanel, startAdminStack, type AdminStack } from '../support/admin-browser.js';
import { databaseKinds } from '../support/databases.js';

// Issue #11, point 5: the panel shows today's usage against the budget, a banner once it is spent,
// and the longest reply as a setting no higher than the server allows.
for (const kind of databaseKinds) {
  describe(`token usage in the admin panel on ${kind}`, () => {
    let stack: AdminStack;
    before(async () => {
      stack = await startAdminStack(kind);
    });
    after(() => stack?.close());

    test("the overview shows today's tokens and a banner when the budget is spent; the reply length is refused above the ceiling", async () => {
      const owner = await newAdmin(stack.server, 'Owner');
      const workspace = await newWorkspace(owner, 'Budgeted');
      const { page, watch, close } = await stack.page();
      try {
        const base = stack.server.url;
        await signInInPanel(page, base, owner.email);
        await page.goto(`${base}/admin/w/${workspace.id}`);
        const usage = page.getByRole('region', { name: 'Usage today' });
        await usage.getByText('0 of 200,000').waitFor();
        assert.equal(await page.getByRole('alert').count(), 0, 'no banner while the day has tokens left');

        await withTenant(stack.server.db, workspace.id, (q) =>
          q.query('INSERT INTO token_usage (workspace_id, day, prompt_tokens, completion_tokens) VALUES ($1, $2::date, 900, 100)', [workspace.id, new Date().toISOString().slice(0, 10)]),
        );
        await setWorkspaceBudget(stack.server.db, workspace.id, 1000);
        await page.reload();
        await usage.getByText('1,000 of 1,000').waitFor();
        assert.match(await usage.getByRole('alert').textContent() ?? '', /budget is spent: visitors are told the chat has reached its limit for today/);
        assert.match(await usage.textContent() ?? '', /set for this workspace by the server operator/);

        await page.goto(`${base}/admin/w/${workspace.id}/widget`);
        const field = page.getByLabel('Longest reply (tokens)');
        await field.fill('5000');
        // The browser's own range check would stop the form: the server's answer is what is tested here.
        await field.evaluate((input) => input.removeAttribute('max'));
        await page.getByRole('button', { name: 'Save settings' }).click();
        await page.locator('.field-error', { hasText: 'must be at most 1024' }).waitFor();
        await field.fill('300');
        await page.getByRole('button', { name: 'Save settings' }).click();
        await page.getByText('Settings saved.').waitFor();
        await page.reload();
        assert.equal(await page.getByLabel('Longest reply (tokens)').inputValue(), '300');
        assertCleanPage(watch);
      } finally {
        await close();
      }
    });
  });
}
