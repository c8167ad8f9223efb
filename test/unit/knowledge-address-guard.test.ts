import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../server/config.js';
import { generateKeyringText } from '../../server/keys/keyring.js';
import { checkAddress, isAllowedAddress, parseAllowNetworks, toAllowList } from '../../server/knowledge/fetch/address-guard.js';
import { checkUrl } from '../../server/knowledge/fetch/check-url.js';
import { acceptsType, parseContentType } from '../../server/knowledge/fetch/content-type.js';
import { guardedLookup } from '../../server/knowledge/fetch/guarded-lookup.js';
import { HostLimiter } from '../../server/knowledge/fetch/host-limiter.js';
import { sameSite } from '../../server/knowledge/fetch/same-site.js';
import { parseSitemap } from '../../server/knowledge/fetch/sitemap-parse.js';
import { parleyBotUserAgent } from '../../server/knowledge/fetch/user-agent.js';

const REFUSED = [
  '127.0.0.1', '127.255.255.254', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.1.1',
  '169.254.169.254', '169.254.0.1', '0.0.0.0', '0.1.2.3', '100.64.0.1', '100.127.255.255', '224.0.0.1', '239.255.255.250',
  '255.255.255.255', '192.0.2.1', '198.51.100.7', '203.0.113.9', '198.18.0.1', '240.0.0.1', '192.0.0.8',
  '::1', '::', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd12:3456::1', 'ff02::1', 'fec0::1', '2001:db8::1', '3fff::1',
  // IPv4 inside IPv6: mapped (both spellings), IPv4-compatible, NAT64 and 6to4 around private addresses.
  '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '::127.0.0.1', '::7f00:1', '::ffff:0:7f00:1',
  '64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', '64:ff9b::10.1.2.3', '64:ff9b:1::1', '2002:7f00:1::1', '2002:c0a8:101::1',
  // Teredo, benchmarking, ORCHID and anything outside 2000::/3.
  '2001::1', '2001:2::1', '2001:20::1', '4000::1', '100::1', 'not an address', '',
];
const ALLOWED = ['93.184.216.34', '1.1.1.1', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e',
  '::ffff:93.184.216.34', '64:ff9b::5db8:d822', '2002:5db8:d822::1'];

test('the address guard refuses loopback, private, link-local, metadata, reserved and their IPv6 forms', () => {
  for (const ip of REFUSED) assert.equal(isAllowedAddress(ip), false, `${ip} should be refused`);
  for (const ip of ALLOWED) assert.equal(isAllowedAddress(ip), true, `${ip} should be allowed`);
});

test('refusals say which kind of address it was, in words', () => {
  const verdict = checkAddress('169.254.169.254');
  assert.equal(verdict.allowed, false);
  assert.match(!verdict.allowed ? verdict.description : '', /metadata/);
  assert.deepEqual(checkAddress('::ffff:10.0.0.1'), checkAddress('10.0.0.1'));
});

test('the operator allow-list opens exactly the networks it names, mapped forms included', () => {
  const allow = toAllowList(parseAllowNetworks('127.0.0.2/32, 10.1.0.0/16,fd00::/8'));
  for (const ip of ['127.0.0.2', '::ffff:127.0.0.2', '10.1.200.3', 'fd00::5']) assert.equal(isAllowedAddress(ip, allow), true, ip);
  for (const ip of ['127.0.0.1', '10.2.0.1', '::1', '169.254.169.254', 'fe80::1']) assert.equal(isAllowedAddress(ip, allow), false, ip);
  assert.deepEqual(parseAllowNetworks('127.0.0.1, ::1, ::ffff:127.0.0.0/104'), ['127.0.0.1/32', '::1/128', '127.0.0.0/8']);
  assert.deepEqual(parseAllowNetworks(undefined), []);
  assert.throws(() => parseAllowNetworks('127.0.0.1/33'), /127\.0\.0\.1\/33/);
});

const env = (extra: Record<string, string> = {}) => ({
  DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-config-')),
  MASTER_KEYS: generateKeyringText('m1'),
  TOKEN_KEYS: generateKeyringText('t1'),
  ...extra,
});

test('config: the allow-list is off by default and validated; the sitemap page cap defaults to 2000', () => {
  assert.deepEqual(loadConfig(env()).knowledgeFetch, { allowNetworks: [], sitemapMaxPages: 2000 });
  assert.deepEqual(loadConfig(env({ KNOWLEDGE_FETCH_ALLOW_NETWORKS: '127.0.0.1/32', KNOWLEDGE_SITEMAP_MAX_PAGES: '50' })).knowledgeFetch,
    { allowNetworks: ['127.0.0.1/32'], sitemapMaxPages: 50 });
  assert.throws(() => loadConfig(env({ KNOWLEDGE_FETCH_ALLOW_NETWORKS: 'localhost' })),
    (err: Error) => err instanceof ConfigError && err.message.startsWith('KNOWLEDGE_FETCH_ALLOW_NETWORKS: "localhost"'));
  assert.throws(() => loadConfig(env({ KNOWLEDGE_SITEMAP_MAX_PAGES: '0' })), /KNOWLEDGE_SITEMAP_MAX_PAGES/);
});

