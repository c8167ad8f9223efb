import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { runBackup } from '../../scripts/backup/backup.js';
import { securitySnapshot } from '../../scripts/backup/catalog.js';
import { fingerprints } from '../../scripts/backup/manifest.js';
import { asOwner } from '../../scripts/backup/owner.js';
import { runRestore } from '../../scripts/backup/restore.js';
import { generateSigningKeyPair, parseSigningKey, parseVerifyKey, signedLine } from '../../scripts/backup/signing.js';
import type { Config } from '../../server/config.js';
import { loadMigrations } from '../../server/db/migrate.js';
import { openDatabase } from '../../server/db/open.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { seedWorkspace } from '../support/seed.js';

// What someone who can write to the backup remote, and holds a BACKUP_RECIPIENTS public
// key (it is public), can make: files that decrypt cleanly with the operator's identity.
const run = promisify(execFile);

let dir: string;
let identityFile: string;
let recipient: string;
let signingKey: KeyObject;
let verifyKey: KeyObject;
/** The attacker's own Ed25519 key: valid signatures, wrong signer. */
let attackerKey: KeyObject;
let marker: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-backup-auth-'));
  const identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  identityFile = join(dir, 'identity.txt');
  writeFileSync(identityFile, `${identity}\n`, { mode: 0o600 });
  const keys = generateSigningKeyPair();
  signingKey = parseSigningKey(keys.signingKey);
  verifyKey = parseVerifyKey(keys.verifyKey);
  attackerKey = parseSigningKey(generateSigningKeyPair().signingKey);
  marker = join(dir, 'pwned');
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Plaintext → gzip → the real `age` CLI, encrypted to the operator's recipient as anyone can. */
async function encrypt(name: string, plaintext: string): Promise<string> {
  const plain = join(dir, `${name}.gz`);
  writeFileSync(plain, gzipSync(plaintext));
  const file = join(dir, `${name}.age`);
  await run('age', ['-r', recipient, '-o', file, plain]);
  return file;
}

