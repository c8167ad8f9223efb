import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { memoryOutbox, type MemoryOutbox } from '../../server/mail/memory-outbox.js';
import type { TestServer } from './test-server.js';

export const ADMIN_PASSWORD = 'correct horse battery staple';

export interface AdminCall {
  status: number;
  body: Record<string, unknown> | undefined;
  text: string;
  headers: Headers;
}

export interface AdminClient {
  accountId: string;
  email: string;
  token: string;
  csrf: string;
  /** method + path under /api/admin, with this account's cookie, CSRF token and the server's Origin. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<AdminCall>;
}

/** A mailer that keeps every message, for tests that follow mailed links. */
export const memoryMailer = memoryOutbox;

/** The token of the newest sign-up link mailed to email, once it has been sent (after the 202). */
export async function signUpToken(outbox: MemoryOutbox, email: string): Promise<string> {
  const mail = await outbox.waitFor(email, (m) => m.text.includes('/admin/sign-up/complete#token='));
  return /\/admin\/sign-up\/complete#token=([0-9a-f]{64})/.exec(mail.text)![1]!;
}

/** The options startTestServer needs so tests can sign in many accounts from one IP. */
export const ADMIN_TEST_OPTIONS = { signInBackoff: { ip: { freeFailures: 10_000 } }, perIpPerHour: 10_000 };

export async function adminRequest(
  server: Pick<TestServer, 'url'>,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; csrf?: string; origin?: string | null; headers?: Record<string, string> } = {},
): Promise<AdminCall> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.cookie = `__Host-parley_session=${options.token}`;
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  const origin = options.origin === undefined ? server.url : options.origin;
  if (origin !== null) headers.origin = origin;
  const res = await fetch(`${server.url}/api/admin${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  const json = text && res.headers.get('content-type')?.includes('application/json') ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  return { status: res.status, text, headers: res.headers, body: json };
}

/**
 * Signs up a new account as a person would: the sign-up request, the link from the mail
 * (read from the server's outbox), a password chosen there, which signs it in.
 */
export async function newAdmin(server: Pick<TestServer, 'url' | 'outbox'>, name = 'Ada'): Promise<AdminClient> {
  const email = `admin-${randomUUID()}@example.test`;
  const signUp = await adminRequest(server, 'POST', '/auth/sign-up', { body: { email, name } });
  assert.equal(signUp.status, 202, signUp.text);
  const completed = await adminRequest(server, 'POST', '/auth/sign-up/complete', { body: { token: await signUpToken(server.outbox, email), password: ADMIN_PASSWORD } });
  assert.equal(completed.status, 201, completed.text);
  const token = /__Host-parley_session=([^;]+)/.exec(completed.headers.getSetCookie()[0] ?? '')![1]!;
  const csrf = completed.body!.csrfToken as string;
  const accountId = (completed.body!.account as { id: string }).id;
  return {
    accountId,
    email,
    token,
    csrf,
    call: (method, path, body, headers) => adminRequest(server, method, path, { body, token, csrf, headers }),
  };
}

/** A new workspace owned by owner; returns its id and public id. */
export async function newWorkspace(owner: AdminClient, name = 'Acme'): Promise<{ id: string; publicId: string }> {
  const res = await owner.call('POST', '/workspaces', { name });
  assert.equal(res.status, 201, res.text);
  const workspace = res.body!.workspace as { id: string; publicId: string };
  return { id: workspace.id, publicId: workspace.publicId };
}

/** Adds a new account to the workspace with the given role, through an invitation. */
export async function addMember(server: TestServer, mailer: ReturnType<typeof memoryMailer>, owner: AdminClient, workspaceId: string, role: string): Promise<AdminClient> {
  const member = await newAdmin(server, role);
  const invited = await owner.call('POST', `/workspaces/${workspaceId}/invitations`, { email: member.email, role });
  assert.equal(invited.status, 201, invited.text);
  const token = /#token=([0-9a-f]{64})/.exec(mailer.lastTo(member.email)!.text)![1]!;
  const accepted = await member.call('POST', '/invitations/accept', { token });
  assert.equal(accepted.status, 200, accepted.text);
  return member;
}

export const errorCode = (res: AdminCall) => (res.body?.error as { code?: string } | undefined)?.code;
