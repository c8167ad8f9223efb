import PgBoss from 'pg-boss';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { openPostgres } from '../db/postgres.js';
import type { Logger } from '../logging.js';
import type { JobDefinition, JobDefinitions, JsonObject } from './job-types.js';
import { pgBossDb } from './pg-boss-db.js';
import { grantRuntimeAccess, QUEUE_SCHEMA } from './queue.repo.js';

const DEFAULT_RETRY_LIMIT = 5;
const DEFAULT_RETRY_DELAY_SECONDS = 30;
const DEFAULT_EXPIRE_SECONDS = 15 * 60;

/** A definition's pg-boss queue options, defaults filled in; stored in pgboss.queue, so every instance and every send gets them. */
export function queueOptions(definition: JobDefinition<JsonObject>): Omit<PgBoss.Queue, 'name'> {
  return {
    // short: a unique index keeps one waiting job per singleton key (key-lock.ts keeps one running).
    policy: definition.singletonKey ? 'short' : 'standard',
    retryLimit: definition.retryLimit ?? DEFAULT_RETRY_LIMIT,
    retryDelay: definition.retryDelaySeconds ?? DEFAULT_RETRY_DELAY_SECONDS,
    retryBackoff: true,
    expireInSeconds: definition.expireInSeconds ?? DEFAULT_EXPIRE_SECONDS,
  };
}

/**
 * Creates or migrates schema pgboss, creates or updates one queue per definition, and
 * grants the runtime role what it needs there: all as the database owner, because the
 * runtime role may create nothing (a queue is a new partition table). On PostgreSQL
 * that is a short-lived connection of its own to DATABASE_URL, like migrations; on
 * PGlite the one session, which is the owner. Safe to run from several instances at
 * once: pg-boss takes an advisory lock around its DDL and so does the grant.
 */
export async function setUpQueues(db: Db, database: Config['database'], jobs: JobDefinitions, logger: Logger): Promise<void> {
  if (db.driver === 'pglite') return setUpAsOwner(db, jobs, logger);
  if (database.kind !== 'postgres') throw new Error('job queue: the database is PostgreSQL but the configuration names no owner URL (DATABASE_URL)');
  const owner = openPostgres(database.ownerUrl, { max: 1, applicationName: 'parley-jobs-setup' });
  try {
    await setUpAsOwner(owner, jobs, logger);
  } finally {
    await owner.close();
  }
}

async function setUpAsOwner(owner: Db, jobs: JobDefinitions, logger: Logger): Promise<void> {
  const boss = new PgBoss({ db: pgBossDb(owner), schema: QUEUE_SCHEMA, migrate: true, supervise: false, schedule: false });
  boss.on('error', (err) => logger.error({ err }, 'job queue set-up'));
  await boss.start();
  try {
    for (const [name, definition] of Object.entries(jobs)) {
      const options = queueOptions(definition);
      await boss.createQueue(name, { name, ...options });
      // createQueue leaves an existing queue as it was: defaults changed in code apply too.
      await boss.updateQueue(name, { name, ...options });
    }
  } finally {
    await boss.stop({ graceful: false, close: false });
  }
  await owner.transaction(grantRuntimeAccess);
}
