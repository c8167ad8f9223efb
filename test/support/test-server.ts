import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../server/config.js';
import type { Db } from '../../server/db/db.js';
import { openDatabase } from '../../server/db/open.js';
import { generateKeyringText } from '../../server/keys/keyring.js';
import { createLogger } from '../../server/logging.js';
import { createMailer, type MailMessage } from '../../server/mail/mailer.js';
import { memoryOutbox, type MemoryOutbox } from '../../server/mail/memory-outbox.js';
import { startServer, type RunningServer, type StartOptions } from '../../server/server.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases.js';

export interface TestServer extends RunningServer {
  config: Config;
  database: TestDatabase;
  /** Every log line written so far, raw. */
  logs: string[];
  /** Every mail the server sent, whichever transport it used (sign-up links: see test/support/admin.ts). */
  outbox: MemoryOutbox;
  stop(): Promise<void>;
}

/** The test environment: a random port, a private DATA_DIR, fresh keyrings. */
export function testEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-data-'));
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    // Not the checkout's ./release: a test sees only the versions it publishes.
    RELEASE_DIR: join(dataDir, 'release'),
    MASTER_KEYS: generateKeyringText('m1'),
    TOKEN_KEYS: generateKeyringText('t1'),
    // Tests that chat on the operator's key predate the grant; test/integration/signup-policy.test.ts tests the defaults.
    OPERATOR_KEY_WORKSPACES: 'all',
    LOG_LEVEL: 'info',
    ...overrides,
  };
}

/** The real server on a random port, on a fresh database of the given kind. */
export async function startTestServer(kind: DatabaseKind, env: Record<string, string> = {}, options: Omit<StartOptions, 'db'> = {}): Promise<TestServer> {
  const database = await createTestDatabase(kind, { migrated: true });
  const config = { ...loadConfig(testEnv(env)), database: database.config };
  const logs: string[] = [];
  const logger = createLogger({ level: config.logLevel, secrets: config.secrets, destination: { write: (line: string) => void logs.push(line) } });
  const outbox = memoryOutbox();
  const transport = options.adminAuth?.mailer ?? createMailer(config, logger);
  const mailer = { send: async (m: MailMessage) => (await outbox.send(m), await transport.send(m)) };
  let db: Db | undefined;
  try {
    db = await openDatabase(database.config);
    const running = await startServer(config, logger, { db, ...options, adminAuth: { ...options.adminAuth, mailer } });
    return {
      ...running,
      config,
      database,
      logs,
      outbox,
      async stop() {
        await running.close(1_000);
        await db!.close();
        await database.drop();
      },
    };
  } catch (err) {
    await db?.close();
    await database.drop();
    throw err;
  }
}
