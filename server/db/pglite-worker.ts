// The embedded database's own thread (started by pglite-client.ts). PGlite runs
// PostgreSQL compiled to WASM synchronously: on the main thread every query would stop
// the event loop, and with it every open reply stream, for as long as it runs.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, TransactionAbortedError, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { toWire, type Notification, type Reply, type Request } from './pglite-protocol.js';

interface Open {
  tx: Transaction;
  /** Lets PGlite's transaction callback return (COMMIT) or throw (ROLLBACK). */
  finish(commit: boolean): void;
  done: Promise<void>;
}

const port = parentPort!;
const { dir } = workerData as { dir: string | undefined };
/** The caller's fn failed: PGlite rolls back and rethrows this, which is no error here. */
const CALLER_ROLLED_BACK = Symbol('rollback');
const open = new Map<number, Open>();

function send(reply: Reply | Notification): void {
  port.postMessage(reply);
}

function transactionOf(id: number): Transaction {
  const entry = open.get(id);
  if (!entry) throw new Error('Transaction is closed');
  return entry.tx;
}

/** Opens a PGlite transaction, runs setup in it, and holds it, and with it the connection, until `end`. */
function begin(pg: PGlite, id: number, setup: string | undefined): Promise<number> {
  return new Promise((started, failed) => {
    const done = pg.transaction(
      (tx) =>
        new Promise<void>((commit, rollback) => {
          open.set(id, { tx, finish: (ok) => (ok ? commit() : rollback(CALLER_ROLLED_BACK)), done });
          // A failed setup rolls back, and its error answers `begin`.
          (setup ? tx.query(setup) : Promise.resolve()).then(
            () => started(id),
            (err: unknown) => {
              open.delete(id);
              rollback(err);
            },
          );
        }),
    );
    // Before the callback ran (BEGIN failed) this is the answer to `begin`; after, `end` answers.
    done.catch(failed);
  });
}

async function end(id: number, commit: boolean): Promise<void> {
  const entry = open.get(id);
  if (!entry) throw new Error('Transaction is closed');
  open.delete(id);
  entry.finish(commit);
  try {
    await entry.done;
  } catch (err) {
    if (err !== CALLER_ROLLED_BACK) throw err;
  }
}

async function handle(pg: PGlite, m: Request): Promise<unknown> {
  switch (m.op) {
    case 'query': {
      const r = await (m.tx === undefined ? pg : transactionOf(m.tx)).query(m.sql, m.params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
    }
    case 'exec':
      await transactionOf(m.tx).exec(m.sql);
      return undefined;
    case 'begin':
      return begin(pg, m.id, m.setup);
    case 'end':
      return end(m.tx, m.commit);
    case 'listen':
      await pg.listen(m.channel, (payload) => send({ channel: m.channel, payload }));
      return undefined;
    case 'close':
      await pg.close();
      return undefined;
  }
}

async function main(): Promise<void> {
  let pg: PGlite;
  try {
    // pgvector (knowledge search): the extension is created by server/knowledge/vector-schema.ts.
    pg = await PGlite.create(dir, { extensions: { vector } });
  } catch (err) {
    send({ id: 0, ok: false, error: toWire(err) });
    port.close();
    return;
  }
  port.on('message', (m: Request) => {
    handle(pg, m).then(
      (value) => {
        send({ id: m.id, ok: true, value });
        // Nothing else holds the thread open: it ends, and the main thread sees 'exit'.
        if (m.op === 'close') port.close();
      },
      (err: unknown) => send({ id: m.id, ok: false, error: toWire(err, err instanceof TransactionAbortedError) }),
    );
  });
  send({ id: 0, ok: true });
}

await main();
