import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import express from 'express';
import { createHash } from 'node:crypto';
import { LOADER_GZIP_BUDGET, widgetSizes } from '../../bench/widget-size.js';
import { defaultWidgetDir, loaderChunks } from '../../server/widget-assets/widget-bundle.js';
import { widgetAssetRoutes } from '../../server/widget-assets/widget-assets.routes.js';
import { errorHandler, notFound } from '../../server/http/errors.js';
import { securityHeaders } from '../../server/http/security-headers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { rawGet as get } from '../support/raw-get.js';

const DIST = defaultWidgetDir();


describe('widget assets', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('pglite');
  });
  after(() => server?.stop());

  test('GET /widget.js serves the built bundle for any site to load', async () => {
    const res = await get(server.url, '/widget.js');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/javascript; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'public, max-age=300');
    assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['x-frame-options'], undefined);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.deepEqual(res.body, readFileSync(join(DIST, 'widget.js')));
  });

  test('the loader is under 5 KiB gzipped and pins each chunk by name and SHA-384', () => {
    const loaderGzip = widgetSizes(DIST).get('widget.js')!.gzip;
    assert.ok(loaderGzip < LOADER_GZIP_BUDGET, `loader gzip ${loaderGzip} B`);
    const loader = readFileSync(join(DIST, 'widget.js'), 'utf8');
    const chunks = loaderChunks(DIST).sort();
    assert.deepEqual(chunks.map((f) => f.replace(/\.[0-9a-f]{16}\.js$/, '')), ['katex', 'panel']);
    for (const file of chunks) {
      const digest = createHash('sha384').update(readFileSync(join(DIST, 'chunks', file))).digest();
      assert.equal(file.split('.')[1], digest.toString('hex').slice(0, 16), `${file} is named by its content`);
      assert.ok(loader.includes(file) && loader.includes(`sha384-${digest.toString('base64')}`), `the loader pins ${file}`);
    }
    for (const heavy of ['DOMPurify', 'linkify', 'KaTeX_Main', '__PARLEY_CHUNKS__']) assert.ok(!loader.includes(heavy), heavy);
  });

  test('a chunk is served by its content name, cross-origin, immutable, compressed, with an ETag', async () => {
    for (const file of loaderChunks(DIST)) {
      const raw = readFileSync(join(DIST, 'chunks', file));
      const res = await get(server.url, `/widget/chunks/${file}`, { 'accept-encoding': 'br' });
      assert.equal(res.status, 200, file);
      assert.equal(res.headers['content-type'], 'application/javascript; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['content-encoding'], 'br');
      assert.deepEqual(brotliDecompressSync(res.body), raw);
      const plain = await get(server.url, `/widget/chunks/${file}`);
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.deepEqual(plain.body, raw);
      const again = await get(server.url, `/widget/chunks/${file}`, { 'if-none-match': String(res.headers.etag) });
      assert.equal(again.status, 304);
    }
  });

  test('unknown chunk names and path tricks are a JSON 404, never another file', async () => {
    const [real] = loaderChunks(DIST);
    for (const path of [
      '/widget/chunks/panel.0000000000000000.js',
      '/widget/chunks/panel.js',
      `/widget/chunks/${real!.toUpperCase()}`,
      `/widget/chunks/${real}.map`,
      '/widget/chunks/..%2Fwidget.js',
      '/widget/chunks/..%2F..%2F..%2Fpackage.json',
      '/widget/chunks/%2e%2e%2ffonts%2fKaTeX_Main-Regular.woff2',
      '/widget/chunks/.build-stamp',
      `/widget/chunks/${real}%00.js`,
    ]) {
      const res = await get(server.url, path);
      assert.equal(res.status, 404, path);
      assert.match(String(res.headers['content-type']), /application\/json/, path);
      assert.equal(JSON.parse(res.body.toString()).error.code, 'chunk_not_found', path);
    }
    assert.equal((await get(server.url, '/widget/chunks/../../package.json')).status, 404);
  });

  test('the bundle is compressed when the browser accepts it, and revalidates with its ETag', async () => {
    const raw = readFileSync(join(DIST, 'widget.js'));
    const br = await get(server.url, '/widget.js', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.ok(br.body.length < raw.length / 2);
    assert.deepEqual(brotliDecompressSync(br.body), raw);
    const gz = await get(server.url, '/widget.js', { 'accept-encoding': 'gzip, br;q=0' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(gz.body), raw);
    assert.match(String(br.headers.vary), /Accept-Encoding/i);

    const etag = String(br.headers.etag);
    assert.equal(gz.headers.etag, etag);
    const again = await get(server.url, '/widget.js', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
  });

  test("KaTeX's fonts are named by their content, so named in the KaTeX chunk's CSS, and each served with its bytes, cross-origin, immutable", async () => {
    const katex = loaderChunks(DIST).find((f) => f.startsWith('katex.'))!;
    const css = readFileSync(join(DIST, 'chunks', katex), 'utf8');
    const named = [...css.matchAll(/url\(\\?"fonts\/([^"\\)]+)\\?"\)/g)].map((m) => m[1]!);
    assert.ok(named.some((f) => f.startsWith('KaTeX_Main-Regular.')), 'the chunk names KaTeX_Main-Regular');
    assert.ok(named.length >= 19, `${named.length} fonts`);
    assert.ok(!/KaTeX_[A-Za-z0-9-]+\.woff2/.test(css), 'no font under its fixed name');
    const onDisk = readdirSync(join(DIST, 'fonts'));
    for (const file of named) {
      const bytes = readFileSync(join(DIST, 'fonts', file));
      assert.ok(onDisk.includes(file), file);
      assert.equal(file.split('.')[1], createHash('sha384').update(bytes).digest('hex').slice(0, 16), `${file} is named by its content`);
      const res = await get(server.url, `/widget/fonts/${file}`);
      assert.equal(res.status, 200, file);
      assert.equal(res.headers['content-type'], 'font/woff2');
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.deepEqual(res.body, bytes, file);
    }
  });

  test('unknown font names and path tricks are a JSON 404', async () => {
    for (const path of [
      '/widget/fonts/nope.woff2',
      '/widget/fonts/KaTeX_Main-Regular.woff',
      '/widget/fonts/KaTeX_Main-Regular.0123456789abcdef.woff2',
      '/widget/fonts/..%2Fwidget.js',
      '/widget/fonts/..%2F..%2F..%2Fpackage.json',
      '/widget/fonts/%2e%2e%2f%2e%2e%2fserver%2fapp.ts',
      '/widget/fonts/.build-stamp',
      '/widget/fonts/KaTeX_Main-Regular.woff2%00.js',
    ]) {
      const res = await get(server.url, path);
      assert.equal(res.status, 404, path);
      assert.match(String(res.headers['content-type']), /application\/json/, path);
      assert.equal(JSON.parse(res.body.toString()).error.code, 'font_not_found', path);
    }
    const dotdot = await get(server.url, '/widget/fonts/../../package.json');
    assert.equal(dotdot.status, 404);
  });
});

describe('widget assets before the widget is built', () => {
  test('GET /widget.js answers 503 telling the operator to run npm run build; fonts and chunks are 404', async () => {
    const app = express();
    app.use(securityHeaders('http://127.0.0.1'));
    app.use(widgetAssetRoutes({ widgetDir: mkdtempSync(join(tmpdir(), 'parley-no-widget-')) }));
    app.use(notFound);
    app.use(errorHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await get(base, '/widget.js');
      assert.equal(res.status, 503);
      const body = JSON.parse(res.body.toString()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'widget_not_built');
      assert.match(body.error.message, /npm run build/);
      assert.equal((await get(base, '/widget/fonts/KaTeX_Main-Regular.woff2')).status, 404);
      const [chunk] = loaderChunks(DIST);
      assert.equal((await get(base, `/widget/chunks/${chunk}`)).status, 404);
    } finally {
      server.close();
    }
  });
});
