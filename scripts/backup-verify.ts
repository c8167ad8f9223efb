// `npm run backup:verify -- [BACKUP] --identity FILE`: the restore test. Restores a backup
// (default: the newest on BACKUP_REMOTE) into a scratch database, checks every table's
// row count and checksum against the backup's manifest, the schema version and forced
// row-level security, then drops the scratch database. Exit 0 means the backup restores.
import { loadConfig } from '../server/config.js';
import { parseArgs, runCli } from './backup/cli.js';
import { BackupError, parseBackupRemote } from './backup/config.js';
import { formatBytes } from './backup/progress.js';
import { resolveBackup } from './backup/remote-files.js';
import { runVerify } from './backup/verify.js';

await runCli('backup:verify', async () => {
  const args = parseArgs(process.argv.slice(2), { values: ['identity'], flags: [] });
  const identityFile = args.values.get('identity');
  if (args.positional.length > 1 || !identityFile) throw new BackupError('usage: npm run backup:verify -- [BACKUP|latest] --identity FILE');
  const config = loadConfig();
  const source = await resolveBackup(args.positional[0] ?? 'latest', parseBackupRemote());
  const result = await runVerify({ database: config.database, source, identityFile, progress: true });
  const total = Object.values(result.rows).reduce((a, b) => a + b, 0);
  const age = ((Date.now() - Date.parse(result.manifest.createdAt)) / 3_600_000).toFixed(1);
  console.log(`backup:verify: ${source} restores: ${total} rows in ${Object.keys(result.rows).length} tables match the backup's checksums, schema at version ${result.schemaVersion}, row-level security forced; ${formatBytes(result.downloadedBytes)}, ${result.seconds.toFixed(1)} s; taken ${age} hours ago`);
});
