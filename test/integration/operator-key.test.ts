// Issue #11, point 11: which workspaces may chat on the operator's MISTRAL_API_KEY
// (OPERATOR_KEY_WORKSPACES, `npm run operator-key`), and the defaults that follow SIGNUP.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../server/config.js';
import { openDatabase } from '../../server/db/open.js';
import { withoutTenant, withTenant } from '../../server/db/tenant.js';
import { generateKeyringText } from '../../server/keys/keyring.js';
import { createLogger } from '../../server/logging.js';
import { memoryOutbox } from '../../server/mail/memory-outbox.js';
import { startServer } from '../../server/server.js';
import { ADMIN_TEST_OPTIONS, adminRequest, newAdmin, newWorkspace } from '../support/admin.js';
import { runToExit } from '../support/child-server.js';
import { createTestDatabase, databaseKinds } from '../support/databases.js';
import { testEnv } from '../support/test-server.js';
import { SITE, widgetHttp } from '../support/widget.js';

const OPERATOR_KEY = ['--import', 'tsx', 'scripts/operator-key.ts'];

test('SIGNUP and OPERATOR_KEY_WORKSPACES: closed and all in production, open and granted in development; each can be set', () => {
  const keys = { MASTER_KEYS: generateKeyringText('m1'), TOKEN_KEYS: generateKeyringText('t1'), DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-config-')) };
  const production = { ...keys, NODE_ENV: 'production', PUBLIC_URL: 'https://chat.example.com' };
  const policy = (env: NodeJS.ProcessEnv) => {
    const c = loadConfig(env);
    return [c.signup, c.operatorKeyWorkspaces];
  };
  assert.deepEqual(policy(production), ['closed', 'all']);
  assert.deepEqual(policy({ ...production, SIGNUP: 'invite' }), ['invite', 'all']);
  assert.deepEqual(policy({ ...production, SIGNUP: 'open' }), ['open', 'granted'], 'open sign-up: strangers do not spend the operator key');
  assert.deepEqual(policy({ ...production, SIGNUP: 'open', OPERATOR_KEY_WORKSPACES: 'all' }), ['open', 'all']);
  assert.deepEqual(policy({ ...keys, NODE_ENV: 'development' }), ['open', 'granted']);
  assert.deepEqual(policy({ ...keys, NODE_ENV: 'test', OPERATOR_KEY_WORKSPACES: 'none' }), ['open', 'none']);
  assert.throws(() => loadConfig({ ...keys, SIGNUP: 'maybe' }), (err: unknown) => err instanceof ConfigError && /^SIGNUP: /.test(err.message));
  assert.throws(() => loadConfig({ ...keys, OPERATOR_KEY_WORKSPACES: 'some' }), (err: unknown) => err instanceof ConfigError && /^OPERATOR_KEY_WORKSPACES: /.test(err.message));
});

for (const kind of databaseKinds) {
  test(`with SIGNUP=open, a workspace chats on the operator's key only once \`npm run operator-key -- grant\` lets it, on ${kind}`, async () => {
    const database = await createTestDatabase(kind);
    // '' is unset: the default that follows SIGNUP=open (testEnv sets all for the other tests).
    const env = testEnv({ SIGNUP: 'open', OPERATOR_KEY_WORKSPACES: '', MISTRAL_API_KEY: 'operator-key-for-tests', ...(database.config.kind === 'postgres' && { DATABASE_URL: database.config.ownerUrl }) });
    const dbConfig = database.config.kind === 'postgres' ? database.config : { kind: 'pglite' as const, dir: join(env.DATA_DIR!, 'pglite') };
    const config = { ...loadConfig(env), database: dbConfig };
    assert.equal(config.operatorKeyWorkspaces, 'granted');
    const outbox = memoryOutbox();
    /** The server, run while the test looks, stopped so the CLI can open the embedded database. */
    const serve = async <T>(fn: (url: string) => Promise<T>): Promise<T> => {
      const db = await openDatabase(dbConfig);
      const running = await startServer(config, createLogger({ level: 'silent', secrets: [], destination: { write: () => undefined } }), { db, adminAuth: { ...ADMIN_TEST_OPTIONS, mailer: outbox } });
      try {
        return await fn(running.url);
      } finally {
        await running.close(1_000);
        await db.close();
      }
    };
    const available = async (url: string, publicId: string) => {
      const res = await widgetHttp(url).get(`/api/widget/config?workspace=${publicId}`);
      assert.equal(res.status, 200);
      return ((await res.json()) as { available: boolean }).available;
    };
    try {
      const { workspace, owner } = await serve(async (url) => {
        const owner = await newAdmin({ url, outbox });
        const workspace = await newWorkspace(owner, 'Stranger Co');
        assert.equal((await owner.call('PATCH', `/workspaces/${workspace.id}/settings`, { allowedOrigins: [SITE] })).status, 200);
        assert.equal(await available(url, workspace.publicId), false, 'the widget says no model is configured');
        assert.deepEqual((await owner.call('GET', `/workspaces/${workspace.id}/provider-key`)).body, { key: null, operatorKey: 'not_granted' });
        return { workspace, owner };
      });

      const granted = await runToExit([...OPERATOR_KEY, 'grant', workspace.publicId], env);
      assert.equal(granted.code, 0, granted.output);
      assert.match(granted.output, new RegExp(`^workspace "Stranger Co" \\(${workspace.publicId}\\) may use the operator's key$`, 'm'));
      const status = await runToExit([...OPERATOR_KEY, 'status', workspace.publicId], env);
      assert.match(status.output, /granted since \d{4}-.*\(OPERATOR_KEY_WORKSPACES=granted\)/);

      await serve(async (url) => {
        assert.equal(await available(url, workspace.publicId), true);
        // The same session, on the restarted server's new port.
        const res = await adminRequest({ url }, 'GET', `/workspaces/${workspace.id}/provider-key`, { token: owner.token });
        assert.deepEqual(res.body, { key: null, operatorKey: 'available' });
      });

      const revoked = await runToExit([...OPERATOR_KEY, 'revoke', workspace.publicId], env);
      assert.equal(revoked.code, 0, revoked.output);
      const again = await runToExit([...OPERATOR_KEY, 'revoke', workspace.publicId], env);
      assert.match(again.output, /\(unchanged\)$/m);
      for (const [args, message] of [[['grant', 'wk_nobody00'], /no workspace has the public id wk_nobody00/], [['lend', workspace.publicId], /usage: npm run operator-key/], [['grant'], /usage:/]] as const) {
        const refused = await runToExit([...OPERATOR_KEY, ...args], env);
        assert.equal(refused.code, 1, refused.output);
        assert.match(refused.output, message);
        assert.ok(!refused.output.includes('    at '), 'no stack trace');
      }

      const db = await openDatabase(dbConfig);
      try {
        const platform = await withoutTenant(db, (q) => q.query<{ actor: string; action: string; target: string }>("SELECT actor, action, target FROM platform_audit_events WHERE action LIKE 'operator_key.%' ORDER BY id"));
        assert.deepEqual(platform.rows, [
          { actor: 'operator', action: 'operator_key.granted', target: `workspace:${workspace.id}` },
          { actor: 'operator', action: 'operator_key.revoked', target: `workspace:${workspace.id}` },
        ]);
        const own = await withTenant(db, workspace.id, (q) => q.query<{ actor_label: string; action: string }>("SELECT actor_label, action FROM audit_events WHERE action LIKE 'operator_key.%' ORDER BY id"));
        assert.deepEqual(own.rows, [{ actor_label: 'operator', action: 'operator_key.granted' }, { actor_label: 'operator', action: 'operator_key.revoked' }]);
        const grant = await withTenant(db, workspace.id, (q) => q.query('SELECT operator_key_granted_at FROM workspaces'));
        assert.deepEqual(grant.rows, [{ operator_key_granted_at: null }]);
      } finally {
        await db.close();
      }
    } finally {
      await database.drop();
    }
  });
}
