import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../config.js';
import { DEMO_PUBLIC_ID } from './demo-workspace.js';

export interface DemoPage {
  url: string;
  /** Both spellings of the page's loopback origin, for the workspace's allowed origins. */
  origins: string[];
  close(): Promise<void>;
}

/**
 * A stand-in for a customer's site: its own origin (another port), a strict CSP
 * naming only itself and Parley, and the one-line embed.
 */
export async function startDemoPage(parleyUrl: string, host: string, port: number): Promise<DemoPage> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/' && !req.url?.startsWith('/?'))) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': hostCsp(parleyUrl),
      'Cache-Control': 'no-store',
    });
    res.end(page(parleyUrl));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new ConfigError(`DEMO_PORT: port ${port} is in use; set DEMO_PORT to a free port, or DEMO=off`) : err));
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' || host === 'localhost' ? 'localhost' : host;
  const url = `http://${shown}:${bound}`;
  const origins = [...new Set([url, `http://localhost:${bound}`, `http://127.0.0.1:${bound}`])];
  return { url, origins, close: () => closeServer(server) };
}

/** What a customer's CSP needs for Parley: nothing inline, everything from one origin. */
export function hostCsp(parleyUrl: string): string {
  const parley = new URL(parleyUrl).origin;
  return [
    "default-src 'none'",
    `script-src ${parley}`,
    `connect-src ${parley}`,
    `font-src ${parley}`,
    "style-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

function page(parleyUrl: string): string {
  const src = `${new URL(parleyUrl).origin}/widget.js`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley demo site</title>
</head>
<body>
<h1>Parley demo site</h1>
<p>This page stands in for your website. It runs on its own origin with a strict
Content-Security-Policy (no inline scripts or styles) and embeds Parley with one tag:</p>
<pre><code>&lt;script src="${src}" data-workspace="${DEMO_PUBLIC_ID}" async&gt;&lt;/script&gt;</code></pre>
<p>Open the chat button in the corner.</p>
<script src="${src}" data-workspace="${DEMO_PUBLIC_ID}" async></script>
</body>
</html>
`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
