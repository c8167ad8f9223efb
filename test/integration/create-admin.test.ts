import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../server/config.js';
import { openDatabase } from '../../server/db/open.js';
import { createLogger } from '../../server/logging.js';
import { startServer } from '../../server/server.js';
import { ADMIN_PASSWORD, adminRequest } from '../support/admin.js';
import { runToExit } from '../support/child-server.js';
import { createTestDatabase, databaseKinds } from '../support/databases.js';
import { testEnv, type TestServer } from '../support/test-server.js';

const CREATE_ADMIN = ['--import', 'tsx', 'scripts/create-admin.ts'];

for (const kind of databaseKinds) {
  test(`npm run create-admin makes an account and workspace that can sign in, on ${kind}`, async () => {
    const database = await createTestDatabase(kind);
    const env = testEnv(database.config.kind === 'postgres' ? { DATABASE_URL: database.config.ownerUrl } : {});
    const dbConfig = database.config.kind === 'postgres' ? database.config : { kind: 'pglite' as const, dir: join(env.DATA_DIR!, 'pglite') };
    try {
      const generated = await runToExit([...CREATE_ADMIN, '--email', 'Ops@Example.test', '--workspace', 'Acme'], env);
      assert.equal(generated.code, 0, generated.output);
      assert.match(generated.output, /^created admin Ops@Example\.test \([0-9a-f-]{36}\)$/m);
      assert.match(generated.output, /^created workspace "Acme" \([0-9a-f-]{36}\), public id wk_\S+, owned by Ops@Example\.test$/m);
      const password = /^password: (\S{24})$/m.exec(generated.output)![1]!;

      const piped = await runToExit([...CREATE_ADMIN, '--email', 'second@example.test', '--password-stdin'], env, `${ADMIN_PASSWORD}\n`);
      assert.equal(piped.code, 0, piped.output);
      assert.ok(!piped.output.includes('password:'), 'a piped password is not echoed');

      for (const [args, message] of [
        [['--email', 'ops@example.test'], /already exists/],
        [['--email', 'not-an-email'], /--email/],
        [['--email', 'weak@example.test', '--password-stdin'], /password: .*commonly used/],
        [['--bogus'], /Unknown option/],
      ] as const) {
        const refused = await runToExit([...CREATE_ADMIN, ...args], env, (args as readonly string[]).includes('--password-stdin') ? 'password123!\n' : undefined);
        assert.equal(refused.code, 1, refused.output);
        assert.match(refused.output, message);
        assert.ok(!refused.output.includes('    at '), 'no stack trace');
      }

      const config = { ...loadConfig(env), database: dbConfig };
      const db = await openDatabase(dbConfig);
      const running = await startServer(config, createLogger({ level: 'silent', secrets: [], destination: { write: () => undefined } }), { db });
      const server = { ...running } as unknown as TestServer;
      try {
        const signIn = await adminRequest(server, 'POST', '/auth/sign-in', { body: { email: 'ops@example.test', password } });
        assert.equal(signIn.status, 200, signIn.text);
        const token = /__Host-parley_session=([^;]+)/.exec(signIn.headers.getSetCookie()[0]!)![1]!;
        const list = await adminRequest(server, 'GET', '/workspaces', { token });
        assert.deepEqual((list.body!.workspaces as { name: string; role: string }[]).map((w) => [w.name, w.role]), [['Acme', 'owner']]);
        const second = await adminRequest(server, 'POST', '/auth/sign-in', { body: { email: 'second@example.test', password: ADMIN_PASSWORD } });
        assert.equal(second.status, 200);
        const { rows } = await db.query<{ action: string; actor: string }>("SELECT action, actor FROM platform_audit_events WHERE action = 'account.created'");
        assert.deepEqual(rows, [{ action: 'account.created', actor: 'operator' }, { action: 'account.created', actor: 'operator' }]);
      } finally {
        await running.close(1_000);
        await db.close();
      }
    } finally {
      await database.drop();
    }
  });
}
