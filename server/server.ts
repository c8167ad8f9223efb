import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import type { Config } from './config.js';
import type { Db } from './db/db.js';
import { openDatabase } from './db/open.js';
import type { Logger } from './logging.js';

export interface RunningServer {
  /** Where browsers reach it: PUBLIC_URL, or the bound address. */
  url: string;
  /** Where it actually listens, which differs from url behind a proxy. */
  listenUrl: string;
  db: Db;
  /** Stops accepting, lets requests in flight finish (up to graceMs), closes the database. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Opens (and migrates) the database, binds the port, then serves. Binding before
 * building the app means a PORT of 0 still yields a correct public URL.
 * A db passed in is the caller's to close.
 */
export async function startServer(config: Config, logger: Logger, options: { db?: Db } = {}): Promise<RunningServer> {
  const db = options.db ?? (await openDatabase(config.database));
  const server = createServer();
  try {
    await listen(server, config.port, config.host);
  } catch (err) {
    if (!options.db) await db.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const listenUrl = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  const url = config.publicUrl ?? listenUrl;
  server.on('request', createApp({ config, db, logger, publicUrl: url }));

  return {
    url,
    listenUrl,
    db,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      if (!options.db) await db.close();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
