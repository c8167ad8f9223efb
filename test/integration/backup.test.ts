import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { runBackup, type BackupResult } from '../../scripts/backup/backup.js';
import { fingerprints, schemaVersionOf, tablesWithoutForcedRls } from '../../scripts/backup/manifest.js';
import { remotePath } from '../../scripts/backup/rclone.js';
import { backupName, pruneBackups } from '../../scripts/backup/remote-files.js';
import { asOwner } from '../../scripts/backup/owner.js';
import { runRestore } from '../../scripts/backup/restore.js';
import { generateSigningKeyPair, parseSigningKey, parseVerifyKey } from '../../scripts/backup/signing.js';
import type { Config } from '../../server/config.js';
import { lockDataDir } from '../../server/db/data-dir-lock.js';
import { latestVersion, loadMigrations } from '../../server/db/migrate.js';
import { openDatabase } from '../../server/db/open.js';
import { withTenant } from '../../server/db/tenant.js';
import { runToExit } from '../support/child-server.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { seedWorkspace, type SeededWorkspace } from '../support/seed.js';
import { startWebdav } from '../../scripts/backup/webdav.js';

const run = promisify(execFile);
const DAY = 86_400_000;

let dir: string;
let identityFile: string;
let otherIdentityFile: string;
let recipient: string;
/** Generated per run: BACKUP_SIGNING_KEY / BACKUP_VERIFY_KEY. */
let keys: ReturnType<typeof generateSigningKeyPair>;
let webdav: Awaited<ReturnType<typeof startWebdav>>;

/** An identity file as age-keygen writes it: comments, then the key. Generated per run, never committed. */
async function writeIdentity(name: string): Promise<{ file: string; recipient: string }> {
  const identity = await generateX25519Identity();
  const pub = await identityToRecipient(identity);
  const file = join(dir, name);
  writeFileSync(file, `# created: ${new Date().toISOString()}\n# public key: ${pub}\n${identity}\n`, { mode: 0o600 });
  return { file, recipient: pub };
}

/** The real tools, or a failure that says how to install them (never a silent skip). */
async function requireTools(): Promise<void> {
  const packages: Record<string, string> = { age: 'age', rclone: 'rclone' };
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries(packages)) {
    await run(command, ['--version']).catch(() => missing.push(pkg));
  }
  if (missing.length > 0) throw new Error(`the backup tests need ${[...new Set(missing)].join(', ')}: apt-get install -y ${[...new Set(missing)].join(' ')}`);
}

before(async () => {
  await requireTools();
  dir = mkdtempSync(join(tmpdir(), 'parley-backup-test-'));
  ({ file: identityFile, recipient } = await writeIdentity('identity.txt'));
  ({ file: otherIdentityFile } = await writeIdentity('other-identity.txt'));
  keys = generateSigningKeyPair();
  mkdirSync(join(dir, 'webdav'));
  webdav = await startWebdav(join(dir, 'webdav'));
});

