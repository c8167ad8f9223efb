import type { Db } from '../../server/db/db.js';
import { SETTINGS_CHANNEL } from '../../server/db/tenant.js';

/**
 * Resolves once db has been told twice of a settings change (of workspaceId, if given):
 * a tenant transaction's write tells its own process at commit (Db.notifyHere) and the
 * database notifies too (migration 0012), in either order. Call it before the write: a
 * cache entry filled before the second arrives is dropped by it, so a test that counts
 * on an entry staying waits for both first.
 */
export function settingsNotified(db: Db, workspaceId?: string): Promise<string> {
  let heard = 0;
  return new Promise((resolve) => {
    const stop = db.listen(SETTINGS_CHANNEL, {
      notify(payload) {
        if ((workspaceId !== undefined && payload !== workspaceId) || ++heard < 2) return;
        stop();
        resolve(payload);
      },
      lost: () => undefined,
      listening: () => undefined,
    });
  });
}
