import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { runBackup } from '../../scripts/backup/backup.js';
import { securitySnapshot } from '../../scripts/backup/catalog.js';
import { fingerprints } from '../../scripts/backup/manifest.js';
import { asOwner } from '../../scripts/backup/owner.js';
import { runRestore } from '../../scripts/backup/restore.js';
import { generateSigningKeyPair, parseSigningKey, parseVerifyKey } from '../../scripts/backup/signing.js';
import type { Config } from '../../server/config.js';
import { openDatabase } from '../../server/db/open.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { seedWorkspace } from '../support/seed.js';

// A genuinely signed backup of a database someone with the owner's rights had loosened:
// the restore must not bring the loosening back, and must say so.
let dir: string;
let identityFile: string;
let recipient: string;
let keys: ReturnType<typeof generateSigningKeyPair>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-backup-catalog-'));
  const identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  identityFile = join(dir, 'identity.txt');
  writeFileSync(identityFile, `${identity}\n`, { mode: 0o600 });
  keys = generateSigningKeyPair();
});

after(() => rmSync(dir, { recursive: true, force: true }));

const databases: TestDatabase[] = [];
after(async () => {
  for (const db of databases) await db.drop();
});

/** A migrated database with one seeded workspace. */
async function fresh(kind: TestDatabase['kind']): Promise<TestDatabase> {
  const db = await createTestDatabase(kind, { migrated: true });
  databases.push(db);
  const handle = await openDatabase(db.config);
  try {
    await seedWorkspace(handle);
  } finally {
    await handle.close();
  }
  return db;
}

const state = (database: Config['database']) => asOwner(database, async (q) => ({ rows: await fingerprints(q), security: await securitySnapshot(q) }));

for (const kind of databaseKinds) {
  describe(`restore compares policies, grants, functions and triggers with the migrations, on ${kind}`, () => {
    test('a signed backup of a database with a dropped policy, an added grant, function and trigger is refused and rolled back', async () => {
      const source = await fresh(kind);
      await asOwner(source.config, async (q) => {
        await q.query('DROP POLICY tenant_isolation ON messages');
        await q.query('GRANT DELETE, UPDATE ON audit_events TO parley_app');
        await q.query("CREATE FUNCTION public.copy_out() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$");
        await q.query('CREATE TRIGGER copy_out AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION public.copy_out()');
      });
      const backup = await runBackup({ database: source.config, remote: `:local:${join(dir, `remote-${kind}`)}`, recipients: [recipient], retentionDays: 30, signingKey: parseSigningKey(keys.signingKey) });

      const target = await fresh(kind);
      const initial = await state(target.config);
      const refused = await runRestore({ database: target.config, source: backup.path, identityFile, verifyKey: parseVerifyKey(keys.verifyKey), force: true }).then(
        () => assert.fail('the restore succeeded'),
        (err: Error) => err.message,
      );
      assert.match(refused, /^refused: the policies, grants, functions or triggers of the database this backup was made from differ from what the migrations create/);
      assert.match(refused, /policies: - messages\.tenant_isolation /);
      assert.match(refused, /grants: \+ audit_events parley_app DELETE/);
      assert.match(refused, /functions: \+ copy_out\(\) plpgsql/);
      assert.match(refused, /triggers: \+ messages\.copy_out /);
      // Rolled back: the database that was there is there, rows and policies alike.
      assert.deepEqual(await state(target.config), initial);
      assert.ok(initial.security.policies!.some((p) => p.startsWith('messages.tenant_isolation ')));
    });
  });
}

// The backup holds rows, not a dump of one engine: it restores into the other driver, and
// the policies there must compare equal with those of the database it was made from.
describe('a backup restores across drivers', { skip: !databaseKinds.includes('postgres') && 'needs TEST_DATABASE_URL' }, () => {
  test('PGlite to PostgreSQL and back, with the same rows, policies and grants', async () => {
    const signingKey = parseSigningKey(keys.signingKey);
    const verifyKey = parseVerifyKey(keys.verifyKey);
    const lite = await fresh('pglite');
    const fromLite = await runBackup({ database: lite.config, remote: `:local:${join(dir, 'across-1')}`, recipients: [recipient], retentionDays: 30, signingKey });
    const pg = await createTestDatabase('postgres');
    databases.push(pg);
    await runRestore({ database: pg.config, source: fromLite.path, identityFile, verifyKey });
    assert.deepEqual(await state(pg.config), await state(lite.config));

    const fromPg = await runBackup({ database: pg.config, remote: `:local:${join(dir, 'across-2')}`, recipients: [recipient], retentionDays: 30, signingKey });
    const back = await createTestDatabase('pglite');
    databases.push(back);
    await runRestore({ database: back.config, source: fromPg.path, identityFile, verifyKey });
    assert.deepEqual(await state(back.config), await state(lite.config));
  });
});
