/** COMMIT answered ROLLBACK: a statement in the transaction failed and the caller swallowed it. Thrown by both drivers. */
export class TransactionRolledBackError extends Error {
  override name = 'TransactionRolledBackError';
  constructor() {
    super('Transaction was rolled back instead of committed: a statement in it failed');
  }
}

/**
 * The database could not be reached, or the connection was lost mid-request (a restart,
 * a failover, a terminated backend). Nothing is wrong with the request: it may be retried
 * in a few seconds, so HTTP answers 503 with Retry-After (server/http/errors.ts).
 * The message is the driver's; `cause` is its error.
 */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  constructor(cause: unknown) {
    super((cause as Error | undefined)?.message ?? String(cause), { cause });
  }
}

// 57P01 admin_shutdown (also pg_terminate_backend), 57P02 crash_shutdown, 57P03 cannot_connect_now
// (starting up, shutting down, in recovery); class 08 is connection exceptions.
const SQLSTATES = new Set(['57P01', '57P02', '57P03']);
const ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// What node-postgres and pg-pool say when a socket ends or a connection cannot be had in time.
const MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
];

/** True when err says the connection to PostgreSQL failed, rather than the statement. */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (SQLSTATES.has(code) || ERRNOS.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  return MESSAGES.some((re) => re.test(err.message));
}
