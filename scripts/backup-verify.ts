// `npm run backup:verify`: the restore test of the whole chain on this machine: a seeded
// scratch database backed up to a local `rclone serve webdav`, restored into a fresh one,
// compared table by table, and decrypted with the `age` CLI (scripts/backup/self-test.ts).
//
// `npm run backup:verify -- [BACKUP|latest] --identity FILE`: the same check of a real
// backup. Restores it (default: the newest on BACKUP_REMOTE) into a scratch database,
// checks every table's row count and checksum against the backup's manifest, the schema
// version and forced row-level security, then drops the scratch database.
// Exit 0 means the backup restores.
import { loadConfig } from '../server/config.js';
import { parseArgs, runCli } from './backup/cli.js';
import { BackupError, parseBackupRemote } from './backup/config.js';
import { formatBytes } from './backup/progress.js';
import { resolveBackup } from './backup/remote-files.js';
import { runSelfTest } from './backup/self-test.js';
import { runVerify } from './backup/verify.js';

await runCli('backup:verify', async () => {
  const args = parseArgs(process.argv.slice(2), { values: ['identity'], flags: [] });
  const identityFile = args.values.get('identity');
  const config = loadConfig();
  if (args.positional.length === 0 && !identityFile) {
    const result = await runSelfTest(config.database, (line) => console.log(`backup:verify: ${line}`));
    console.log(`backup:verify: the backup chain works: ${result.rows} rows in ${result.tables} tables round-tripped in ${result.seconds.toFixed(1)} s`);
    return;
  }
  if (args.positional.length > 1 || !identityFile) throw new BackupError('usage: npm run backup:verify [-- [BACKUP|latest] --identity FILE]');
  const source = await resolveBackup(args.positional[0] ?? 'latest', parseBackupRemote());
  const result = await runVerify({ database: config.database, source, identityFile, progress: true });
  const total = Object.values(result.rows).reduce((a, b) => a + b, 0);
  const age = ((Date.now() - Date.parse(result.manifest.createdAt)) / 3_600_000).toFixed(1);
  console.log(`backup:verify: ${source} restores: ${total} rows in ${Object.keys(result.rows).length} tables match the backup's checksums, schema at version ${result.schemaVersion}, row-level security forced; ${formatBytes(result.downloadedBytes)}, ${result.seconds.toFixed(1)} s; taken ${age} hours ago`);
});
