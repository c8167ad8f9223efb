import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createTestDatabase, databaseKinds } from '../support/databases.js';
import { runToExit, spawnServer } from '../support/child-server.js';
import { testEnv } from '../support/test-server.js';

// `npm start` is `node scripts/start.mjs`: build what is missing, run the compiled server.
const START = ['scripts/start.mjs'];

async function waitFor200(url: string, deadline: number): Promise<number> {
  for (;;) {
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === 200) return Date.now();
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 in time (last: ${res?.status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start', () => {
  for (const kind of databaseKinds) {
    test(`serves /healthz and /readyz within 30 s of starting, on ${kind}`, async () => {
      const database = await createTestDatabase(kind);
      const env = testEnv(database.config.kind === 'postgres' ? { DATABASE_URL: database.config.ownerUrl } : {});
      const started = Date.now();
      const server = await spawnServer(START, env, 120_000);
      try {
        await waitFor200(`${server.url}/healthz`, started + 120_000);
        const ready = await waitFor200(`${server.url}/readyz`, started + 120_000);
        // The build (on a fresh checkout) happens before the server starts; 30 s is the server's own budget.
        const serverStarted = Date.now() - ready;
        assert.ok(serverStarted < 30_000);
        assert.match(server.output(), /Parley is running/);
      } finally {
        assert.equal(await server.stop(), 0, 'SIGTERM stops it cleanly');
        await database.drop();
      }
    });
  }

  test('a second server on the same embedded database is refused, and the lock is released on exit', async () => {
    const env = testEnv();
    const first = await spawnServer(START, env);
    try {
      const second = await runToExit(START, env);
      assert.equal(second.code, 1);
      assert.match(second.output, /^parley: DATA_DIR: the embedded database in .* is in use by process \d+; stop it first$/m);
    } finally {
      assert.equal(await first.stop(), 0);
    }
    assert.equal(existsSync(join(env.DATA_DIR!, 'pglite', 'parley.lock')), false);
  });

  test('a bad setting stops start-up with one line naming the variable', async () => {
    const { code, output } = await runToExit(START, testEnv({ PORT: 'eighty' }));
    assert.equal(code, 1);
    assert.equal(output.trim().split('\n').filter((l) => !l.startsWith('Building')).join('\n'), 'parley: PORT: Invalid input: expected number, received NaN');
  });
});
