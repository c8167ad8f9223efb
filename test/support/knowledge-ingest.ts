// Helpers for the ingestion tests: a workspace that chats on the operator's key, waiting for
// a source or the job queue, and the help-centre site the pipeline reads.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../server/db/db.js';
import { withTenant } from '../../server/db/tenant.js';
import { getSource, type KnowledgeSource } from '../../server/knowledge/knowledge.repo.js';

/** A workspace with settings and no key of its own: it uses MISTRAL_API_KEY (OPERATOR_KEY_WORKSPACES=all in tests). */
export async function seedKnowledgeWorkspace(db: Db, options: { allowOcr?: boolean } = {}): Promise<string> {
  const id = randomUUID();
  await withTenant(db, id, async (q) => {
    await q.query('INSERT INTO workspaces (id, public_id, name) VALUES ($1, $2, $3)', [id, `wk_${randomBytes(8).toString('hex')}`, 'Knowledge']);
    await q.query('INSERT INTO widget_settings (workspace_id, allowed_origins, knowledge_allow_ocr) VALUES ($1, $2, $3)', [id, ['https://site.example'], options.allowOcr ?? false]);
  });
  return id;
}

/** Resolves when check() returns something truthy; a bound on waiting, not a timing claim. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The source once a sync that finished after `since` left it ready or failed. */
export function synced(db: Db, workspaceId: string, sourceId: string, since = new Date(0)): Promise<KnowledgeSource> {
  return waitFor(`source ${sourceId} synced`, async () => {
    const s = await getSource(db, workspaceId, sourceId);
    return s && (s.status === 'ready' || s.status === 'failed') && s.lastSyncedAt && s.lastSyncedAt > since ? s : undefined;
  });
}

/** Knowledge jobs of the workspace that are waiting, retrying or running. */
export async function pendingJobs(db: Db, workspaceId: string, states = ['created', 'retry', 'active']): Promise<{ name: string; state: string }[]> {
  const { rows } = await db.query<{ name: string; state: string }>(
    `SELECT name, state::text AS state FROM pgboss.job WHERE name LIKE 'knowledge-%' AND data->>'workspaceId' = $1 AND state::text = ANY($2::text[])`,
    [workspaceId, states],
  );
  return rows;
}

/** Waits until no knowledge job of the workspace waits or runs (retries waiting for later count too). */
export function jobsIdle(db: Db, workspaceId: string): Promise<true> {
  return waitFor('the knowledge jobs to finish', async () => (await pendingJobs(db, workspaceId)).length === 0);
}

export const html = (title: string, body: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><nav><a href="/">Home</a> | <a href="/help">Help</a></nav><main>${body}</main><footer>© Acme</footer></body></html>`;
