// `npm run backup:verify`: the restore test of the whole chain on this machine: a seeded
// scratch database backed up (signed with a throwaway key) to a local `rclone serve
// webdav`, restored into a fresh one, compared table by table, and decrypted with the
// `age` CLI (scripts/backup/self-test.ts).
//
// `npm run backup:verify -- [BACKUP|latest] --identity FILE [--verify-key KEY]`: the same
// check of a real backup, on a machine that may hold the identity (not the server).
// Verifies its signature with BACKUP_VERIFY_KEY, restores it (default: the newest on
// BACKUP_REMOTE) into a scratch database, checks every table's row count and checksum
// against the manifest, the schema version, policies and forced row-level security, then
// drops the scratch database. Exit 0 means the backup restores.
import { loadConfig } from '../server/config.js';
import { parseArgs, runCli } from './backup/cli.js';
import { BackupError, parseBackupRemote, parseVerifyKeyOption } from './backup/config.js';
import { formatBytes } from './backup/progress.js';
import { resolveBackup } from './backup/remote-files.js';
import { runSelfTest } from './backup/self-test.js';
import { describeTaken } from './backup/taken.js';
import { runVerify } from './backup/verify.js';

await runCli('backup:verify', async () => {
  const args = parseArgs(process.argv.slice(2), { values: ['identity', 'verify-key'], flags: [] });
  const identityFile = args.values.get('identity');
  const config = loadConfig();
  if (args.positional.length === 0 && !identityFile) {
    const result = await runSelfTest(config.database, (line) => console.log(`backup:verify: ${line}`));
    console.log(`backup:verify: the backup chain works: ${result.rows} rows in ${result.tables} tables round-tripped in ${result.seconds.toFixed(1)} s`);
    return;
  }
  if (args.positional.length > 1 || !identityFile) throw new BackupError('usage: npm run backup:verify [-- [BACKUP|latest] --identity FILE [--verify-key KEY]]');
  const verifyKey = parseVerifyKeyOption(args.values.get('verify-key'));
  const source = await resolveBackup(args.positional[0] ?? 'latest', parseBackupRemote(), (line) => console.warn(`backup:verify: warning: ${line}`));
  const result = await runVerify({ database: config.database, source, identityFile, verifyKey, progress: true });
  const total = Object.values(result.rows).reduce((a, b) => a + b, 0);
  console.log(`backup:verify: ${source} restores: signature verified, ${total} rows in ${Object.keys(result.rows).length} tables match the backup's checksums, schema at version ${result.schemaVersion}, policies and grants as the migrations create them, row-level security forced; ${formatBytes(result.downloadedBytes)}, ${result.seconds.toFixed(1)} s`);
  for (const line of describeTaken(source, result.manifest)) console.log(`backup:verify: ${line}`);
});
