// Sitemaps through the safe fetcher, from a local site reached under test names (docs.test and
// www.docs.test resolve to 127.0.0.2, the one allowed address).
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import type { Resolver } from '../../server/knowledge/fetch/guarded-lookup.js';
import { createFetcher } from '../../server/knowledge/fetch/safe-fetch.js';
import { readSitemap } from '../../server/knowledge/fetch/sitemap.js';
import { sitemapIndexXml, sitemapXml, startFetchSite, type FetchSite } from '../support/fetch-site.js';

let site: FetchSite;
let base: string;
const resolver: Resolver = (hostname, _options, callback) =>
  hostname === 'docs.test' || hostname === 'www.docs.test' ? callback(null, [{ address: '127.0.0.2', family: 4 }])
    : callback(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }), []);
const fetcher = () => createFetcher({ userAgent: 'ParleyBot/0.0.0-test', allowNetworks: ['127.0.0.2/32'], resolver });

before(async () => {
  site = await startFetchSite({ host: '127.0.0.2' });
  base = `http://docs.test:${site.port}`;
  const xml = (body: string) => (_req: unknown, res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/xml' }).end(body);
  site.route('/sitemap.xml', xml(sitemapXml([
    `${base}/a`, `${base}/a#top`, `${base}/b`, `http://www.docs.test:${site.port}/c`, '/relative',
    `http://other.test:${site.port}/x`, `http://docs.test:1/y`, `https://docs.test:${site.port}/z`, `http://help.docs.test:${site.port}/w`, 'mailto:someone@docs.test',
  ])));
  site.route('/index.xml', xml(sitemapIndexXml([`${base}/s1.xml`, `${base}/s2.xml`, `${base}/missing.xml`, 'http://other.test/s.xml', `${base}/nested.xml`, `${base}/deep-1.xml`])));
  site.route('/s1.xml', xml(sitemapXml([`${base}/one`, `${base}/shared`])));
  site.route('/s2.xml', xml(sitemapXml([`${base}/shared`, `${base}/two`])));
  site.route('/nested.xml', xml(sitemapIndexXml([`${base}/s3.xml`])));
  site.route('/s3.xml', xml(sitemapXml([`${base}/three`])));
  site.route('/deep-1.xml', xml(sitemapIndexXml([`${base}/deep-2.xml`])));
  site.route('/deep-2.xml', xml(sitemapIndexXml([`${base}/s4.xml`])));
  site.route('/s4.xml', xml(sitemapXml([`${base}/four`])));
  site.route('/big.xml', xml(sitemapXml(Array.from({ length: 50 }, (_, i) => `${base}/p${i}`))));
  const gz = gzipSync(sitemapXml([`${base}/zipped`]));
  site.route('/sitemap.xml.gz', (_req, res) => res.writeHead(200, { 'content-type': 'application/gzip' }).end(gz));
  site.route('/html.xml', (_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end('<html><body>no</body></html>'));
});
after(() => site.close());

test('a urlset: same site only (www. counts, other ports, schemes and subdomains do not), deduplicated, relative resolved', async () => {
  const result = await readSitemap(fetcher(), `${base}/sitemap.xml`, { maxPages: 100 });
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(result.pages.map((p) => p.url), [`${base}/a`, `${base}/b`, `http://www.docs.test:${site.port}/c`, `${base}/relative`]);
  assert.equal(result.offSite, 4); // mailto: is not a page at all, not counted
  assert.equal(result.truncated, false);
});

test('a sitemap index: children read, pages deduplicated across them, one nesting level followed, failures listed', async () => {
  const result = await readSitemap(fetcher(), `${base}/index.xml`, { maxPages: 100 });
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(result.pages.map((p) => p.url.slice(base.length)).sort(), ['/one', '/shared', '/three', '/two']);
  assert.equal(result.offSite, 1);
  assert.deepEqual(result.failures.map((f) => [f.reason, new URL(f.url).pathname]), [['http_error', '/missing.xml'], ['bad_sitemap', '/deep-2.xml']]);
  assert.ok(!site.requests.includes('/s4.xml'), 'nesting beyond the bound is not followed');
});

test('the page cap: the first pages, flagged as truncated; the sitemap count is bounded too', async () => {
  const capped = await readSitemap(fetcher(), `${base}/big.xml`, { maxPages: 10 });
  assert.ok(capped.ok);
  assert.equal(capped.pages.length, 10);
  assert.equal(capped.pages[9]!.url, `${base}/p9`);
  assert.equal(capped.truncated, true);
  const few = await readSitemap(fetcher(), `${base}/index.xml`, { maxPages: 100, maxSitemaps: 2 });
  assert.ok(few.ok);
  assert.deepEqual(few.pages.map((p) => p.url.slice(base.length)), ['/one', '/shared']);
  assert.match(few.failures.at(-1)!.message, /at most 2/);
});

test('gzipped sitemaps are read; what is not a sitemap, or not allowed, fails with its reason', async () => {
  const zipped = await readSitemap(fetcher(), `${base}/sitemap.xml.gz`, { maxPages: 10 });
  assert.deepEqual(zipped.ok && zipped.pages, [{ url: `${base}/zipped` }]);
  const html = await readSitemap(fetcher(), `${base}/html.xml`, { maxPages: 10 });
  assert.deepEqual(!html.ok && html.failure.reason, 'bad_sitemap');
  const page = await readSitemap(fetcher(), `${base}/page.html`, { maxPages: 10 });
  assert.deepEqual(!page.ok && page.failure.reason, 'unsupported_type');
  const robots = await readSitemap(fetcher(), `${base}/private/sitemap.xml`, { maxPages: 10 });
  assert.deepEqual(!robots.ok && robots.failure.reason, 'robots_disallowed');
  const blocked = await readSitemap(createFetcher({ userAgent: 'ParleyBot/0.0.0-test', resolver }), `${base}/sitemap.xml`, { maxPages: 10 });
  assert.deepEqual(!blocked.ok && blocked.failure.reason, 'blocked_address');
});
