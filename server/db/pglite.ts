import { mkdirSync } from 'node:fs';
import { lockDataDir } from './data-dir-lock.js';
import type { Db } from './db.js';
import { startPgliteWorker } from './pglite-client.js';

/**
 * Embedded PostgreSQL (WASM) in a directory, or in memory when dir is undefined. It runs
 * on a worker thread (pglite-client.ts), so queries do not stop this thread's event
 * loop. PGlite has one connection and queues every query behind an open transaction,
 * so a transaction's role and tenant settings cannot leak into other work.
 */
export async function openPglite(dir: string | undefined): Promise<Db> {
  if (dir) mkdirSync(dir, { recursive: true });
  const unlock = dir ? lockDataDir(dir) : () => {};
  try {
    return await startPgliteWorker(dir, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}
