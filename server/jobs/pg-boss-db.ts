import type PgBoss from 'pg-boss';
import type { Db } from '../db/db.js';

// pg-boss 10 wraps every multi-statement plan (create, migrate, expire, archive, drop) in
// plans.locked(): `BEGIN; SET LOCAL …; SELECT pg_advisory_xact_lock(…); …; COMMIT;`.
const LOCKED_PLAN = /^\s*BEGIN;([\s\S]*)COMMIT;\s*$/;

/**
 * pg-boss's `db` option over our Db, so pg-boss uses the same pool (PostgreSQL) or
 * worker thread (PGlite) as everything else, and the same role.
 *
 * A locked plan runs without its own BEGIN/COMMIT inside db.transaction, through
 * tx.exec (a script, no parameters): sent as is to a pooled client, a failure halfway
 * would leave that client inside an aborted transaction for the next user, and PGlite's
 * query() takes one statement only. Every other call is one statement: query().
 */
export function pgBossDb(db: Db): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      if (values === undefined) {
        const locked = LOCKED_PLAN.exec(text);
        if (locked) {
          await db.transaction((tx) => tx.exec(locked[1]!));
          return { rows: [] };
        }
        return db.query(text);
      }
      // node-postgres sends undefined as NULL; across the PGlite worker it must be said.
      return db.query(text, values.map((v) => (v === undefined ? null : v)));
    },
  };
}
