// One web page of a url or sitemap source: fetched with the validators of the last fetch,
// skipped when unchanged (304, or the same bytes), else extracted, chunked and stored.
import { MAX_SOURCE_BYTES } from '../extract/extract.js';
import type { KnowledgeDocument } from '../knowledge-documents.repo.js';
import { updateDocument } from '../knowledge-documents.repo.js';
import { extract, failDocument, isFailure, storeDocument, type SyncRun } from './sync-context.js';

/** What a page may be: the formats extraction reads, but not images (OCR is for uploads someone chose). */
export const PAGE_TYPES = [
  'text/html', 'application/xhtml+xml', 'text/plain', 'text/markdown', 'text/x-markdown', 'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
];

export type PageOutcome = 'indexed' | 'unchanged' | 'failed';

export async function syncPage(run: SyncRun, doc: KnowledgeDocument, fallbackTitle: string): Promise<PageOutcome> {
  const { db, fetcher } = run.deps;
  const url = doc.url!;
  // Validators only for a page whose chunks are stored: a 304 for anything else would leave it empty.
  const known = doc.status === 'ready';
  const result = await fetcher.fetch(url, {
    accept: PAGE_TYPES,
    maxBytes: MAX_SOURCE_BYTES,
    ...(known && doc.etag && { etag: doc.etag }),
    ...(known && doc.lastModified && { lastModified: doc.lastModified }),
    signal: run.signal,
  });
  const fetchedAt = new Date();
  if (!result.ok) {
    if (result.failure.reason === 'aborted') run.signal.throwIfAborted();
    const gone = result.failure.reason === 'http_error' && (result.failure.status === 404 || result.failure.status === 410);
    await failDocument(run, doc.id, { message: result.failure.message, retryable: false }, { gone, fetchedAt });
    return 'failed';
  }
  const validators = { etag: result.etag ?? null, lastModified: result.lastModified ?? null, fetchedAt };
  if (result.notModified) {
    await updateDocument(db, run.workspaceId, doc.id, validators);
    return 'unchanged';
  }
  const hash = Buffer.from(result.contentHash, 'hex');
  if (known && doc.contentHash && Buffer.from(doc.contentHash).equals(hash)) {
    await updateDocument(db, run.workspaceId, doc.id, validators);
    return 'unchanged';
  }
  const contentType = result.charset ? `${result.contentType}; charset=${result.charset}` : result.contentType;
  const extracted = await extract(run, { data: result.body, contentType, fileName: lastSegment(result.url), url: result.url });
  if (isFailure(extracted)) {
    await failDocument(run, doc.id, extracted, { fetchedAt });
    return 'failed';
  }
  const title = extracted.title?.trim() || fallbackTitle;
  // Citations link where the page is now, after redirects.
  const stored = await storeDocument(run, doc.id, { title, markdown: extracted.markdown, url: result.url }, { ...validators, contentHash: hash, markdown: extracted.markdown });
  if ('message' in stored) {
    await failDocument(run, doc.id, stored, { fetchedAt });
    return 'failed';
  }
  return 'indexed';
}

function lastSegment(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || undefined;
  } catch {
    return undefined;
  }
}
