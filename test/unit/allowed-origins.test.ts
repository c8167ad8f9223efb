import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_ALLOWED_ORIGINS, originMatches, parseAllowedOrigin, parseAllowedOrigins } from '../../server/http/allowed-origins.js';
import { isOriginAllowed } from '../../server/http/cors.js';

const ok = (input: string) => {
  const result = parseAllowedOrigin(input);
  assert.ok(result.ok, `${input}: ${result.ok ? '' : result.reason}`);
  return result.origin;
};
const reason = (input: string) => {
  const result = parseAllowedOrigin(input);
  assert.ok(!result.ok, `${input} was accepted as ${result.ok ? result.origin : ''}`);
  return result.reason;
};

test('entries normalise the way browsers send Origin: lower case, default port dropped, IDN punycoded, trailing slash gone', () => {
  assert.equal(ok('HTTPS://Shop.Example.COM'), 'https://shop.example.com');
  assert.equal(ok('https://shop.example.com:443/'), 'https://shop.example.com');
  assert.equal(ok('http://shop.example.com:80'), 'http://shop.example.com');
  assert.equal(ok('http://localhost:8080'), 'http://localhost:8080');
  assert.equal(ok('  https://127.0.0.1:3001  '), 'https://127.0.0.1:3001');
  assert.equal(ok('http://[::1]:8080'), 'http://[::1]:8080');
  assert.equal(ok('https://bücher.example'), 'https://xn--bcher-kva.example');
  assert.equal(ok('https://*.Example.com:443'), 'https://*.example.com');
  assert.equal(ok('https://*.example.com:8443'), 'https://*.example.com:8443');
});

test('anything but scheme://host[:port] is refused with a reason', () => {
  assert.match(reason('ftp://example.com'), /http:\/\/ or https:\/\//);
  assert.match(reason('example.com'), /http:\/\/ or https:\/\//);
  assert.match(reason('https://example.com/path'), /no path/);
  assert.match(reason('https://example.com//'), /no path/);
  assert.match(reason('https://example.com?q=1'), /query or fragment/);
  assert.match(reason('https://example.com#top'), /query or fragment/);
  assert.match(reason('https://user:pw@example.com'), /user name/);
  assert.match(reason('https://*'), /wildcard/);
  assert.match(reason('*'), /http/);
  assert.match(reason('https://shop.*.com'), /wildcard/);
  assert.match(reason('https://*.*.example.com'), /wildcard/);
  assert.match(reason('https://a*.example.com'), /wildcard/);
  assert.match(reason('https://*.com'), /two labels/);
  assert.match(reason('https://*.127.0.0.1'), /two labels/);
  assert.match(reason(''), /empty/);
  assert.match(reason('https://example.com:99999'), /valid host/);
  assert.match(reason(`https://${'a'.repeat(300)}.com`), /at most/);
});

test('a list is normalised, de-duplicated and capped; a bad entry is named by index', () => {
  assert.deepEqual(parseAllowedOrigins(['https://A.example', 'https://a.example:443/', 'http://a.example']), { ok: true, origins: ['https://a.example', 'http://a.example'] });
  assert.deepEqual(parseAllowedOrigins(['https://a.example', 'https://a.example/x']), { ok: false, index: 1, reason: 'must be scheme://host[:port] with no path' });
  const many = Array.from({ length: MAX_ALLOWED_ORIGINS + 1 }, (_, i) => `https://s${i}.example`);
  assert.equal(parseAllowedOrigins(many).ok, false);
  assert.equal(parseAllowedOrigins([...many.slice(0, MAX_ALLOWED_ORIGINS), many[0]!]).ok, true);
});

test('a *. entry matches subdomains at any depth with the same scheme and port, never the domain itself or a look-alike', () => {
  const entry = 'https://*.example.com';
  for (const origin of ['https://shop.example.com', 'https://a.b.example.com']) assert.ok(originMatches(origin, entry), origin);
  for (const origin of ['https://example.com', 'http://shop.example.com', 'https://shop.example.com:8443', 'https://shopexample.com', 'https://example.com.evil.test', 'https://evil-example.com']) {
    assert.equal(originMatches(origin, entry), false, origin);
  }
  assert.ok(originMatches('https://a.example.com:8443', 'https://*.example.com:8443'));
  assert.ok(originMatches('https://shop.example.com', 'https://shop.example.com'));
});

test('widget token minting (isOriginAllowed) honours *. entries beside exact ones', () => {
  const allowed = ['https://*.shop.example', 'http://127.0.0.1:3001'];
  assert.ok(isOriginAllowed('https://eu.shop.example', allowed));
  assert.ok(isOriginAllowed('HTTPS://EU.Shop.Example:443', allowed));
  assert.ok(isOriginAllowed('http://127.0.0.1:3001', allowed));
  for (const origin of ['https://shop.example', 'http://eu.shop.example', 'https://eu.shop.example.evil', 'null', undefined]) {
    assert.equal(isOriginAllowed(origin, allowed), false, String(origin));
  }
});
