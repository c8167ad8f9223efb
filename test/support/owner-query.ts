import type { QueryResult } from '../../server/db/db.js';
import { withClient } from './databases.js';
import type { TestServer } from './test-server.js';

/**
 * One statement as the database owner, past row-level security, to check what is really
 * stored. On PostgreSQL server.db is the runtime role (which sees no tenant rows without
 * a tenant); on PGlite it is the superuser session.
 */
export async function ownerQuery<R = Record<string, unknown>>(server: TestServer, sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
  if (!server.database.ownerUrl) return server.db.query<R>(sql, params);
  const result = await withClient(server.database.ownerUrl, (c) => c.query(sql, params));
  return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
}
