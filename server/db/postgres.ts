import pg from 'pg';
import type { Db, Queryable, QueryResult, Statement, Tx } from './db.js';
import { DatabaseUnavailableError, isConnectionFailure, TransactionRolledBackError } from './db-errors.js';
import { startListening } from './postgres-listen.js';

// Counts and sums come back as int8; numbers keep both drivers' rows the same shape.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface PostgresOptions {
  /** Connections in the pool (DATABASE_POOL_SIZE for the runtime pool); 10 when unset. */
  max?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

/** One pooled client, taken for one unit of work. */
interface Lease extends Queryable {
  /** Runs a statement and keeps its command tag (COMMIT answers ROLLBACK when it rolled back). */
  raw(sql: Statement, params?: readonly unknown[]): Promise<pg.QueryResult>;
  /** Gives the client back, or destroys it when err is set or its connection failed meanwhile. */
  release(err?: Error): void;
}

/**
 * A pooled PostgreSQL connection; every transaction holds one client from BEGIN to COMMIT.
 * A connection lost while in use (database restart, failover, pg_terminate_backend) fails
 * only the work on it, with DatabaseUnavailableError; the client is destroyed and the pool
 * connects afresh for the next request.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'parley',
    connectionTimeoutMillis: 10_000,
    // A peer that vanished without closing (failover to another host) is noticed, not waited on forever.
    keepAlive: true,
  });
  // node-postgres emits 'error' on a client whose connection ends unexpectedly, and an
  // 'error' event nobody listens to ends the process. pg-pool listens only while a client
  // is idle, so each client gets a listener of its own from birth, checked out or not, and
  // what it hears marks the client for destruction on release.
  const lost = new WeakMap<pg.PoolClient, Error>();
  pool.on('connect', (client) => {
    client.on('error', (err) => lost.set(client, err));
  });
  // An idle client lost its server: the pool has already dropped it.
  pool.on('error', () => {});

  async function checkout(): Promise<Lease> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      // Refused, reset, timed out, or the pool's wait for a free client ran out.
      throw new DatabaseUnavailableError(err);
    }
    let failed: Error | undefined;
    const raw = async (sql: Statement, params?: readonly unknown[]) => {
      try {
        // A named statement is prepared on this connection the first time, then only bound.
        if (typeof sql !== 'string') return await client.query({ name: sql.name, text: sql.text, values: params as unknown[] | undefined });
        return await client.query(sql, params as unknown[] | undefined);
      } catch (err) {
        if (!lost.has(client) && !isConnectionFailure(err)) throw err;
        failed ??= err as Error;
        throw new DatabaseUnavailableError(err);
      }
    };
    return {
      raw,
      query: async <R>(sql: Statement, params?: readonly unknown[]) => normalise<R>(await raw(sql, params)),
      release: (err) => client.release(err ?? failed ?? lost.get(client)),
    };
  }

  const listening = startListening(url, `${options.applicationName ?? 'parley'}-listen`);

  return {
    driver: 'postgres',
    async query<R>(sql: Statement, params?: readonly unknown[]) {
      const lease = await checkout();
      try {
        return await lease.query<R>(sql, params);
      } finally {
        lease.release();
      }
    },
    async transaction(fn, options) {
      const lease = await checkout();
      let broken: Error | undefined;
      try {
        // Without parameters, BEGIN and the setup go as one simple query: one round trip.
        await lease.raw(options?.setup ? `BEGIN; ${options.setup}` : 'BEGIN');
        const tx: Tx = {
          query: lease.query,
          exec: async (sql) => {
            await lease.raw(sql);
          },
        };
        const result = await fn(tx);
        // PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK, not an error;
        // a caller that swallowed a failed statement must not believe its writes were kept.
        const commit = await lease.raw('COMMIT');
        if (commit.command === 'ROLLBACK') throw new TransactionRolledBackError();
        return result;
      } catch (err) {
        await lease.raw('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
        throw err;
      } finally {
        // A client whose rollback failed is in an unknown state: destroy it rather than reuse it.
        lease.release(broken);
      }
    },
    async withSession(fn) {
      const lease = await checkout();
      let broken: Error | undefined;
      try {
        return await fn({ query: lease.query });
      } catch (err) {
        broken = err as Error;
        throw err;
      } finally {
        // A session that failed may still hold what fn took (a lock): destroy it rather than reuse it.
        lease.release(broken);
      }
    },
    listen: listening.listen,
    notifyHere: listening.notifyHere,
    async close() {
      await listening.close();
      await pool.end();
    },
  };
}

function normalise<R>(r: pg.QueryResult): QueryResult<R> {
  return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
}
