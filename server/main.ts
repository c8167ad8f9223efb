import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { DatabaseSetupError } from './db/open.js';
import { MigrationChangedError, SchemaTooNewError } from './db/migrate.js';
import { createLogger } from './logging.js';
import { startServer } from './server.js';

// Problems an operator must fix before Parley can run: one line each, no stack.
const SETUP_ERRORS = [ConfigError, DatabaseSetupError, DataDirLockedError, SchemaTooNewError, MigrationChangedError];

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, secrets: config.secrets });
  const running = await startServer(config, logger);
  const where = config.database.kind === 'pglite' ? `embedded database in ${config.database.dir}` : 'PostgreSQL';
  process.stdout.write(
    [`Parley is running (${where})`, `  Server:     ${running.url}/`, `  Health:     ${running.url}/healthz`, `  Readiness:  ${running.url}/readyz`, ''].join('\n'),
  );
  logger.info({ url: running.url, database: config.database.kind }, 'listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  if (SETUP_ERRORS.some((type) => err instanceof type)) {
    console.error(`parley: ${(err as Error).message}`);
  } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`parley: PORT: ${(err as Error).message}; set PORT to a free port`);
  } else {
    console.error('parley: start-up failed:', err);
  }
  process.exit(1);
});