test('URLs: http(s) only, no credentials, IP literals checked in every spelling the URL parser accepts', () => {
  const reason = (u: string) => { const r = checkUrl(u, []); return r.ok ? 'ok' : r.failure.reason; };
  assert.equal(reason('https://example.com/a'), 'ok');
  assert.equal(reason('ftp://example.com/'), 'bad_scheme');
  assert.equal(reason('file:///etc/passwd'), 'bad_scheme');
  assert.equal(reason('https://user:pw@example.com/'), 'invalid_url');
  assert.equal(reason('not a url'), 'invalid_url');
  for (const u of ['http://127.0.0.1/', 'http://2130706433/', 'http://0x7f.1/', 'http://0/', 'http://[::1]/', 'http://[::ffff:7f00:1]/', 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1:8080/']) {
    assert.equal(reason(u), 'blocked_address', u);
  }
});

test('the guarded lookup refuses a name with any refused address, and answers in both lookup forms', async () => {
  const resolver = (name: string) => (_h: string, _o: object, cb: (e: null, a: { address: string; family: number }[]) => void) =>
    cb(null, name === 'mixed' ? [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }] : [{ address: '93.184.216.34', family: 4 }]);
  const run = (name: string, all: boolean) => new Promise<unknown>((resolve) =>
    guardedLookup([], resolver(name))(name, { all }, (err, address) => resolve(err ?? address)));
  assert.match(String(await run('mixed', true)), /resolves to a loopback address/);
  assert.equal(await run('public', false), '93.184.216.34');
  assert.deepEqual(await run('public', true), [{ address: '93.184.216.34', family: 4 }]);
});

test('the host limiter never runs more than its limit per host, and hands a released slot to a waiter', async () => {
  const limiter = new HostLimiter(2);
  const a = await limiter.acquire('Example.com');
  const b = await limiter.acquire('example.com');
  let third = false;
  const waiting = limiter.acquire('example.com').then((release) => { third = true; return release; });
  const other = await limiter.acquire('other.example');
  await new Promise((r) => setImmediate(r));
  assert.equal(third, false);
  assert.equal(limiter.active('example.com'), 2);
  a();
  a(); // a second call gives nothing back twice
  const newcomer = limiter.acquire('example.com');
  const c = await waiting;
  assert.equal(limiter.active('example.com'), 2);
  b();
  (await newcomer)();
  c();
  other();
  assert.equal(limiter.active('example.com'), 0);
  const controller = new AbortController();
  const x = await limiter.acquire('h'); const y = await limiter.acquire('h');
  const aborted = limiter.acquire('h', controller.signal);
  controller.abort(new Error('stop'));
  await assert.rejects(aborted, /stop/);
  x(); y();
  assert.equal(limiter.active('h'), 0);
});

test('same site: scheme and port exact, www. or not the same host, other subdomains not', () => {
  const site = new URL('https://example.com/sitemap.xml');
  assert.equal(sameSite(site, new URL('https://example.com/a')), true);
  assert.equal(sameSite(site, new URL('https://www.example.com/a')), true);
  assert.equal(sameSite(new URL('https://www.example.com/s.xml'), new URL('https://example.com:443/a')), true);
  assert.equal(sameSite(site, new URL('http://example.com/a')), false);
  assert.equal(sameSite(site, new URL('https://example.com:8443/a')), false);
  assert.equal(sameSite(site, new URL('https://docs.example.com/a')), false);
  assert.equal(sameSite(site, new URL('https://example.com.evil.test/a')), false);
});

test('sitemap documents: urlset, index, plain text, and what is not a sitemap', () => {
  const urlset = Buffer.from('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> https://e.com/a?x=1&amp;y=2 </loc><lastmod>2024-01-02</lastmod></url><url><loc>https://e.com/b</loc></url></urlset>');
  assert.deepEqual(parseSitemap(urlset, 'application/xml', 1e6), { kind: 'urlset', entries: [{ loc: 'https://e.com/a?x=1&y=2', lastmod: '2024-01-02' }, { loc: 'https://e.com/b' }] });
  const index = Buffer.from('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://e.com/s1.xml</loc></sitemap></sitemapindex>');
  assert.deepEqual(parseSitemap(index, 'text/xml', 1e6), { kind: 'index', entries: [{ loc: 'https://e.com/s1.xml' }] });
  assert.deepEqual(parseSitemap(Buffer.from('https://e.com/a\nhttps://e.com/b\n# no\n'), 'text/plain', 1e6), { kind: 'urlset', entries: [{ loc: 'https://e.com/a' }, { loc: 'https://e.com/b' }] });
  assert.equal(parseSitemap(Buffer.from('<html><body>hi</body></html>'), 'text/xml', 1e6).kind, 'invalid');
  assert.deepEqual(parseSitemap(Buffer.from('<urlset/>'), 'text/xml', 1e6), { kind: 'urlset', entries: [] });
});

test('content types and the User-Agent', () => {
  assert.deepEqual(parseContentType('Text/HTML; Charset="UTF-8"'), { type: 'text/html', charset: 'utf-8' });
  assert.equal(acceptsType('text/html', ['text/*']), true);
  assert.equal(acceptsType('image/png', ['text/*', 'application/pdf']), false);
  assert.equal(acceptsType('', ['*/*']), true);
  assert.match(parleyBotUserAgent('https://chat.example.com'), /^ParleyBot\/\d+\.\d+\.\d+ \(\+https:\/\/chat\.example\.com\)$/);
  assert.match(parleyBotUserAgent(undefined), /^ParleyBot\/\d+\.\d+\.\d+$/);
});
