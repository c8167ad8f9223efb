import { Router, type Request, type Response } from 'express';
import { join } from 'node:path';
import { errorBody } from '../http/errors.js';
import { bundleLoader, chunkLoader, defaultWidgetDir, fontNames, type Bundle } from './widget-bundle.js';

const NOT_BUILT = 'The widget has not been built. Run `npm run build` on the Parley server, then reload.';
const YEAR = 'public, max-age=31536000, immutable';

/**
 * `GET /widget.js` (the loader), `GET /widget/chunks/<name>.<hash>.js` and
 * `GET /widget/fonts/<file>` (docs/widget-api.md): the files a customer's page loads
 * from Parley, so they are allowed cross-origin, unlike everything else this server
 * answers. The chunks are loaded with `crossorigin="anonymous"` and `integrity`, a
 * CORS request: hence `Access-Control-Allow-Origin: *` (no credentials are involved).
 */
export function widgetAssetRoutes(dir = defaultWidgetDir()): Router {
  const router = Router();
  const loadBundle = bundleLoader(dir);
  const loadChunk = chunkLoader(dir);
  // Start compressing now, so the first visitor does not wait for it.
  void loadBundle().catch(() => undefined);
  let fonts = fontNames(dir);

  router.get('/widget.js', async (req, res) => {
    crossOrigin(res);
    res.removeHeader('X-Frame-Options');
    const bundle = await loadBundle();
    if (!bundle) {
      res.status(503).json(errorBody('widget_not_built', NOT_BUILT));
      return;
    }
    sendScript(req, res, bundle, 'public, max-age=300');
  });

  router.get('/widget/chunks/:file', async (req, res) => {
    crossOrigin(res);
    const chunk = await loadChunk(req.params.file);
    if (!chunk) {
      res.status(404).json(errorBody('chunk_not_found', 'There is no such widget chunk.'));
      return;
    }
    sendScript(req, res, chunk, YEAR);
  });

  router.get('/widget/fonts/:file', (req, res) => {
    crossOrigin(res);
    // Read at start-up; a build made after start-up is picked up on the first miss.
    if (fonts.size === 0) fonts = fontNames(dir);
    const file = req.params.file;
    if (!fonts.has(file)) {
      res.status(404).json(errorBody('font_not_found', 'There is no such font.'));
      return;
    }
    res.sendFile(
      join(dir, 'fonts', file),
      { headers: { 'Content-Type': 'font/woff2', 'Cache-Control': YEAR }, cacheControl: false },
      (err) => {
        if (err && !res.headersSent) res.status(404).json(errorBody('font_not_found', 'There is no such font.'));
      },
    );
  });

  return router;
}

function crossOrigin(res: Response): void {
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.setHeader('Access-Control-Allow-Origin', '*');
}

/** A script, compressed as the browser accepts, revalidated by its ETag. */
function sendScript(req: Request, res: Response, bundle: Bundle, cacheControl: string): void {
  res.setHeader('Content-Type', 'application/javascript; charset=utf-8');
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
