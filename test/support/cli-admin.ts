import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ADMIN_PASSWORD, adminRequest, type AdminCall } from './admin.js';
import { runToExit } from './child-server.js';

export interface CliAdmin {
  email: string;
  workspaceId: string;
  /** Signs in over HTTP; returns the session cookie's token and the CSRF token. */
  signIn(url: string, headers?: Record<string, string>): Promise<{ token: string; csrf: string; res: AdminCall }>;
}

/**
 * An admin and its workspace made as an operator makes them, with `npm run create-admin`,
 * for tests whose server runs as a child process (its mail goes to its log, not to a test's outbox).
 * On PGlite, run it before the server starts: the data directory admits one process.
 */
export async function createCliAdmin(env: NodeJS.ProcessEnv, workspace = 'Acme'): Promise<CliAdmin> {
  const email = `ops-${randomUUID()}@example.test`;
  const made = await runToExit(['--import', 'tsx', 'scripts/create-admin.ts', '--email', email, '--workspace', workspace, '--password-stdin'], env, `${ADMIN_PASSWORD}\n`);
  assert.equal(made.code, 0, made.output);
  const workspaceId = /^created workspace ".*" \(([0-9a-f-]{36})\)/m.exec(made.output)![1]!;
  return {
    email,
    workspaceId,
    async signIn(url, headers) {
      const res = await adminRequest({ url }, 'POST', '/auth/sign-in', { body: { email, password: ADMIN_PASSWORD }, headers });
      const token = /__Host-parley_session=([^;]+)/.exec(res.headers.getSetCookie().find((c) => c.startsWith('__Host-parley_session=')) ?? '')?.[1] ?? '';
      return { token, csrf: (res.body?.csrfToken as string | undefined) ?? '', res };
    },
  };
}
