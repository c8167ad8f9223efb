// The safe fetcher against real HTTP servers on this machine. The site under test listens on
// 127.0.0.2 and only that address is on the allow-list, so every other loopback form (127.0.0.1,
// localhost, [::1]) stays refused, exactly as without an allow-list; a second server on 127.0.0.1
// counts the requests that got through to it (none may).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FetchFailure } from '../../server/knowledge/fetch/fetch-failure.js';
import type { FetchResult } from '../../server/knowledge/fetch/fetch-types.js';
import type { Resolver } from '../../server/knowledge/fetch/guarded-lookup.js';
import { createFetcher } from '../../server/knowledge/fetch/safe-fetch.js';
import { parleyBotUserAgent } from '../../server/knowledge/fetch/user-agent.js';
import { startFetchSite, type FetchSite } from '../support/fetch-site.js';

const UA = parleyBotUserAgent('https://chat.example.com');
const HTML = ['text/html'];
let site: FetchSite;
let inner: FetchSite;

before(async () => {
  site = await startFetchSite({ host: '127.0.0.2' });
  inner = await startFetchSite({ host: '127.0.0.1' });
});
after(async () => {
  await site.close();
  await inner.close();
});

/** Test names resolve to the site's address; anything else goes to the system resolver. */
const names: Record<string, string[]> = {
  'docs.test': ['127.0.0.2'],
  'rebind.test': ['127.0.0.1'],
  'mixed.test': ['127.0.0.2', '10.0.0.7'],
};
const resolver: Resolver = (hostname, options, callback) => {
  const addresses = names[hostname];
  if (addresses) return callback(null, addresses.map((address) => ({ address, family: 4 })));
  import('node:dns').then(({ lookup }) => lookup(hostname, { all: true, family: options.family ?? 0 }, callback));
};

const open = () => createFetcher({ userAgent: UA, allowNetworks: [] });
const allowed = () => createFetcher({ userAgent: UA, allowNetworks: ['127.0.0.2/32'], resolver });

function failureOf(result: FetchResult): FetchFailure {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result.ok ? { url: result.url, status: result.status } : result)}`);
  return (result as { failure: FetchFailure }).failure;
}

describe('without the allow-list', () => {
  test('loopback, 10/8, the metadata address, [::1] and a name resolving to 127.0.0.1 are refused before any request', async () => {
    const fetcher = open();
    const before = inner.requests.length;
    const targets = [
      `${inner.origin}/page.html`, `http://127.0.0.2:${site.port}/page.html`, 'http://10.0.0.1/page.html', 'http://10.255.0.9:8080/',
      'http://169.254.169.254/latest/meta-data/', `http://[::1]:${inner.port}/page.html`, `http://localhost:${inner.port}/page.html`,
      `http://[::ffff:127.0.0.1]:${inner.port}/page.html`, `http://[::ffff:7f00:1]:${inner.port}/`, `http://2130706433:${inner.port}/`, 'http://0.0.0.0/',
    ];
    for (const url of targets) {
      for (const robots of [true, false]) {
        const failure = failureOf(await fetcher.fetch(url, { accept: HTML, robots }));
        assert.equal(failure.reason, 'blocked_address', `${url}: ${failure.message}`);
        assert.match(failure.message, /Parley only fetches from public internet addresses/);
        assert.doesNotMatch(failure.message, /127\.0\.0\.1(?!:)|10\.0\.0\.7/, 'the sentence does not reveal a resolved address');
      }
    }
    assert.equal(inner.requests.length, before);
  });

  test('a name that resolves to 127.0.0.1 is refused at connect time (DNS resolved by Parley)', async () => {
    const fetcher = createFetcher({ userAgent: UA, resolver });
    const failure = failureOf(await fetcher.fetch(`http://rebind.test:${inner.port}/page.html`, { accept: HTML, robots: false }));
    assert.equal(failure.reason, 'blocked_address');
    assert.match(failure.message, /^rebind\.test:\d+ resolves to a loopback address/);
  });
});

