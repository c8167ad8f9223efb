import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { publishWidget, ReleaseRefused, sri } from '../../scripts/publish-widget.js';
import { fontFileName } from '../../scripts/vite-katex.js';
import { readManifest } from '../../server/widget-assets/release-manifest.js';
import { defaultWidgetDir } from '../../server/widget-assets/widget-bundle.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { rawGet as get } from '../support/raw-get.js';

// npm run release (scripts/release.ts), the pinned versions the server serves from
// RELEASE_DIR, and npm run verify-widget against a running server.
const run = promisify(execFile);
const TSX = join('node_modules', 'tsx', 'dist', 'cli.mjs');
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const tempDir = (label: string) => mkdtempSync(join(tmpdir(), `parley-${label}-`));

/** Runs a script with tsx; resolves with its exit code and output instead of throwing. */
async function script(file: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TSX, file, ...args], { env: { ...process.env, PUBLIC_URL: '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const release = (dir: string) => script('scripts/release.ts', [], { RELEASE_DIR: dir });

/** Every file under dir with its SHA-384 and modification time: any write shows. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const path = join(dir, f);
    if (statSync(path).isFile()) out[f] = `${sri(readFileSync(path))} ${statSync(path).mtimeMs}`;
  }
  return out;
}


describe('npm run release', () => {
  const dirs = [tempDir('release-a'), tempDir('release-b')];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('is reproducible: two releases of this tree publish the same bytes and integrity', async () => {
    const results = await Promise.all(dirs.map(release));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const [a, b] = dirs.map((d) => readManifest(join(d, 'widget')).versions[VERSION]!);
    assert.match(a!.integrity, /^sha384-/);
    assert.deepEqual({ ...b, builtAt: '' }, { ...a, builtAt: '' });
    // Every published file but the manifest, whose builtAt differs.
    const files = (d: string) => Object.fromEntries(Object.entries(snapshot(d)).filter(([f]) => !f.endsWith('manifest.json')).map(([f, v]) => [f, v.split(' ')[0]]));
    assert.deepEqual(files(dirs[1]!), files(dirs[0]!));
    assert.equal(a!.chunks.length, 2);
    assert.equal(sri(readFileSync(join(dirs[0]!, 'widget', `v${VERSION}.js`))), a!.integrity);
    // The pinned loader is the rolling one of the same build.
    assert.ok(readFileSync(join(dirs[0]!, 'widget', `v${VERSION}.js`)).equals(readFileSync(join(defaultWidgetDir(), 'widget.js'))));
    const out = results[0]!.stdout;
    assert.ok(out.includes(`<script src="http://127.0.0.1:3000/widget.js" data-workspace="PUBLIC_ID" async></script>`), out);
    assert.ok(out.includes(`<script src="http://127.0.0.1:3000/widget/v${VERSION}.js" integrity="${a!.integrity}" crossorigin="anonymous" data-workspace="PUBLIC_ID" async></script>`), out);
  });

  test('releasing the same version again with the same bytes is a no-op success', async () => {
    const before = snapshot(dirs[0]!);
    const r = await release(dirs[0]!);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^v${VERSION.replaceAll('.', '\\.')} already published, identical`));
    assert.deepEqual(snapshot(dirs[0]!), before);
  });

  test('a published loader whose bytes differ from this build is never overwritten: refused, exit 1, nothing written', async () => {
    // Stands in for "this version was published from other source": the file on disk differs from what this tree builds.
    const dir = tempDir('release-tampered');
    try {
      cpSync(dirs[0]!, dir, { recursive: true });
      const loader = join(dir, 'widget', `v${VERSION}.js`);
      const bytes = readFileSync(loader);
      bytes[100] = bytes[100]! ^ 1;
      writeFileSync(loader, bytes);
      const before = snapshot(dir);
      const r = await release(dir);
      assert.equal(r.code, 1);
      const line = r.stderr.trim();
      assert.equal(line.split('\n').length, 1, line);
      assert.ok(line.startsWith(`release: v${VERSION} is already published as ${sri(bytes)}`), line);
      assert.ok(line.includes(readManifest(join(dirs[0]!, 'widget')).versions[VERSION]!.integrity), line);
      assert.deepEqual(snapshot(dir), before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a manifest listing this version with another integrity is refused, naming both hashes; nothing written', async () => {
    const dir = tempDir('release-other');
    try {
      cpSync(dirs[0]!, dir, { recursive: true });
      const manifestFile = join(dir, 'widget', 'manifest.json');
      const manifest = readManifest(join(dir, 'widget'));
      const built = manifest.versions[VERSION]!.integrity;
      const other = `sha384-${createHash('sha384').update('other source').digest('base64')}`;
      manifest.versions[VERSION]!.integrity = other;
      writeFileSync(manifestFile, JSON.stringify(manifest));
      rmSync(join(dir, 'widget', `v${VERSION}.js`));
      const before = snapshot(dir);
      const r = await release(dir);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), `release: v${VERSION} is already published as ${other}; this build is ${built}. A published version is never rewritten: raise "version" in package.json.`);
      assert.deepEqual(snapshot(dir), before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a new version keeps every older one, and a chunk published with other bytes under the same name is refused', () => {
    const dir = tempDir('release-versions');
    try {
      const buildDir = join(dirs[0]!, 'widget');
      // A release dir's layout is a build's: widget.js is the only file it lacks.
      const build = tempDir('release-build');
      cpSync(buildDir, build, { recursive: true });
      cpSync(join(build, `v${VERSION}.js`), join(build, 'widget.js'));
      publishWidget({ buildDir: build, releaseDir: dir, version: '0.0.9' });
      const first = readFileSync(join(dir, 'widget', 'v0.0.9.js'));
      const result = publishWidget({ buildDir: build, releaseDir: dir, version: '0.1.0-rc.1' });
      assert.equal(result.status, 'published');
      assert.deepEqual(Object.keys(readManifest(join(dir, 'widget')).versions), ['0.0.9', '0.1.0-rc.1']);
      assert.ok(readFileSync(join(dir, 'widget', 'v0.0.9.js')).equals(first));

      const chunk = readdirSync(join(build, 'chunks')).find((f) => f.startsWith('panel.'))!;
      writeFileSync(join(build, 'chunks', chunk), Buffer.concat([readFileSync(join(build, 'chunks', chunk)), Buffer.from(';')]));
      const before = snapshot(dir);
      assert.throws(() => publishWidget({ buildDir: build, releaseDir: dir, version: '0.2.0' }), /chunks\/panel\.[0-9a-f]{16}\.js is already published as sha384-.*; this build's is sha384-/);
      assert.deepEqual(snapshot(dir), before);
      assert.throws(() => publishWidget({ buildDir: build, releaseDir: dir, version: '01.2.3' }), /not a semver version/);
      rmSync(build, { recursive: true, force: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('KaTeX fonts across releases', () => {
  test('a KaTeX upgrade that changes a font publishes it under a new name beside the old; under one fixed name it would be refused', async () => {
    const releaseDir = tempDir('release-fonts');
    const build = tempDir('release-fonts-build');
    try {
      assert.equal((await release(releaseDir)).code, 0);
      cpSync(join(releaseDir, 'widget'), build, { recursive: true });
      cpSync(join(build, `v${VERSION}.js`), join(build, 'widget.js'));
      const font = readdirSync(join(build, 'fonts')).find((f) => f.startsWith('KaTeX_Main-Regular.'))!;
      assert.equal(font, fontFileName('KaTeX_Main-Regular.woff2', readFileSync(join(build, 'fonts', font))));
      const published = readFileSync(join(releaseDir, 'widget', 'fonts', font));

      // The upgraded KaTeX's font: other bytes, so another name, which its chunk asks for.
      const upgraded = Buffer.concat([published, Buffer.from([0])]);
      const renamed = fontFileName('KaTeX_Main-Regular.woff2', upgraded);
      assert.notEqual(renamed, font);
      const fixedName = tempDir('release-fonts-fixed');
      cpSync(build, fixedName, { recursive: true });
      rmSync(join(build, 'fonts', font));
      writeFileSync(join(build, 'fonts', renamed), upgraded);
      const result = publishWidget({ buildDir: build, releaseDir, version: '99.0.0' });
      assert.equal(result.status, 'published');
      assert.deepEqual(result.written, [`fonts/${renamed}`, 'v99.0.0.js', 'manifest.json']);
      assert.ok(readFileSync(join(releaseDir, 'widget', 'fonts', font)).equals(published), 'the old version keeps its font');
      assert.ok(readFileSync(join(releaseDir, 'widget', 'fonts', renamed)).equals(upgraded));

      // What a fixed name meant: the same name with other bytes, refused, nothing written.
      writeFileSync(join(fixedName, 'fonts', font), upgraded);
      const before = snapshot(releaseDir);
      assert.throws(() => publishWidget({ buildDir: fixedName, releaseDir, version: '99.0.1' }), (err: Error) => err instanceof ReleaseRefused && err.message.startsWith(`fonts/${font} is already published as `));
      assert.deepEqual(snapshot(releaseDir), before);
      rmSync(fixedName, { recursive: true, force: true });
    } finally {
      rmSync(releaseDir, { recursive: true, force: true });
      rmSync(build, { recursive: true, force: true });
    }
  });
});

describe('pinned versions served from RELEASE_DIR', () => {
  const releaseDir = tempDir('release-served');
  let server: TestServer;
  let entry: ReturnType<typeof readManifest>['versions'][string];
  before(async () => {
    assert.equal((await release(releaseDir)).code, 0);
    entry = readManifest(join(releaseDir, 'widget')).versions[VERSION]!;
    // A chunk of an older version: in the release directory only, not in dist/widget.
    writeFileSync(join(releaseDir, 'widget', 'chunks', 'panel.0123456789abcdef.js'), 'void 0;');
    // A font as versions released before fonts were content-named published it: KaTeX's fixed name.
    writeFileSync(join(releaseDir, 'widget', 'fonts', 'KaTeX_Main-Regular.woff2'), 'legacy font bytes');
    server = await startTestServer('pglite', { RELEASE_DIR: releaseDir });
  });
  after(async () => {
    await server?.stop();
    rmSync(releaseDir, { recursive: true, force: true });
  });

  test('GET /widget/v<version>.js: the published bytes, immutable, cross-origin, with an ETag', async () => {
    const res = await get(server.url, `/widget/v${VERSION}.js`);
    assert.equal(res.status, 200);
    assert.equal(sri(res.body), entry.integrity);
    assert.equal(res.headers['content-type'], 'application/javascript; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], undefined);
    const etag = String(res.headers.etag);
    assert.match(etag, /^"[\w-]+"$/);
    assert.equal((await get(server.url, `/widget/v${VERSION}.js`, { 'If-None-Match': etag })).status, 304);
    const br = await get(server.url, `/widget/v${VERSION}.js`, { 'Accept-Encoding': 'br' });
    assert.equal(br.headers['content-encoding'], 'br');
  });

  test('unknown or malformed versions are a JSON 404, never a fallback', async () => {
    for (const path of ['/widget/v9.9.9.js', '/widget/v0.1.js', '/widget/v01.0.0.js', '/widget/v0.1.0.js.map', '/widget/vlatest.js', '/widget/v0.1.0%2F..%2Fmanifest.js', '/widget/v..%2F..%2Fpackage.json.js']) {
      const res = await get(server.url, path);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', path);
      assert.ok(!res.body.includes('Parley'), path);
    }
    assert.equal(JSON.parse((await get(server.url, '/widget/v9.9.9.js')).body.toString()).error.code, 'version_not_found');
  });

  test("chunks of every published version stay servable, the build's and the release directory's", async () => {
    for (const chunk of entry.chunks) {
      const res = await get(server.url, `/widget/${chunk.file}`);
      assert.equal(res.status, 200, chunk.file);
      assert.equal(sri(res.body), chunk.integrity);
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    }
    const old = await get(server.url, '/widget/chunks/panel.0123456789abcdef.js');
    assert.equal(old.status, 200);
    assert.equal(old.body.toString(), 'void 0;');
    assert.equal(old.headers['access-control-allow-origin'], '*');
    assert.equal(old.headers['cross-origin-resource-policy'], 'cross-origin');
    assert.equal((await get(server.url, '/widget/chunks/panel.fedcba9876543210.js')).status, 404);
  });

  test('fonts come from the release directory too: content-named ones immutable, a fixed name (older releases) revalidated daily', async () => {
    const fonts = readdirSync(join(releaseDir, 'widget', 'fonts')).filter((f) => /\.[0-9a-f]{16}\.woff2$/.test(f));
    assert.ok(fonts.length >= 19, `${fonts.length} fonts`);
    for (const file of fonts) {
      const res = await get(server.url, `/widget/fonts/${file}`);
      assert.equal(res.status, 200, file);
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.ok(res.body.equals(readFileSync(join(releaseDir, 'widget', 'fonts', file))), file);
    }
    const legacy = await get(server.url, '/widget/fonts/KaTeX_Main-Regular.woff2');
    assert.equal(legacy.status, 200);
    assert.equal(legacy.body.toString(), 'legacy font bytes');
    assert.equal(legacy.headers['cache-control'], 'public, max-age=86400');
    assert.equal(legacy.headers['content-type'], 'font/woff2');
  });

  test('GET /widget/manifest.json is public, briefly cached, and lists the version', async () => {
    const res = await get(server.url, '/widget/manifest.json');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'public, max-age=300');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.deepEqual(JSON.parse(res.body.toString()).versions[VERSION], entry);
  });

  test('a server with nothing published answers 404 for versions and the manifest; /widget.js is the build', async () => {
    const bare = await startTestServer('pglite');
    try {
      assert.equal((await get(bare.url, `/widget/v${VERSION}.js`)).status, 404);
      assert.equal(JSON.parse((await get(bare.url, '/widget/manifest.json')).body.toString()).error.code, 'manifest_not_found');
      assert.equal((await get(bare.url, '/widget.js')).status, 200);
    } finally {
      await bare.stop();
    }
  });

  test('npm run verify-widget reports every file equal, and DIFFERENT once a served file differs', async () => {
    const ok = await script('scripts/verify-widget.ts', [server.url], { RELEASE_DIR: releaseDir });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const lines = ok.stdout.trim().split('\n');
    assert.equal(lines.filter((l) => l.startsWith('ok ')).length, 1 + entry.chunks.length);
    assert.match(lines.at(-1)!, /^all 3 files equal/);

    // Another server whose copy of the release has one byte of the panel chunk changed.
    const tampered = tempDir('release-tampered-served');
    cpSync(releaseDir, tampered, { recursive: true });
    const panel = entry.chunks.find((c) => c.file.startsWith('chunks/panel.'))!;
    const bytes = readFileSync(join(tampered, 'widget', panel.file));
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 1;
    writeFileSync(join(tampered, 'widget', panel.file), bytes);
    rmSync(join(tampered, 'widget', 'chunks', entry.chunks.find((c) => c !== panel)!.file.slice('chunks/'.length)));
    // The build's own chunks would mask the tampering: serve an empty widget build beside it.
    const other = await startTestServer('pglite', { RELEASE_DIR: tampered }, { widgetDir: tempDir('no-widget') });
    try {
      const bad = await script('scripts/verify-widget.ts', [other.url, '--version', VERSION], { RELEASE_DIR: releaseDir });
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, new RegExp(`^ok +${other.url}/widget/v${VERSION.replaceAll('.', '\\.')}\\.js$`, 'm'));
      assert.match(bad.stdout, new RegExp(`^DIFFERENT +${other.url}/widget/${panel.file.replaceAll('.', '\\.')} expected ${panel.integrity.replace(/[+/]/g, '\\$&')}, got sha384-`, 'm'));
      assert.match(bad.stdout, /^missing +\S+\/widget\/chunks\/katex\.[0-9a-f]{16}\.js \(HTTP 404\)$/m);
    } finally {
      await other.stop();
      rmSync(tampered, { recursive: true, force: true });
    }
  });

  test('verify-widget accepts only an http(s) origin', async () => {
    for (const target of ['file:///etc/passwd', 'ftp://example.com', `${server.url}/widget`, 'not a url']) {
      const r = await script('scripts/verify-widget.ts', [target], { RELEASE_DIR: releaseDir });
      assert.equal(r.code, 2, target);
      assert.match(r.stderr, /^verify-widget: /, target);
      assert.equal(r.stdout, '', target);
    }
  });
});
