// A small web site on a local address for the knowledge fetcher's tests: pages with validators,
// robots.txt, redirects, sitemaps, slow and oversized answers. It records every request it gets
// and how many ran at once.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface FetchSite {
  server: Server;
  /** http://HOST:PORT (no trailing slash). */
  origin: string;
  port: number;
  /** Every request path, in arrival order. */
  requests: string[];
  userAgents: string[];
  /** The most /held/ requests in flight at the same time. */
  maxHeld: number;
  /** Replace or add a route. */
  route(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

export interface SiteOptions {
  host: string;
  /** robots.txt body, or a status to answer instead (404: none, 503: server error). */
  robots?: string | number;
}

export async function startFetchSite({ host, robots = 'User-agent: *\nDisallow: /private\n' }: SiteOptions): Promise<FetchSite> {
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  let held = 0;
  let heldWaiters: (() => void)[] = [];
  const site: FetchSite = {
    server: createServer((req, res) => {
      const path = req.url ?? '/';
      site.requests.push(path);
      site.userAgents.push(String(req.headers['user-agent']));
      const handler = routes.get(path.split('?')[0]!) ?? routes.get(prefixOf(path));
      if (handler) return handler(req, res);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }),
    origin: '', port: 0, requests: [], userAgents: [], maxHeld: 0,
    route: (path, handler) => void routes.set(path, handler),
    close: () => new Promise((resolve) => { site.server.closeAllConnections(); site.server.close(() => resolve()); }),
  };

  routes.set('/robots.txt', (_req, res) => {
    if (typeof robots === 'number') return void res.writeHead(robots).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(robots);
  });
  const html = (body: string) => `<!doctype html><html><head><title>t</title></head><body>${body}</body></html>`;
  routes.set('/page.html', (req, res) => {
    if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304, { etag: '"v1"' }).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag: '"v1"' }).end(html('<h1>Refunds</h1>'));
  });
  const modified = 'Wed, 01 May 2024 10:00:00 GMT';
  routes.set('/dated.html', (req, res) => {
    if (req.headers['if-modified-since'] === modified) return void res.writeHead(304).end();
    res.writeHead(200, { 'content-type': 'text/html', 'last-modified': modified }).end(html('dated'));
  });
  routes.set('/private/secret.html', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html('secret')));
  routes.set('/image.png', (_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(64)));
  routes.set('/big.html', (_req, res) => res.writeHead(200, { 'content-type': 'text/html', 'content-length': 2_000_000 }).end(Buffer.alloc(2_000_000, 'a')));
  routes.set('/big-stream.html', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    const chunk = Buffer.alloc(64 * 1024, 'b');
    // Without a Content-Length the limit can only be enforced while reading; stops once the client leaves.
    const write = () => { while (!res.destroyed && res.write(chunk)); if (!res.destroyed) res.once('drain', write); };
    res.on('close', () => res.removeAllListeners('drain'));
    write();
  });
  const bomb = gzipSync(Buffer.alloc(8_000_000, 0));
  routes.set('/bomb.html', (_req, res) => res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(bomb));
  const zipped = gzipSync(html('compressed page'));
  routes.set('/gzip.html', (_req, res) => res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(zipped));
  // Never answers: the fetcher's overall time limit must end it.
  routes.set('/slow.html', () => undefined);
  routes.set('/hop/', (req, res) => {
    const n = Number(req.url!.slice('/hop/'.length));
    if (n <= 0) return void res.writeHead(200, { 'content-type': 'text/html' }).end(html('arrived'));
    res.writeHead(302, { location: `/hop/${n - 1}` }).end();
  });
  routes.set('/to', (req, res) => {
    const target = new URL(req.url!, 'http://x').searchParams.get('target') ?? '/';
    res.writeHead(302, { location: target }).end();
  });
  routes.set('/no-location', (_req, res) => res.writeHead(301).end());
  // Each held request waits until another is in flight too (or a moment passes), so a limiter that
  // lets more than two through is seen letting them through together.
  routes.set('/held/', (_req, res) => {
    held++;
    site.maxHeld = Math.max(site.maxHeld, held);
    const finish = () => { held--; res.writeHead(200, { 'content-type': 'text/plain' }).end('held'); };
    if (held >= 2) { const waiters = heldWaiters; heldWaiters = []; waiters.forEach((w) => w()); setTimeout(finish, 20); }
    else { const timer = setTimeout(finish, 300); heldWaiters.push(() => { clearTimeout(timer); setTimeout(finish, 20); }); }
  });

  await new Promise<void>((resolve) => site.server.listen(0, host, resolve));
  site.port = (site.server.address() as AddressInfo).port;
  site.origin = `http://${host.includes(':') ? `[${host}]` : host}:${site.port}`;
  return site;
}

function prefixOf(path: string): string {
  const i = path.indexOf('/', 1);
  return i > 0 ? path.slice(0, i + 1) : path;
}

export function sitemapXml(urls: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.map((u) => `<url><loc>${u}</loc></url>`).join('')}</urlset>`;
}

export function sitemapIndexXml(urls: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.map((u) => `<sitemap><loc>${u}</loc></sitemap>`).join('')}</sitemapindex>`;
}
