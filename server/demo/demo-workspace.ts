import { randomUUID } from 'node:crypto';
import type { Db } from '../db/db.js';
import { resolvePublicWorkspace, withTenant } from '../db/tenant.js';

/** The public id the demo page embeds. */
export const DEMO_PUBLIC_ID = 'parley-demo';

/**
 * Creates the demo workspace when it is missing, and in any case allows exactly
 * the demo page's origins, which change with DEMO_PORT from one start to the next.
 * Safe when two instances start with DEMO=on together: the workspace is created once
 * (the second insert finds the public id taken and reads the first one's workspace);
 * its allowed origins are then those of whichever instance came last, which is why
 * docs/deployment.md says to run the demo on one instance at most.
 */
export async function ensureDemoWorkspace(db: Db, origins: readonly string[]): Promise<{ id: string; created: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const existing = await resolvePublicWorkspace(db, DEMO_PUBLIC_ID);
    const id = existing?.id ?? randomUUID();
    const done = await withTenant(db, id, async (q) => {
      if (!existing) {
        const { rowCount } = await q.query('INSERT INTO workspaces (id, public_id, name) VALUES ($1, $2, $3) ON CONFLICT (public_id) DO NOTHING', [id, DEMO_PUBLIC_ID, 'Demo']);
        // Another instance created it since we looked: start over with its id.
        if (rowCount === 0) return false;
      }
      // The operator's own demo is granted the operator's key (read when OPERATOR_KEY_WORKSPACES=granted).
      await q.query('UPDATE workspaces SET operator_key_granted_at = coalesce(operator_key_granted_at, now()) WHERE id = $1', [id]);
      await q.query(
        `INSERT INTO widget_settings (workspace_id, allowed_origins, title, greeting)
         VALUES ($1, $2, 'Parley demo', 'Hi! Ask me anything. I can write Markdown, code and math.')
         ON CONFLICT (workspace_id) DO UPDATE SET allowed_origins = EXCLUDED.allowed_origins, updated_at = now()`,
        [id, origins],
      );
      return true;
    });
    if (done) return { id, created: !existing };
    // A workspace deleted as fast as it is created would loop: give up after a few rounds.
    if (attempt >= 3) throw new Error('demo workspace: created and removed concurrently; start again');
  }
}
