import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';

/** One page of the stand-in customer site. */
export interface HostPageContent {
  html: string;
  /** Content-Security-Policy header, if any. */
  csp?: string;
  contentType?: string;
}

export interface HostSite {
  /** http://127.0.0.1:<port>: a different origin from the Parley server, which tests reach as http://localhost:<port>. */
  origin: string;
  /** Every request that reached the site. */
  requests: { method: string; url: string; headers: IncomingHttpHeaders }[];
  /** Serves content at path (e.g. /strict) from now on. */
  set(path: string, content: HostPageContent): string;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 standing in for a customer's website. Unknown paths are 404 (the favicon 204). */
export async function startHostSite(): Promise<HostSite> {
  const pages = new Map<string, HostPageContent>();
  const requests: HostSite['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const page = pages.get(path);
    if (!page) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': page.contentType ?? 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      ...(page.csp && { 'Content-Security-Policy': page.csp }),
    });
    res.end(page.html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    set(path, content) {
      pages.set(path, content);
      return `${origin}${path}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A plain page embedding the widget with the one-line tag (twice, with copies: 2); pinned: the tag of a published version. */
export function embedHtml(
  parley: string,
  workspace: string,
  options: { copies?: number; body?: string; head?: string; pinned?: { version: string; integrity: string } } = {},
): string {
  const tag = options.pinned
    ? `<script src="${parley}/widget/v${options.pinned.version}.js" integrity="${options.pinned.integrity}" crossorigin="anonymous" data-workspace="${workspace}" async></script>`
    : `<script src="${parley}/widget.js" data-workspace="${workspace}" async></script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>A customer's site</title>
${options.head ?? ''}
</head>
<body>
<main><h1>Welcome to our shop</h1><p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p></main>
${options.body ?? ''}
${tag.repeat(options.copies ?? 1)}
</body>
</html>
`;
}

/** The strict policy a careful customer sets: nothing inline, Parley named for scripts, requests and fonts. */
export function strictCsp(parley: string): string {
  return `default-src 'none'; script-src 'self' ${parley}; connect-src ${parley}; font-src ${parley}; style-src 'self'`;
}

/** A host page's own script: a button that counts its clicks (see assertHostPageWorks). */
export const HOST_COUNTER = `<button id="host-button">0</button><script>
  document.getElementById('host-button').addEventListener('click', (e) => { e.target.textContent = String(Number(e.target.textContent) + 1); });
</script>`;

/**
 * After the browser refused a widget file for its integrity: the only errors are
 * integrity errors, and the host page's own script (HOST_COUNTER) still runs.
 */
export async function assertRefusedAndHostWorks(page: Page, errors: string[]): Promise<void> {
  assert.ok(errors.length > 0 && errors.every((e) => /integrity/.test(e)), errors.join('\n'));
  await page.locator('#host-button').click();
  await page.locator('#host-button').click();
  assert.equal(await page.locator('#host-button').textContent(), '2', "the host page's own script still runs");
}
