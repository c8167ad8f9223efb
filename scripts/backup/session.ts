import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { Queryable } from '../../server/db/db.js';

/** One connection of either driver: parameterised queries, and exec for a migration's many statements. */
export interface Session extends Queryable {
  exec(sql: string): Promise<void>;
}

export function pgSession(client: pg.Client): Session {
  return {
    query: async <R>(sql: string, params?: readonly unknown[]) => {
      const r = await client.query(sql, params as unknown[] | undefined);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
    },
    // Without parameters pg uses the simple protocol, which runs several statements.
    exec: async (sql) => {
      await client.query(sql);
    },
  };
}

export function pgliteSession(db: PGlite): Session {
  return {
    query: async <R>(sql: string, params?: readonly unknown[]) => {
      const r = await db.query<R>(sql, params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
    },
    exec: async (sql) => {
      await db.exec(sql);
    },
  };
}

/** The settings under which rows are written as text and read back: the same on both sides. */
export const TEXT_SETTINGS = "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL bytea_output = 'hex'; SET LOCAL extra_float_digits = 3";
