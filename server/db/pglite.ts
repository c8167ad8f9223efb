import { mkdirSync } from 'node:fs';
import { PGlite, TransactionAbortedError, type Transaction } from '@electric-sql/pglite';
import { lockDataDir } from './data-dir-lock.js';
import type { Db, QueryResult, Tx } from './db.js';
import { TransactionRolledBackError } from './db-errors.js';

/**
 * Embedded PostgreSQL (WASM) in a directory, or in memory when dir is undefined.
 * PGlite has one connection and queues every query behind an open transaction,
 * so a transaction's role and tenant settings cannot leak into other work.
 */
export async function openPglite(dir: string | undefined): Promise<Db> {
  if (dir) mkdirSync(dir, { recursive: true });
  const unlock = dir ? lockDataDir(dir) : () => {};
  let pg: PGlite;
  try {
    pg = await PGlite.create(dir);
  } catch (err) {
    unlock();
    throw err;
  }
  return {
    driver: 'pglite',
    query: <R>(sql: string, params?: readonly unknown[]) => pg.query<R>(sql, params as unknown[] | undefined).then(normalise<R>),
    transaction: (fn) =>
      pg.transaction((tx) => fn(wrap(tx))).catch((err: unknown) => {
        // PGlite reports a COMMIT that rolled back in its own words; callers expect the
        // PostgreSQL driver's error, whichever database runs.
        throw err instanceof TransactionAbortedError ? new TransactionRolledBackError() : err;
      }),
    withSession: (fn) => fn({ query: <R>(sql: string, params?: readonly unknown[]) => pg.query<R>(sql, params as unknown[] | undefined).then(normalise<R>) }),
    close: () => pg.close().finally(unlock),
  };
}

function wrap(tx: Transaction): Tx {
  return {
    query: <R>(sql: string, params?: readonly unknown[]) => tx.query<R>(sql, params as unknown[] | undefined).then(normalise<R>),
    exec: async (sql) => {
      await tx.exec(sql);
    },
  };
}

function normalise<R>(r: { rows: R[]; affectedRows?: number }): QueryResult<R> {
  return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
}
