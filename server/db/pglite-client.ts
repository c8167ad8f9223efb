import { Worker } from 'node:worker_threads';
import type { Db, QueryResult, Statement, Tx } from './db.js';
import { DatabaseUnavailableError } from './db-errors.js';
import { createChannels } from './listeners.js';
import { fromWire, type Notification, type Reply, type Request } from './pglite-protocol.js';

// Compiled into dist/, the worker is the .js beside this file. Run from source (tsx),
// it is the .ts, and on Node 20 a worker's own `--import tsx` is not yet in effect for
// its entry module: a one-line entry registers tsx, then imports it.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './pglite-worker.ts' : './pglite-worker.js', import.meta.url);
const TSX_ENTRY = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
const EXIT_WAIT_MS = 10_000;

type Call = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

const workers = new WeakMap<Db, Worker>();

/** The thread behind a handle from startPgliteWorker: for tests that crash it on purpose. */
export function pgliteWorkerOf(db: Db): Worker | undefined {
  return workers.get(db);
}

/**
 * PGlite on a worker thread, seen through the Db interface. The worker holds the one
 * connection; queries outside a transaction queue behind an open one there, as they
 * did in-process. A worker that dies fails every pending and later call with
 * DatabaseUnavailableError instead of leaving them unanswered.
 */
export async function startPgliteWorker(dir: string | undefined, afterClose: () => void = () => {}): Promise<Db> {
  const worker = FROM_SOURCE ? new Worker(TSX_ENTRY, { eval: true, workerData: { dir } }) : new Worker(WORKER_URL, { workerData: { dir } });
  const pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  let nextId = 1;
  let failure: Error | undefined;
  let closing: Promise<void> | undefined;
  let crash: Error | undefined;
  // Not events.once: that rejects on 'error', and the exit code is wanted either way.
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));

  // An idle worker must not keep the process alive (a script that forgot close() still
  // ends, as it did with PGlite in-process); one with work in flight must.
  const settle = (id: number) => {
    const p = pending.get(id);
    pending.delete(id);
    if (pending.size === 0 && !closing) worker.unref();
    return p;
  };
  const channels = createChannels();
  /** Channels the worker listens on. */
  const heard = new Set<string>();
  worker.on('message', (reply: Reply | Notification) => {
    if ('channel' in reply) {
      if (heard.has(reply.channel)) channels.notify(reply.channel, reply.payload);
      return;
    }
    const p = settle(reply.id);
    if (reply.ok) p?.resolve(reply.value);
    else p?.reject(fromWire(reply.error));
  });
  // Heard, so an uncaught error in the worker does not end this process; 'exit' follows.
  worker.on('error', (err) => (crash = err));
  void exited.then((code) => {
    if (closing && pending.size === 0) return;
    failure = new DatabaseUnavailableError(
      new Error(`the embedded database's worker thread stopped (exit code ${code}${crash ? `: ${crash.message}` : ''}); restart Parley`),
    );
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(failure);
    }
    const were = [...heard];
    heard.clear();
    for (const channel of were) channels.lost(channel);
  });

  function call<T>(message: Call): Promise<T> {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      // Throws DataCloneError for a parameter that cannot cross threads (a function).
      worker.postMessage({ ...message, id });
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
  }

  // PGlite prepares nothing by name: a named statement is its text.
  const query = <R>(sql: Statement, params?: readonly unknown[], tx?: number) =>
    call<QueryResult<R>>({ op: 'query', sql: typeof sql === 'string' ? sql : sql.text, params, tx });

  const ready = new Promise<unknown>((resolve, reject) => pending.set(0, { resolve, reject }));
  try {
    await ready;
  } catch (err) {
    await exited;
    throw err;
  }

  const db: Db = {
    driver: 'pglite',
    query: (sql, params) => query(sql, params),
    async transaction(fn, options) {
      const id = await call<number>({ op: 'begin', setup: options?.setup });
      const tx: Tx = {
        query: (sql, params) => query(sql, params, id),
        exec: (sql) => call<void>({ op: 'exec', sql, tx: id }),
      };
      let result;
      try {
        result = await fn(tx);
      } catch (err) {
        // fn's own error is the answer, whatever the rollback says.
        await call({ op: 'end', tx: id, commit: false }).catch(() => undefined);
        throw err;
      }
      // Rejects with TransactionRolledBackError when COMMIT answered ROLLBACK.
      await call({ op: 'end', tx: id, commit: true });
      return result;
    },
    withSession: (fn) => fn({ query: (sql, params) => query(sql, params) }),
    listen(channel, listener) {
      const { fresh, remove } = channels.add(channel, listener);
      if (heard.has(channel)) queueMicrotask(() => listener.listening());
      else if (fresh) {
        call({ op: 'listen', channel }).then(
          () => {
            heard.add(channel);
            channels.listening(channel);
          },
          // The worker is gone: there is nothing to listen to, and every query fails too.
          () => undefined,
        );
      }
      return remove;
    },
    notifyHere: (channel, payload) => channels.notify(channel, payload),
    close: () =>
      (closing ??= (async () => {
        try {
          if (failure) return;
          worker.ref();
          try {
            await call({ op: 'close' });
          } finally {
            const timer = setTimeout(() => void worker.terminate(), EXIT_WAIT_MS);
            await exited;
            clearTimeout(timer);
            failure ??= new Error('PGlite is closed');
          }
        } finally {
          afterClose();
        }
      })()),
  };
  workers.set(db, worker);
  return db;
}