describe('with 127.0.0.2/32 allowed', () => {
  test('the allowed site is fetched: body, type, hash, validators, ParleyBot User-Agent', async () => {
    const result = await allowed().fetch(`${site.origin}/page.html`, { accept: HTML });
    assert.ok(result.ok && !result.notModified, JSON.stringify(result));
    assert.equal(result.status, 200);
    assert.equal(result.contentType, 'text/html');
    assert.equal(result.charset, 'utf-8');
    assert.match(result.body.toString(), /Refunds/);
    assert.equal(result.etag, '"v1"');
    assert.match(result.contentHash, /^[0-9a-f]{64}$/);
    assert.equal(site.userAgents.at(-1), UA);
    assert.ok(site.requests.includes('/robots.txt'));
  });

  test('a redirect to loopback, localhost, [::1], 10/8, the metadata address or a mapped form is refused', async () => {
    const fetcher = allowed();
    const before = inner.requests.length;
    for (const target of [`${inner.origin}/page.html`, `http://localhost:${inner.port}/page.html`, `http://[::1]:${inner.port}/`,
      'http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data/', `http://[::ffff:127.0.0.1]:${inner.port}/`, `http://rebind.test:${inner.port}/`]) {
      const failure = failureOf(await fetcher.fetch(`${site.origin}/to?target=${encodeURIComponent(target)}`, { accept: HTML }));
      assert.equal(failure.reason, 'blocked_address', `${target}: ${failure.message}`);
      assert.equal(new URL(failure.url).host, new URL(target).host);
    }
    assert.equal(inner.requests.length, before, 'no request reached 127.0.0.1');
    const scheme = failureOf(await fetcher.fetch(`${site.origin}/to?target=${encodeURIComponent('file:///etc/passwd')}`, { accept: HTML }));
    assert.equal(scheme.reason, 'bad_scheme');
  });

  test('a name with one refused address among allowed ones is refused', async () => {
    const failure = failureOf(await allowed().fetch(`http://mixed.test:${site.port}/page.html`, { accept: HTML, robots: false }));
    assert.equal(failure.reason, 'blocked_address');
    assert.match(failure.message, /private network address/);
  });

  test('a name resolved by Parley to the allowed address is fetched (the lookup is what connects)', async () => {
    const result = await allowed().fetch(`http://docs.test:${site.port}/page.html`, { accept: HTML });
    assert.ok(result.ok && !result.notModified);
    assert.equal(result.url, `http://docs.test:${site.port}/page.html`);
  });

  test('redirects: up to five followed and reported, six refused, a redirect without Location explained', async () => {
    const fetcher = allowed();
    const five = await fetcher.fetch(`${site.origin}/hop/5`, { accept: HTML });
    assert.ok(five.ok && !five.notModified);
    assert.equal(five.url, `${site.origin}/hop/0`);
    assert.equal(five.redirects.length, 5);
    assert.equal(failureOf(await fetcher.fetch(`${site.origin}/hop/6`, { accept: HTML })).reason, 'too_many_redirects');
    assert.equal(failureOf(await fetcher.fetch(`${site.origin}/hop/2`, { accept: HTML, maxRedirects: 1 })).reason, 'too_many_redirects');
    const none = failureOf(await fetcher.fetch(`${site.origin}/no-location`, { accept: HTML }));
    assert.deepEqual([none.reason, none.status], ['bad_redirect', 301]);
  });

  test('ETag and Last-Modified give notModified; the content hash is stable for the same body', async () => {
    const fetcher = allowed();
    const first = await fetcher.fetch(`${site.origin}/page.html`, { accept: HTML });
    assert.ok(first.ok && !first.notModified);
    const again = await fetcher.fetch(`${site.origin}/page.html`, { accept: HTML, etag: first.etag! });
    assert.deepEqual(again.ok && again.notModified && [again.status, again.etag], [304, '"v1"']);
    const changed = await fetcher.fetch(`${site.origin}/page.html`, { accept: HTML, etag: '"v0"' });
    assert.ok(changed.ok && !changed.notModified);
    assert.equal(changed.contentHash, first.contentHash);
    const dated = await fetcher.fetch(`${site.origin}/dated.html`, { accept: HTML });
    assert.ok(dated.ok && !dated.notModified && dated.lastModified);
    const unchanged = await fetcher.fetch(`${site.origin}/dated.html`, { accept: HTML, lastModified: dated.lastModified });
    assert.deepEqual(unchanged.ok && unchanged.notModified && unchanged.lastModified, dated.lastModified);
  });

  test('robots.txt: a disallowed page is never requested; a missing robots.txt allows; a failing one disallows for now', async () => {
    const fetcher = allowed();
    const failure = failureOf(await fetcher.fetch(`${site.origin}/private/secret.html`, { accept: HTML }));
    assert.equal(failure.reason, 'robots_disallowed');
    assert.match(failure.message, /ParleyBot/);
    assert.ok(!site.requests.includes('/private/secret.html'));
    const missing = await startFetchSite({ host: '127.0.0.2', robots: 404 });
    const failing = await startFetchSite({ host: '127.0.0.2', robots: 503 });
    try {
      assert.ok((await fetcher.fetch(`${missing.origin}/private/secret.html`, { accept: HTML })).ok);
      const down = failureOf(await fetcher.fetch(`${failing.origin}/page.html`, { accept: HTML }));
      assert.deepEqual([down.reason, down.status], ['robots_unavailable', 503]);
      assert.ok(!failing.requests.includes('/page.html'));
      await fetcher.fetch(`${failing.origin}/dated.html`, { accept: HTML });
      assert.equal(failing.requests.filter((p) => p === '/robots.txt').length, 1, 'the failure is kept for a while, not asked again per page');
    } finally {
      await missing.close();
      await failing.close();
    }
  });

  test('content types, sizes (declared, streamed, decompressed) and gzip', async () => {
    const fetcher = allowed();
    const type = failureOf(await fetcher.fetch(`${site.origin}/image.png`, { accept: ['text/html', 'text/plain'] }));
    assert.deepEqual([type.reason, type.contentType], ['unsupported_type', 'image/png']);
    assert.ok((await fetcher.fetch(`${site.origin}/image.png`, { accept: ['image/*'] })).ok);
    for (const path of ['/big.html', '/big-stream.html', '/bomb.html']) {
      const big = failureOf(await fetcher.fetch(`${site.origin}${path}`, { accept: HTML, maxBytes: 1024 * 1024 }));
      assert.equal(big.reason, 'too_large', path);
      assert.match(big.message, /larger than 1 MB/);
    }
    const zipped = await fetcher.fetch(`${site.origin}/gzip.html`, { accept: HTML });
    assert.ok(zipped.ok && !zipped.notModified);
    assert.match(zipped.body.toString(), /compressed page/);
  });

  test('a page that never answers times out; a caller can abort; HTTP errors carry their status', async () => {
    const fetcher = allowed();
    const slow = failureOf(await fetcher.fetch(`${site.origin}/slow.html`, { accept: HTML, timeoutMs: 300 }));
    assert.equal(slow.reason, 'timeout');
    const controller = new AbortController();
    const pending = fetcher.fetch(`${site.origin}/slow.html`, { accept: HTML, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    assert.equal(failureOf(await pending).reason, 'aborted');
    const missing = failureOf(await fetcher.fetch(`${site.origin}/nothing-here`, { accept: HTML }));
    assert.deepEqual([missing.reason, missing.status], ['http_error', 404]);
    assert.match(missing.message, /404 Not Found/);
    const closed = failureOf(await fetcher.fetch('http://127.0.0.2:1/', { accept: HTML, robots: false }));
    assert.equal(closed.reason, 'connection_failed');
  });

  test('never more than two requests at a time to one host', async () => {
    const fetcher = allowed();
    site.maxHeld = 0;
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => fetcher.fetch(`${site.origin}/held/${i}`, { accept: ['text/plain'] })));
    assert.ok(results.every((r) => r.ok));
    assert.equal(site.maxHeld, 2);
    assert.equal(fetcher.limiter.active('127.0.0.2'), 0);
  });
});
