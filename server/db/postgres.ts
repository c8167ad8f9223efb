import pg from 'pg';
import type { Db, QueryResult, Tx } from './db.js';

// Counts and sums come back as int8; numbers keep both drivers' rows the same shape.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export class TransactionRolledBackError extends Error {
  override name = 'TransactionRolledBackError';
  constructor() {
    super('Transaction was rolled back instead of committed: a statement in it failed');
  }
}

export interface PostgresOptions {
  max?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

/** A pooled PostgreSQL connection; every transaction holds one client from BEGIN to COMMIT. */
export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'parley',
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its server (restart, failover) must not crash the process;
  // the pool drops it and the next query connects again.
  pool.on('error', () => {});
  return {
    driver: 'postgres',
    query: <R>(sql: string, params?: readonly unknown[]) => pool.query(sql, params as unknown[] | undefined).then(normalise<R>),
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const tx: Tx = {
          query: <R>(sql: string, params?: readonly unknown[]) => client.query(sql, params as unknown[] | undefined).then(normalise<R>),
          exec: async (sql) => {
            await client.query(sql);
          },
        };
        const result = await fn(tx);
        // PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK, not an error;
        // a caller that swallowed a failed statement must not believe its writes were kept.
        const commit = await client.query('COMMIT');
        if (commit.command === 'ROLLBACK') throw new TransactionRolledBackError();
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
        throw err;
      } finally {
        // A client whose rollback failed is in an unknown state: destroy it rather than reuse it.
        client.release(broken);
      }
    },
    async withSession(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        return await fn({ query: <R>(sql: string, params?: readonly unknown[]) => client.query(sql, params as unknown[] | undefined).then(normalise<R>) });
      } catch (err) {
        broken = err as Error;
        throw err;
      } finally {
        // A session that failed may still hold what fn took (a lock): destroy it rather than reuse it.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

function normalise<R>(r: pg.QueryResult): QueryResult<R> {
  return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
}
