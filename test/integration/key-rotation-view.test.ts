// npm run rotate-master-key lists the workspaces through a read of its own (migration
// 0010), not through the retention job's: each job's cross-workspace view is as narrow
// as it can be, and changing one never breaks the other.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../server/db/db.js';
import { openDatabase } from '../../server/db/open.js';
import { listRetentionPolicies, withKeyRotationView, withTenant } from '../../server/db/tenant.js';
import { generateKeyringText, parseKeyring } from '../../server/keys/keyring.js';
import { listWorkspaceIds } from '../../server/keys/rotation.repo.js';
import { rotateMasterKey } from '../../server/keys/rotation.service.js';
import { SEALED_COLUMNS } from '../../server/keys/sealed-columns.js';
import { seal, unseal } from '../../server/keys/seal.js';
import { createTestDatabase, databaseKinds, withClient, type TestDatabase } from '../support/databases.js';
import { seedWorkspace } from '../support/seed.js';

const PROVIDER_KEYS = SEALED_COLUMNS.filter((c) => c.table === 'provider_keys');

for (const kind of databaseKinds) {
  describe(`key rotation's own list of workspaces (${kind})`, () => {
    let database: TestDatabase;
    let db: Db;
    /** One statement as the owner (PGlite: its superuser session). */
    const asOwner = (sql: string) => (database.ownerUrl ? withClient(database.ownerUrl, (c) => c.query(sql)) : db.query(sql));

    before(async () => {
      database = await createTestDatabase(kind, { migrated: true });
      db = await openDatabase(database.config);
    });
    after(async () => {
      await db?.close();
      await database?.drop();
    });

    test('shows the workspaces rows, read-only, and nothing of any other table', async () => {
      const w = await seedWorkspace(db);
      const seen = await withKeyRotationView(db, async (q) => ({
        ids: await listWorkspaceIds(q),
        settings: (await q.query('SELECT 1 FROM widget_settings')).rowCount,
        keys: (await q.query('SELECT 1 FROM provider_keys')).rowCount,
        messages: (await q.query('SELECT 1 FROM messages')).rowCount,
      }));
      assert.deepEqual(seen, { ids: [w.id], settings: 0, keys: 0, messages: 0 });
      assert.equal((await withKeyRotationView(db, (q) => q.query("UPDATE workspaces SET name = 'changed'"))).rowCount, 0, 'read-only');
      // Tenant code cannot switch it on.
      await assert.rejects(withTenant(db, w.id, (q) => q.query("SELECT set_config('app.job', 'key_rotation', true)")), /not allowed/);
    });

    test('re-seals every workspace with the retention job\'s read gone', async () => {
      const oldText = generateKeyringText('old');
      const oldRing = parseKeyring(oldText);
      const ids: string[] = [];
      const keys = new Map<string, string>();
      for (let i = 0; i < 2; i++) {
        const { id } = await seedWorkspace(db);
        const key = `sk-test-${randomBytes(16).toString('hex')}`;
        const sealed = seal(oldRing, id, key);
        await withTenant(db, id, (q) => q.query('UPDATE provider_keys SET key_id = $2, nonce = $3, ciphertext = $4 WHERE workspace_id = $1', [id, sealed.keyId, sealed.nonce, sealed.ciphertext]));
        ids.push(id);
        keys.set(id, key);
      }
      // The retention job's view of the workspaces goes; rotation does not notice.
      await asOwner('DROP POLICY retention_job_read ON workspaces');
      assert.deepEqual(await listRetentionPolicies(db), []);

      const both = parseKeyring(`${generateKeyringText('new')},${oldText}`);
      const result = await rotateMasterKey(db, both, { columns: PROVIDER_KEYS });
      // The first test's workspace holds random bytes under "m1", which no key opens.
      assert.deepEqual([result.resealed, result.failed], [2, 1]);
      for (const id of ids) {
        const row = await withTenant(db, id, async (q) => (await q.query<{ keyId: string; nonce: Uint8Array; ciphertext: Uint8Array }>('SELECT key_id AS "keyId", nonce, ciphertext FROM provider_keys')).rows[0]!);
        assert.equal(row.keyId, 'new');
        assert.equal(unseal(both, id, row), keys.get(id));
      }
    });
  });
}
