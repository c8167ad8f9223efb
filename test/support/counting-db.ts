import type { Db, Statement, Tx } from '../../server/db/db.js';

/** A database round trip as the counting handle saw it. */
export interface Trip {
  kind: 'begin' | 'statement' | 'commit' | 'rollback' | 'query';
  /** The workspace of a tenant transaction (withTenant), read from its setup. */
  tenant: string | undefined;
  /** For statements: the name of a named statement, else the first words of its text. */
  what: string;
}

export interface CountingDb extends Db {
  /** Every round trip since the last reset, in order. */
  trips: Trip[];
  reset(): void;
}

const label = (sql: Statement) => (typeof sql === 'string' ? sql.replace(/\s+/g, ' ').trim().slice(0, 60) : sql.name);

/**
 * db, noting each round trip it makes: BEGIN (with its setup, one trip on PostgreSQL),
 * each statement in a transaction, COMMIT or ROLLBACK, and each query outside one.
 */
export function countingDb(db: Db): CountingDb {
  const trips: Trip[] = [];
  const counting: CountingDb = {
    driver: db.driver,
    trips,
    reset: () => void trips.splice(0),
    query(sql, params) {
      trips.push({ kind: 'query', tenant: undefined, what: label(sql) });
      return db.query(sql, params);
    },
    async transaction(fn, options) {
      const tenant = /'app\.tenant_id', '([0-9a-f-]{36})'/.exec(options?.setup ?? '')?.[1];
      const note = (kind: Trip['kind'], what: string) => trips.push({ kind, tenant, what });
      note('begin', options?.setup ? 'BEGIN + setup' : 'BEGIN');
      try {
        const result = await db.transaction((tx) => {
          const seen: Tx = {
            query(sql, params) {
              note('statement', label(sql));
              return tx.query(sql, params);
            },
            exec(sql) {
              note('statement', label(sql));
              return tx.exec(sql);
            },
          };
          return fn(seen);
        }, options);
        note('commit', 'COMMIT');
        return result;
      } catch (err) {
        note('rollback', 'ROLLBACK');
        throw err;
      }
    },
    withSession: (fn) => db.withSession(fn),
    listen: (channel, listener) => db.listen(channel, listener),
    notifyHere: (channel, payload) => db.notifyHere(channel, payload),
    close: () => db.close(),
  };
  return counting;
}

/** Transactions and statements among trips. */
export function tally(trips: readonly Trip[]): { transactions: number; statements: number; roundTrips: number; names: string[] } {
  const statements = trips.filter((t) => t.kind === 'statement' || t.kind === 'query');
  return {
    transactions: trips.filter((t) => t.kind === 'begin').length,
    statements: statements.length,
    roundTrips: trips.length,
    names: statements.map((t) => t.what),
  };
}
