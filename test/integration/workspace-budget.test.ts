import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../server/db/open.js';
import { withTenant, withoutTenant } from '../../server/db/tenant.js';
import { runToExit } from '../support/child-server.js';
import { createTestDatabase, databaseKinds } from '../support/databases.js';
import { testEnv } from '../support/test-server.js';
import { seedWidgetWorkspace } from '../support/widget.js';

const WORKSPACE_BUDGET = ['--import', 'tsx', 'scripts/workspace-budget.ts'];

for (const kind of databaseKinds) {
  test(`npm run workspace-budget shows and sets one workspace's daily budget, audited, on ${kind}`, async () => {
    const database = await createTestDatabase(kind, { migrated: true });
    const config = database.config;
    const env = testEnv(config.kind === 'postgres' ? { DATABASE_URL: config.ownerUrl } : { DATA_DIR: dirname(config.dir) });
    try {
      let db = await openDatabase(config);
      const ws = await seedWidgetWorkspace(db);
      await db.close();
      const run = (...args: string[]) => runToExit([...WORKSPACE_BUDGET, ...args], env);

      const set = await run(ws.publicId, '5000');
      assert.equal(set.code, 0, set.output);
      assert.match(set.output, new RegExp(`^workspace ${ws.id}: 5000 tokens a day \\(set for this workspace\\); 0 used on \\d{4}-\\d\\d-\\d\\d \\(UTC\\)$`, 'm'));
      const reset = await run(ws.id, 'default');
      assert.equal(reset.code, 0, reset.output);
      assert.match(reset.output, /200000 tokens a day \(the default, DAILY_TOKEN_BUDGET=200000\)/);

      for (const [args, message] of [
        [['wk_nosuchworkspace', '10'], /no workspace with the id or public id "wk_nosuchworkspace"/],
        [[ws.id, 'lots'], /"lots" is not a number of tokens/],
        [[ws.id, '-5'], /is not a number of tokens/],
        [[], /usage: npm run workspace-budget/],
      ] as const) {
        const refused = await run(...args);
        assert.equal(refused.code, 1, refused.output);
        assert.match(refused.output, message);
        assert.ok(!refused.output.includes('    at '), 'no stack trace');
      }

      db = await openDatabase(config);
      try {
        const platform = await withoutTenant(db, (q) =>
          q.query<{ actor: string; target: string; details: unknown }>("SELECT actor, target, details FROM platform_audit_events WHERE action = 'workspace.token_budget_set' ORDER BY id"),
        );
        assert.deepEqual(platform.rows, [
          { actor: 'operator', target: `workspace:${ws.id}`, details: { before: null, after: 5000 } },
          { actor: 'operator', target: `workspace:${ws.id}`, details: { before: 5000, after: null } },
        ]);
        const stored = await withTenant(db, ws.id, (q) => q.query<{ budget: string | null }>('SELECT daily_token_budget AS budget FROM workspaces'));
        assert.deepEqual(stored.rows, [{ budget: null }]);
      } finally {
        await db.close();
      }
    } finally {
      await database.drop();
    }
  });
}
