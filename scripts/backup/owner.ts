import pg from 'pg';
import type { Config } from '../../server/config.js';
import type { Queryable } from '../../server/db/db.js';
import { openPglite } from '../../server/db/pglite.js';
import { queryable } from './manifest.js';

/**
 * Runs fn with the owner's view of a database, past row-level security: PGlite's session
 * is a superuser; on PostgreSQL, DATABASE_URL's role (which needs BYPASSRLS or superuser
 * to see rows, docs/operations.md). In UTC, as the dump reads it.
 */
export async function asOwner<T>(database: Config['database'], fn: (q: Queryable) => Promise<T>): Promise<T> {
  if (database.kind === 'pglite') {
    const db = await openPglite(database.dir);
    try {
      await db.query("SET TimeZone = 'UTC'");
      return await fn(db);
    } finally {
      await db.close();
    }
  }
  const client = new pg.Client({ connectionString: database.ownerUrl });
  await client.connect();
  try {
    await client.query("SET TimeZone = 'UTC'");
    return await fn(queryable(client));
  } finally {
    await client.end();
  }
}
