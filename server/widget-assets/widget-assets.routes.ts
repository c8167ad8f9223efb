import { Router, type Request, type Response } from 'express';
import { join } from 'node:path';
import { errorBody } from '../http/errors.js';
import { MANIFEST_FILE, PINNED_FILE } from './release-manifest.js';
import { CHUNK_FILE, FONT_FILE, bundleLoader, changingFileLoader, chunkLoader, defaultWidgetDir, fontNames, immutableFileLoader, loaderChunks, type Bundle } from './widget-bundle.js';

const NOT_BUILT = 'The widget has not been built. Run `npm run build` on the Parley server, then reload.';
const YEAR = 'public, max-age=31536000, immutable';
/** A font under KaTeX's fixed name (from a version released before fonts were content-named): revalidated daily, never immutable. */
const LEGACY_FONT = 'public, max-age=86400';
const JS = 'application/javascript; charset=utf-8';

/**
 * `GET /widget.js` (the rolling loader, the current build), `GET /widget/v<semver>.js`
 * (a pinned loader published into releaseDir by `npm run release`), `GET
 * /widget/chunks/<name>.<hash>.js`, `GET /widget/fonts/<name>.<hash>.woff2` and `GET
 * /widget/manifest.json` (docs/widget-api.md): the files a customer's page loads from
 * Parley, so they are allowed cross-origin, unlike everything else this server answers.
 * The chunks are loaded with `crossorigin="anonymous"` and `integrity`, a CORS request:
 * hence `Access-Control-Allow-Origin: *` (no credentials are involved). Chunks and fonts
 * come from the build or from releaseDir, so every published version keeps working
 * after an upgrade.
 */
export function widgetAssetRoutes({ widgetDir: dir = defaultWidgetDir(), releaseDir }: { widgetDir?: string | undefined; releaseDir?: string | undefined } = {}): Router {
  const router = Router();
  const loadBundle = bundleLoader(dir);
  const released = releaseDir ? join(releaseDir, 'widget') : undefined;
  const chunkSources = [chunkLoader(dir), ...(released ? [immutableFileLoader(join(released, 'chunks'), CHUNK_FILE)] : [])];
  const loadChunk = async (file: string) => {
    for (const load of chunkSources) {
      const chunk = await load(file);
      if (chunk) return chunk;
    }
    return undefined;
  };
  const loadPinned = released ? immutableFileLoader(released, PINNED_FILE) : async () => undefined;
  const loadManifest = released ? changingFileLoader(join(released, MANIFEST_FILE)) : async () => undefined;
  // Start compressing now, so the first visitor (and the first to open the chat) does not wait for it.
  void loadBundle().catch(() => undefined);
  for (const file of loaderChunks(dir)) void loadChunk(file);
  // Published fonts first: a pinned version's KaTeX chunk asks for the fonts it was released with.
  const fontDirs = [...(released ? [released] : []), dir];
  let fonts = fontDirs.map((d) => fontNames(d));

  router.get('/widget.js', async (req, res) => {
    crossOrigin(res);
    res.removeHeader('X-Frame-Options');
    const bundle = await loadBundle();
    if (!bundle) {
      res.status(503).json(errorBody('widget_not_built', NOT_BUILT));
      return;
    }
    sendCompressed(req, res, bundle, JS, 'public, max-age=300');
  });

  router.get('/widget/chunks/:file', async (req, res) => {
    crossOrigin(res);
    const chunk = await loadChunk(req.params.file);
    if (!chunk) {
      res.status(404).json(errorBody('chunk_not_found', 'There is no such widget chunk.'));
      return;
    }
    sendCompressed(req, res, chunk, JS, YEAR);
  });

  router.get('/widget/fonts/:file', (req, res) => {
    crossOrigin(res);
    // Read at start-up; a build or release made after start-up is picked up on the first miss.
    const file = req.params.file;
    if (!fonts.some((names) => names.has(file))) fonts = fontDirs.map((d) => fontNames(d));
    const index = fonts.findIndex((names) => names.has(file));
    if (index < 0) {
      res.status(404).json(errorBody('font_not_found', 'There is no such font.'));
      return;
    }
    res.sendFile(
      join(fontDirs[index]!, 'fonts', file),
      { headers: { 'Content-Type': 'font/woff2', 'Cache-Control': FONT_FILE.test(file) ? YEAR : LEGACY_FONT }, cacheControl: false },
      (err) => {
        if (err && !res.headersSent) res.status(404).json(errorBody('font_not_found', 'There is no such font.'));
      },
    );
  });

  router.get('/widget/manifest.json', async (req, res) => {
    crossOrigin(res);
    const manifest = await loadManifest();
    if (!manifest) {
      res.status(404).json(errorBody('manifest_not_found', 'No widget version has been published on this server.'));
      return;
    }
    sendCompressed(req, res, manifest, 'application/json; charset=utf-8', 'public, max-age=300');
  });

  // A pinned version: exactly the bytes `npm run release` published, or 404; never another version.
  router.get('/widget/:file', async (req, res, next) => {
    if (!/^v[^/]*\.js$/.test(req.params.file)) {
      next();
      return;
    }
    crossOrigin(res);
    const pinned = PINNED_FILE.test(req.params.file) ? await loadPinned(req.params.file) : undefined;
    if (!pinned) {
      res.status(404).json(errorBody('version_not_found', 'There is no such published widget version.'));
      return;
    }
    res.removeHeader('X-Frame-Options');
    sendCompressed(req, res, pinned, JS, YEAR);
  });

  return router;
}

function crossOrigin(res: Response): void {
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.setHeader('Access-Control-Allow-Origin', '*');
}

/** A file, compressed as the browser accepts, revalidated by its ETag. */
function sendCompressed(req: Request, res: Response, bundle: Bundle, type: string, cacheControl: string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('ETag', bundle.etag);
  res.setHeader('Vary', 'Accept-Encoding');
  if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(bundle.etag)) {
    res.status(304).end();
    return;
  }
  const accepted = acceptedEncodings(req.headers['accept-encoding']);
  const [encoding, body] = accepted.has('br') ? ['br', bundle.brotli] : accepted.has('gzip') ? ['gzip', bundle.gzip] : [undefined, bundle.raw];
  if (encoding) res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The content codings an Accept-Encoding header allows (q=0 means refused). */
function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name && (q === undefined || Number(q) > 0)) accepted.add(name);
  }
  return accepted;
}
