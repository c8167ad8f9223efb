import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { addMember, newAdmin, newWorkspace } from '../support/admin.js';
import { assertCleanPage, signInInPanel, startAdminStack, type AdminStack } from '../support/admin-browser.js';
import { databaseKinds } from '../support/databases.js';

// Issue #13, point 9: the Knowledge page. Admins add each kind of source and watch it become
// ready or fail with its reason, re-sync and delete it; every role reads the list and asks the
// test console; viewers see no button that changes anything. The pipeline runs for real in the
// background (embeddings from the local fake Mistral), so waits have deadlines, not sleeps.
const PIPELINE_DEADLINE = 90_000;

const HANDBOOK = '# Billing\n\n## Refunds\n\nRefunds are paid back within 14 days to the card used for the purchase.\n\n## Invoices\n\nInvoices are mailed on the first day of each month.\n';

for (const kind of databaseKinds) {
  describe(`the Knowledge page on ${kind}`, () => {
    let stack: AdminStack;
    before(async () => {
      stack = await startAdminStack(kind, { MISTRAL_API_KEY: 'operator-test-key' });
    });
    after(() => stack?.close());

    test('an admin adds text and a file, sees them ready and found by the test console; a refused and a failing address say why; a source is deleted', async () => {
      const owner = await newAdmin(stack.server, 'Owner');
      const workspace = await newWorkspace(owner, 'Helpful');
      const { page, watch, close } = await stack.page();
      try {
        const base = stack.server.url;
        await signInInPanel(page, base, owner.email);
        await page.goto(`${base}/admin/w/${workspace.id}`);
        await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Knowledge', exact: true }).click();
        await page.getByRole('heading', { level: 1, name: 'Knowledge' }).waitFor();
        await page.getByText('No sources yet').waitFor();
        assert.equal(await page.evaluate(() => document.activeElement?.localName), 'h1', "focus on the page's heading");
        const vector = (await owner.call('GET', `/workspaces/${workspace.id}/knowledge/settings`)).body!.vector as { available: boolean };
        await page.waitForFunction(() => !document.querySelector('.loading'));
        assert.equal(await page.getByRole('note').count(), vector.available ? 0 : 1, 'the notice only when vector search is missing');

        // Pasted Markdown: pending, then ready by itself (the list polls), with its chunks counted.
        await page.getByLabel('Title', { exact: true }).fill('Billing handbook');
        await page.getByLabel('Text or Markdown', { exact: true }).fill(HANDBOOK);
        await page.getByRole('button', { name: 'Add text' }).click();
        await page.getByRole('status').filter({ hasText: 'Added “Billing handbook”' }).waitFor();
        const handbook = page.getByRole('listitem', { name: 'Billing handbook' });
        await handbook.locator('.badge', { hasText: 'Ready' }).waitFor({ timeout: PIPELINE_DEADLINE });
        assert.match((await handbook.textContent())!, /Pasted text.*1 document · [1-9]\d* chunks? · last synced/);
        assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), '', 'the form is emptied');

        // The test console: the passage, its heading path and ranks.
        await page.getByLabel('Question', { exact: true }).fill('How long do refunds take?');
        await page.getByRole('button', { name: 'Find passages' }).click();
        const results = page.getByRole('region', { name: 'Passages found' });
        const refund = results.getByRole('listitem').filter({ hasText: 'Refunds are paid back within 14 days' });
        await refund.waitFor();
        assert.match((await refund.textContent())!, /^Billing handbookBillingScore\d\.\d{3}.*Vector rank(\d|—).*Text rank\d/);
        assert.match((await results.getByRole('status').textContent())!, vector.available ? /by meaning and by words/ : /by words only/);

        // A file: the browser refuses one above 20 MB before sending it; a small one is uploaded.
        await page.getByRole('radio', { name: 'A file' }).check();
        const file = page.getByLabel('File', { exact: true });
        // From disk: a 20 MB buffer would cross the DevTools protocol as base64.
        const huge = join(mkdtempSync(join(tmpdir(), 'parley-upload-')), 'huge.pdf');
        writeFileSync(huge, Buffer.alloc(20 * 1024 * 1024 + 1));
        await file.setInputFiles(huge);
        await page.getByText('“huge.pdf” is 20.0 MB; Parley reads files of at most 20 MB').waitFor();
        assert.equal(await file.getAttribute('aria-invalid'), 'true');
        assert.equal(await page.getByRole('button', { name: 'Upload file' }).isDisabled(), true);
        assert.match((await file.getAttribute('accept'))!, /\.pdf.*\.docx.*\.md.*\.txt.*\.html/);
        await file.setInputFiles({ name: 'shipping.md', mimeType: 'text/markdown', buffer: Buffer.from('# Shipping\n\nParcels leave our warehouse within two working days.\n') });
        await page.getByRole('button', { name: 'Upload file' }).click();
        await page.getByRole('status').filter({ hasText: 'Added “shipping”' }).waitFor();
        const shipping = page.getByRole('listitem', { name: 'shipping' });
        await shipping.locator('.badge', { hasText: 'Ready' }).waitFor({ timeout: PIPELINE_DEADLINE });
        assert.match((await shipping.textContent())!, /File · shipping\.md/);

        // A loopback address is refused at once, the reason next to the field; nothing is added.
        await page.getByRole('radio', { name: 'A web page' }).check();
        const address = page.getByLabel('Page address');
        await address.fill('http://127.0.0.1:9/');
        await page.getByRole('button', { name: 'Add page' }).click();
        const pageForm = page.locator('form').filter({ has: address });
        await pageForm.locator('.field-error', { hasText: 'The address 127.0.0.1:9 is a loopback address (this machine); Parley only fetches from public internet addresses.' }).waitFor();
        assert.equal(await address.getAttribute('aria-invalid'), 'true');
        assert.equal(await page.locator('.sources > li').count(), 2);

        // A name that does not resolve is accepted, then fails in the background with its reason.
        await address.fill('http://docs.no-such-host.invalid/help');
        await page.getByRole('button', { name: 'Add page' }).click();
        const broken = page.getByRole('listitem', { name: 'docs.no-such-host.invalid/help' });
        await broken.locator('.badge', { hasText: 'Failed' }).waitFor({ timeout: PIPELINE_DEADLINE });
        assert.match((await broken.textContent())!, /docs\.no-such-host\.invalid could not be found \(DNS\)/);
        await page.getByRole('status').filter({ hasText: '“docs.no-such-host.invalid/help” failed' }).waitFor();

        // Its own page: the reason again; then deleted from there after confirming.
        await broken.getByRole('link').click();
        await page.getByRole('heading', { level: 1, name: 'docs.no-such-host.invalid/help' }).waitFor();
        const pages = page.getByRole('region', { name: 'Pages' });
        const failedPage = pages.getByRole('listitem').filter({ hasText: 'Failed' });
        await failedPage.waitFor();
        assert.match((await failedPage.textContent())!, /docs\.no-such-host\.invalid could not be found \(DNS\)/);
        await page.getByLabel('Show only the failed pages').check();
        await page.waitForFunction(() => !document.querySelector('.loading'));
        assert.equal(await pages.getByRole('listitem').count(), 1);
        assert.equal(await page.title(), 'docs.no-such-host.invalid/help · Parley admin');
        await page.getByRole('button', { name: 'Delete docs.no-such-host.invalid/help' }).click();
        const dialog = page.getByRole('dialog', { name: 'Delete “docs.no-such-host.invalid/help”?' });
        assert.match((await dialog.textContent())!, /are deleted with it, for good/);
        assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'the dialog opens on Cancel');
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden' });
        await page.getByRole('button', { name: 'Delete docs.no-such-host.invalid/help' }).click();
        await dialog.getByRole('button', { name: 'Delete source' }).click();
        await page.getByRole('heading', { level: 1, name: 'Knowledge' }).waitFor();
        await page.getByRole('listitem', { name: 'Billing handbook' }).waitFor();
        assert.equal(await broken.count(), 0);

        // From the list: re-sync one, delete the other with its chunks.
        await page.getByRole('button', { name: 'Re-sync Billing handbook' }).click();
        await page.getByRole('status').filter({ hasText: 'Re-sync of “Billing handbook” started.' }).waitFor();
        await handbook.locator('.badge', { hasText: 'Ready' }).waitFor({ timeout: PIPELINE_DEADLINE });
        await page.getByRole('button', { name: 'Delete shipping' }).click();
        await page.getByRole('dialog').getByText(/1 document and 1 chunk are deleted with it/).waitFor();
        await page.getByRole('dialog').getByRole('button', { name: 'Delete source' }).click();
        await page.getByRole('status').filter({ hasText: 'Deleted “shipping” and its 1 chunk.' }).waitFor();
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'sources-heading', 'focus moves to the list');
        const left = (await owner.call('GET', `/workspaces/${workspace.id}/knowledge/sources`)).body!.sources as { title: string }[];
        assert.deepEqual(left.map((s) => s.title), ['Billing handbook']);

        // Settings: strict answers with their own sentence, kept.
        await page.getByRole('radio', { name: 'Only from the sources' }).check();
        await page.getByLabel('When the sources do not have the answer, say').fill('Please ask our support team.');
        await page.getByRole('button', { name: 'Save knowledge settings' }).click();
        await page.getByText('Knowledge settings saved.').waitFor();
        await page.reload();
        await page.getByRole('heading', { level: 1, name: 'Knowledge' }).waitFor();
        assert.equal(await page.getByRole('radio', { name: 'Only from the sources' }).isChecked(), true);
        assert.equal(await page.getByLabel('When the sources do not have the answer, say').inputValue(), 'Please ask our support team.');
        assertCleanPage(watch);
      } finally {
        await close();
      }
    });

    test('a viewer reads the sources, their pages and the settings and asks the console, with no button that changes anything', async () => {
      const owner = await newAdmin(stack.server, 'Owner');
      const workspace = await newWorkspace(owner, 'Readable');
      const added = await owner.call('POST', `/workspaces/${workspace.id}/knowledge/sources`, { kind: 'text', title: 'Opening hours', content: '# Hours\n\nWe are open from nine to five on weekdays.\n' });
      assert.equal(added.status, 202, added.text);
      const viewer = await addMember(stack.server, stack.mailer, owner, workspace.id, 'viewer');
      const { page, watch, close } = await stack.page();
      try {
        const base = stack.server.url;
        await signInInPanel(page, base, viewer.email);
        await page.goto(`${base}/admin/w/${workspace.id}/knowledge`);
        await page.getByRole('heading', { level: 1, name: 'Knowledge' }).waitFor();
        const item = page.getByRole('listitem', { name: 'Opening hours' });
        await item.locator('.badge', { hasText: 'Ready' }).waitFor({ timeout: PIPELINE_DEADLINE });
        await noChanges(page);
        assert.equal(await page.getByRole('heading', { name: 'Add a source' }).count(), 0);
        assert.equal(await page.getByLabel('Send scanned documents to Mistral OCR').isDisabled(), true);
        assert.equal(await page.getByRole('button', { name: 'Save knowledge settings' }).count(), 0);

        await page.getByLabel('Question', { exact: true }).fill('When are you open?');
        await page.getByRole('button', { name: 'Find passages' }).click();
        await page.getByRole('region', { name: 'Passages found' }).getByText('We are open from nine to five on weekdays.').waitFor();

        await item.getByRole('link').click();
        await page.getByRole('heading', { level: 1, name: 'Opening hours' }).waitFor();
        await page.getByRole('heading', { name: 'Documents' }).waitFor();
        await noChanges(page);
        assert.equal(await page.getByRole('button', { name: 'Save' }).count(), 0);
        assertCleanPage(watch);
      } finally {
        await close();
      }
    });
  });
}

async function noChanges(page: Page): Promise<void> {
  assert.equal(await page.getByRole('button', { name: /^(Re-sync|Delete)/ }).count(), 0, 'no re-sync or delete button');
}
