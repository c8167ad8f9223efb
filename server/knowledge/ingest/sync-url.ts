// A url source: one page, the source's one document.
import { getDocument } from '../knowledge-documents.repo.js';
import { syncPageList } from './ingest.repo.js';
import type { SyncRun } from './sync-context.js';
import { syncPage, type PageOutcome } from './sync-page.js';

/** How a sync ended for the source as a whole; a page's own failure is on its document. */
export type SourceOutcome =
  | { status: 'ready'; error: null | string; pages?: Record<PageOutcome, number> }
  | { status: 'failed'; error: string };

export async function syncUrl(run: SyncRun): Promise<SourceOutcome> {
  const url = run.source.url!;
  const doc = (await syncPageList(run.deps.db, run.workspaceId, run.source.id, [url])).get(url)!;
  const outcome = await syncPage(run, doc, run.source.title);
  if (outcome !== 'failed') return { status: 'ready', error: null };
  const failed = await getDocument(run.deps.db, run.workspaceId, doc.id);
  return { status: 'failed', error: failed?.error ?? 'The page could not be read.' };
}
