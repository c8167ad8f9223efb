// A workspace's knowledge sources and settings, as the admin panel and the server API change
// them. Each change and its audit event commit together; the sync work itself is queued
// after the commit (the job reads the source by id) and never runs on the request's path.
// Audit events carry ids, kinds and counts, never a source's content.
import { changedFields, recordAudit, type AuditActor } from '../audit/audit.js';
import { withTenant } from '../db/tenant.js';
import { HttpError } from '../http/errors.js';
import { chooseProviderKey } from '../providers/provider-key.js';
import { readIngestFacts } from './ingest/ingest.repo.js';
import { lockSource, lockedSourceCount, removeSource } from './knowledge-changes.repo.js';
import type { KnowledgeDeps } from './knowledge-deps.js';
import { listDocuments, type KnowledgeDocument } from './knowledge-documents.repo.js';
import { searchKnowledge, type SearchResult } from './knowledge-search.js';
import { readKnowledgeSettings, saveKnowledgeSettings, type KnowledgeSettings } from './knowledge-settings.repo.js';
import { MAX_LISTED_DOCUMENTS, MAX_SOURCES_PER_WORKSPACE, type SettingsPatch, type SourcePatchInput } from './knowledge.schema.js';
import { getSource, insertSource, listSources as listAll, patchSource, type KnowledgeSource, type KnowledgeStatus, type NewSource } from './knowledge.repo.js';
import { vectorSupport, type VectorSupport } from './vector-schema.js';

const notFound = () => new HttpError(404, 'source_not_found', 'No such knowledge source in this workspace.');
const target = (id: string) => ({ targetType: 'knowledge_source', targetId: id });

export function listSources({ db }: KnowledgeDeps, workspaceId: string): Promise<KnowledgeSource[]> {
  // Every source: the cap keeps the list short (older data above it is still shown).
  return listAll(db, workspaceId, { limit: MAX_SOURCES_PER_WORKSPACE * 2 });
}

export async function getSourceDetail({ db }: KnowledgeDeps, workspaceId: string, id: string, status?: KnowledgeStatus): Promise<{ source: KnowledgeSource; documents: KnowledgeDocument[] }> {
  const source = await getSource(db, workspaceId, id);
  if (!source) throw notFound();
  const documents = await listDocuments(db, workspaceId, id, { limit: MAX_LISTED_DOCUMENTS, ...(status && { status }) });
  return { source, documents };
}

/** Stores a new source (pending), audits it, then queues its first sync. */
export async function addSource(deps: KnowledgeDeps, workspaceId: string, actor: AuditActor, input: NewSource): Promise<KnowledgeSource> {
  const source = await withTenant(deps.db, workspaceId, async (q) => {
    if ((await lockedSourceCount(q, workspaceId)) >= MAX_SOURCES_PER_WORKSPACE) {
      throw new HttpError(409, 'too_many_sources', `A workspace can hold at most ${MAX_SOURCES_PER_WORKSPACE} knowledge sources; delete one first (a sitemap source holds many pages).`);
    }
    const created = await insertSource(q, workspaceId, input);
    const after = { kind: created.kind, ...(created.fileSize !== null && { fileSize: Number(created.fileSize) }), ...(created.syncIntervalHours !== null && { syncIntervalHours: created.syncIntervalHours }) };
    await recordAudit(q, workspaceId, actor, { action: 'knowledge.source_added', ...target(created.id), after });
    return created;
  });
  await deps.enqueueSync(workspaceId, source.id);
  return source;
}

/** Marks the source pending (unless a sync is running: the new one starts after it) and queues a sync. */
export async function syncSource(deps: KnowledgeDeps, workspaceId: string, actor: AuditActor, id: string): Promise<KnowledgeSource> {
  const source = await withTenant(deps.db, workspaceId, async (q) => {
    const current = await lockSource(q, id);
    if (!current) throw notFound();
    const next = current.status === 'processing' ? current : (await patchSource(q, id, { status: 'pending' }))!;
    await recordAudit(q, workspaceId, actor, { action: 'knowledge.source_synced', ...target(id), after: { kind: current.kind, documents: current.documentCount, chunks: current.chunkCount } });
    return next;
  });
  await deps.enqueueSync(workspaceId, id);
  return source;
}

export async function updateSource(deps: KnowledgeDeps, workspaceId: string, actor: AuditActor, id: string, patch: SourcePatchInput): Promise<KnowledgeSource> {
  return withTenant(deps.db, workspaceId, async (q) => {
    const current = await lockSource(q, id);
    if (!current) throw notFound();
    if (patch.syncIntervalHours !== undefined && patch.syncIntervalHours !== null && current.kind !== 'url' && current.kind !== 'sitemap') {
      throw new HttpError(400, 'invalid_body', 'syncIntervalHours: only web pages and sitemaps are re-synced on a schedule; re-sync this source by hand after changing it.');
    }
    const changes = changedFields({ title: current.title, syncIntervalHours: current.syncIntervalHours }, patch);
    if (!changes) return current;
    const updated = (await patchSource(q, id, patch))!;
    await recordAudit(q, workspaceId, actor, { action: 'knowledge.source_updated', ...target(id), ...changes });
    return updated;
  });
}

/** Deletes the source with its file, documents and chunks; a sync of it still queued then finds nothing to do. */
export async function deleteSource(deps: KnowledgeDeps, workspaceId: string, actor: AuditActor, id: string): Promise<void> {
  await withTenant(deps.db, workspaceId, async (q) => {
    const removed = await removeSource(q, id);
    if (!removed) throw notFound();
    await recordAudit(q, workspaceId, actor, { action: 'knowledge.source_deleted', ...target(id), before: { ...removed } });
  });
}

export async function getSettings({ db }: KnowledgeDeps, workspaceId: string): Promise<{ settings: KnowledgeSettings; vector: VectorSupport }> {
  const settings = await withTenant(db, workspaceId, (q) => readKnowledgeSettings(q, workspaceId));
  return { settings, vector: await vectorSupport(db) };
}

export async function updateSettings(deps: KnowledgeDeps, workspaceId: string, actor: AuditActor, patch: SettingsPatch): Promise<{ settings: KnowledgeSettings; vector: VectorSupport }> {
  const settings = await withTenant(deps.db, workspaceId, async (q) => {
    const current = await readKnowledgeSettings(q, workspaceId, { forUpdate: true });
    const changes = changedFields({ ...current }, patch);
    if (!changes) return current;
    const saved = await saveKnowledgeSettings(q, workspaceId, patch);
    await recordAudit(q, workspaceId, actor, { action: 'knowledge.settings_changed', targetType: 'workspace', targetId: workspaceId, ...changes });
    return saved;
  });
  return { settings, vector: await vectorSupport(deps.db) };
}

/** The test console: what chat would retrieve for the question, with the workspace's key when it has one. */
export async function search(deps: KnowledgeDeps, workspaceId: string, question: string): Promise<SearchResult> {
  const key = chooseProviderKey(deps.config, workspaceId, await readIngestFacts(deps.db, workspaceId), deps.logger);
  return searchKnowledge({ db: deps.db, embedder: deps.embedder }, { workspaceId, question, ...(key && { apiKey: key.apiKey }) });
}
