// `npm run backup`: dump the configured database (pg_dump, or the embedded PGlite's own
// dump), gzip it, encrypt it with age to BACKUP_RECIPIENTS and stream it to BACKUP_REMOTE
// with rclone; then delete backups older than BACKUP_RETENTION_DAYS. See docs/operations.md.
import { loadConfig } from '../server/config.js';
import { runBackup } from './backup/backup.js';
import { runCli } from './backup/cli.js';
import { parseBackupConfig } from './backup/config.js';
import { formatBytes } from './backup/progress.js';

await runCli('backup', async () => {
  const backup = parseBackupConfig();
  const config = loadConfig();
  const result = await runBackup({ ...backup, database: config.database, progress: true });
  console.log(`backup: ${result.path}: ${formatBytes(result.dumpedBytes)} dumped, ${formatBytes(result.uploadedBytes)} uploaded in ${result.seconds.toFixed(1)} s`);
  for (const name of result.deleted) console.log(`backup: deleted ${name} (older than ${backup.retentionDays} days)`);
});