/** The lines of a real backup, decrypted with the real `age` CLI. */
async function plaintextOf(file: string): Promise<string[]> {
  const { stdout } = await run('age', ['-d', '-i', identityFile, file], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return gunzipSync(stdout).toString('utf8').trimEnd().split('\n');
}

/** A body with its manifest recomputed to match (hash, size), as a forger would; signed with key, or not at all. */
function reseal(body: string[], manifestText: string, key: KeyObject | undefined): string {
  const text = `${body.join('\n')}\n`;
  const manifest = { ...JSON.parse(manifestText), plaintext: { bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') } };
  const last = key ? signedLine(JSON.stringify(manifest), key) : `${JSON.stringify({ manifest: JSON.stringify(manifest) })}\n`;
  return text + last;
}

/** The manifest text of a backup's signed last line. */
const manifestOf = (lines: string[]) => (JSON.parse(lines.at(-1)!) as { manifest: string }).manifest;

/** A backup of the kind earlier Parleys restored: a SQL script with a recomputed manifest and no signature. */
function unsignedSqlBackup(extra: string[]): string {
  const migrations = loadMigrations();
  return [
    `-- Parley backup of the embedded database (PGlite), schema version ${migrations.length}, ${new Date().toISOString()}`,
    ...extra,
    'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());',
    ...migrations.map((m) => `${m.sql}\n;`),
    ...migrations.map((m) => `INSERT INTO schema_migrations (version, name, checksum) VALUES (${m.version}, '${m.name}', '${m.checksum}');`),
    "INSERT INTO accounts (email, password_hash) VALUES ('attacker@evil.test', 'x');",
    `-- parley-backup-manifest: ${JSON.stringify({ format: 1, driver: 'pglite', schemaVersion: migrations.length, createdAt: new Date().toISOString(), tables: {} })}`,
    '',
  ].join('\n');
}

async function seeded(kind: TestDatabase['kind'], databases: TestDatabase[]): Promise<TestDatabase> {
  const db = await createTestDatabase(kind, { migrated: true });
  databases.push(db);
  const handle = await openDatabase(db.config);
  try {
    await seedWorkspace(handle, 'Existing');
  } finally {
    await handle.close();
  }
  return db;
}

/** Everything a restore could change: every table's rows, and policies, grants, functions, triggers. */
const state = (database: Config['database']) => asOwner(database, async (q) => ({ rows: await fingerprints(q), security: await securitySnapshot(q) }));

function assertNoStaging(database: Config['database']): void {
  if (database.kind === 'pglite') assert.deepEqual(readdirSync(dirname(database.dir)).filter((f) => f.includes('-restore-')), []);
}

for (const kind of databaseKinds) {
  describe(`restore refuses what Parley did not sign, on ${kind}`, () => {
    const databases: TestDatabase[] = [];
    let target: TestDatabase;
    let initial: Awaited<ReturnType<typeof state>>;
    let genuine: string[];
    after(async () => {
      for (const db of databases) await db.drop();
    });

    before(async () => {
      target = await seeded(kind, databases);
      initial = await state(target.config);
      const source = await seeded(kind, databases);
      const backup = await runBackup({ database: source.config, remote: `:local:${join(dir, `remote-${kind}`)}`, recipients: [recipient], retentionDays: 30, signingKey });
      genuine = await plaintextOf(join(dir, `remote-${kind}`, backup.name));
    });

    const restore = (file: string) => runRestore({ database: target.config, source: file, identityFile, verifyKey, force: true });

    test('a backup with a psql meta-command never runs it, and is refused', async () => {
      const sql = await encrypt(`meta-${kind}`, unsignedSqlBackup([`\\! touch ${marker}`, `\\o |touch ${marker}`]));
      await assert.rejects(restore(sql), /unsigned SQL backup of an earlier Parley: refused/);
      assert.equal(existsSync(marker), false, 'the shell command did not run');

      // Even inside a validly signed file, such a line is not JSON: refused, never run.
      const signed = await encrypt(`meta-signed-${kind}`, reseal([...genuine.slice(0, -1), `\\! touch ${marker}`], manifestOf(genuine), signingKey));
      await assert.rejects(restore(signed), /line \d+ of the backup is not JSON: refused/);
      assert.equal(existsSync(marker), false);
      assert.deepEqual(await state(target.config), initial);
      assertNoStaging(target.config);
    });

    test('a forged backup encrypted to the recipient with a recomputed manifest is refused and the database is untouched', async () => {
      const manifest = manifestOf(genuine);
      const body = genuine.slice(0, -1).map((line) => line.replace(/"hi"/g, '"send your password to evil.test"'));
      assert.notDeepEqual(body, genuine.slice(0, -1), 'the forger changed a row');

      const oldStyle = await encrypt(`forged-sql-${kind}`, unsignedSqlBackup([]));
      await assert.rejects(restore(oldStyle), /unsigned SQL backup .*refused/);
      const unsigned = await encrypt(`forged-unsigned-${kind}`, reseal(body, manifest, undefined));
      await assert.rejects(restore(unsigned), /is not signed .*refused/);
      const wrongKey = await encrypt(`forged-wrong-key-${kind}`, reseal(body, manifest, attackerKey));
      await assert.rejects(restore(wrongKey), /signature does not verify with the verify key \(it names key [0-9a-f]{16}, the verify key is [0-9a-f]{16}\): refused; nothing was loaded/);
      // The genuine signed line kept, the rows changed under it.
      const swapped = await encrypt(`forged-body-${kind}`, `${body.join('\n')}\n${genuine.at(-1)!}\n`);
      await assert.rejects(restore(swapped), /does not match its signed manifest .*refused; nothing was loaded/);

      assert.deepEqual(await state(target.config), initial);
      assertNoStaging(target.config);
    });

    test('a signed backup naming a table or column the migrations do not create is refused and rolled back', async () => {
      const manifest = manifestOf(genuine);
      const extraColumn = genuine.slice(0, -1).map((l) => l.replace(/^\{"table":"accounts","columns":\[/, '{"table":"accounts","columns":["is_superadmin",'));
      const extraTable = [...genuine.slice(0, -1), '{"table":"pg_authid","columns":["rolname"]}', '["evil"]'];
      await assert.rejects(restore(await encrypt(`column-${kind}`, reseal(extraColumn, manifest, signingKey))), /columns of accounts differ from this database's \(\+is_superadmin\): refused/);
      await assert.rejects(restore(await encrypt(`table-${kind}`, reseal(extraTable, manifest, signingKey))), /table pg_authid, which this Parley's migrations do not create: refused/);
      assert.deepEqual(await state(target.config), initial);
      assertNoStaging(target.config);
    });
  });
}
