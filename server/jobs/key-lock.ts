import type { Db } from '../db/db.js';
import { tryLockJobKey, unlockJobKey } from './queue.repo.js';

/** Keys held in this process, per database handle. */
const heldHere = new WeakMap<Db, Set<string>>();

/**
 * Runs fn unless another run holds the same key, here or in another instance; resolves
 * undefined when it did not run. The same shape as job-lock.ts, for keys known only at
 * run time (queue name and singleton key).
 *
 * On PostgreSQL: a session-level advisory lock on a connection held for the whole run,
 * so the handler's own transactions may be many and short. On PGlite one process owns
 * the data directory (data-dir-lock.ts) and every query shares one connection, on
 * which an advisory lock would be re-entrant: the in-process set is the exclusion.
 */
export async function withKeyLock<T>(db: Db, key: string, fn: () => Promise<T>): Promise<T | undefined> {
  const held = heldHere.get(db) ?? new Set<string>();
  heldHere.set(db, held);
  if (held.has(key)) return undefined;
  held.add(key);
  try {
    if (db.driver === 'pglite') return await fn();
    return await db.withSession(async (session) => {
      if (!(await tryLockJobKey(session, key))) return undefined;
      try {
        return await fn();
      } finally {
        await unlockJobKey(session, key);
      }
    });
  } finally {
    held.delete(key);
  }
}
