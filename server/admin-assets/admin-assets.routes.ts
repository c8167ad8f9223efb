import { Router, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorBody } from '../http/errors.js';
import { immutableFileLoader, type Bundle } from '../widget-assets/widget-bundle.js';

const YEAR = 'public, max-age=31536000, immutable';
const NOT_BUILT = 'The admin panel has not been built. Run `npm run build` on the Parley server, then reload.';
// Vite's hashed names: index-Buvd5AAq.js, index-CnPBmWoI.css. Nothing else is served from assets/.
const ASSET = /^[\w-]+-[\w-]{8}\.(js|css)$/;
const TYPES: Record<string, string> = { js: 'application/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/** dist/admin/ of this checkout (built by scripts/build.mjs), whether run from server/ or dist/server/. */
export function defaultAdminDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('admin assets: no package.json above the server code');
    dir = parent;
  }
  return join(dir, 'dist', 'admin');
}

/**
 * The admin panel (admin/, a single-page app): `GET /admin` and every `/admin/…` path
 * without a file extension answer index.html, revalidated on every load so a new
 * build is picked up at once; `/admin/assets/<name>-<hash>.(js|css)` are immutable.
 * Same origin as the API, under the strict CSP every response gets.
 */
export function adminAssetRoutes({ adminDir = defaultAdminDir() }: { adminDir?: string } = {}): Router {
  const router = Router();

  // Read and compressed (gzip, brotli) once per file: a hashed name never changes its bytes.
  const loadAsset = immutableFileLoader(join(adminDir, 'assets'), ASSET);
  router.get('/admin/assets/:file', async (req, res) => {
    const asset = await loadAsset(req.params.file);
    if (!asset) {
      res.status(404).json(errorBody('asset_not_found', 'There is no such admin panel file.'));
      return;
    }
    sendAsset(req, res, asset, TYPES[ASSET.exec(req.params.file)![1]!]!);
  });

  router.get(['/admin', '/admin/{*path}'], (req, res, next) => {
    const last = req.path.split('/').pop() ?? '';
    if (last.includes('.')) {
      next();
      return;
    }
    sendIndex(res, adminDir);
  });

  return router;
}

function sendAsset(req: Request, res: Response, asset: Bundle, type: string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', YEAR);
  res.setHeader('ETag', asset.etag);
  res.setHeader('Vary', 'Accept-Encoding');
  if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(asset.etag)) {
    res.status(304).end();
    return;
  }
  const encoding = req.acceptsEncodings('br', 'gzip');
  const body = encoding === 'br' ? asset.brotli : encoding === 'gzip' ? asset.gzip : asset.raw;
  if (encoding === 'br' || encoding === 'gzip') res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendIndex(res: Response, dir: string): void {
  res.sendFile(join(dir, 'index.html'), { headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' }, cacheControl: false, lastModified: false }, (err) => {
    if (err && !res.headersSent) res.status(503).json(errorBody('admin_not_built', NOT_BUILT));
  });
}
