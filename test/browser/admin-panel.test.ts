import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, ADMIN_TEST_OPTIONS, newAdmin, newWorkspace } from '../support/admin.js';
import { assertCleanPage, createWorkspaceInPanel, signInInPanel, signUpInPanel, startAdminStack, type AdminStack } from '../support/admin-browser.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer } from '../support/test-server.js';

for (const kind of databaseKinds) {
  describe(`the admin panel on ${kind}`, () => {
    let stack: AdminStack;
    before(async () => {
      stack = await startAdminStack(kind);
    });
    after(() => stack?.close());

    test('sign-up, a new workspace, the embed snippet copied; every page loads under the strict CSP and fits a phone', async () => {
      const base = stack.server.url;
      const { page, watch, close } = await stack.page();
      try {
        const index = await fetch(`${base}/admin/`);
        assert.equal(index.status, 200);
        assert.equal(index.headers.get('cache-control'), 'no-cache');
        const html = await index.text();
        assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)/, 'no inline script');
        assert.doesNotMatch(html, /<style|style=/, 'no inline style');
        assert.match(index.headers.get('content-security-policy')!, /default-src 'self'.*script-src 'self'.*style-src 'self'/);
        const asset = /\/admin\/assets\/[\w-]+\.js/.exec(html)![0];
        const script = await fetch(base + asset);
        assert.match(script.headers.get('cache-control')!, /immutable/);
        assert.match(script.headers.get('content-type')!, /javascript/);
        assert.equal((await fetch(base + asset, { headers: { 'accept-encoding': 'br' } })).headers.get('content-encoding'), 'br', 'served compressed');
        const deep = await fetch(`${base}/admin/w/some-id/conversations`);
        assert.equal(deep.status, 200, 'a deep link answers the app');
        assert.equal(await deep.text(), html);
        assert.equal((await fetch(`${base}/admin/logo.png`)).status, 404, 'a file name is not the app');
        assert.equal((await fetch(`${base}/admin/assets/index-00000000.js`)).status, 404);
        assert.equal((await fetch(`${base}/admin/assets/..%2F..%2Fpackage.json`)).status, 404);

        await page.goto(`${base}/admin/`);
        await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
        await page.getByRole('link', { name: 'Create an account' }).click();
        await signUpInPanel(page, stack.server, `panel-${randomUUID()}@example.test`, { from: 'current' });
        await page.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor();
        assert.match(await page.getByText('You are not a member of any workspace yet').textContent() ?? '', /Create one/);
        const id = await createWorkspaceInPanel(page, 'Acme Support');
        await page.waitForFunction(() => document.activeElement?.textContent === 'Acme Support', undefined, { timeout: 5_000 });
        assert.equal(await page.title(), 'Acme Support · Parley admin');

        const snippet = page.locator('.snippet pre').first();
        await snippet.waitFor();
        const text = (await snippet.textContent())!;
        assert.match(text, /^<script src="[^"]+\/widget\.js" data-workspace="wk_[^"]+" async><\/script>$/);
        await page.getByRole('button', { name: /^Copy: always the latest/ }).click();
        await page.locator('.snippet [role=status]', { hasText: 'Copied' }).waitFor();
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), text);

        // Every tab, by its link: a heading, then no loading state left and no error shown.
        const tabs: [string, string][] = [
          ['Widget settings', 'Widget settings'],
          ['Model key', 'Model key'],
          ['Conversations', 'Conversations'],
          ['Members', 'Members'],
          ['API keys', 'API keys'],
          ['Audit log', 'Audit log'],
          ['Workspace', 'Workspace settings'],
          ['Overview', 'Acme Support'],
        ];
        for (const [link, heading] of tabs) {
          await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: link, exact: true }).click();
          await page.getByRole('heading', { level: 1, name: heading }).waitFor();
          await page.waitForFunction(() => !document.querySelector('.loading'));
          assert.equal(await page.locator('.load-error').count(), 0, `${heading}: ${await page.locator('.load-error').allTextContents()}`);
          assert.equal(await page.evaluate(() => document.activeElement?.localName), 'h1', `${heading}: focus on the new page's heading`);
        }

        // Widget settings: an origin, a title; a bad origin is named next to its field.
        await page.goto(`${base}/admin/w/${id}/widget`);
        await page.getByRole('button', { name: 'Add origin' }).click();
        await page.getByLabel('Origin 1', { exact: true }).fill('not an origin');
        await page.getByRole('button', { name: 'Save settings' }).click();
        await page.locator('.field-error').first().waitFor();
        await page.getByLabel('Origin 1', { exact: true }).fill('https://www.acme.example');
        await page.getByLabel('Title', { exact: true }).fill('Ask Acme');
        await page.getByRole('button', { name: 'Save settings' }).click();
        await page.getByText('Settings saved.').waitFor();
        await page.reload();
        assert.equal(await page.getByLabel('Origin 1', { exact: true }).inputValue(), 'https://www.acme.example');
        assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'Ask Acme');

        for (const path of ['/admin/account', '/admin/legal/toms', '/admin/legal/dpa', '/admin/nowhere']) {
          await page.goto(base + path);
          await page.locator('main h1').waitFor();
          await page.waitForFunction(() => !document.querySelector('.loading'));
        }
        await page.goto(`${base}/admin/legal/toms`);
        await page.locator('.prose h2, .prose p').first().waitFor();
        const title = (await page.locator('main h1').textContent())!;
        assert.equal(await page.locator('.prose h1').count(), 0, 'one h1 per page');
        assert.notEqual(await page.locator('.prose h2').first().textContent(), title, 'the title is not repeated');
        assert.equal(await page.locator('.prose script').count(), 0);

        // A 375 px phone: nothing wider than the screen.
        await page.setViewportSize({ width: 375, height: 740 });
        for (const path of [`/admin/w/${id}`, `/admin/w/${id}/widget`, `/admin/w/${id}/members`, '/admin/account']) {
          await page.goto(base + path);
          await page.locator('main h1').waitFor();
          await page.waitForFunction(() => !document.querySelector('.loading'));
          assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), `${path} fits 375 px`);
        }

        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
        await page.goto(`${base}/admin/w/${id}`);
        await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
        assertCleanPage(watch);
      } finally {
        await close();
      }
    });

    test('signing in with the keyboard alone: Tab to each field, Enter to send; wrong passwords are said next to the form', async () => {
      const base = stack.server.url;
      const admin = await newAdmin(stack.server);
      const { page, watch, close } = await stack.page();
      try {
        await page.goto(`${base}/admin/sign-in`);
        await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement).type), 'email');
        await page.keyboard.type(admin.email);
        await page.keyboard.press('Tab');
        await page.keyboard.type('not the password');
        await page.keyboard.press('Enter');
        await page.getByRole('alert').filter({ hasText: 'not correct' }).waitFor();

        await page.keyboard.press('Shift+Tab');
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement).type), 'password');
        await page.keyboard.press('Control+A');
        await page.keyboard.type(ADMIN_PASSWORD);
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor();
        await page.waitForFunction(() => document.activeElement?.localName === 'h1');
        // The focus ring shows for keyboard users.
        await page.keyboard.press('Tab');
        const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
        assert.notEqual(outline, 'none');
        assertCleanPage(watch);
      } finally {
        await close();
      }
    });

    test('mailed links: an invitation accepted after signing up from it (a member sees no admin tabs), then a password reset', async () => {
      const base = stack.server.url;
      const owner = await newAdmin(stack.server);
      const ws = await newWorkspace(owner, 'Invited Co');
      const email = `invitee-${randomUUID()}@example.test`;
      assert.equal((await owner.call('POST', `/workspaces/${ws.id}/invitations`, { email, role: 'member' })).status, 201);
      const invitation = /https?:\/\/\S+\/admin\/invitations#token=[0-9a-f]+/.exec(stack.mailer.lastTo(email)!.text)![0];
      const { page, watch, close } = await stack.page();
      try {
        await page.goto(invitation);
        await page.getByRole('heading', { level: 1, name: 'You are invited to a Parley workspace' }).waitFor();
        await page.getByRole('link', { name: 'Create an account' }).click();
        await signUpInPanel(page, stack.server, email, { from: 'current' });
        await page.getByRole('heading', { level: 1, name: 'Accept the invitation' }).waitFor();
        await page.getByRole('button', { name: 'Accept and join' }).click();
        await page.getByRole('heading', { level: 1, name: 'Invited Co' }).waitFor();
        const tabs = await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link').allTextContents();
        assert.ok(tabs.includes('Members') && !tabs.includes('API keys') && !tabs.includes('Audit log'), tabs.join());
        await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Conversations' }).click();
        await page.getByText('No conversations yet.').waitFor();
        assert.equal(await page.getByRole('button', { name: 'Delete all conversations' }).count(), 0, 'only owners wipe');
        assert.equal(await page.getByRole('link', { name: 'CSV' }).count(), 0, 'only admins export');

        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByRole('link', { name: 'Forgot your password?' }).click();
        await page.getByLabel('Email').fill(email);
        await page.getByRole('button', { name: 'Send reset link' }).click();
        await page.getByText('is on its way').waitFor();
        const resetMail = await stack.server.outbox.waitFor(email, (m) => m.text.includes('/admin/reset-password#token='));
        const reset = /https?:\/\/\S+\/admin\/reset-password#token=\S+/.exec(resetMail.text)![0];
        await page.goto(reset);
        await page.getByLabel('New password').fill('short');
        await page.getByRole('button', { name: 'Set password' }).click();
        await page.locator('.field-error').waitFor();
        await page.getByLabel('New password').fill('a brand new passphrase');
        await page.getByRole('button', { name: 'Set password' }).click();
        await page.getByText('Your password has been changed').waitFor();
        await signInInPanel(page, base, email, 'a brand new passphrase');
        assertCleanPage(watch);
      } finally {
        await close();
      }
    });

    test('the panel offers only what SIGNUP allows: no sign-up when closed, an invitation asked for when invite', async () => {
      for (const [signup, says] of [['closed', 'This server does not take new accounts'], ['invite', 'An invitation is needed']] as const) {
        const server = await startTestServer(kind, { SIGNUP: signup, LOG_LEVEL: 'warn' }, { adminAuth: ADMIN_TEST_OPTIONS });
        const { page, watch, close } = await stack.page();
        try {
          await page.goto(`${server.url}/admin/sign-up`);
          await page.getByText(says).waitFor();
          assert.equal(await page.getByLabel('Email').count(), 0, `${signup}: no form`);
          // Within the app, so the policy is known by the time the sign-in page shows.
          await page.getByRole('link', { name: 'Sign in' }).click();
          await page.getByRole('link', { name: 'Forgot your password?' }).waitFor();
          assert.equal(await page.getByRole('link', { name: 'Create an account' }).count(), 0, signup);
          assertCleanPage(watch);
        } finally {
          await close();
          await server.stop();
        }
      }
    });
  });
}
