import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { ADMIN_PASSWORD, ADMIN_TEST_OPTIONS, memoryMailer, signUpToken } from './admin.js';
import { launchBrowser, watchedPage, type PageWatch } from './browser.js';
import type { DatabaseKind } from './databases.js';
import { startTestServer, type TestServer } from './test-server.js';
import { closeAll } from './widget-stack.js';

/** The server (talking to the fake Mistral, mailing into memory) and Chromium, for the admin panel's browser tests. */
export interface AdminStack {
  server: TestServer;
  fake: FakeMistral;
  mailer: ReturnType<typeof memoryMailer>;
  browser: Browser;
  /** A fresh browser context on the panel (clipboard allowed), recording CSP violations and errors. */
  page(): Promise<{ page: Page; watch: PageWatch; close(): Promise<void> }>;
  close(): Promise<void>;
}

/** env: more server settings (an operator key for embeddings, say). */
export async function startAdminStack(kind: DatabaseKind, env: Record<string, string> = {}): Promise<AdminStack> {
  const started: { close(): Promise<void> }[] = [];
  try {
    const fake = await startFakeMistral();
    started.push(fake);
    const mailer = memoryMailer();
    const server = await startTestServer(kind, { MISTRAL_SERVER_URL: fake.url, LOG_LEVEL: 'warn', ...env }, { adminAuth: { ...ADMIN_TEST_OPTIONS, mailer } });
    started.push({ close: () => server.stop() });
    const browser = await launchBrowser();
    started.push(browser);
    return {
      server,
      fake,
      mailer,
      browser,
      page: async () => {
        const watched = await watchedPage(browser, { viewport: { width: 1024, height: 800 } });
        await watched.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
        watched.page.setDefaultTimeout(15_000);
        return watched;
      },
      close: () => closeAll(started),
    };
  } catch (err) {
    await closeAll(started);
    throw err;
  }
}

/**
 * Signs up through the panel as a person does: the form, "check your email", the link from
 * the mail (the server's outbox) opened in the same tab, a password; ends on the workspaces
 * page, or on the invitation the tab was holding.
 */
export async function signUpInPanel(page: Page, server: TestServer, email: string, options: { password?: string; from?: 'form' | 'current' } = {}): Promise<void> {
  if (options.from !== 'current') await page.goto(`${server.url}/admin/sign-up`);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
  await page.goto(`${server.url}/admin/sign-up/complete#token=${await signUpToken(server.outbox, email)}`);
  await page.getByLabel('Password').fill(options.password ?? ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
}

/** Signs in through the panel's form (no MFA); ends on the workspaces page. */
export async function signInInPanel(page: Page, base: string, email: string, password = ADMIN_PASSWORD): Promise<void> {
  await page.goto(`${base}/admin/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor();
}

/** Creates a workspace from the workspaces page; returns its id (from the URL it lands on). */
export async function createWorkspaceInPanel(page: Page, name: string): Promise<string> {
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
  const id = /\/admin\/w\/([0-9a-f-]{36})$/.exec(page.url())?.[1];
  assert.ok(id, page.url());
  return id;
}

/**
 * No CSP violation and no uncaught error. Failed requests the panel handles itself (the
 * 401 of GET /auth/session before sign-in, a wrong code) show as "Failed to load resource".
 */
export function assertCleanPage(watch: PageWatch): void {
  assert.deepEqual(watch.violations, [], 'no securitypolicyviolation event');
  assert.deepEqual(watch.errors.filter((e) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(e)), [], 'no console error or exception');
}
