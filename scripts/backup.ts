// `npm run backup`: dump the configured database's rows (PostgreSQL or the embedded
// PGlite), sign them with BACKUP_SIGNING_KEY, gzip, encrypt with age to BACKUP_RECIPIENTS
// and stream to BACKUP_REMOTE with rclone; then delete backups older than
// BACKUP_RETENTION_DAYS (and any dated in the future). See docs/operations.md.
import { loadConfig } from '../server/config.js';
import { runBackup } from './backup/backup.js';
import { runCli } from './backup/cli.js';
import { parseBackupConfig } from './backup/config.js';
import { formatBytes } from './backup/progress.js';

await runCli('backup', async () => {
  const backup = parseBackupConfig();
  const config = loadConfig();
  const result = await runBackup({ ...backup, database: config.database, progress: true });
  console.log(`backup: ${result.path}: ${formatBytes(result.dumpedBytes)} dumped and signed, ${formatBytes(result.uploadedBytes)} uploaded in ${result.seconds.toFixed(1)} s`);
  for (const line of result.warnings) console.warn(`backup: warning: ${line}`);
  for (const name of result.deleted) if (!result.warnings.some((w) => w.includes(name))) console.log(`backup: deleted ${name} (older than ${backup.retentionDays} days)`);
});
