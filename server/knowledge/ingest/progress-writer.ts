// A sync's progress on its source row, written as pages complete: one write at a time, the
// latest count each time, so concurrent pages never write an older count over a newer one
// and a fast run does not queue a write per page.
import type { Db } from '../../db/db.js';
import { updateSource } from '../knowledge.repo.js';

export interface ProgressWriter {
  /** Pages done so far (never decreasing). */
  set(done: number): void;
  /** Waits for the last count to be written; a failed write throws here (the job retries). */
  flush(): Promise<void>;
}

export function progressWriter(db: Db, workspaceId: string, sourceId: string, onWrite?: (done: number) => Promise<void>): ProgressWriter {
  let wanted = 0;
  let written = 0;
  let writing: Promise<void> | undefined;
  let failure: unknown;

  const pump = async () => {
    while (written < wanted && failure === undefined) {
      const done = wanted;
      try {
        await updateSource(db, workspaceId, sourceId, { progressDone: done });
        await onWrite?.(done);
        written = done;
      } catch (err) {
        failure = err;
      }
    }
    writing = undefined;
  };

  return {
    set(done) {
      wanted = Math.max(wanted, done);
      writing ??= pump();
    },
    async flush() {
      await writing;
      if (failure !== undefined) throw failure;
    },
  };
}
