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
        // The banner names the admin panel, and it is there.
        const admin = /Admin panel:\s+(http:\/\/\S+)/.exec(server.output())![1]!;
        assert.equal(admin, `${server.url}/admin/`);
        const panel = await fetch(admin);
        assert.equal(panel.status, 200);
        assert.match(await panel.text(), /<script type="module" crossorigin src="\/admin\/assets\/[^"]+\.js"><\/script>/);
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

describe('the demo', () => {
  const demoLine = /Demo page:\s+(http:\/\/\S+?)\/?\s/;

  test('in development, npm start serves a demo host page on its own origin that the demo workspace allows', async () => {
    const env = testEnv({ NODE_ENV: 'development', DEMO_PORT: '0' });
    const configFrom = (server: string, origin: string) =>
      fetch(`${server}/api/widget/config?workspace=parley-demo`, { headers: { Origin: origin } });

    const first = await spawnServer(START, env);
    let firstDemo: string;
    try {
      firstDemo = demoLine.exec(first.output())![1]!;
      assert.notEqual(new URL(firstDemo).origin, new URL(first.url).origin);
      const page = await fetch(firstDemo);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy')!, new RegExp(`script-src ${first.url.replace(/[.]/g, '\\.')}(;|$)`));
      assert.ok((await page.text()).includes(`<script src="${first.url}/widget.js" data-workspace="parley-demo" async></script>`));
      assert.equal((await configFrom(first.url, firstDemo)).status, 200);
    } finally {
      assert.equal(await first.stop(), 0);
    }

    // Restarted on the same data with another demo port: the new origin is allowed, the old one no longer.
    const second = await spawnServer(START, env);
    try {
      const secondDemo = demoLine.exec(second.output())![1]!;
      assert.notEqual(secondDemo, firstDemo);
      assert.equal((await configFrom(second.url, secondDemo)).status, 200);
      assert.equal((await configFrom(second.url, firstDemo)).status, 403);
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });

  test('outside development there is no demo unless DEMO=on', async () => {
    const server = await spawnServer(START, testEnv());
    try {
      assert.doesNotMatch(server.output(), /Demo page/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});
