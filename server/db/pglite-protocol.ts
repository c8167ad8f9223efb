import { TransactionRolledBackError } from './db-errors.js';

/**
 * What the main thread asks the PGlite worker (pglite-worker.ts), one message per call.
 * `tx` names a transaction opened by a `begin` whose id it is; without it a query runs
 * on the shared connection, behind any open transaction.
 */
export type Request =
  | { id: number; op: 'query'; sql: string; params?: readonly unknown[]; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx: number }
  /** setup: a statement run right after BEGIN, before `begin` answers (TransactionOptions). */
  | { id: number; op: 'begin'; setup?: string }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  /** LISTEN on channel: its notifications come back as Notification messages. */
  | { id: number; op: 'listen'; channel: string }
  | { id: number; op: 'close' };

/** The answer to the request of the same id; id 0 says the database has opened, or why not. */
export type Reply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: WireError };

/**
 * A notification on a channel the worker listens on, unasked. PGlite hears its own session's
 * NOTIFY before COMMIT answers, so it reaches the main thread before the commit's Reply.
 */
export interface Notification {
  channel: string;
  payload: string;
}

/**
 * An error as it crosses threads. Structured cloning keeps an Error's message but not
 * the fields PostgreSQL sets (code, detail, constraint…), so they travel as plain values.
 */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, string | number | boolean | null>;
  /** COMMIT answered ROLLBACK: rebuilt as TransactionRolledBackError. */
  rolledBack?: boolean;
}

// Params stay behind: they may hold what a visitor typed or a sealed key.
const SKIPPED = new Set(['stack', 'message', 'params', 'queryOptions']);

export function toWire(err: unknown, rolledBack = false): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: WireError['fields'] = {};
  for (const [key, value] of Object.entries(err)) {
    if (SKIPPED.has(key)) continue;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value as string | number | boolean | null;
  }
  return { name: err.name, message: err.message, stack: err.stack, fields, ...(rolledBack ? { rolledBack } : {}) };
}

const BUILT_IN: Record<string, ErrorConstructor> = { TypeError, RangeError, SyntaxError };

/** The worker's error, rebuilt on this thread with the same message, name and PostgreSQL fields. */
export function fromWire(wire: WireError): Error {
  if (wire.rolledBack) return new TransactionRolledBackError();
  const err = new (BUILT_IN[wire.name] ?? Error)(wire.message);
  Object.assign(err, wire.fields);
  if (wire.name !== err.name) err.name = wire.name;
  if (wire.stack) err.stack = wire.stack;
  return err;
}
