// `npm run restore -- BACKUP --identity FILE [--force]`: fetch a backup with rclone (a
// remote path, a local file, a name on BACKUP_REMOTE, or "latest"), decrypt it with an
// age identity kept off the server, and load it into the configured empty database,
// verified table by table before it is committed. See docs/operations.md.
import { loadConfig } from '../server/config.js';
import { runCli, parseArgs } from './backup/cli.js';
import { BackupError, parseBackupRemote } from './backup/config.js';
import { formatBytes } from './backup/progress.js';
import { resolveBackup } from './backup/remote-files.js';
import { runRestore } from './backup/restore.js';

const USAGE = 'usage: npm run restore -- BACKUP --identity FILE [--force]  (BACKUP: remote:path/file, a file name on BACKUP_REMOTE, or latest)';

await runCli('restore', async () => {
  const args = parseArgs(process.argv.slice(2), { values: ['identity'], flags: ['force'] });
  const identityFile = args.values.get('identity');
  if (args.positional.length !== 1 || !identityFile) throw new BackupError(USAGE);
  const config = loadConfig();
  const source = await resolveBackup(args.positional[0]!, parseBackupRemote());
  const result = await runRestore({ database: config.database, source, identityFile, force: args.flags.has('force'), progress: true });
  const total = Object.values(result.rows).reduce((a, b) => a + b, 0);
  console.log(`restore: ${source} (${result.manifest.driver}, taken ${result.manifest.createdAt}, schema version ${result.manifest.schemaVersion})`);
  for (const [table, rows] of Object.entries(result.rows)) console.log(`  ${table}: ${rows} rows`);
  console.log(`restore: ${total} rows in ${Object.keys(result.rows).length} tables verified, schema at version ${result.schemaVersion}, ${formatBytes(result.downloadedBytes)} read in ${result.seconds.toFixed(1)} s`);
});
