// Knowledge as the admin API and the server API show it (the contract in docs/admin-api.md):
// no workspace id, no file type as stored, no validators or content hashes.
import type { KnowledgeDocument } from './knowledge-documents.repo.js';
import type { KnowledgeSettings } from './knowledge-settings.repo.js';
import type { KnowledgeSource } from './knowledge.repo.js';
import type { RetrievedPassage } from './retrieval.js';
import type { VectorSupport } from './vector-schema.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentSource(s: KnowledgeSource) {
  return {
    id: s.id,
    kind: s.kind,
    title: s.title,
    url: s.url,
    fileName: s.fileName,
    fileSize: s.fileSize === null ? null : Number(s.fileSize),
    status: s.status,
    error: s.error,
    documentCount: s.documentCount,
    failedCount: s.failedCount,
    chunkCount: s.chunkCount,
    progress: { done: s.progressDone, total: s.progressTotal },
    lastSyncedAt: iso(s.lastSyncedAt),
    nextSyncAt: iso(s.nextSyncAt),
    syncIntervalHours: s.syncIntervalHours,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

export function presentDocument(d: KnowledgeDocument) {
  return { id: d.id, url: d.url, title: d.title, status: d.status, error: d.error, chunkCount: d.chunkCount, fetchedAt: iso(d.fetchedAt) };
}

export function presentKnowledgeSettings(settings: KnowledgeSettings, vector: VectorSupport) {
  return {
    settings: { strictness: settings.strictness, unknownAnswer: settings.unknownAnswer, allowOcr: settings.allowOcr },
    vector: { available: vector.available, reason: vector.reason ?? null },
  };
}

export function presentPassage(p: RetrievedPassage) {
  return {
    chunkId: p.chunkId,
    sourceId: p.sourceId,
    title: p.title,
    url: p.url,
    headingPath: p.headingPath,
    content: p.content,
    score: p.score,
    vectorRank: p.vectorRank ?? null,
    textRank: p.textRank ?? null,
  };
}
