/** Rows come back with the same JS types from both drivers (int8 as number, bytea as Uint8Array). */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/**
 * SQL text, or a named statement: on PostgreSQL a name is parsed and planned once per
 * connection and then only bound and executed (PGlite ignores the name). Name only a hot
 * statement whose text never changes; one name, one text.
 */
export type Statement = string | { name: string; text: string };

/** Anything that runs one parameterised statement. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: Statement, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/** A transaction handle; `exec` runs a multi-statement script (migrations only). */
export interface Tx extends Queryable {
  exec(sql: string): Promise<void>;
}

export interface TransactionOptions {
  /**
   * One parameterless statement run right after BEGIN, in the same round trip where the
   * driver can (server/db/tenant.ts sets role and tenant with it). Only server/db/ builds it.
   */
  setup?: string;
}

/** What a listener hears on one channel (Db.listen). */
export interface NotificationListener {
  /** A notification's payload, from whichever instance (or command-line tool) committed it. */
  notify(payload: string): void;
  /** Listening stopped (the connection was lost): notifications are missed until `listening`. */
  lost(): void;
  /** Listening (again): from now on nothing is missed. Called once first after listen(). */
  listening(): void;
}

/** The only view of the database outside `server/db/`. */
export interface Db extends Queryable {
  readonly driver: 'pglite' | 'postgres';
  /** Commits when fn resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs fn on one connection held for its whole duration, outside any transaction:
   * for session-level advisory locks (server/db/job-lock.ts). On PGlite, which has one
   * connection, this is that shared connection.
   */
  withSession<T>(fn: (session: Queryable) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL LISTEN on channel (a lower-case identifier) for this handle: on PostgreSQL
   * over one dedicated connection, reconnected when lost. Returns the unsubscribe.
   */
  listen(channel: string, listener: NotificationListener): () => void;
  /**
   * Tells this handle's listeners of channel now about a change this process has just
   * committed, so its own next request obeys it; PostgreSQL's notification follows later.
   */
  notifyHere(channel: string, payload: string): void;
  close(): Promise<void>;
}
