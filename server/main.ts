import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { DatabaseSetupError } from './db/open.js';
import { MigrationChangedError, SchemaTooNewError } from './db/migrate.js';
import { createLogger } from './logging.js';
import { startDemo } from './demo/demo.js';
import { startServer } from './server.js';

// Problems an operator must fix before Parley can run: one line each, no stack.
const SETUP_ERRORS = [ConfigError, DatabaseSetupError, DataDirLockedError, SchemaTooNewError, MigrationChangedError];

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, secrets: config.secrets });
  const running = await startServer(config, logger);
  const demo = config.demo ? await startDemo(config, running.db, running.url, config.demo.port).catch(async (err: unknown) => {
    await running.close();
    throw err;
  }) : undefined;
  // Before the banner: whoever reads the URL may signal at once.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    Promise.all([running.close(), demo?.close()]).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const where = config.database.kind === 'pglite' ? `embedded database in ${config.database.dir}` : 'PostgreSQL';
  const lines = [`Parley is running (${where})`, `  Server:       ${running.url}/`, `  Admin panel:  ${running.url}/admin/`];
  if (demo) lines.push(`  Demo page:    ${demo.url}/`);
  lines.push(`  Health:       ${running.url}/healthz`, `  Readiness:    ${running.url}/readyz`);
  if (demo && !config.mistral.apiKey) {
    lines.push('', 'No MISTRAL_API_KEY is set: the demo widget will say no model is configured.', 'Set MISTRAL_API_KEY, or run `npm run dev` to chat with a local stand-in for Mistral.');
  }
  process.stdout.write(lines.join('\n') + '\n');
  logger.info({ url: running.url, demo: demo?.url, database: config.database.kind }, 'listening');
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
