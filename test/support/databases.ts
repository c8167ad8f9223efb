import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runtimeUrlFor, type Config } from '../../server/config.js';
import { loadMigrations } from '../../server/db/migrate.js';
import { openDatabase } from '../../server/db/open.js';
import { parleyJobs } from '../../server/jobs/job-registry.js';
import type { JobDefinitions } from '../../server/jobs/job-types.js';
import { queueOptions, setUpQueues } from '../../server/jobs/queue-setup.js';
import { createLogger } from '../../server/logging.js';

export type DatabaseKind = 'pglite' | 'postgres';

/** PGlite always; real PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export const databaseKinds: DatabaseKind[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  kind: DatabaseKind;
  config: Config['database'];
  /** For PostgreSQL: a superuser/owner URL of this database, to inspect or tamper as the owner would. */
  ownerUrl?: string;
  drop(): Promise<void>;
}

/**
 * A fresh database: a temporary PGlite directory or a new PostgreSQL database. Empty,
 * or with `migrated`, a PGlite directory copied from one migrated once (migrating
 * PGlite from nothing takes seconds; a copy, a fraction of one). PostgreSQL migrates in
 * milliseconds and is always created empty.
 */
export async function createTestDatabase(kind: DatabaseKind, options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'parley-test-'));
    if (options.migrated) cpSync(await migratedPgliteTemplate(), join(dir, 'pglite'), { recursive: true });
    return { kind, config: { kind: 'pglite', dir: join(dir, 'pglite') }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const name = testDatabaseName();
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const ownerUrl = databaseUrl(adminUrl, name);
  return {
    kind,
    config: { kind: 'postgres', ownerUrl, runtimeUrl: runtimeUrlFor(ownerUrl) },
    ownerUrl,
    drop: () => withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * A new database's name. CI sets TEST_DATABASE_PREFIX to its own run's prefix and drops
 * only those afterwards: two runs sharing one PostgreSQL never drop each other's databases.
 */
export function testDatabaseName(tag = ''): string {
  const prefix = process.env.TEST_DATABASE_PREFIX ?? 'parley_test_';
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`TEST_DATABASE_PREFIX: ${prefix} is not a plain lower-case name of at most 41 characters`);
  return `${prefix}${tag}${randomBytes(6).toString('hex')}`;
}

export function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A PGlite directory migrated to the current schema, made once per set of migrations and
 * PGlite version and shared by every test process: each builds its own and renames it
 * into place, and whoever comes second keeps the one already there. It holds the job
 * queue's schema and queues too (pg-boss takes about a second to create them on PGlite,
 * which every server start would otherwise pay).
 */
async function migratedPgliteTemplate(): Promise<string> {
  const pglite = JSON.parse(readFileSync('node_modules/@electric-sql/pglite/package.json', 'utf8')) as { version: string };
  const boss = JSON.parse(readFileSync('node_modules/pg-boss/package.json', 'utf8')) as { version: string };
  const queues = JSON.stringify(Object.entries(parleyJobs as JobDefinitions).map(([name, definition]) => [name, queueOptions(definition)]));
  const key = createHash('sha256').update(pglite.version).update(loadMigrations().map((m) => m.checksum).join()).update(boss.version).update(queues).digest('hex').slice(0, 16);
  const template = join(tmpdir(), `parley-pglite-template-${key}`);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const staging = mkdtempSync(join(tmpdir(), 'parley-pglite-staging-'));
  try {
    const dir = join(staging, 'pglite');
    const db = await openDatabase({ kind: 'pglite', dir });
    try {
      await setUpQueues(db, { kind: 'pglite', dir }, parleyJobs, createLogger({ level: 'silent' }));
    } finally {
      await db.close();
    }
    try {
      renameSync(join(staging, 'pglite'), template);
    } catch (err) {
      if (!existsSync(join(template, 'PG_VERSION'))) throw err;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return template;
}
