// A sitemap source: the sitemap read, its pages made the source's documents (pages no longer
// listed are deleted with their chunks), then each page synced. A page's failure is its own
// document's; the source fails only when the sitemap itself cannot be read or lists nothing.
import { readSitemap } from '../fetch/sitemap.js';
import { updateSource } from '../knowledge.repo.js';
import { syncPageList } from './ingest.repo.js';
import { queueEmbedIfMissing } from './sync-embed.js';
import { progressWriter } from './progress-writer.js';
import type { SyncRun } from './sync-context.js';
import { syncPage, type PageOutcome } from './sync-page.js';
import type { SourceOutcome } from './sync-url.js';

/**
 * Pages in progress at once within one sync. The fetcher lets two requests at a time reach
 * a host whatever this is; the others meanwhile extract and store what was fetched.
 */
const PAGES_AT_ONCE = 4;
/**
 * A large site's first pages are embedded while the rest are still fetched: the embed job
 * is queued after 50 new pages, then 200, 800 and so on. Few times, because each queued
 * job retries on its own while the provider is down.
 */
const FIRST_EMBED_AFTER_PAGES = 50;

export async function syncSitemap(run: SyncRun, onProgress: (done: number, total: number) => Promise<void>): Promise<SourceOutcome> {
  const { db, config } = run.deps;
  const maxPages = config.knowledgeFetch.sitemapMaxPages;
  const sitemap = await readSitemap(run.deps.fetcher, run.source.url!, { maxPages, signal: run.signal });
  if (!sitemap.ok) {
    if (sitemap.failure.reason === 'aborted') run.signal.throwIfAborted();
    return { status: 'failed', error: `The sitemap could not be read: ${sitemap.failure.message}` };
  }
  if (sitemap.pages.length === 0) {
    const why = sitemap.offSite > 0 ? ` (it lists ${sitemap.offSite} on other sites, which Parley does not follow)` : '';
    return { status: 'failed', error: `The sitemap lists no pages on this site${why}.` };
  }
  const urls = sitemap.pages.map((p) => p.url);
  const documents = await syncPageList(db, run.workspaceId, run.source.id, urls);
  const total = urls.length;
  await updateSource(db, run.workspaceId, run.source.id, { progressDone: 0, progressTotal: total });
  const progress = progressWriter(db, run.workspaceId, run.source.id, (done) => onProgress(done, total));

  const counts: Record<PageOutcome, number> = { indexed: 0, unchanged: 0, failed: 0 };
  let next = 0;
  let done = 0;
  let embedAfter = FIRST_EMBED_AFTER_PAGES;
  // A page's database failure (or shutdown) ends the sync, which the job then retries; the
  // other workers stop before their next page instead of writing on behind its back.
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < urls.length) {
      const url = urls[next++]!;
      try {
        run.signal.throwIfAborted();
        const outcome = await syncPage(run, documents.get(url)!, titleFromUrl(url));
        counts[outcome]++;
        if (run.hasKey && counts.indexed >= embedAfter) {
          embedAfter *= 4;
          await queueEmbedIfMissing(run.deps, run.workspaceId);
        }
      } catch (error) {
        failure ??= { error };
        return;
      }
      progress.set(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PAGES_AT_ONCE, urls.length) }, worker));
  if (failure) throw failure.error;
  await progress.flush();

  run.deps.logger.info({ sourceId: run.source.id, pages: total, ...counts, truncated: sitemap.truncated, offSite: sitemap.offSite }, 'knowledge: sitemap synced');
  const notes: string[] = [];
  if (sitemap.truncated) notes.push(`The sitemap lists more pages than Parley reads per source (${maxPages}); the first ${maxPages} were read.`);
  if (sitemap.failures.length > 0) notes.push(`${sitemap.failures.length} nested sitemap(s) could not be read: ${sitemap.failures[0]!.message}`);
  return { status: 'ready', error: notes.length > 0 ? notes.join(' ') : null, pages: counts };
}

/** A page's title until its own is known: its path, readable. */
function titleFromUrl(url: string): string {
  const { hostname, pathname } = new URL(url);
  let path = pathname;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    // A malformed escape: the path as written.
  }
  path = path.replace(/\/+$/, '');
  return (path ? `${hostname}${path}` : hostname).slice(0, 300);
}
