import pg from 'pg';
import type { Db } from './db.js';
import { createChannels } from './listeners.js';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

export interface Listening {
  listen: Db['listen'];
  notifyHere: Db['notifyHere'];
  close(): Promise<void>;
}

/**
 * LISTEN for one PostgreSQL handle, on one connection of its own outside the pool (a
 * pooled client cannot hold a LISTEN between transactions). Opened by the first listen()
 * call. A lost connection tells every listener `lost` at once, then reconnects with
 * back-off and says `listening` again once each channel is LISTENed anew.
 */
export function startListening(url: string, applicationName: string): Listening {
  let live: pg.Client | undefined;
  let starting: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let retryMs = FIRST_RETRY_MS;
  let closed = false;
  /** Channels LISTENed on the live connection. */
  const heard = new Set<string>();
  const channels = createChannels((channel) => {
    heard.delete(channel);
    live?.query(`UNLISTEN ${channel}`).catch(() => undefined);
  });

  async function subscribe(client: pg.Client, channel: string): Promise<void> {
    await client.query(`LISTEN ${channel}`);
    if (client !== live || heard.has(channel) || !channels.has(channel)) return;
    heard.add(channel);
    channels.listening(channel);
  }

  function lose(client: pg.Client): void {
    if (client === live) {
      live = undefined;
      const were = [...heard];
      heard.clear();
      for (const channel of were) channels.lost(channel);
    }
    client.end().catch(() => undefined);
    if (closed || retry || channels.names().length === 0) return;
    retry = setTimeout(() => {
      retry = undefined;
      start();
    }, retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  }

  function start(): void {
    if (closed || live || starting) return;
    starting = (async () => {
      const client = new pg.Client({ connectionString: url, application_name: applicationName, keepAlive: true });
      // Heard, so a lost connection does not end the process ('error' with no listener throws).
      client.on('error', () => lose(client));
      client.on('end', () => lose(client));
      client.on('notification', (n) => {
        if (client === live && heard.has(n.channel)) channels.notify(n.channel, n.payload ?? '');
      });
      try {
        await client.connect();
        if (closed) {
          await client.end();
          return;
        }
        live = client;
        retryMs = FIRST_RETRY_MS;
        for (const channel of channels.names()) await subscribe(client, channel);
      } catch {
        lose(client);
      }
    })().finally(() => (starting = undefined));
  }

  return {
    listen(channel, listener) {
      const { fresh, remove } = channels.add(channel, listener);
      if (!live) start();
      else if (heard.has(channel)) queueMicrotask(() => listener.listening());
      else if (fresh) {
        const client = live;
        subscribe(client, channel).catch(() => lose(client));
      }
      return remove;
    },
    notifyHere: (channel, payload) => channels.notify(channel, payload),
    async close() {
      closed = true;
      clearTimeout(retry);
      await starting;
      const client = live;
      live = undefined;
      heard.clear();
      await client?.end().catch(() => undefined);
    },
  };
}
