// `npm run retention`: one retention run against the configured database, now, printing
// what it deleted per workspace. For operators who disable the schedule
// (RETENTION_INTERVAL_MINUTES=0) and run this from cron, or who want it done at once.
// On the embedded database it cannot run beside the server: the data directory lock refuses.
import { ConfigError, loadConfig } from '../server/config.js';
import { DataDirLockedError } from '../server/db/data-dir-lock.js';
import { MigrationChangedError, SchemaTooNewError } from '../server/db/migrate.js';
import { DatabaseSetupError, openDatabase } from '../server/db/open.js';
import { createLogger } from '../server/logging.js';
import { runRetention } from '../server/retention/retention.service.js';

const SETUP_ERRORS = [ConfigError, DatabaseSetupError, DataDirLockedError, SchemaTooNewError, MigrationChangedError];

try {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, secrets: config.secrets, destination: process.stderr });
  const db = await openDatabase(config.database);
  try {
    const started = performance.now();
    const run = await runRetention(db, { logger, audit: config.audit });
    if (!run) {
      console.log('retention: another instance is running it now; nothing done');
    } else {
      for (const w of run.workspaces) {
        console.log(`workspace ${w.workspaceId} (${w.retentionDays} days): ${w.messages} messages, ${w.conversations} conversations, ${w.visitors} visitors deleted`);
      }
      const { messages, conversations, visitors } = run.totals;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const { sessions, resetTokens, invitations } = run.expired;
      console.log(`expired: ${sessions} admin sessions, ${resetTokens} password reset tokens, ${invitations} invitations deleted`);
      console.log(`audit logs: ${run.audit.deleted} rows older than ${config.audit.retentionDays} days deleted, ${run.audit.truncated} rows older than ${config.audit.ipTruncateDays} days had addresses truncated and emails cleared`);
      console.log(`total: ${messages} messages, ${conversations} conversations, ${visitors} visitors deleted in ${run.workspaces.length} workspaces (${seconds} s)`);
      if (run.failed > 0) {
        console.error(`retention: ${run.failed} workspaces or audit log steps failed (see the log above); run it again`);
        process.exitCode = 1;
      }
    }
  } finally {
    await db.close();
  }
} catch (err) {
  if (SETUP_ERRORS.some((type) => err instanceof type)) console.error(`retention: ${(err as Error).message}`);
  else console.error('retention: failed:', err);
  process.exit(1);
}
