import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import type { Config } from '../../server/config.js';
import { openDatabase } from '../../server/db/open.js';
import { withTenant, withoutTenant } from '../../server/db/tenant.js';
import { runBackup } from './backup.js';
import { BackupError } from './config.js';
import { compareManifest, fingerprints } from './manifest.js';
import { asOwner } from './owner.js';
import { runRestore } from './restore.js';
import { generateSigningKeyPair, parseSigningKey, parseVerifyKey } from './signing.js';
import { rclone } from './rclone.js';
import { withScratchDatabase } from './verify.js';
import { startWebdav } from './webdav.js';

const run = promisify(execFile);

export interface SelfTestResult {
  tables: number;
  rows: number;
  storedBytes: number;
  seconds: number;
}

/**
 * `npm run backup:verify` with no backup named: the whole chain on this machine, with
 * nothing of the operator's touched. Seeds a scratch database, backs it up to a WebDAV
 * remote served by `rclone serve webdav` on 127.0.0.1 for a throwaway identity, signed
 * with a throwaway key, restores it into a second scratch database, compares every table's row count and checksum with
 * the source, and decrypts the same file with the `age` command-line tool.
 */
export async function runSelfTest(database: Config['database'], log: (line: string) => void): Promise<SelfTestResult> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'parley-backup-self-test-'));
  const webdav = await startWebdav(mkdtempSync(join(dir, 'webdav-')));
  try {
    const identity = await generateX25519Identity();
    const identityFile = join(dir, 'identity.txt');
    writeFileSync(identityFile, `# throwaway identity of one self-test\n${identity}\n`, { mode: 0o600 });
    const keys = generateSigningKeyPair();
    const signingKey = parseSigningKey(keys.signingKey);
    const verifyKey = parseVerifyKey(keys.verifyKey);
    return await withScratchDatabase(database, async (source) => {
      await seedSample(source);
      const expected = await asOwner(source, fingerprints);
      log(`seeded ${Object.keys(expected).length} tables in a scratch ${source.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'} database`);
      const backup = await runBackup({ database: source, remote: `${webdav.remote}parley`, recipients: [await identityToRecipient(identity)], retentionDays: 30, signingKey });
      log(`backed up to ${backup.path} (${backup.uploadedBytes} bytes, signed, age-encrypted)`);
      const header = await rclone(['cat', '--count', '21', backup.path]);
      if (header !== 'age-encryption.org/v1') throw new BackupError('self-test: the backup does not start with the age header');
      // The standard tool reads it: the format is plain age, not Parley's own.
      const { stdout } = await run('bash', ['-c', 'set -o pipefail; rclone cat "$1" | age -d -i "$2" | gunzip | wc -c', 'bash', backup.path, identityFile], { maxBuffer: 1024 });
      if (Number(stdout.trim()) !== backup.dumpedBytes) throw new BackupError(`self-test: age -d gave ${stdout.trim()} bytes, the dump was ${backup.dumpedBytes}`);
      log(`age -d -i identity decrypts it: ${backup.dumpedBytes} bytes of rows and a signed manifest`);
      return withScratchDatabase(database, async (target) => {
        const restored = await runRestore({ database: target, source: backup.path, identityFile, verifyKey });
        compareManifest({ ...restored.manifest, tables: expected }, await asOwner(target, fingerprints));
        const rows = Object.values(restored.rows).reduce((a, b) => a + b, 0);
        log(`restored into a fresh database: ${rows} rows in ${Object.keys(expected).length} tables match the source, schema at version ${restored.schemaVersion}`);
        return { tables: Object.keys(expected).length, rows, storedBytes: backup.uploadedBytes, seconds: (performance.now() - started) / 1000 };
      });
    });
  } finally {
    await webdav.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Three workspaces with a row in every table, and text that dumps like real chat: tabs, newlines, quotes, non-ASCII. */
async function seedSample(database: Config['database']): Promise<void> {
  const db = await openDatabase(database);
  try {
    for (const name of ['Alpha', 'Beta', 'Gamma']) {
      const id = randomUUID();
      const account = randomUUID();
      await withoutTenant(db, (q) => q.query('INSERT INTO accounts (id, email, password_hash) VALUES ($1, $2, $3)', [account, `${account}@self-test.invalid`, 'not a hash']));
      await withTenant(db, id, async (q) => {
        await q.query('INSERT INTO workspaces (id, public_id, name) VALUES ($1, $2, $3)', [id, `wk_${randomBytes(8).toString('hex')}`, name]);
        await q.query("INSERT INTO memberships (workspace_id, account_id, role) VALUES ($1, $2, 'owner')", [id, account]);
        await q.query('INSERT INTO widget_settings (workspace_id, allowed_origins) VALUES ($1, $2)', [id, ['https://site.example']]);
        await q.query("INSERT INTO api_keys (workspace_id, name, scope, key_hash, prefix) VALUES ($1, 'self-test', 'read', $2, 'pk_x')", [id, randomBytes(32)]);
        const { rows: [visitor] } = await q.query<{ id: string }>('INSERT INTO visitors (workspace_id, secret_hash) VALUES ($1, $2) RETURNING id', [id, randomBytes(32)]);
        const { rows: [conversation] } = await q.query<{ id: string }>('INSERT INTO conversations (workspace_id, visitor_id) VALUES ($1, $2) RETURNING id', [id, visitor!.id]);
        await q.query(
          `INSERT INTO messages (workspace_id, conversation_id, role, content)
           SELECT $1, $2, CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END, 'tab\there, newline\nthere, backslash \\ quote '' ü ' || g
             FROM generate_series(1, 500) g`,
          [id, conversation!.id],
        );
        await q.query("INSERT INTO audit_events (workspace_id, actor_label, action) VALUES ($1, 'self-test', 'workspace.created')", [id]);
      });
    }
  } finally {
    await db.close();
  }
}
