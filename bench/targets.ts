// What a bench streams from: the provider directly, or Parley as widget visitors do. Client i
// of a target always speaks from the same address, its own (bench/client.ts).
import { Agent } from 'node:http';
import { clientAddress, openStream, peer, postJson, type OpenStream, type Peer } from './client.js';
import type { BenchServer } from './parley-server.js';
import type { Provider } from './provider.js';

export interface Target {
  label: string;
  /** Gets clients 0…count-1 ready to send (sessions, conversations); not timed. */
  prepare(count: number): Promise<void>;
  /** Starts client i's stream; prepare(i + 1) first. */
  stream(i: number): OpenStream;
  /** Closes the clients' idle keep-alive connections, so the server holds only what streams need. */
  closeIdle(): void;
}

/** Address blocks (127.B.x.y): the provider's clients, Parley's visitors. */
export const DIRECT_BLOCK = 20;
export const VISITOR_BLOCK = 10;

/** A visitor starts a new conversation after this many messages, as people do, so history stays short. */
const CONVERSATION_LENGTH = 10;
/** Sessions and conversations created at once while preparing. */
const SETUP_CONCURRENCY = 20;

export function directTarget(provider: Provider): Target {
  const peers: Peer[] = [];
  const url = `${provider.url}/v1/chat/completions`;
  return {
    label: 'provider',
    closeIdle: () => peers.forEach(closeIdle),
    prepare: async (count) => {
      while (peers.length < count) peers.push(peer(clientAddress(DIRECT_BLOCK, peers.length)));
    },
    stream: (i) => openStream(peers[i]!, {
      url,
      headers: { Authorization: 'Bearer bench' },
      body: { model: 'bench', stream: true, messages: [{ role: 'user', content: 'How fast?' }] },
      isText: ({ data }) => data !== '[DONE]' && data.includes('"content"'),
      verdict: ({ data }) => (data === '[DONE]' ? 'done' : undefined),
    }),
  };
}

interface Visitor {
  peer: Peer;
  headers: Record<string, string>;
  conversation: string;
  sent: number;
}

/** Widget visitors of the demo workspace, each with a session and a conversation of its own. */
export function parleyTarget(server: BenchServer, block = VISITOR_BLOCK): Target {
  const visitors: Visitor[] = [];
  const api = `${server.url}/api/widget`;
  const newConversation = async (v: Visitor) => {
    v.conversation = (await postJson(v.peer, `${api}/conversations`, v.headers, {})).id as string;
    v.sent = 0;
  };
  const create = async (index: number): Promise<Visitor> => {
    const from = peer(clientAddress(block, index));
    const headers = { Origin: server.origin };
    const session = await postJson(from, `${api}/sessions`, headers, { workspace: 'parley-demo' });
    const v: Visitor = { peer: from, headers: { ...headers, Authorization: `Bearer ${session.token as string}` }, conversation: '', sent: 0 };
    await newConversation(v);
    return v;
  };
  return {
    label: 'Parley',
    closeIdle: () => visitors.forEach((v) => closeIdle(v.peer)),
    prepare: async (count) => {
      const missing = Array.from({ length: Math.max(0, count - visitors.length) }, (_, k) => visitors.length + k);
      visitors.push(...(await inBatches(missing, SETUP_CONCURRENCY, create)));
      const stale = visitors.slice(0, count).filter((v) => v.sent >= CONVERSATION_LENGTH);
      await inBatches(stale, SETUP_CONCURRENCY, newConversation);
    },
    stream: (i) => {
      const v = visitors[i]!;
      v.sent++;
      return openStream(v.peer, {
        url: `${api}/conversations/${v.conversation}/messages`,
        headers: v.headers,
        body: { content: 'How fast?' },
        isText: ({ event }) => event === 'delta',
        verdict: ({ event, data }) => {
          if (event === 'done') return 'done';
          if (event === 'error') return `stream error ${(JSON.parse(data) as { code?: string }).code ?? ''}`.trim();
          return undefined;
        },
      });
    },
  };
}

function closeIdle(p: Peer): void {
  p.agent.destroy();
  p.agent = new Agent({ keepAlive: true });
}

/** fn over items, `size` at a time, results in order. */
export async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}