after(async () => {
  await webdav?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Three seeded workspaces; the first with 3,000 messages of random text, so the backup spans several age chunks. */
async function seed(database: Config['database']): Promise<SeededWorkspace[]> {
  const db = await openDatabase(database);
  try {
    const workspaces = [await seedWorkspace(db, 'Alpha'), await seedWorkspace(db, 'Beta'), await seedWorkspace(db, 'Gamma')];
    const [w] = workspaces;
    await withTenant(db, w!.id, (q) =>
      q.query(
        `INSERT INTO messages (workspace_id, conversation_id, role, content)
         SELECT $1, $2, 'user', 'tab\there, newline\nthere, backslash \\ quote '' ü ' || $3 || g FROM generate_series(1, 3000) g`,
        [w!.id, w!.conversationId, randomBytes(64).toString('hex')],
      ),
    );
    await withTenant(db, w!.id, (q) => q.query("UPDATE messages SET content = content || md5(id::text) || md5(random()::text) WHERE workspace_id = $1", [w!.id]));
    return workspaces;
  } finally {
    await db.close();
  }
}

for (const kind of databaseKinds) {
  describe(`backup and restore on ${kind}`, () => {
    const databases: TestDatabase[] = [];
    let source: TestDatabase;
    let workspaces: SeededWorkspace[];
    let expected: Record<string, string>;
    let backup: BackupResult;
    const remote = () => `${webdav.remote}${kind}`;
    const fresh = async () => {
      const db = await createTestDatabase(kind);
      databases.push(db);
      return db;
    };

    before(async () => {
      source = await fresh();
      workspaces = await seed(source.config);
      expected = await asOwner(source.config, fingerprints);
    });
    after(async () => {
      for (const db of databases) await db.drop();
    });

    test('backup streams a standard age file to WebDAV and deletes only expired backups', async () => {
      mkdirSync(join(dir, 'webdav', kind));
      const expired = backupName(new Date(Date.now() - 40 * DAY));
      const recent = backupName(new Date(Date.now() - 2 * DAY));
      for (const name of [expired, recent, 'notes.txt']) writeFileSync(join(dir, 'webdav', kind, name), 'x');

      backup = await runBackup({ database: source.config, remote: remote(), recipients: [recipient], retentionDays: 30, signingKey: parseSigningKey(keys.signingKey) });
      assert.match(backup.name, /^parley-\d{8}T\d{6}Z\.jsonl\.gz\.age$/);
      assert.deepEqual(backup.deleted, [expired]);
      assert.deepEqual(readdirSync(join(dir, 'webdav', kind)).sort(), [backup.name, recent, 'notes.txt'].sort());

      const file = join(dir, 'webdav', kind, backup.name);
      const bytes = readFileSync(file);
      assert.equal(bytes.subarray(0, 22).toString(), 'age-encryption.org/v1\n');
      assert.ok(bytes.length > 2 * 64 * 1024, `several age chunks (${bytes.length} bytes)`);
      // The age CLI reads it: the format is standard age, not something only Parley reads.
      const { stdout } = await run('age', ['-d', '-i', identityFile, file], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
      const text = gunzipSync(stdout).toString('utf8');
      assert.match(text, /^\{"table":"messages","columns":\["id",/m);
      // The last line: the manifest, signed.
      const signed = JSON.parse(text.trimEnd().split('\n').at(-1)!) as { manifest: string; ed25519: string };
      assert.match(signed.manifest, /"schemaVersion":\d+/);
      assert.equal(Buffer.from(signed.ed25519, 'base64').length, 64);
      await assert.rejects(run('age', ['-d', '-i', otherIdentityFile, file]), /no identity matched/);
    });

    test('restore into a fresh database reproduces every table, with forced row-level security', async () => {
      const target = await fresh();
      const result = await runRestore({ database: target.config, source: backup.path, identityFile, verifyKey: parseVerifyKey(keys.verifyKey) });
      assert.equal(result.schemaVersion, latestVersion(loadMigrations()));
      assert.equal(result.rows.workspaces, 3);

      const restored = await asOwner(target.config, async (q) => ({
        fingerprints: await fingerprints(q),
        version: await schemaVersionOf(q),
        unforced: await tablesWithoutForcedRls(q),
      }));
      assert.deepEqual(restored.fingerprints, expected);
      assert.equal(restored.version, latestVersion(loadMigrations()));
      assert.deepEqual(restored.unforced, []);

      // The application, as its runtime role, sees one workspace's rows and no other's.
      const db = await openDatabase(target.config);
      try {
        const [a, b] = workspaces;
        const count = (id: string, other: string) =>
          withTenant(db, id, (q) => q.query<{ own: number; other: number }>(
            'SELECT count(*) FILTER (WHERE workspace_id = $1)::int AS own, count(*) FILTER (WHERE workspace_id = $2)::int AS other FROM messages', [id, other],
          ));
        assert.deepEqual((await count(a!.id, b!.id)).rows[0], { own: 3002, other: 0 });
        assert.deepEqual((await count(b!.id, a!.id)).rows[0], { own: 2, other: 0 });
      } finally {
        await db.close();
      }

      const verifyKey = parseVerifyKey(keys.verifyKey);
      await assert.rejects(runRestore({ database: target.config, source: backup.path, identityFile, verifyKey }), /not empty|already holds an embedded database/);
      const forced = await runRestore({ database: target.config, source: backup.path, identityFile, verifyKey, force: true });
      assert.equal(forced.rows.messages, 3006);
      assert.deepEqual(await asOwner(target.config, fingerprints), expected);
    });

    test('another identity cannot decrypt the backup', async () => {
      const target = await fresh();
      await assert.rejects(runRestore({ database: target.config, source: backup.path, identityFile: otherIdentityFile, verifyKey: parseVerifyKey(keys.verifyKey) }), /cannot decrypt .*encrypted to other recipients/);
    });

    test('a tampered backup is rejected and nothing is loaded', async () => {
      const bytes = readFileSync(join(dir, 'webdav', kind, backup.name));
      // Past the first chunks: a loader that read as it decrypted would have loaded them by then.
      bytes[bytes.length - 100]! ^= 0x01;
      mkdirSync(join(dir, 'tampered', kind), { recursive: true });
      const tampered = join(dir, 'tampered', kind, backup.name);
      writeFileSync(tampered, bytes);
      // Uploaded through the WebDAV server, which caches its directory listings.
      await run('rclone', ['copyto', tampered, remotePath(`${webdav.remote}${kind}-tampered`, backup.name)]);

      const target = await fresh();
      await assert.rejects(
        runRestore({ database: target.config, source: remotePath(`${webdav.remote}${kind}-tampered`, backup.name), identityFile, verifyKey: parseVerifyKey(keys.verifyKey) }),
        /damaged or was tampered with .*nothing was restored/,
      );
      if (target.config.kind === 'pglite') {
        assert.equal(existsSync(join(target.config.dir, 'PG_VERSION')), false);
        assert.deepEqual(readdirSync(dirname(target.config.dir)).filter((f) => f.includes('-restore-')), [], 'the staging directory is removed');
      } else {
        const tables = await asOwner(target.config, (q) => q.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'"));
        assert.equal(tables.rows[0]!.n, 0);
      }
    });
  });
}

describe('backup commands', () => {
  test('retention deletes only Parley backups older than the period, by the time in their names', async () => {
    const local = join(dir, 'local');
    mkdirSync(local);
    const now = new Date();
    const names = {
      old: backupName(new Date(now.getTime() - 31 * DAY)),
      kept: backupName(new Date(now.getTime() - 29 * DAY)),
      stalePartial: `${backupName(new Date(now.getTime() - 2 * DAY))}.partial`,
      other: 'parley-notes.sql.gz.age',
    };
    for (const name of Object.values(names)) writeFileSync(join(local, name), 'x');
    const deleted = await pruneBackups(`:local:${local}`, 30, now);
    assert.deepEqual(deleted.sort(), [names.old, names.stalePartial].sort());
    assert.deepEqual(readdirSync(local).sort(), [names.kept, names.other].sort());
  });

  test('a bad recipient is refused naming the variable, without a stack trace', async () => {
    const { code, output } = await runToExit(['--import', 'tsx', 'scripts/backup.ts'], {
      BACKUP_REMOTE: `:local:${join(dir, 'local')}`, BACKUP_RECIPIENTS: `${recipient},age1notakey`, DATA_DIR: join(dir, 'data'), NODE_ENV: 'test',
    });
    assert.equal(code, 1);
    assert.match(output, /^backup: BACKUP_RECIPIENTS: "age1notakey" is not an age X25519 public key/m);
    assert.doesNotMatch(output, /\n\s+at /);

    const secret = await runToExit(['--import', 'tsx', 'scripts/backup.ts'], {
      BACKUP_REMOTE: ':local:/tmp', BACKUP_RECIPIENTS: readFileSync(identityFile, 'utf8').split('\n')[2]!, DATA_DIR: join(dir, 'data'), NODE_ENV: 'test',
    });
    assert.equal(secret.code, 1);
    assert.match(secret.output, /BACKUP_RECIPIENTS: holds a private identity/);
  });

  test('backups need an Ed25519 signing key that is not an age key, and restores its public half', async () => {
    const env = { BACKUP_REMOTE: `:local:${join(dir, 'local')}`, BACKUP_RECIPIENTS: recipient, DATA_DIR: join(dir, 'data'), NODE_ENV: 'test' };
    const missing = await runToExit(['--import', 'tsx', 'scripts/backup.ts'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.output, /^backup: BACKUP_SIGNING_KEY: required: the Ed25519 key backups are signed with; npm run backup:keygen makes one$/m);
    const ageKey = await runToExit(['--import', 'tsx', 'scripts/backup.ts'], { ...env, BACKUP_SIGNING_KEY: readFileSync(identityFile, 'utf8').split('\n')[2]! });
    assert.match(ageKey.output, /^backup: BACKUP_SIGNING_KEY: holds an age key; the signing key is a separate Ed25519 key/m);
    assert.doesNotMatch(ageKey.output, /AGE-SECRET-KEY-1/);

    const restore = (extra: NodeJS.ProcessEnv, ...args: string[]) =>
      runToExit(['--import', 'tsx', 'scripts/restore.ts', 'latest', '--identity', identityFile, ...args], { ...env, ...extra });
    assert.match((await restore({})).output, /^restore: BACKUP_VERIFY_KEY: required: the public half of BACKUP_SIGNING_KEY/m);
    const privateHalf = await restore({ BACKUP_VERIFY_KEY: keys.signingKey });
    assert.match(privateHalf.output, /^restore: BACKUP_VERIFY_KEY: this is the private signing key; give its public half/m);
    assert.doesNotMatch(privateHalf.output, new RegExp(keys.signingKey.slice(20, 40).replace(/[+/]/g, '\\$&')));
  });

  test('the embedded database is not backed up while a server holds it', async () => {
    const dataDir = join(dir, 'locked-data');
    mkdirSync(join(dataDir, 'pglite'), { recursive: true });
    writeFileSync(join(dataDir, 'pglite', 'PG_VERSION'), '17\n');
    const unlock = lockDataDir(join(dataDir, 'pglite')); // this process stands in for the running server
    try {
      const { code, output } = await runToExit(['--import', 'tsx', 'scripts/backup.ts'], {
        BACKUP_REMOTE: `:local:${join(dir, 'local')}`, BACKUP_RECIPIENTS: recipient, BACKUP_SIGNING_KEY: keys.signingKey, DATA_DIR: dataDir, NODE_ENV: 'test',
      });
      assert.equal(code, 1);
      assert.match(output, new RegExp(`^backup: DATA_DIR: the embedded database in .* is in use by process ${process.pid}; stop it first\\. The embedded database can only be backed up while Parley is stopped`, 'm'));
      assert.deepEqual(readdirSync(join(dir, 'local')).filter((f) => f.includes('partial')), []);
    } finally {
      unlock();
    }
  });

  test('restore of a tampered file exits 1 with one clear line', async () => {
    const kind = databaseKinds[0]!;
    const name = readdirSync(join(dir, 'tampered', kind))[0]!;
    const { code, output } = await runToExit(['--import', 'tsx', 'scripts/restore.ts', join(dir, 'tampered', kind, name), '--identity', identityFile], {
      DATA_DIR: join(dir, 'restore-data'), BACKUP_VERIFY_KEY: keys.verifyKey, NODE_ENV: 'test',
    });
    assert.equal(code, 1);
    assert.match(output, /^restore: .* is damaged or was tampered with .*nothing was restored$/m);
    assert.doesNotMatch(output, /\n\s+at /);
  });

  test('npm run backup:verify with no backup named round-trips a seeded scratch database through WebDAV and the age CLI', async () => {
    // On PostgreSQL when there is one (scratch databases beside the test database), else on PGlite.
    const kind = databaseKinds.at(-1)!;
    const database = await createTestDatabase(kind);
    try {
      const env = { NODE_ENV: 'test', DATA_DIR: join(dir, 'self-test-data'), ...(database.config.kind === 'postgres' && { DATABASE_URL: database.config.ownerUrl }) };
      const { code, output } = await runToExit(['--import', 'tsx', 'scripts/backup-verify.ts'], env);
      assert.equal(code, 0, output);
      assert.match(output, /^backup:verify: backed up to :webdav,url='http:\/\/127\.0\.0\.1:\d+':parley\/parley-\d{8}T\d{6}Z\.jsonl\.gz\.age/m);
      assert.match(output, /^backup:verify: age -d -i identity decrypts it: \d+ bytes of rows and a signed manifest$/m);
      assert.match(output, /^backup:verify: restored into a fresh database: (\d+) rows in (\d+) tables match the source, schema at version \d+$/m);
      assert.match(output, /^backup:verify: the backup chain works/m);
    } finally {
      await database.drop();
    }
  });
});
