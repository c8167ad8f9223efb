// The statements the knowledge service runs in its own tenant transactions, beside
// knowledge.repo.ts: the per-workspace source cap, a source locked while it changes, and a
// deletion that returns what it removed (for the audit log).
import type { Queryable } from '../db/db.js';
import { SOURCE_COLUMNS, type KnowledgeSource, type SourceKind } from './knowledge.repo.js';

/**
 * The workspace's sources, counted under a transaction-scoped lock on the workspace's
 * source list, so two additions at once cannot both pass the cap.
 */
export async function lockedSourceCount(q: Queryable, workspaceId: string): Promise<number> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('knowledge_sources:' || $1::text, 0))`, [workspaceId]);
  const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM knowledge_sources WHERE workspace_id = $1', [workspaceId]);
  return rows[0]!.n;
}

/** The source, locked until the transaction ends; undefined when the workspace has none with that id. */
export async function lockSource(q: Queryable, id: string): Promise<KnowledgeSource | undefined> {
  const { rows } = await q.query<KnowledgeSource>(`SELECT ${SOURCE_COLUMNS} FROM knowledge_sources WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0];
}

export interface RemovedSource {
  kind: SourceKind;
  documents: number;
  chunks: number;
}

/** Deletes the source (its file, documents and chunks cascade); what it held, or undefined. */
export async function removeSource(q: Queryable, id: string): Promise<RemovedSource | undefined> {
  const { rows } = await q.query<RemovedSource>(
    'DELETE FROM knowledge_sources WHERE id = $1 RETURNING kind, document_count AS documents, chunk_count AS chunks',
    [id],
  );
  return rows[0];
}
