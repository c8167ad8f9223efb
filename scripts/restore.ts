// `npm run restore -- BACKUP --identity FILE [--verify-key KEY] [--force]`: fetch a backup
// with rclone (a remote path, a local file, a name on BACKUP_REMOTE, or "latest"),
// decrypt it with an age identity kept off the server, verify its signature with
// BACKUP_VERIFY_KEY over the whole file, and only then load its rows into the configured
// empty database, whose schema comes from this Parley's migrations; committed only after
// every check. See docs/operations.md.
import { loadConfig } from '../server/config.js';
import { runCli, parseArgs } from './backup/cli.js';
import { BackupError, parseBackupRemote, parseVerifyKeyOption } from './backup/config.js';
import { formatBytes } from './backup/progress.js';
import { resolveBackup } from './backup/remote-files.js';
import { runRestore } from './backup/restore.js';
import { describeTaken } from './backup/taken.js';

const USAGE = 'usage: npm run restore -- BACKUP --identity FILE [--verify-key KEY] [--force]  (BACKUP: remote:path/file, a file name on BACKUP_REMOTE, or latest; KEY: BACKUP_VERIFY_KEY)';

await runCli('restore', async () => {
  const args = parseArgs(process.argv.slice(2), { values: ['identity', 'verify-key'], flags: ['force'] });
  const identityFile = args.values.get('identity');
  if (args.positional.length !== 1 || !identityFile) throw new BackupError(USAGE);
  const verifyKey = parseVerifyKeyOption(args.values.get('verify-key'));
  const config = loadConfig();
  const source = await resolveBackup(args.positional[0]!, parseBackupRemote(), (line) => console.warn(`restore: warning: ${line}`));
  const result = await runRestore({ database: config.database, source, identityFile, verifyKey, force: args.flags.has('force'), progress: true });
  const total = Object.values(result.rows).reduce((a, b) => a + b, 0);
  console.log(`restore: ${source} (${result.manifest.driver}, schema version ${result.manifest.schemaVersion}), signature verified`);
  for (const line of describeTaken(source, result.manifest)) console.log(`restore: ${line}`);
  for (const [table, rows] of Object.entries(result.rows)) console.log(`  ${table}: ${rows} rows`);
  console.log(`restore: ${total} rows in ${Object.keys(result.rows).length} tables verified, schema at version ${result.schemaVersion}, ${formatBytes(result.downloadedBytes)} read in ${result.seconds.toFixed(1)} s`);
});
