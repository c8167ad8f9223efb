import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { withTenant } from '../../server/db/tenant.js';
import { newAdmin, newWorkspace } from '../support/admin.js';
import { assertCleanPage, signInInPanel, startAdminStack, type AdminStack } from '../support/admin-browser.js';
import { databaseKinds } from '../support/databases.js';
import { allEvents, newVisitor, SITE } from '../support/widget.js';

const WIPE = 'delete all conversations';

for (const kind of databaseKinds) {
  describe(`the admin panel's account and workspace pages on ${kind}`, () => {
    let stack: AdminStack;
    before(async () => {
      stack = await startAdminStack(kind);
    });
    after(() => stack?.close());

    test('MFA: enrolled from the QR page with a TOTP code, recovery codes shown once, then signing in asks for a code', async () => {
      const base = stack.server.url;
      const admin = await newAdmin(stack.server);
      const { page, watch, close } = await stack.page();
      try {
        await signInInPanel(page, base, admin.email);
        await page.getByRole('link', { name: 'Account' }).click();
        await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
        await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
        const qr = page.getByRole('img', { name: /QR code/ });
        await qr.waitFor();
        assert.match((await qr.getAttribute('src'))!, /^data:image\/svg\+xml/);
        assert.ok(await qr.evaluate((img: HTMLImageElement) => img.decode().then(() => img.getBoundingClientRect().width > 0)), 'the QR code is drawn');
        const secret = (await page.locator('code.secret').textContent())!.trim();

        await page.getByLabel('Code from the app').fill('000000');
        await page.getByRole('button', { name: 'Turn on' }).click();
        await page.locator('.field-error').waitFor();
        const enabledAt = Math.floor(Date.now() / 1000);
        await page.getByLabel('Code from the app').fill(await generate({ secret, epoch: enabledAt }));
        await page.getByRole('button', { name: 'Turn on' }).click();
        await page.getByText('Your recovery codes.').waitFor();
        assert.equal(await page.locator('.codes li').count(), 10);
        await page.getByRole('button', { name: 'I have saved them' }).click();
        assert.equal(await page.locator('.codes').count(), 0, 'shown once');
        await page.getByText('On: signing in asks for a code').waitFor();

        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByLabel('Email').fill(admin.email);
        await page.getByLabel('Password').fill('correct horse battery staple');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { level: 1, name: 'Two-factor authentication' }).waitFor();
        // A later step than the one used to enable: a used code cannot be replayed.
        const epoch = Math.max(Math.floor(Date.now() / 1000), enabledAt + 30);
        await page.getByLabel('Code').fill(await generate({ secret, epoch }));
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor().catch(async (err: unknown) => {
          throw new Error(`${String(err)}\n${await page.locator('main').textContent()}\n${watch.errors.join('\n')}`);
        });
        assertCleanPage(watch);
      } finally {
        await close();
      }
    });

    test('BYOK: a refused key is named next to the field, a good one shows only its last four characters, then it is removed', async () => {
      const base = stack.server.url;
      const admin = await newAdmin(stack.server);
      const ws = await newWorkspace(admin, 'Keyed');
      const { page, watch, close } = await stack.page();
      try {
        await signInInPanel(page, base, admin.email);
        await page.goto(`${base}/admin/w/${ws.id}/model-key`);
        await page.getByText('No key is set').waitFor();
        const field = page.getByLabel('Mistral API key');
        await field.fill('rejected-key-000000000001');
        await page.getByRole('button', { name: 'Save key' }).click();
        await page.locator('.field-error').waitFor();
        assert.match((await page.locator('.field-error').textContent())!, /Mistral/i, 'provider_key_rejected, next to the field');
        assert.equal(await field.getAttribute('aria-invalid'), 'true');

        await field.fill('sk-live-abcdefgh9876');
        await page.getByRole('button', { name: 'Save key' }).click();
        await page.getByText('Key saved: it ends in 9876.').waitFor();
        assert.match((await page.locator('.key-state').textContent())!, /ending in 9876/);
        assert.doesNotMatch(await page.content(), /abcdefgh/, 'the key is not on the page');
        assert.ok(stack.fake.modelRequests.includes('Bearer sk-live-abcdefgh9876'), 'checked with Mistral');

        await page.getByRole('button', { name: 'Remove key' }).click();
        await page.getByText('Key removed.').waitFor();
        await page.getByText('No key is set').waitFor();
        assertCleanPage(watch);
      } finally {
        await close();
      }
    });

    test("conversations: a visitor's chat read in the panel, then every conversation wiped after typing the confirmation", async () => {
      const base = stack.server.url;
      const admin = await newAdmin(stack.server);
      const ws = await newWorkspace(admin, 'Chatty');
      const origins = await admin.call('PATCH', `/workspaces/${ws.id}/settings`, { allowedOrigins: [SITE] });
      assert.equal(origins.status, 200, origins.text);
      const key = await admin.call('PUT', `/workspaces/${ws.id}/provider-key`, { apiKey: 'workspace-key-000000001234' });
      assert.equal(key.status, 200, key.text);
      for (const question of ['Do you ship to Iceland?', 'Where is my parcel #4711?']) {
        const visitor = await newVisitor(base, ws.publicId);
        const reply = await visitor.http.post(`/api/widget/conversations/${visitor.conversationId}/messages`, { content: question }, visitor.token);
        assert.equal(reply.status, 200);
        await allEvents(reply);
      }

      const { page, watch, close } = await stack.page();
      try {
        await signInInPanel(page, base, admin.email);
        await page.goto(`${base}/admin/w/${ws.id}/conversations`);
        const csv = await page.request.get(base + (await page.getByRole('link', { name: 'CSV' }).getAttribute('href'))!);
        assert.equal(csv.status(), 200);
        assert.match(await csv.text(), /parcel #4711/);
        const item = page.locator('.conversations a').first();
        await item.waitFor();
        assert.match((await item.textContent())!, /parcel #4711/);
        await page.getByLabel('Search messages').fill('no such words anywhere');
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        await page.getByText('No conversation mentions').waitFor();
        await page.getByRole('button', { name: 'Clear' }).click();
        await item.click();
        await page.getByRole('heading', { level: 1, name: 'Conversation' }).waitFor();
        await page.locator('.message.user', { hasText: 'Where is my parcel #4711?' }).waitFor();
        await page.locator('.message.assistant', { hasText: 'You asked' }).waitFor();
        // Deleting one asks first, with focus on Cancel.
        await page.getByRole('button', { name: 'Delete this conversation' }).click();
        await page.waitForFunction(() => document.activeElement?.textContent === 'Cancel');
        await page.getByRole('button', { name: 'Delete for good' }).click();
        await page.getByRole('heading', { level: 1, name: 'Conversations' }).waitFor();
        await page.locator('.conversations a', { hasText: 'Iceland' }).waitFor();
        assert.equal(await page.locator('.conversations a').count(), 1);

        const wipe = page.getByRole('button', { name: 'Delete all conversations' });
        await wipe.waitFor();
        assert.equal(await wipe.isDisabled(), true, 'disabled until the phrase is typed');
        await page.getByLabel(`Type “${WIPE}” to confirm`).fill('delete all');
        assert.equal(await wipe.isDisabled(), true);
        await page.getByLabel(`Type “${WIPE}” to confirm`).fill(WIPE);
        await wipe.click();
        await page.getByText('Deleted 1 conversation and 2 messages.').waitFor();
        await page.getByText('No conversations yet.').waitFor();
        const left = await admin.call('GET', `/workspaces/${ws.id}/conversations`);
        assert.deepEqual((left.body as { conversations: unknown[] }).conversations, []);

        // More than a page (25): the rest comes with "Load more", which then goes away.
        await withTenant(stack.server.db, ws.id, async (q) => {
          const { rows: [visitor] } = await q.query<{ id: string }>("INSERT INTO visitors (workspace_id, secret_hash) VALUES ($1, '\\x00') RETURNING id", [ws.id]);
          await q.query(
            `WITH c AS (INSERT INTO conversations (workspace_id, visitor_id, updated_at)
                        SELECT $1, $2, now() - g * interval '1 minute' FROM generate_series(1, 26) g RETURNING id)
             INSERT INTO messages (workspace_id, conversation_id, role, content) SELECT $1, id, 'user', 'paged question' FROM c`,
            [ws.id, visitor!.id],
          );
        });
        await page.reload();
        await page.locator('.conversations a').nth(24).waitFor();
        assert.equal(await page.locator('.conversations a').count(), 25);
        await page.getByRole('button', { name: 'Load more' }).click();
        await page.locator('.conversations a').nth(25).waitFor();
        assert.equal(await page.locator('.conversations a').count(), 26);
        await page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'detached' });
        assertCleanPage(watch);
      } finally {
        await close();
      }
    });

    test('API keys: the secret shown once with a Copy button, then revoked; members: an invitation sent from the panel, a role changed', async () => {
      const base = stack.server.url;
      const admin = await newAdmin(stack.server);
      const ws = await newWorkspace(admin, 'Keys and people');
      const { page, watch, close } = await stack.page();
      try {
        await signInInPanel(page, base, admin.email);
        await page.goto(`${base}/admin/w/${ws.id}/api-keys`);
        await page.getByText('No API keys yet.').waitFor();
        await page.getByLabel('Name').fill('CRM sync');
        await page.getByText('Read and write').click();
        await page.getByRole('button', { name: 'Create key' }).click();
        const secret = (await page.locator('.once pre').textContent())!;
        assert.ok(secret.length >= 20, secret);
        await page.getByRole('button', { name: 'Copy secret' }).click();
        await page.locator('.once [role=status]', { hasText: 'Copied' }).waitFor();
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
        await page.getByRole('button', { name: 'Done' }).click();
        assert.doesNotMatch(await page.content(), new RegExp(secret.slice(-12)), 'shown once');
        await page.getByRole('cell', { name: 'write' }).waitFor();
        await page.getByRole('button', { name: 'Revoke CRM sync' }).click();
        await page.getByText(/^Revoked /).waitFor();

        await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Members' }).click();
        const invited = await newAdmin(stack.server, 'Grace');
        await page.getByLabel('Email').fill(invited.email);
        await page.getByLabel('Role', { exact: true }).selectOption('viewer');
        await page.getByRole('button', { name: 'Send invitation' }).click();
        await page.getByText(`An invitation was sent to ${invited.email}.`).waitFor();
        await page.locator('.rows li', { hasText: invited.email }).waitFor();
        const token = /#token=([0-9a-f]+)/.exec(stack.mailer.lastTo(invited.email)!.text)![1]!;
        assert.equal((await invited.call('POST', '/invitations/accept', { token })).status, 200);
        await page.reload();
        const role = page.getByLabel(`Role of Grace (${invited.email})`);
        assert.equal(await role.inputValue(), 'viewer');
        await role.selectOption('admin');
        await page.getByText(`is now admin.`).waitFor();
        const members = await admin.call('GET', `/workspaces/${ws.id}/members`);
        assert.equal((members.body!.members as { email: string; role: string }[]).find((m) => m.email === invited.email)?.role, 'admin');
        assertCleanPage(watch);
      } finally {
        await close();
      }
    });

    test('workspace settings: renamed, the change in the audit log, then the workspace deleted after typing its name', async () => {
      const base = stack.server.url;
      const admin = await newAdmin(stack.server);
      const ws = await newWorkspace(admin, 'Short-lived');
      const { page, watch, close } = await stack.page();
      try {
        await signInInPanel(page, base, admin.email);
        await page.goto(`${base}/admin/w/${ws.id}/settings`);
        await page.getByLabel('Name').fill('Renamed Ltd');
        await page.getByRole('button', { name: 'Rename' }).click();
        await page.getByText('Name saved.').waitFor();
        await page.locator('.crumb', { hasText: 'Renamed Ltd' }).waitFor();

        await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Audit log' }).click();
        await page.locator('tbody tr').first().waitFor();
        await page.getByLabel('Action starts with').fill('workspace.');
        await page.getByRole('button', { name: 'Filter' }).click();
        // The filtered page replaces the full one: every row shown is a workspace.* event.
        await page.waitForFunction(() => {
          const actions = [...document.querySelectorAll('tbody tr td:nth-child(3)')].map((td) => td.textContent ?? '');
          return actions.length >= 1 && actions.every((a) => a.startsWith('workspace.'));
        });

        await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Workspace', exact: true }).click();
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export workspace' }).click()]);
        assert.match(download.suggestedFilename(), /^parley-wk_.+\.json$/);
        await page.getByText('Export ready: 0 conversations.').waitFor();
        const exported = JSON.parse(await readFile((await download.path())!, 'utf8')) as { workspace: { name: string } };
        assert.equal(exported.workspace.name, 'Renamed Ltd');
        const remove = page.getByRole('button', { name: 'Delete workspace' });
        await page.getByLabel('Type “Renamed Ltd” to confirm').fill('Renamed');
        assert.equal(await remove.isDisabled(), true);
        await page.getByLabel('Type “Renamed Ltd” to confirm').fill('Renamed Ltd');
        await remove.click();
        await page.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor();
        await page.getByText('You are not a member of any workspace yet').waitFor();
        assertCleanPage(watch);
      } finally {
        await close();
      }
    });
  });
}
