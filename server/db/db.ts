/** Rows come back with the same JS types from both drivers (int8 as number, bytea as Uint8Array). */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Anything that runs one parameterised statement. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/** A transaction handle; `exec` runs a multi-statement script (migrations only). */
export interface Tx extends Queryable {
  exec(sql: string): Promise<void>;
}

/** The only view of the database outside `server/db/`. */
export interface Db extends Queryable {
  readonly driver: 'pglite' | 'postgres';
  /** Commits when fn resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs fn on one connection held for its whole duration, outside any transaction:
   * for session-level advisory locks (server/db/job-lock.ts). On PGlite, which has one
   * connection, this is that shared connection.
   */
  withSession<T>(fn: (session: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
