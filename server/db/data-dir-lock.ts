import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The embedded database directory is in use by another live process. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

/**
 * PGlite does not guard its directory, and two processes writing one directory corrupt
 * it. A pid file makes the second `npm start` (or a script run beside the server) stop
 * with a clear message instead. A lock left by a dead process is taken over.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, 'parley.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new DataDirLockedError(`DATA_DIR: the embedded database in ${dir} is in use by process ${holder}; stop it first`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new DataDirLockedError(`DATA_DIR: could not lock ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
