// A sitemap's pages: every sitemap and page URL goes through the safe fetcher's checks when it is
// fetched; here they are limited to the sitemap's own site (same-site.ts), deduplicated, and capped
// (KNOWLEDGE_SITEMAP_MAX_PAGES), with nesting and the number of sitemaps read bounded too.
import { fetchFailure, type FetchFailure } from './fetch-failure.js';
import { megabytes } from './failure-from-error.js';
import type { Fetcher } from './safe-fetch.js';
import { sameSite } from './same-site.js';
import { parseSitemap } from './sitemap-parse.js';

export interface SitemapOptions {
  /** Pages returned at most (config: KNOWLEDGE_SITEMAP_MAX_PAGES). */
  maxPages: number;
  /** Sitemaps read at most, the first included; default 50. */
  maxSitemaps?: number;
  /** Sitemap indexes followed this deep below the first sitemap; default 2. */
  maxDepth?: number;
  /** Largest sitemap, unpacked; default 50 MB (the sitemaps.org limit). */
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface SitemapPage {
  url: string;
  /** <lastmod> as written in the sitemap, when given. */
  lastmod?: string;
}

export type SitemapResult =
  | {
      ok: true;
      pages: SitemapPage[];
      /** More pages were listed (or sitemaps left unread) than maxPages allowed. */
      truncated: boolean;
      /** Page and sitemap URLs left out because they are on another site. */
      offSite: number;
      /** Nested sitemaps that could not be read; the pages of the others are still returned. */
      failures: FetchFailure[];
    }
  | { ok: false; failure: FetchFailure };

const SITEMAP_TYPES = ['application/xml', 'text/xml', 'text/plain', 'application/gzip', 'application/x-gzip', 'application/octet-stream'];

export async function readSitemap(fetcher: Fetcher, sitemapUrl: string, options: SitemapOptions): Promise<SitemapResult> {
  const maxSitemaps = options.maxSitemaps ?? 50;
  const maxDepth = options.maxDepth ?? 2;
  const maxBytes = options.maxBytes ?? 50 * 1024 * 1024;
  if (!URL.canParse(sitemapUrl)) return { ok: false, failure: fetchFailure('invalid_url', sitemapUrl, 'This is not a valid web address. It should look like https://example.com/sitemap.xml.') };
  const site = new URL(sitemapUrl);
  const pages = new Map<string, SitemapPage>();
  const failures: FetchFailure[] = [];
  const queue: { url: string; depth: number }[] = [{ url: site.href, depth: 0 }];
  const seen = new Set<string>([site.href]);
  let offSite = 0;
  let truncated = false;
  let read = 0;

  while (queue.length > 0) {
    if (pages.size >= options.maxPages) { truncated = true; break; }
    if (read >= maxSitemaps) {
      failures.push(fetchFailure('bad_sitemap', queue[0]!.url, `${queue.length} more sitemaps were not read: Parley reads at most ${maxSitemaps} per source.`));
      break;
    }
    const { url, depth } = queue.shift()!;
    read++;
    const outcome = await readOne(fetcher, url, maxBytes, options.signal);
    if ('failure' in outcome) {
      if (depth === 0) return { ok: false, failure: outcome.failure };
      failures.push(outcome.failure);
      continue;
    }
    const { parsed, base } = outcome;
    if (parsed.kind === 'index' && depth >= maxDepth) {
      failures.push(fetchFailure('bad_sitemap', url, `This sitemap index is nested more than ${maxDepth} levels deep; Parley does not follow it further.`));
      continue;
    }
    for (const entry of parsed.entries) {
      const target = resolve(entry.loc, base);
      if (!target) continue;
      if (!sameSite(site, target)) { offSite++; continue; }
      if (parsed.kind === 'index') {
        if (!seen.has(target.href)) { seen.add(target.href); queue.push({ url: target.href, depth: depth + 1 }); }
      } else if (!pages.has(target.href)) {
        if (pages.size >= options.maxPages) { truncated = true; break; }
        pages.set(target.href, 'lastmod' in entry && entry.lastmod ? { url: target.href, lastmod: entry.lastmod } : { url: target.href });
      }
    }
  }
  return { ok: true, pages: [...pages.values()], truncated, offSite, failures };
}

type ReadOutcome = { parsed: ReturnType<typeof parseSitemap> & { kind: 'urlset' | 'index' }; base: URL } | { failure: FetchFailure };

async function readOne(fetcher: Fetcher, url: string, maxBytes: number, signal: AbortSignal | undefined): Promise<ReadOutcome> {
  const result = await fetcher.fetch(url, { accept: SITEMAP_TYPES, maxBytes, ...(signal && { signal }) });
  if (!result.ok) return { failure: result.failure };
  if (result.notModified) return { failure: fetchFailure('bad_response', url, 'The server answered 304 Not Modified without being asked.') };
  let parsed: ReturnType<typeof parseSitemap>;
  try {
    parsed = parseSitemap(result.body, result.contentType, maxBytes);
  } catch (err) {
    return err instanceof RangeError
      ? { failure: fetchFailure('too_large', result.url, `The sitemap unpacks to more than ${megabytes(maxBytes)}, the most Parley reads.`) }
      : { failure: fetchFailure('bad_sitemap', result.url, 'The sitemap is compressed but could not be unpacked.') };
  }
  if (parsed.kind === 'invalid') return { failure: fetchFailure('bad_sitemap', result.url, `This is not a sitemap: ${parsed.why}.`) };
  return { parsed, base: new URL(result.url) };
}

/** An entry's URL, absolute (relative ones resolved against the sitemap), without its fragment. */
function resolve(loc: string, base: URL): URL | undefined {
  if (!URL.canParse(loc.trim(), base)) return undefined;
  const url = new URL(loc.trim(), base);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.hash = '';
  return url;
}
